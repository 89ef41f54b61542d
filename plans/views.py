"""Pages of the plans app: account plans, tenders, opportunities, contracts (with their
documents) and the calendar (with its .ics feed)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
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

from . import categories, probabilities, services
from .calendar import calendar_ics, calendar_items, feed_token, feed_user
from .documents import document_response, upload_length_check
from .documents import max_bytes as max_document_bytes
from .forms import (
    ActionForm,
    ContractDocumentForm,
    ContractFilterForm,
    ContractForm,
    ObjectiveForm,
    OpportunityFilterForm,
    OpportunityForm,
    OpportunityStageForm,
    PlanForm,
    StageProbabilitiesForm,
    TenderFilterForm,
    TenderForm,
    TenderStageForm,
)
from .models import AccountPlan, Action, Contract, ContractDocument, Opportunity, Tender
from .selectors import (
    action_scope,
    contract_get,
    contract_page_list,
    document_scope,
    opportunity_get,
    opportunity_page_list,
    plan_get,
    tender_get,
    tender_page_list,
    tender_stage_counts,
)

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


# --- Opportunities ----------------------------------------------------------------------
BOARD_CARDS = 50  # per column; the list pages through the rest


def _opportunity_filters(request: AuthenticatedHttpRequest) -> tuple[OpportunityFilterForm, dict]:
    form = OpportunityFilterForm(request.GET or None)
    filters: dict = {}
    if form.is_bound:
        form.is_valid()  # a bad value drops that filter, not all of them
        filters = form.cleaned_data
    return form, filters


def _board_columns(request: AuthenticatedHttpRequest, *, mine: bool, q: str) -> list[dict]:
    """The board: a column per stage, the nearest closes first (won and lost: the latest)."""
    table = probabilities.stage_probabilities()
    qs = opportunity_page_list(user=request.user, mine=mine, q=q)
    counts = dict(qs.values_list("stage").annotate(n=Count("pk")).order_by())
    columns = []
    for stage, label in Opportunity.Stage.choices:
        cards = qs.filter(stage=stage)
        if stage in Opportunity.CLOSED_WITH_REASON:
            cards = cards.order_by("-closed_on", "-id")
        rows = list(cards[:BOARD_CARDS])
        for card in rows:
            card.percent = probabilities.opportunity_percent(card, table)
        columns.append(
            {
                "stage": stage,
                "label": label,
                "cards": rows,
                "count": counts.get(stage, 0),
                "percent": table[probabilities.OPPORTUNITY].get(stage),
            }
        )
    return columns


@page_view
def opportunities(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The pipeline: a list (paged) or a board (`?view=board`), mine or everything I see."""
    form, filters = _opportunity_filters(request)
    board = request.GET.get("view") == "board"
    mine = bool(filters.get("mine"))
    q = filters.get("q", "")
    context: dict = {
        "form": form,
        "board": board,
        "mine": mine,
        "stage_choices": Opportunity.Stage.choices,
    }
    if board:
        context["columns"] = _board_columns(request, mine=mine, q=q)
    else:
        stage = filters.get("stage", "")
        qs = opportunity_page_list(
            user=request.user,
            mine=mine,
            stage="" if stage in ("", "all") else stage,
            open_only=stage == "",
            q=q,
        )
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        table = probabilities.stage_probabilities()
        rows = list(page)
        for row in rows:
            row.percent = probabilities.opportunity_percent(row, table)
            row.weighted = probabilities.weighted(row.value, row.percent)
        names = categories.names(o.category_id for o in rows)
        for row in rows:
            row.category_name = names.get(row.category_id, "") if row.category_id else ""
        context.update(page=page, opportunities=rows)
    if request.htmx and board:
        return render(request, "plans/_opportunity_board.html", context)
    return render(request, "plans/opportunities.html", context)


@page_view
@require_http_methods(["GET", "POST"])
def opportunity_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    accounts = _tender_accounts(request)
    form = OpportunityForm(
        request.POST or None,
        accounts=accounts,
        user=request.user,
        initial={"account": request.GET.get("account")},
    )
    if request.method == "POST" and form.is_valid():
        opportunity = save_with(form, services.opportunity_create, user=request.user)
        if opportunity is not None:
            messages.success(request, _("Opportunity created."))
            return redirect("plans:opportunity", pk=opportunity.pk)
    return render(request, "plans/opportunity_form.html", {"form": form})


def _opportunity_or_404(request: AuthenticatedHttpRequest, pk: int) -> Opportunity:
    try:
        return opportunity_get(user=request.user, pk=pk)
    except Opportunity.DoesNotExist as missing:
        raise Http404 from missing


