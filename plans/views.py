"""Pages of the plans app: account plans, tenders and the calendar (with its .ics feed)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access
from accounts.access import ensure_can_change_account, page_view
from accounts.selectors import account_list, my_accounts
from kam.forms import add_service_errors, parse_id, save_with
from kam.http import AuthenticatedHttpRequest, redirect_back

from . import services
from .calendar import calendar_ics, calendar_items, feed_token, feed_user
from .forms import (
    ActionForm,
    ObjectiveForm,
    PlanForm,
    TenderFilterForm,
    TenderForm,
    TenderStageForm,
)
from .models import AccountPlan, Action, Tender
from .selectors import action_scope, plan_get, tender_get, tender_page_list, tender_stage_counts

PAGE_SIZE = 50
CALENDAR_WEEKS = 4


# --- Account plans ----------------------------------------------------------------------
@page_view
@require_http_methods(["GET", "POST"])
def plan_create(request: AuthenticatedHttpRequest, account_pk: int) -> HttpResponse:
    account = get_object_or_404(account_list(user=request.user), pk=account_pk)
    ensure_can_change_account(user=request.user, account=account)
    form = PlanForm(request.POST or None, initial=services.account_plan_template(account=account))
    if request.method == "POST" and form.is_valid():
        plan = save_with(form, services.account_plan_create, user=request.user, account=account)
        if plan is not None:
            messages.success(request, _("Plan created. Add objectives and actions."))
            return redirect("plans:plan", pk=plan.pk)
    return render(request, "plans/plan_form.html", {"account": account, "form": form})


def _plan_or_404(request: AuthenticatedHttpRequest, pk: int) -> AccountPlan:
    try:
        return plan_get(user=request.user, pk=pk)
    except AccountPlan.DoesNotExist as missing:
        raise Http404 from missing


def _plan_page(request, plan, *, objective_form=None, action_form=None, status=200):
    can_change = access.can_change_account(user=request.user, account=plan.account)
    context = {
        "plan": plan,
        "account": plan.account,
        "can_change": can_change,
        "completeness": services.account_plan_completeness(plan=plan),
        "objective_form": objective_form or ObjectiveForm(),
        "action_form": action_form or ActionForm(plan=plan, user=request.user),
    }
    return render(request, "plans/plan_detail.html", context, status=status)


@page_view
def plan_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _plan_page(request, _plan_or_404(request, pk))


@page_view
@require_http_methods(["GET", "POST"])
def plan_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(request, pk)
    ensure_can_change_account(user=request.user, account=plan.account)
    form = PlanForm(request.POST or None, instance=plan)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(form, services.account_plan_update, user=request.user, plan=plan)
    ):
        messages.success(request, _("Plan saved."))
        return redirect("plans:plan", pk=plan.pk)
    return render(
        request, "plans/plan_form.html", {"account": plan.account, "form": form, "plan": plan}
    )


@page_view
@require_POST
def objective_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(request, pk)
    ensure_can_change_account(user=request.user, account=plan.account)
    form = ObjectiveForm(request.POST)
    if form.is_valid() and save_with(form, services.objective_save, user=request.user, plan=plan):
        messages.success(request, _("Objective added."))
        return redirect(reverse("plans:plan", args=[plan.pk]) + "#objectives")
    return _plan_page(request, plan, objective_form=form)


@page_view
@require_POST
def action_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(request, pk)
    ensure_can_change_account(user=request.user, account=plan.account)
    form = ActionForm(request.POST, plan=plan, user=request.user)
    if form.is_valid() and save_with(form, services.action_save, user=request.user, plan=plan):
        messages.success(request, _("Action added."))
        return redirect(reverse("plans:plan", args=[plan.pk]) + "#actions")
    return _plan_page(request, plan, action_form=form)


@page_view
@require_POST
def action_toggle(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Tick an action done, cancel it or reopen it (the undo); htmx swaps the plan page's
    row, or the item's state elsewhere (home, calendar); a plain POST redirects."""
    action = get_object_or_404(
        action_scope(user=request.user).select_related("plan__account", "owner", "objective"),
        pk=pk,
    )
    ensure_can_change_account(user=request.user, account=action.plan.account)
    status = request.POST.get("status") or (
        Action.Status.OPEN if request.POST.get("done") == "0" else Action.Status.DONE
    )
    if status not in Action.Status.values:
        return HttpResponseBadRequest(_("Unknown status."))
    action = services.action_save(user=request.user, plan=action.plan, action=action, status=status)
    if request.htmx and request.POST.get("fragment") == "item":
        return render(
            request,
            "_partials/_work_item.html",
            {
                "kind": "action",
                "pk": action.pk,
                "status": action.status,
                "title": action.description,
                "url": reverse("plans:action-toggle", args=[action.pk]),
                "changed": True,
            },
        )
    if request.htmx:
        completeness = services.account_plan_completeness(plan=action.plan)
        return render(
            request,
            "plans/_action_row.html",
            {
                "action": action,
                "can_change": True,
                "oob_completeness": completeness,
                "plan": action.plan,
            },
        )
    if request.POST.get("fragment") == "item":
        return redirect_back(request, reverse("plans:plan", args=[action.plan_id]) + "#actions")
    return redirect(reverse("plans:plan", args=[action.plan_id]) + "#actions")


