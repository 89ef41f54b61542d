"""The KAM's pages: home ("My accounts"), the account page, the quick log, contacts, events.

Thin views: forms validate, `services` write, `selectors`/`workspace` read (always scoped by
the user, so another KAM's account id is a 404). Panels owned by `plans` and `reports` are
composed in the templates through their template tags; this app imports neither.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.base import Message
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kam.forms import parse_id, save_with
from kam.http import AuthenticatedHttpRequest, redirect_back

from . import access, services
from .access import ensure_can_change_account, page_view
from .coverage import account_coverage, contact_coverage
from .forms import (
    AccountForm,
    AccountPickForm,
    AttendanceForm,
    ContactForm,
    ContactLinkForm,
    DistributorLinkForm,
    EventForm,
    HomeFilterForm,
    InteractionForm,
    SurveyForm,
)
from .models import Account, AuditEvent, Contact, Event, Interaction
from .panels import org_chart_with_coverage, panel_context
from .relationship_map import relationship_drawing
from .selectors import (
    SOFT_DELETED_KINDS,
    account_home_list,
    account_list,
    account_timeline,
    account_with_subsidiaries,
    assignable_user_list,
    contact_link_list,
    contact_list,
    contact_neighbours,
    contact_timeline,
    deleted_entries,
    deleted_record_ids,
    distributor_link_list,
    distributor_list,
    event_list,
    event_page_list,
    event_people,
    first_rows_and_count,
    interaction_list,
    key_accounts_without_contact,
    my_accounts,
    survey_list,
)
from .templatetags.kam_ui import UNDO_TAG

PAGE_SIZE = 25
ATTENTION_ROWS = 5
MANY_ACCOUNTS = 12  # more than this to pick from: a multiple select, not checkboxes


def _account_or_404(request: AuthenticatedHttpRequest, pk: int) -> Account:
    return get_object_or_404(account_list(user=request.user), pk=pk)


@page_view
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    every_account = access.sees_every_account(user)
    owners = assignable_user_list().order_by("last_name", "username") if every_account else ()
    form = HomeFilterForm(request.GET or None, owners=owners, every_account=every_account)
    filters = {}
    if form.is_bound:
        form.is_valid()  # a bad value (a stale region id) drops that filter, not all of them
        filters = form.cleaned_data
    region = filters.get("region")
    accounts = account_home_list(
        user=user,
        q=filters.get("q", ""),
        tier=filters.get("tier", ""),
        region=region.pk if region else None,
        status=filters.get("status", ""),
        key_only=filters.get("key", False),
        owner=filters.get("owner", ""),
        sort=filters.get("sort") or "name",
    )
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for account in page:
        last = account.last_interaction_at
        account.days_since_contact = (now - last).days if last else None
    no_contact, no_contact_count = first_rows_and_count(
        key_accounts_without_contact(user=user), ATTENTION_ROWS
    )
    context = {
        "form": form,
        "page": page,
        "accounts": list(page),
        "no_contact": no_contact,
        "no_contact_count": no_contact_count,
        "today": timezone.localdate(),
        "every_account": every_account,
    }
    return render(request, "accounts/home.html", context)


@page_view
def account_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The header and the numbers; the revenue chart, the health card and the panels below
    arrive after the page (`account_panel`)."""
    try:
        account, subsidiaries = account_with_subsidiaries(user=request.user, pk=pk)
    except Account.DoesNotExist:
        raise Http404 from None
    # The people are shown (and recorded as shown) by the org chart's panel.
    services.audit_record(
        user=request.user, action=AuditEvent.Action.VIEW_ACCOUNT, account_id=account.pk
    )
    context = {
        "account": account,
        "can_change": access.can_change_account(user=request.user, account=account),
        "subsidiaries": subsidiaries,
        "team": list(account.team.order_by("last_name", "username")),
    }
    return render(request, "accounts/account_detail.html", context)