def _opportunity_page(request, opportunity, *, form=None, stage_form=None, status=200):
    can_change = access.can_change_account(user=request.user, account=opportunity.account)
    table = probabilities.stage_probabilities()
    percent = probabilities.opportunity_percent(opportunity, table)
    context = {
        "opportunity": opportunity,
        "can_change": can_change,
        "percent": percent,
        "weighted": probabilities.weighted(opportunity.value, percent),
        "category_name": categories.names([opportunity.category_id]).get(
            opportunity.category_id or 0, ""
        ),
        "form": form or OpportunityForm(instance=opportunity, accounts=None, user=request.user),
        "stage_form": stage_form or OpportunityStageForm(initial={"stage": opportunity.stage}),
    }
    return render(request, "plans/opportunity_detail.html", context, status=status)


@page_view
@require_http_methods(["GET", "POST"])
def opportunity_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    opportunity = _opportunity_or_404(request, pk)
    if request.method != "POST":
        return _opportunity_page(request, opportunity)
    ensure_can_change_account(user=request.user, account=opportunity.account)
    form = OpportunityForm(request.POST, instance=opportunity, accounts=None, user=request.user)
    if form.is_valid() and save_with(
        form, services.opportunity_update, user=request.user, opportunity=opportunity
    ):
        messages.success(request, _("Opportunity saved."))
        return redirect("plans:opportunity", pk=opportunity.pk)
    # Undo the unsaved edits on the shown header.
    return _opportunity_page(request, _opportunity_or_404(request, pk), form=form)


