"""The targets page: every target the user sees for a year with its attainment, the form
a KAM sets one with, and the head's approve button.

A module of its own beside reports.views: targets are written by plans.services
(target_set, target_approve); what they attained is reports.portfolio.targets.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access
from accounts.access import page_view
from accounts.models import Account
from kam.forms import parse_id, save_with
from kam.http import AuthenticatedHttpRequest, redirect_back
from plans import selectors as plan_selectors
from plans import services as plan_services
from plans.models import Target

from .forms import TargetFilterForm, TargetForm
from .metrics.periods import YEAR, period_of
from .portfolio.targets import ACCOUNT, AttainmentRow, attainment

PAGE_SIZE = 50


def _offered_accounts(request: AuthenticatedHttpRequest, wanted: int | None) -> QuerySet[Account]:
    """Accounts the set form offers: the user's own and the key accounts they see, and the
    one asked for (?account=) if they see it."""
    scope = access.account_scope(user=request.user)
    mine = Q(owner_id=request.user.pk) | Q(is_key=True)
    if wanted:
        mine |= Q(pk=wanted)
    return scope.filter(mine).order_by("name")


def _attach_attainment(rows: list[Target], year: int) -> None:
    """Each target's actual to date and attainment (its year, or its quarter), from one
    call of the attainment roll-up over the page's accounts (two queries)."""
    if not rows:
        return
    ids = {t.account_id for t in rows}
    result = attainment(
        user=None,
        level=ACCOUNT,
        period=period_of(YEAR, dt.date(year, 1, 1)),
        accounts=Account.objects.filter(pk__in=ids),
        quarters=any(t.quarter for t in rows),
        named=False,
    )
    by_key: dict[tuple[str, int | None], AttainmentRow] = {
        (result.period.key, r.key): r for r in result.rows
    }
    for key, quarter_rows in result.by_period.items():
        by_key.update({(key, r.key): r for r in quarter_rows})
    for target in rows:
        target.attained = by_key.get((target.period_key, target.account_id))  # type: ignore[attr-defined]


@page_view
@require_http_methods(["GET", "POST"])
def targets(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The list (filtered by year, status, account) and the set form."""
    user = request.user
    filters = TargetFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    today = timezone.localdate()
    year = data.get("year") or today.year
    wanted = data.get("account")
    can_set = access.can_change_seen_accounts(user)
    form = None
    if can_set:
        form = TargetForm(
            request.POST or None,
            accounts=_offered_accounts(request, wanted),
            initial={"year": year, "account": wanted},
        )
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            target = save_with(form, plan_services.target_set, user=user)
            if target is not None:
                messages.success(request, _("Target saved."))
                return redirect(f"{reverse('reports:targets')}?year={target.year}")
    qs = plan_selectors.target_list(user=user).filter(year=year)
    status = data.get("status")
    if status == "changed":
        qs = qs.filter(changed_after_approval=True)
    elif status:
        qs = qs.filter(status=status)
    if data.get("q"):
        qs = qs.filter(account__name__icontains=data["q"])
    if wanted:
        qs = qs.filter(account_id=wanted)
    qs = qs.order_by("account__name", "quarter", "pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page)
    _attach_attainment(rows, year)
    return render(
        request,
        "reports/targets.html",
        {
            "filters": filters,
            "form": form,
            "page": page,
            "targets": rows,
            "year": year,
            "years": list(range(today.year + 1, today.year - 4, -1)),
            "can_approve": access.can_approve_targets(user),
        },
        status=400 if request.method == "POST" else 200,
    )


def _target_or_404(request: AuthenticatedHttpRequest, pk: int) -> Target:
    if parse_id(pk) is None:  # past 64 bits: no such row (the database would fail on it)
        raise Http404
    try:
        return plan_selectors.target_list(user=request.user).get(pk=pk)
    except Target.DoesNotExist as missing:
        raise Http404 from missing


@page_view
@require_http_methods(["GET", "POST"])
def target_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    target = _target_or_404(request, pk)
    access.ensure_can_change_account(user=request.user, account=target.account)
    form = TargetForm(request.POST or None, instance=target)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(form, plan_services.target_set, user=request.user, target=target)
    ):
        messages.success(request, _("Target saved."))
        return redirect(f"{reverse('reports:targets')}?year={target.year}")
    return render(
        request,
        "reports/target_form.html",
        {"form": form, "target": _target_or_404(request, pk)},
        status=400 if request.method == "POST" else 200,
    )


@page_view(allow=access.can_approve_targets)
@require_POST
def target_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    target = _target_or_404(request, pk)
    plan_services.target_approve(user=request.user, target=target)
    messages.success(
        request, _("Target of %(account)s approved.") % {"account": target.account.name}
    )
    return redirect_back(request, f"{reverse('reports:targets')}?year={target.year}")
