"""Reads of the plans app, scoped by who asks through the accounts they hang under.

Who may see a plan, an objective, an action or a tender is decided in `accounts.access`
(plans may import accounts, not the other way round, so its scopes take our querysets);
the reads here add the joins each page or endpoint needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import (
    Count,
    DecimalField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import ExtractYear
from django.utils import timezone

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from accounts import access
from accounts.models import Account, User
from kam import textsearch

from .models import (
    RENEWAL_LEAD_DAYS,
    AccountPlan,
    Action,
    Contract,
    ContractDocument,
    Objective,
    Opportunity,
    Target,
    Tender,
)


def with_year_revenue_target(qs: QuerySet[AccountPlan]) -> QuerySet[AccountPlan]:
    """Annotate each plan with the sum of its account's targets for the plan's year
    (`AccountPlan.year_revenue_target` reads it): one subquery, no query per plan."""
    targets = (
        Target.objects.filter(
            account_id=OuterRef("account_id"), year=ExtractYear(OuterRef("period_start"))
        )
        .values("account_id")
        .annotate(total=Sum("revenue_target"))
        .values("total")
    )
    return qs.annotate(
        targets_revenue_sum=Subquery(
            targets, output_field=DecimalField(max_digits=18, decimal_places=2)
        )
    )


def plan_scope(*, user: User) -> QuerySet[AccountPlan]:
    return access.plan_scope(user=user, queryset=AccountPlan.objects.all())


def objective_scope(*, user: User) -> QuerySet[Objective]:
    return access.objective_scope(user=user, queryset=Objective.objects.all())


def action_scope(*, user: User) -> QuerySet[Action]:
    return access.action_scope(user=user, queryset=Action.objects.all())


def tender_scope(*, user: User) -> QuerySet[Tender]:
    return access.tender_scope(user=user, queryset=Tender.objects.all())


TENDER_SEARCH = {"text": ("title", "reference")}


def tender_search(*, user: User, query: str) -> QuerySet[Tender]:
    """Visible tenders whose title or reference contain the query
    (kam.textsearch's rule), nearest deadline first."""
    return (
        tender_scope(user=user)
        .alias(**textsearch.aliases(**TENDER_SEARCH))
        .filter(textsearch.matching(query, **TENDER_SEARCH))
        .select_related("account")
        .order_by(F("submission_deadline").desc(nulls_last=True), "pk")
    )


def opportunity_scope(*, user: User) -> QuerySet[Opportunity]:
    return access.opportunity_scope(user=user, queryset=Opportunity.objects.all())


def opportunity_list(*, user: User) -> QuerySet[Opportunity]:
    return opportunity_scope(user=user).select_related("account", "owner", "objective")


def opportunity_get(*, user: User, pk: int) -> Opportunity:
    """One visible opportunity (Opportunity.DoesNotExist if not)."""
    return opportunity_list(user=user).get(pk=pk)


def opportunity_page_list(
    *,
    user: User,
    mine: bool = False,
    stage: str = "",
    open_only: bool = False,
    account: Account | None = None,
    q: str = "",
) -> QuerySet[Opportunity]:
    """The pipeline list and board: visible opportunities, optionally the user's own."""
    qs = opportunity_scope(user=user).select_related("account", "owner")
    if mine:
        qs = qs.filter(Q(owner_id=user.pk) | Q(account__owner_id=user.pk))
    if stage:
        qs = qs.filter(stage=stage)
    elif open_only:
        qs = qs.filter(stage__in=Opportunity.OPEN_STAGES)
    if account is not None:
        qs = qs.filter(account=account)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(account__name__icontains=q))
    return qs.order_by(F("expected_close").asc(nulls_last=True), "id")


def account_plan_list(*, user: User) -> QuerySet[AccountPlan]:
    """Plans of visible accounts, each with its objectives and actions (three queries)."""
    return (
        with_year_revenue_target(plan_scope(user=user))
        .select_related("account", "owner")
        .prefetch_related(
            Prefetch("objectives", queryset=Objective.objects.order_by("due", "id")),
            Prefetch("actions", queryset=Action.objects.select_related("owner")),
        )
    )


def objective_list(*, user: User) -> QuerySet[Objective]:
    return objective_scope(user=user).select_related("plan")