@page_view
def account_panel(request: AuthenticatedHttpRequest, pk: int, name: str) -> HttpResponse:
    """One panel of the account page (accounts/panels.py): the fragment htmx swaps in, or,
    opened as a link, the panel on a page of its own."""
    account = _account_or_404(request, pk)
    context = panel_context(request, account, name)
    if context is None:
        raise Http404
    body = render_to_string(context["panel"].template, context, request=request)
    if request.htmx:
        return HttpResponse(body)
    return render(request, "accounts/account_panel.html", context | {"body": body})


@page_view
def relationship_map(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The account's people and ours, with every link between them, drawn as SVG on the
    server (no script) with the same facts as a table beside it."""
    account = _account_or_404(request, pk)
    coverage = account_coverage(user=request.user, account=account)
    services.audit_record(
        user=request.user,
        action=AuditEvent.Action.VIEW_ACCOUNT,
        account_id=account.pk,
        details={"page": "relationship-map", "contacts_shown": len(coverage.contacts)},
    )
    context = {
        "account": account,
        "coverage": coverage,
        "drawing": relationship_drawing(coverage),
        "can_change": access.can_change_account(user=request.user, account=account),
    }
    return render(request, "accounts/relationship_map.html", context)


@page_view
@require_http_methods(["GET", "POST"])
def account_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    account = _account_or_404(request, pk)
    ensure_can_change_account(user=request.user, account=account)
    form = AccountForm(request.POST or None, instance=account)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(form, services.account_update, user=request.user, account=account)
    ):
        messages.success(request, _("Account saved."))
        return redirect("accounts:detail", pk=account.pk)
    return render(request, "accounts/account_form.html", {"account": account, "form": form})


@page_view
@require_http_methods(["GET", "POST"])
def interaction_log(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The quick log; from the account page htmx swaps the timeline in place."""
    account = _account_or_404(request, pk)
    ensure_can_change_account(user=request.user, account=account)
    inline = request.htmx and request.POST.get("inline") == "1"
    # From a contact's page: that person is ticked already.
    contact_id = parse_id(request.GET.get("contact", ""))
    form = InteractionForm(request.POST or None, account=account)
    if contact_id and not form.is_bound:
        form.initial["contacts"] = [contact_id]
    if (
        request.method == "POST"
        and form.is_valid()
        and (
            logged := save_with(form, services.interaction_log, user=request.user, account=account)
        )
    ):
        if inline:
            org_chart, coverage = org_chart_with_coverage(user=request.user, account=account)
            context = {
                "account": account,
                "log_form": InteractionForm(account=account),
                "saved": True,
                "can_change": True,
                "org_chart": org_chart,
                "coverage": coverage,
                "has_contacts": bool(org_chart),
                "timeline": account_timeline(user=request.user, account=account),
                "toast": logged_message(logged),
            }
            return render(request, "accounts/_log_saved.html", context)
        toast = logged_message(logged)
        messages.add_message(request, toast.level, toast.message, extra_tags=toast.extra_tags)
        return redirect(reverse("accounts:detail", args=[account.pk]) + "#timeline")
    context = {
        "account": account,
        "log_form": form,
        "has_contacts": account.contacts.exists(),
        "inline": inline,
    }
    if inline:
        return render(request, "accounts/_log_form.html", context)
    return render(request, "accounts/log.html", context)


@page_view
def interaction_pick(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Log from the home page: pick one of my accounts, then the usual form."""
    choices = my_accounts(user=request.user).order_by("name").only("pk", "name")
    form = AccountPickForm(request.GET or None, accounts=choices)
    if form.is_valid():
        return redirect("accounts:log", pk=form.cleaned_data["account"].pk)
    return render(request, "accounts/log_pick.html", {"form": form})


# Where each kind of record lives on the account page, and its form's template.
CONTACT_PAGE = {"anchor": "#org-chart", "template": "accounts/contact_form.html"}
SURVEY_PAGE = {"anchor": "#surveys", "template": "accounts/survey_form.html"}
LINK_PAGE = {"anchor": "#distributors", "template": "accounts/distributor_link_form.html"}


def _account_record_form(
    request: AuthenticatedHttpRequest,
    form: forms.BaseForm,
    service: Callable[..., Any],  # its record or account bound with functools.partial
    /,
    *,
    account: Account,
    saved: str,
    anchor: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """One round of a form for something under an account (contact, survey, link).

    Refused (403) unless the user may change the account; on a valid POST the service
    writes and we go back to the account page's section, otherwise (the form or the
    service refused) the form comes again with the errors beside the fields.
    """
    ensure_can_change_account(user=request.user, account=account)
    if request.method == "POST" and form.is_valid() and save_with(form, service, user=request.user):
        messages.success(request, saved)
        return redirect(reverse("accounts:detail", args=[account.pk]) + anchor)
    context = {"account": account, "form": form, "anchor": anchor, **context}
    return render(request, template, context)


@page_view
@require_http_methods(["GET", "POST"])
def contact_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    account = _account_or_404(request, pk)
    form = ContactForm(request.POST or None, account=account)
    return _account_record_form(
        request,
        form,
        partial(services.contact_create, account=account),
        account=account,
        saved=_("Contact added."),
        context={"heading": _("New contact")},
        **CONTACT_PAGE,
    )


def logged_message(interaction: Interaction) -> Message:
    """The confirmation of a logged interaction, with its undo (base.html shows messages
    as toasts in the viewport, wherever the page has scrolled to)."""
    undo = reverse("accounts:interaction-undo", args=[interaction.pk])
    return Message(messages.SUCCESS, _("Interaction logged."), extra_tags=UNDO_TAG + undo)


@page_view
@require_POST
def interaction_undo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Take back a logged interaction (marked deleted: "Recently deleted" restores it)."""
    interaction = get_object_or_404(interaction_list(user=request.user), pk=pk)
    services.account_record_delete(
        user=request.user, record=interaction, account=interaction.account
    )
    messages.info(
        request, _("Interaction removed. “Recently deleted” brings it back if you need it.")
    )
    return redirect(reverse("accounts:detail", args=[interaction.account_id]) + "#timeline")


@page_view
@require_POST
def next_step_state(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Close a next step (done, cancelled) or reopen it (the undo); htmx swaps its state."""
    interaction = get_object_or_404(
        interaction_list(user=request.user).select_related("account"), pk=pk
    )
    try:
        services.next_step_close(
            user=request.user, interaction=interaction, status=request.POST.get("status", "")
        )
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages))
    if request.htmx:
        return render(
            request,
            "_partials/_work_item.html",
            {
                "kind": "next_step",
                "pk": interaction.pk,
                "status": interaction.next_step_status,
                "title": interaction.next_step,
                "url": reverse("accounts:next-step", args=[interaction.pk]),
                "changed": True,
            },
        )
    messages.success(request, _("Next step updated."))
    return redirect_back(
        request, reverse("accounts:detail", args=[interaction.account_id]) + "#timeline"
    )


@page_view
def contact_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One person: how to reach them (tap to call, write), where they sit in the org
    chart, and what we did together."""
    contact = get_object_or_404(contact_list(user=request.user), pk=pk)
    return _contact_page(request, contact)


def _contact_page(
    request: AuthenticatedHttpRequest,
    contact: Contact,
    link_form: ContactLinkForm | None = None,
    status: int = 200,
) -> HttpResponse:
    services.audit_record(  # their e-mail and phone are on this page
        user=request.user,
        action=AuditEvent.Action.VIEW_CONTACTS,
        account_id=contact.account_id,
        details={"contact": contact.pk},
    )
    can_change = access.can_change_account(user=request.user, account=contact.account)
    context = {
        "contact": contact,
        "account": contact.account,
        "can_change": can_change,
        "link_form": (link_form or ContactLinkForm(contact=contact)) if can_change else None,
        "neighbours": contact_neighbours(contact=contact),
        "timeline": contact_timeline(contact=contact),
        "coverage": contact_coverage(user=request.user, contact=contact),
        "links": list(
            contact_link_list(user=request.user)
            .filter(Q(from_contact=contact) | Q(to_contact=contact))
            .order_by("kind", "pk")
        ),
    }
    return render(request, "accounts/contact_detail.html", context, status=status)


@page_view
@require_POST
def contact_link_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Link the contact to another person of their account ("influences", "is close to"…);
    a refused link shows the contact page again with the error beside its field."""
    contact = get_object_or_404(contact_list(user=request.user), pk=pk)
    form = ContactLinkForm(request.POST, contact=contact)
    if form.is_valid() and save_with(
        form, services.contact_link_create, user=request.user, from_contact=contact
    ):
        messages.success(request, _("Link saved."))
        return redirect(reverse("accounts:contact", args=[contact.pk]) + "#contact-links")
    return _contact_page(request, contact, link_form=form, status=400)


@page_view
@require_POST
def contact_link_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Remove a link between two people (its history keeps who removed it, and when)."""
    link = get_object_or_404(
        contact_link_list(user=request.user).select_related("from_contact__account"), pk=pk
    )
    services.contact_link_delete(user=request.user, link=link)
    messages.info(request, _("Link removed."))
    back = request.POST.get("contact")
    target = link.to_contact_id if back == str(link.to_contact_id) else link.from_contact_id
    return redirect(reverse("accounts:contact", args=[target]) + "#contact-links")


@page_view
@require_http_methods(["GET", "POST"])
def contact_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(contact_list(user=request.user), pk=pk)
    if request.method == "GET":  # their e-mail and phone are on this page
        services.audit_record(
            user=request.user,
            action=AuditEvent.Action.VIEW_CONTACTS,
            account_id=contact.account_id,
            details={"contact": contact.pk},
        )
    form = ContactForm(request.POST or None, instance=contact, account=contact.account)
    heading = _("Edit %(name)s") % {"name": contact.name}
    return _account_record_form(
        request,
        form,
        partial(services.contact_update, contact=contact),
        account=contact.account,
        saved=_("Contact saved."),
        context={"heading": heading, "contact": contact},
        **CONTACT_PAGE,
    )


@page_view
@require_http_methods(["GET", "POST"])
def survey_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    account = _account_or_404(request, pk)
    form = SurveyForm(request.POST or None, account=account)
    return _account_record_form(
        request,
        form,
        partial(services.survey_create, account=account),
        account=account,
        saved=_("Survey recorded."),
        context={"heading": _("Record a survey")},
        **SURVEY_PAGE,
    )


@page_view
@require_http_methods(["GET", "POST"])
def survey_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(survey_list(user=request.user), pk=pk)
    form = SurveyForm(request.POST or None, instance=survey, account=survey.account)
    date = date_format(survey.date, "SHORT_DATE_FORMAT")
    return _account_record_form(
        request,
        form,
        partial(services.survey_update, survey=survey),
        account=survey.account,
        saved=_("Survey saved."),
        context={
            "heading": _("Edit the survey of %(date)s") % {"date": date},
            "delete_url": reverse("accounts:survey-delete", args=[survey.pk]),
            "delete_question": _(
                "Delete this survey? It stays in “Recently deleted” for %(days)s days."
            )
            % {"days": settings.SOFT_DELETE_RETENTION_DAYS},
        },
        **SURVEY_PAGE,
    )


def _account_record_delete(request: AuthenticatedHttpRequest, record, *, done: str, anchor: str):
    """Delete something under an account (the service checks the user may change it)."""
    account = record.account
    services.account_record_delete(user=request.user, record=record, account=account)
    messages.success(request, done)
    return redirect(reverse("accounts:detail", args=[account.pk]) + anchor)


@page_view
@require_POST
def survey_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(survey_list(user=request.user), pk=pk)
    return _account_record_delete(
        request, survey, done=_("Survey deleted."), anchor=SURVEY_PAGE["anchor"]
    )


@page_view
@require_http_methods(["GET", "POST"])
def distributor_link_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    account = _account_or_404(request, pk)
    distributors = distributor_list(user=request.user).order_by("name")
    form = DistributorLinkForm(request.POST or None, distributors=distributors)
    return _account_record_form(
        request,
        form,
        partial(services.distributor_link_save, account=account),
        account=account,
        saved=_("Distributor linked."),
        context={"heading": _("Link a distributor")},
        **LINK_PAGE,
    )


@page_view
@require_http_methods(["GET", "POST"])
def distributor_link_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(distributor_link_list(user=request.user), pk=pk)
    distributors = distributor_list(user=request.user).order_by("name")
    form = DistributorLinkForm(request.POST or None, instance=link, distributors=distributors)
    heading = _("Edit the link with %(name)s") % {"name": link.distributor.name}
    return _account_record_form(
        request,
        form,
        partial(services.distributor_link_save, account=link.account, link=link),
        account=link.account,
        saved=_("Distributor link saved."),
        context={
            "heading": heading,
            "delete_url": reverse("accounts:distributor-link-delete", args=[link.pk]),
            "delete_question": _(
                "Remove this distributor from the account? The link stays in “Recently "
                "deleted” for %(days)s days."
            )
            % {"days": settings.SOFT_DELETE_RETENTION_DAYS},
        },
        **LINK_PAGE,
    )


@page_view
@require_POST
def distributor_link_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(distributor_link_list(user=request.user), pk=pk)
    return _account_record_delete(
        request, link, done=_("Distributor removed from the account."), anchor=LINK_PAGE["anchor"]
    )


# --- Events ------------------------------------------------------------------------------
def _event_or_404(request: AuthenticatedHttpRequest, pk: int) -> Event:
    return get_object_or_404(event_list(user=request.user), pk=pk)


def _ensure_can_change_event(request: AuthenticatedHttpRequest, event: Event) -> None:
    if not access.can_change_event(user=request.user, event=event):
        raise PermissionDenied(_("You cannot change this event."))


@page_view
def event_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    events = event_page_list(user=request.user)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page)
    sections = [
        (_("Upcoming"), [e for e in rows if not e.is_past]),
        (_("Past"), [e for e in rows if e.is_past]),
    ]
    context = {"page": page, "events": rows, "sections": sections}
    return render(request, "accounts/events.html", context)


def _event_page(
    request: AuthenticatedHttpRequest, event: Event, *, attendance_form=None
) -> HttpResponse:
    can_change = access.can_change_event(user=request.user, event=event)
    accounts = access.account_scope(user=request.user).filter(events=event).order_by("name")
    if can_change and attendance_form is None:
        attendance_form = AttendanceForm(event=event, accounts=accounts)
    context = {
        "event": event,
        "can_change": can_change,
        "accounts": list(accounts),
        "people": event_people(user=request.user, event=event),
        "attendance_form": attendance_form if can_change else None,
        "started": event.starts_on <= timezone.localdate(),
    }
    return render(request, "accounts/event_detail.html", context)


@page_view
def event_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _event_page(request, _event_or_404(request, pk))


@page_view
@require_POST
def event_attendance(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Tick who came, straight from the event page (the common edit after an event)."""
    event = _event_or_404(request, pk)
    _ensure_can_change_event(request, event)
    # Only what the user sees is sent; the service keeps the rest of a joint event as it is.
    seen = access.account_scope(user=request.user).filter(events=event)
    form = AttendanceForm(request.POST, event=event, accounts=seen)
    keep = partial(
        services.event_save, accounts=seen, invited=event.invited.filter(account__in=seen)
    )
    if form.is_valid() and save_with(form, keep, user=request.user, event=event):
        messages.success(request, _("Attendance saved."))
        return redirect(reverse("accounts:event", args=[event.pk]) + "#people")
    return _event_page(request, event, attendance_form=form)


def _event_form(
    request: AuthenticatedHttpRequest, event: Event | None, initial: dict
) -> HttpResponse:
    """One round of the event form. `_people` (the accounts changed) only redraws it with
    the people of the chosen accounts: nothing is saved and no error is shown yet."""
    user = request.user
    accounts = access.account_scope(user=user)
    kwargs: dict[str, Any] = {
        "instance": event,
        "accounts": accounts,
        "many_accounts": access.sees_every_account(user) or accounts.count() > MANY_ACCOUNTS,
    }
    form = EventForm(request.POST or None, initial=initial, **kwargs)
    if form.is_bound and "_people" in request.POST:
        typed = {
            name: field.widget.value_from_datadict(request.POST, {}, form.add_prefix(name))
            for name, field in form.fields.items()
        }
        form = EventForm(initial=typed, **kwargs)
    elif form.is_bound and form.is_valid():
        saved = save_with(form, services.event_save, user=user, event=event)
        if saved is not None:
            messages.success(request, _("Event saved."))
            return redirect("accounts:event", pk=saved.pk)
    heading = _("Edit %(name)s") % {"name": event.name} if event else _("Plan an event")
    context = {"form": form, "event": event, "heading": heading, "back": initial.get("back")}
    if event is not None:
        context["delete_url"] = reverse("accounts:event-delete", args=[event.pk])
        context["delete_question"] = _(
            "Delete this event with its invitations and attendance? It stays in “Recently "
            "deleted” for %(days)s days."
        ) % {"days": settings.SOFT_DELETE_RETENTION_DAYS}
    return render(request, "accounts/event_form.html", context)


@page_view
@require_http_methods(["GET", "POST"])
def event_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {"starts_on": timezone.localdate()}
    account_id = parse_id(request.GET.get("account", ""))
    if account_id is not None:
        account = access.account_scope(user=request.user).filter(pk=account_id).first()
        if account is not None:
            initial.update(accounts=[account.pk], back=account)
    return _event_form(request, None, initial)


@page_view
@require_http_methods(["GET", "POST"])
def event_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    _ensure_can_change_event(request, event)
    return _event_form(request, event, {})


@page_view
@require_POST
def event_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    services.event_delete(user=request.user, event=event)
    messages.success(request, _("Event deleted."))
    return redirect("accounts:events")


# --- Recently deleted ------------------------------------------------------------------------
@page_view
def recently_deleted(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What the user may restore: deleted in the last SOFT_DELETE_RETENTION_DAYS days."""
    account = None
    account_id = parse_id(request.GET.get("account", ""))
    if account_id is not None:
        account = access.account_scope(user=request.user).filter(pk=account_id).first()
    ids = deleted_record_ids(user=request.user, account_id=account.pk if account else None)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "entries": deleted_entries(list(page)),
        "account": account,
        "days": settings.SOFT_DELETE_RETENTION_DAYS,
    }
    return render(request, "accounts/recently_deleted.html", context)


# Where a restored record is seen again.
RESTORED_AT = {
    "interaction": lambda r: reverse("accounts:detail", args=[r.account_id]) + "#timeline",
    "survey": lambda r: reverse("accounts:detail", args=[r.account_id]) + "#surveys",
    "event": lambda r: reverse("accounts:event", args=[r.pk]),
    "distributor-link": lambda r: reverse("accounts:detail", args=[r.account_id]) + "#distributors",
}


@page_view
@require_POST
def record_restore(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    """Restore one deleted record (POST, CSRF); what the user may not restore is a 404."""
    if kind not in SOFT_DELETED_KINDS or parse_id(pk) is None:  # past 64 bits: no record
        raise Http404
    model = SOFT_DELETED_KINDS[kind]
    record = get_object_or_404(access.restorable_records(user=request.user, model=model), pk=pk)
    try:
        services.record_restore(user=request.user, record=record)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:recently-deleted")
    messages.success(request, _("Restored: %(what)s") % {"what": record})
    return redirect(RESTORED_AT[kind](record))
