"""Pages of the alerts: the notifications list (mark read with htmx), a person's digest
preferences, the heads' thresholds, and the signed unsubscribe link of the e-mails."""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import can_tune_alerts, page_view
from accounts.models import User
from kam.forms import add_service_errors
from kam.http import AuthenticatedHttpRequest
from reports.models import Notification

from . import digests, selectors, services
from .forms import AlertSettingsForm, PreferencesForm
from .rules import RULES

PAGE_SIZE = 30


@page_view
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    qs = selectors.notification_list(user=request.user, unread=True if unread_only else None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/alerts/notifications.html",
        {
            "page": page,
            "unread_only": unread_only,
            "unread_count": selectors.notification_unread_count(user=request.user),
        },
    )


@page_view
@require_POST
def notification_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark one read; htmx swaps the row and the bell's count, a plain POST goes back."""
    try:
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist as exc:
        raise Http404 from exc
    if request.htmx:
        return render(
            request,
            "reports/alerts/_notification_row.html",
            {
                "n": notification,
                "oob_bell": True,
                "unread_count": selectors.notification_unread_count(user=request.user),
            },
        )
    return redirect("alerts:notifications")


@page_view
@require_POST
def notifications_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    marked = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(n)d notification(s) marked read.") % {"n": marked})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("alerts:notifications")
        return response
    return redirect("alerts:notifications")


@page_view
@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    initial = {
        "digest_daily": user.digest_daily,
        "digest_weekly": user.digest_weekly,
        "language": user.language,
        "timezone": user.timezone,
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_preferences_update(
                user=user,
                language=data["language"],
                timezone_name=data["timezone"],
                digest_daily=data["digest_daily"],
                digest_weekly=data["digest_weekly"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Preferences saved."))
            return redirect("alerts:preferences")
    return render(request, "reports/alerts/preferences.html", {"form": form})


@page_view(allow=can_tune_alerts)
@require_http_methods(["GET", "POST"])
def alert_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    cfg = services.alert_settings_get()
    form = AlertSettingsForm(request.POST or None, instance=cfg)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.fields}
        try:
            services.alert_settings_update(user=request.user, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Thresholds saved: the next evaluation uses them."))
            return redirect("alerts:settings")
    return render(
        request,
        "reports/alerts/settings.html",
        {"form": form, "rules": RULES.values(), "cfg": cfg},
    )


@csrf_exempt  # RFC 8058: mail clients POST here without a session; the signature is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every digest: no sign-in. GET asks (mail scanners follow links), a
    POST — the button, or the mail client's one-click — switches the digest off."""
    try:
        user_id, kind = digests.unsubscribe_read(token)
    except signing.BadSignature as exc:
        raise Http404 from exc
    if not User.objects.filter(pk=user_id).exists():
        raise Http404
    done = False
    if request.method == "POST":
        digests.unsubscribe(token=token)
        done = True
    return render(
        request,
        "reports/alerts/unsubscribe.html",
        {"kind": kind, "done": done, "token": token},
    )