def action_list(*, user: User) -> QuerySet[Action]:
    return action_scope(user=user).select_related("plan", "objective", "owner")


def tender_list(*, user: User) -> QuerySet[Tender]:
    return tender_scope(user=user).select_related("account", "objective")


# --- Reads shaped for one page each (bounded queries whatever the number of rows) ---
ATTENTION_TENDER_DAYS = 14


def plan_get(*, user: User, pk: int) -> AccountPlan:
    """One visible plan with its objectives and actions (AccountPlan.DoesNotExist if not)."""
    return (
        with_year_revenue_target(plan_scope(user=user))
        .select_related("account", "owner")
        .prefetch_related(
            Prefetch("objectives", queryset=Objective.objects.order_by("due", "id")),
            Prefetch(
                "actions",
                queryset=Action.objects.select_related("owner", "objective").order_by(
                    "status", F("due").asc(nulls_last=True), "id"
                ),
            ),
        )
        .get(pk=pk)
    )


def plan_current_for_account(*, account: Account) -> AccountPlan | None:
    """The plan covering today, else the latest one (None when the account has none)."""
    today = timezone.localdate()
    plans = with_year_revenue_target(AccountPlan.objects.filter(account=account))
    return (
        plans.filter(period_start__lte=today, period_end__gte=today)
        .order_by("-period_start")
        .first()
        or plans.order_by("-period_end").first()
    )


def overdue_actions(*, user: User) -> QuerySet[Action]:
    return (
        action_scope(user=user)
        .filter(status=Action.Status.OPEN, due__lt=timezone.localdate())
        .select_related("plan__account", "owner")
        .order_by("due", "id")
    )


def tender_get(*, user: User, pk: int) -> Tender:
    return tender_scope(user=user).select_related("account").get(pk=pk)


def tender_page_list(
    *, user: User, stage: str = "", q: str = "", open_only: bool = False
) -> QuerySet[Tender]:
    qs = tender_scope(user=user).select_related("account")
    if stage:
        qs = qs.filter(stage=stage)
    elif open_only:
        qs = qs.filter(stage__in=Tender.OPEN_STAGES)
    if q:
        qs = qs.filter(
            Q(title__icontains=q) | Q(reference__icontains=q) | Q(account__name__icontains=q)
        )
    return qs.order_by(F("submission_deadline").asc(nulls_last=True), "id")


def tender_stage_counts(*, user: User) -> list[tuple[str, StrOrPromise, int]]:
    """(stage, label, how many) for every stage, in pipeline order (one query)."""
    counts = dict(tender_scope(user=user).values_list("stage").annotate(n=Count("pk")).order_by())
    return [(stage, label, counts.get(stage, 0)) for stage, label in Tender.Stage.choices]


def tenders_due_soon(*, user: User, days: int = ATTENTION_TENDER_DAYS) -> QuerySet[Tender]:
    now = timezone.now()
    return (
        tender_scope(user=user)
        .filter(
            stage__in=Tender.OPEN_STAGES,
            submission_deadline__gte=now,
            submission_deadline__lte=now + dt.timedelta(days=days),
        )
        .select_related("account")
        .order_by("submission_deadline")
    )


def plan_facts_by_account(*, account_ids: Iterable[int]) -> dict[int, dict]:
    """For a page of accounts: the next open action and the nearest open tender, one query.

    Callers pass ids they already scoped (a page of the home list).
    """
    next_action = Action.objects.filter(
        plan__account_id=OuterRef("pk"), status=Action.Status.OPEN
    ).order_by(F("due").asc(nulls_last=True), "id")
    next_tender = Tender.objects.filter(
        account_id=OuterRef("pk"),
        stage__in=Tender.OPEN_STAGES,
        submission_deadline__gte=timezone.now(),
    ).order_by("submission_deadline")
    rows = (
        Account.objects.filter(pk__in=list(account_ids))
        .annotate(
            action_text=Subquery(next_action.values("description")[:1]),
            action_due=Subquery(next_action.values("due")[:1]),
            tender_title=Subquery(next_tender.values("title")[:1]),
            tender_deadline=Subquery(next_tender.values("submission_deadline")[:1]),
        )
        .values("pk", "action_text", "action_due", "tender_title", "tender_deadline")
    )
    return {row["pk"]: row for row in rows}