# --- Tenders ----------------------------------------------------------------------------
@page_view
def tenders(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TenderFilterForm(request.GET or None)
    filters = {}
    if form.is_bound:
        form.is_valid()  # a bad value drops that filter, not all of them
        filters = form.cleaned_data
    stage = filters.get("stage", "")
    qs = tender_page_list(
        user=request.user,
        stage="" if stage in ("", "all") else stage,
        q=filters.get("q", ""),
        open_only=stage == "",
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = list(page)
    for tender in rows:
        # An open tender past its deadline and not yet submitted is a missed one.
        tender.deadline_passed = (
            tender.stage in (Tender.Stage.IDENTIFIED, Tender.Stage.PREPARING)
            and tender.submission_deadline is not None
            and tender.submission_deadline < now
        )
    context = {
        "form": form,
        "page": page,
        "tenders": rows,
        "stage": stage,
        "stage_counts": tender_stage_counts(user=request.user),
    }
    return render(request, "plans/tenders.html", context)


def _tender_accounts(request: AuthenticatedHttpRequest):
    """Accounts offered when creating a tender: mine, or the one asked for in ?account=."""
    accounts = my_accounts(user=request.user)
    wanted = parse_id(request.GET.get("account") or request.POST.get("account") or "")
    if wanted is not None:
        accounts = accounts | account_list(user=request.user).filter(pk=wanted)
    return accounts.order_by("name").distinct()


@page_view
@require_http_methods(["GET", "POST"])
def tender_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    accounts = _tender_accounts(request)
    form = TenderForm(
        request.POST or None,
        accounts=accounts,
        initial={"account": request.GET.get("account")},
    )
    if request.method == "POST" and form.is_valid():
        tender = save_with(form, services.tender_create, user=request.user)  # account: form
        if tender is not None:
            messages.success(request, _("Tender created."))
            return redirect("plans:tender", pk=tender.pk)
    return render(request, "plans/tender_form.html", {"form": form})


def _tender_or_404(request: AuthenticatedHttpRequest, pk: int) -> Tender:
    try:
        return tender_get(user=request.user, pk=pk)
    except Tender.DoesNotExist as missing:
        raise Http404 from missing


@page_view
@require_http_methods(["GET", "POST"])
def tender_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The tender with its edit form and the stage move form."""
    tender = _tender_or_404(request, pk)
    can_change = access.can_change_account(user=request.user, account=tender.account)
    form = TenderForm(request.POST or None, instance=tender, accounts=None)
    if request.method == "POST":
        ensure_can_change_account(user=request.user, account=tender.account)
        if form.is_valid() and save_with(
            form, services.tender_update, user=request.user, tender=tender
        ):
            messages.success(request, _("Tender saved."))
            return redirect("plans:tender", pk=tender.pk)
        tender = _tender_or_404(request, pk)  # undo the unsaved edits on the shown header
    stage_form = TenderStageForm(initial={"stage": tender.stage})
    return render(
        request,
        "plans/tender_detail.html",
        {"tender": tender, "form": form, "stage_form": stage_form, "can_change": can_change},
    )


@page_view
@require_http_methods(["GET", "POST"])
def tender_stage(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    tender = _tender_or_404(request, pk)
    ensure_can_change_account(user=request.user, account=tender.account)
    stage_form = TenderStageForm(request.POST or None, initial={"stage": tender.stage})
    if request.method == "POST" and stage_form.is_valid():
        try:
            services.tender_move_stage(
                user=request.user,
                tender=tender,
                stage=stage_form.cleaned_data["stage"],
                reason=stage_form.cleaned_data["reason"].strip(),
            )
        except ValidationError as error:
            add_service_errors(stage_form, error, aliases={"outcome_reason": "reason"})
        else:
            messages.success(
                request, _("Tender moved to “%(stage)s”.") % {"stage": tender.get_stage_display()}
            )
            return redirect("plans:tender", pk=tender.pk)
        tender = _tender_or_404(request, pk)
    return render(
        request,
        "plans/tender_detail.html",
        {
            "tender": tender,
            "form": TenderForm(instance=tender, accounts=None),
            "stage_form": stage_form,
            "can_change": True,
        },
    )


# --- Calendar ---------------------------------------------------------------------------
@page_view
def calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        weeks = max(1, min(int(request.GET.get("weeks", CALENDAR_WEEKS)), 26))
    except ValueError:
        weeks = CALENDAR_WEEKS
    end = today + dt.timedelta(weeks=weeks)
    items = calendar_items(user=request.user, start=today, end=end)
    days: dict[dt.date, list] = {}
    for item in items:
        days.setdefault(item.day, []).append(item)
    feed_url = request.build_absolute_uri(
        reverse("plans:calendar-feed", args=[request.user.pk, feed_token(request.user)])
    )
    return render(
        request,
        "plans/calendar.html",
        {
            "days": days.items(),
            "weeks": weeks,
            "week_choices": (2, 4, 6, 8, 12, 26),
            "end": end,
            "feed_url": feed_url,
            "today": today,
        },
    )


@require_GET
def calendar_feed(request: HttpRequest, user_id: int, token: str) -> HttpResponse:
    """The .ics feed: authenticated by the secret in the URL, not by a session (so not
    `page_view`), but refused like a page to whoever may not use the pages."""
    user = feed_user(user_id, token)
    if user is None:
        raise Http404
    if not access.can_use_pages(user):
        raise PermissionDenied(_("This account is for the API; it has no pages."))
    today = timezone.localdate()
    items = calendar_items(
        user=user, start=today - dt.timedelta(days=30), end=today + dt.timedelta(days=365)
    )
    body = calendar_ics(
        user=user, items=items, base_url=request.build_absolute_uri("/").rstrip("/")
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kam.ics"'
    return response