@page_view
@require_POST
def opportunity_stage(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Move an opportunity (the board's per-card form, or the detail page's). htmx gets
    the board back (or the card with its error); a plain POST is redirected."""
    opportunity = _opportunity_or_404(request, pk)
    ensure_can_change_account(user=request.user, account=opportunity.account)
    stage_form = OpportunityStageForm(request.POST)
    moved = False
    if stage_form.is_valid():
        try:
            services.opportunity_move_stage(
                user=request.user,
                opportunity=opportunity,
                stage=stage_form.cleaned_data["stage"],
                reason=stage_form.cleaned_data["reason"].strip(),
            )
            moved = True
        except ValidationError as error:
            add_service_errors(stage_form, error, aliases={"outcome_reason": "reason"})
    from_board = request.POST.get("from") == "board"
    if moved:
        opportunity = _opportunity_or_404(request, pk)
        if request.htmx and from_board:
            # The card moves to another column: the whole board comes back in its place.
            mine = request.POST.get("mine") == "on"
            response = render(
                request,
                "plans/_opportunity_board.html",
                {
                    "columns": _board_columns(request, mine=mine, q=""),
                    "stage_choices": Opportunity.Stage.choices,
                    "mine": mine,
                    "moved": opportunity,
                },
            )
            response["HX-Retarget"] = "#board"
            response["HX-Reswap"] = "outerHTML"
            return response
        messages.success(
            request,
            _("Opportunity moved to “%(stage)s”.") % {"stage": opportunity.get_stage_display()},
        )
        if from_board:
            return redirect(reverse("plans:opportunities") + "?view=board")
        return redirect("plans:opportunity", pk=pk)
    opportunity = _opportunity_or_404(request, pk)
    if request.htmx and from_board:
        return render(
            request,
            "plans/_opportunity_card.html",
            {
                "card": opportunity,
                "stage_choices": Opportunity.Stage.choices,
                "card_errors": stage_form.errors,
                "posted": stage_form.data,
            },
        )
    return _opportunity_page(request, opportunity, stage_form=stage_form, status=400)


# --- Stage probabilities (a company setting) --------------------------------------------
@page_view
@require_http_methods(["GET", "POST"])
def stage_probabilities(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everyone reads the probabilities the weighted pipeline uses; heads change them."""
    can_change = access.can_change_stage_probabilities(request.user)
    table = probabilities.stage_probabilities()
    form = StageProbabilitiesForm(request.POST or None, table=table)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied(_("Only a sales head or an admin changes the probabilities."))
        if form.is_valid():
            try:
                with transaction.atomic():
                    for kind, percents in form.by_kind().items():
                        services.stage_probabilities_set(
                            user=request.user, kind=kind, percents=percents
                        )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Probabilities saved."))
                return redirect("plans:stage-probabilities")
    return render(
        request,
        "plans/stage_probabilities.html",
        {
            "form": form,
            "can_change": can_change,
            "opportunity_fields": form.fields_of("opportunity"),
            "tender_fields": form.fields_of("tender"),
        },
    )


# --- Contracts ----------------------------------------------------------------------------
@page_view
def contracts(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The contracts a KAM holds (their accounts'), or every one for a head; by status,
    renewing soon, a search."""
    form = ContractFilterForm(request.GET or None)
    filters: dict = {}
    if form.is_bound:
        form.is_valid()  # a bad value drops that filter, not all of them
        filters = form.cleaned_data
    qs = contract_page_list(
        user=request.user,
        status=filters.get("status", ""),
        renewing=bool(filters.get("renewing")),
        q=filters.get("q", ""),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = list(page)
    for contract in rows:
        contract.renewing_now = contract.is_renewing(today)
    return render(request, "plans/contracts.html", {"form": form, "page": page, "contracts": rows})


@page_view
@require_http_methods(["GET", "POST"])
def contract_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    accounts = _tender_accounts(request)
    form = ContractForm(
        request.POST or None,
        accounts=accounts,
        user=request.user,
        initial={"account": request.GET.get("account")},
    )
    if request.method == "POST" and form.is_valid():
        contract = save_with(form, services.contract_create, user=request.user)  # account: form
        if contract is not None:
            messages.success(request, _("Contract created. Attach its documents below."))
            return redirect("plans:contract", pk=contract.pk)
    return render(request, "plans/contract_form.html", {"form": form})


def _contract_or_404(request: AuthenticatedHttpRequest, pk: int) -> Contract:
    if parse_id(pk) is None:  # past 64 bits: no such row (the database would fail on it)
        raise Http404
    try:
        return contract_get(user=request.user, pk=pk)
    except Contract.DoesNotExist as missing:
        raise Http404 from missing


def _contract_page(request, contract, *, document_form=None, status=200):
    context = {
        "contract": contract,
        "account": contract.account,
        "can_change": access.can_change_account(user=request.user, account=contract.account),
        "documents": list(contract.documents.select_related("uploaded_by")),
        "document_form": document_form or ContractDocumentForm(),
        "max_bytes": max_document_bytes(),
        "renewing": contract.is_renewing(),
    }
    return render(request, "plans/contract_detail.html", context, status=status)


@page_view
def contract_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _contract_page(request, _contract_or_404(request, pk))


@page_view
@require_http_methods(["GET", "POST"])
def contract_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contract = _contract_or_404(request, pk)
    ensure_can_change_account(user=request.user, account=contract.account)
    form = ContractForm(request.POST or None, instance=contract, accounts=None, user=request.user)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(form, services.contract_update, user=request.user, contract=contract)
    ):
        messages.success(request, _("Contract saved."))
        return redirect("plans:contract", pk=contract.pk)
    return render(
        request,
        "plans/contract_form.html",
        {
            "form": form,
            "contract": _contract_or_404(request, pk) if form.is_bound else contract,
            "delete_url": reverse("plans:contract-delete", args=[contract.pk]),
            "delete_question": _("Delete this contract and its documents?"),
        },
    )


@page_view
@require_POST
def contract_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contract = _contract_or_404(request, pk)
    account_id = contract.account_id
    services.contract_delete(user=request.user, contract=contract)
    messages.success(request, _("Contract deleted."))
    return redirect(reverse("accounts:detail", args=[account_id]) + "#contracts-h")


@page_view
@require_POST
def contract_document_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Attach a document (the one file upload of the pages): too large a body is refused
    before it is read, a wrong type or size beside the file field."""
    contract = _contract_or_404(request, pk)
    ensure_can_change_account(user=request.user, account=contract.account)
    try:
        upload_length_check(request.META.get("CONTENT_LENGTH"))
    except ValidationError as error:  # not read: the error beside an empty file field
        form = ContractDocumentForm(data={})
        form.is_valid()
        form.errors.clear()  # not "required": what was sent is too large
        add_service_errors(form, error)
        return _contract_page(request, contract, document_form=form, status=413)
    form = ContractDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_add(
                user=request.user, contract=contract, file=form.cleaned_data["file"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Document attached."))
            return redirect(reverse("plans:contract", args=[contract.pk]) + "#documents-h")
    return _contract_page(request, contract, document_form=form, status=400)


# Reads and bounds its own body (kam.middleware): the form post carries a file.
contract_document_upload.max_body_bytes = "CONTRACT_DOCUMENT_MAX_BYTES"  # type: ignore[attr-defined]


def _document_or_404(request: AuthenticatedHttpRequest, pk: int, doc_id: int) -> ContractDocument:
    document = (
        document_scope(user=request.user)
        .select_related("contract__account")
        .filter(contract_id=pk, pk=doc_id)
        .first()
        if parse_id(pk) is not None and parse_id(doc_id) is not None
        else None
    )
    if document is None:  # another KAM's account: as if it did not exist
        raise Http404
    return document


@page_view
@require_GET
def contract_document_download(
    request: AuthenticatedHttpRequest, pk: int, doc_id: int
) -> FileResponse:
    return document_response(_document_or_404(request, pk, doc_id))


@page_view
@require_POST
def contract_document_delete(
    request: AuthenticatedHttpRequest, pk: int, doc_id: int
) -> HttpResponse:
    document = _document_or_404(request, pk, doc_id)
    services.document_delete(user=request.user, document=document)
    messages.success(request, _("Document removed."))
    return redirect(reverse("plans:contract", args=[pk]) + "#documents-h")