# --- Targets ------------------------------------------------------------------------------
def target_scope(*, user: User) -> QuerySet[Target]:
    return access.target_scope(user=user, queryset=Target.objects.all())


def target_list(*, user: User) -> QuerySet[Target]:
    """Visible targets with their account (and its owner), who set and approved them."""
    return target_scope(user=user).select_related(
        "account", "account__owner", "account__region", "set_by", "approved_by"
    )


def account_plan_progress(*, plan: AccountPlan, today: dt.date | None = None) -> dict[str, int]:
    """How the plan is going, beside how filled in it is: objectives achieved of those due
    (due by today, or already achieved), and actions done on time (completed by their due
    date) of those due by today. Cancelled actions are not counted. One query."""
    today = today or timezone.localdate()
    achieved = Objective.Status.ACHIEVED
    live = ~Q(actions__status=Action.Status.CANCELLED) & Q(actions__due__lte=today)
    counts = AccountPlan.objects.filter(pk=plan.pk).aggregate(
        objectives_due=Count(
            "objectives",
            filter=Q(objectives__due__lte=today) | Q(objectives__status=achieved),
            distinct=True,
        ),
        objectives_achieved=Count(
            "objectives", filter=Q(objectives__status=achieved), distinct=True
        ),
        actions_due=Count("actions", filter=live, distinct=True),
        actions_on_time=Count(
            "actions",
            filter=live
            & Q(
                actions__status=Action.Status.DONE,
                actions__completed_at__date__lte=F("actions__due"),
            ),
            distinct=True,
        ),
    )
    return {key: counts[key] or 0 for key in counts}


# --- Contracts ----------------------------------------------------------------------------
def contract_scope(*, user: User) -> QuerySet[Contract]:
    return access.contract_scope(user=user, queryset=Contract.objects.all())


def document_scope(*, user: User) -> QuerySet[ContractDocument]:
    return access.document_scope(user=user, queryset=ContractDocument.objects.all())


def contract_list(*, user: User) -> QuerySet[Contract]:
    return contract_scope(user=user).select_related(
        "account", "client_signatory", "our_signatory", "tender"
    )


def contract_get(*, user: User, pk: int) -> Contract:
    """One visible contract (Contract.DoesNotExist if not)."""
    return contract_list(user=user).get(pk=pk)


def renewing_ids(queryset: QuerySet[Contract], *, on: dt.date) -> list[int]:
    """Ids of the live contracts of `queryset` renewing on `on` (DESIGN: from 60 days
    before the notice date, end − notice days, until the end). The date arithmetic is done
    here, not in SQL (SQLite and PostgreSQL disagree on date + integer × interval), over
    the live contracts not yet ended: a few per account."""
    rows = queryset.filter(status__in=Contract.LIVE_STATUSES, end_date__gte=on).values_list(
        "pk", "end_date", "notice_days"
    )
    lead = dt.timedelta(days=RENEWAL_LEAD_DAYS)
    return [pk for pk, end, notice in rows if end - dt.timedelta(days=notice) - lead <= on]


def contract_page_list(
    *, user: User, status: str = "", renewing: bool = False, q: str = ""
) -> QuerySet[Contract]:
    """The contracts page: the contracts the user sees (a KAM's accounts', every one for a
    head), by status, renewing today, or a number, title or account name."""
    qs = contract_scope(user=user).select_related("account")
    if status:
        qs = qs.filter(status=status)
    if renewing:
        qs = qs.filter(pk__in=renewing_ids(qs, on=timezone.localdate()))
    if q:
        qs = qs.filter(
            Q(number__icontains=q) | Q(title__icontains=q) | Q(account__name__icontains=q)
        )
    return qs.order_by("end_date", "id")


def contracts_renewing(*, user: User, on: dt.date | None = None) -> list[Contract]:
    """Visible live contracts renewing on `on` (today), the nearest notice date first."""
    on = on or timezone.localdate()
    scope = contract_scope(user=user)
    rows = list(
        scope.filter(pk__in=renewing_ids(scope, on=on)).select_related("account").order_by("id")
    )
    rows.sort(key=lambda c: (c.notice_date, c.pk))
    return rows
