"""The components' inputs for many accounts as of a date, in a few set-based queries.

Every input is an aggregate grouped by account in the database (the ORM writes the same
SQL shape for PostgreSQL and SQLite, so both answer the same), one query per kind of
record: revenue lines, contacts, interactions (three), surveys, objectives, actions and
tenders. Only rows dated up to the as-of day count, so the backtest calls this as of each
past month end. What the rows do not date — a contact's role, influence and attitude,
an objective's "achieved" — is taken as it stands today (see reports.health.backtest).

Revenue reads the lines rather than the stored `ttm` metric rows: the same sums the
metrics engine makes (growth = revenue / previous − 1, margin = Σ(amount − cost) / Σ amount
over lines with a cost, penetration = revenue / potential), but for any as-of date, and
also for an account whose revenue fell to nothing (no ttm metric row, growth −100 %).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import Account, Contact, Interaction, Survey
from plans.models import AccountPlan, Action, Objective, Tender
from reports.metrics.periods import ttm_period
from reports.models import RevenueLine

from .components import (
    DECIDER_ROLES,
    KEY_ROLES,
    RECENT_DAYS,
    SURVEY_DAYS,
    TENDER_DAYS,
    Facts,
)

ACTIVE_PLAN = (AccountPlan.Status.ACTIVE, AccountPlan.Status.APPROVED)
MONEY: DecimalField = DecimalField(max_digits=20, decimal_places=2)


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the project's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def accounts_in_play(account_ids: Iterable[int] | None = None) -> list[int]:
    """Every account with an owner (health is for accounts someone looks after), or those
    of `account_ids` that have one."""
    qs = Account.objects.filter(owner__isnull=False)
    if account_ids is not None:
        qs = qs.filter(pk__in=list(account_ids))
    return list(qs.order_by("pk").values_list("pk", flat=True))


def gather(*, as_of: dt.date, account_ids: list[int], every: bool = False) -> dict[int, Facts]:
    """Facts for `account_ids` as of the end of `as_of`. With `every` the queries filter on
    "has an owner" instead of a long id list (the nightly run over all accounts)."""
    facts = {pk: Facts() for pk in account_ids}
    if not facts:
        return facts

    def mine(field: str = "account") -> Q:
        if every:
            return Q(**{f"{field}__owner__isnull": False})
        return Q(**{f"{field}_id__in": account_ids})

    end = day_start(as_of + dt.timedelta(days=1))
    recent = day_start(as_of - dt.timedelta(days=RECENT_DAYS - 1))

    # Potential
    for pk, potential in (
        Account.objects.filter(Q(pk__in=account_ids) if not every else Q(owner__isnull=False))
        .exclude(potential_annual__isnull=True)
        .values_list("pk", "potential_annual")
    ):
        if pk in facts:
            facts[pk].potential = potential

    # Revenue and margin: ttm and the 12 months before it.
    cur = ttm_period(as_of)
    prev = cur.prev()
    in_cur = Q(date__gte=cur.start, date__lte=cur.end)
    in_prev = Q(date__gte=prev.start, date__lte=prev.end)
    costed = Q(cost_base__isnull=False)
    margin = ExpressionWrapper(F("amount_base") - F("cost_base"), output_field=MONEY)
    zero = Value(Decimal("0"), output_field=MONEY)
    rows = (
        RevenueLine.objects.filter(mine(), date__gte=prev.start, date__lte=cur.end)
        .values("account_id")
        .annotate(
            rev=Coalesce(Sum("amount_base", filter=in_cur), zero),
            rev_prev=Coalesce(Sum("amount_base", filter=in_prev), zero),
            c_amt=Sum("amount_base", filter=in_cur & costed),
            c_margin=Sum(margin, filter=in_cur & costed),
            p_amt=Sum("amount_base", filter=in_prev & costed),
            p_margin=Sum(margin, filter=in_prev & costed),
        )
        .order_by()
    )
    for r in rows:
        f = facts.get(r["account_id"])
        if f is None:
            continue
        f.revenue, f.revenue_prev = r["rev"], r["rev_prev"]
        f.margin_pct = _margin(r["c_amt"], r["c_margin"])
        f.margin_pct_prev = _margin(r["p_amt"], r["p_margin"])

    # Contacts: deciders, attitude balance (as the contacts stand today).
    sign = Case(
        When(attitude=Contact.Attitude.SUPPORTER, then=F("influence")),
        When(attitude=Contact.Attitude.DETRACTOR, then=-F("influence")),
        default=Value(0),
        output_field=IntegerField(),
    )
    for r in (
        Contact.objects.filter(mine())
        .values("account_id")
        .annotate(
            n=Count("id"),
            deciders=Count("id", filter=Q(decision_role__in=DECIDER_ROLES)),
            att=Coalesce(Sum(sign), Value(0)),
            infl=Coalesce(Sum("influence"), Value(0)),
        )
        .order_by()
    ):
        f = facts.get(r["account_id"])
        if f is None:
            continue
        f.contacts, f.deciders = r["n"], r["deciders"]
        f.attitude_sum, f.influence_sum = r["att"], r["infl"]

    live = Interaction.objects.filter(mine(), occurred_at__lt=end)
    # The latest interaction with a decision maker or economic buyer.
    for r in (
        live.filter(contacts__decision_role__in=DECIDER_ROLES)
        .values("account_id")
        .annotate(last=Max("occurred_at"))
        .order_by()
    ):
        if (f := facts.get(r["account_id"])) is not None:
            f.decider_days = (as_of - timezone.localtime(r["last"]).date()).days
    # Key roles met in the last 90 days.
    met: dict[int, set[str]] = {}
    for pk, role in (
        live.filter(occurred_at__gte=recent, contacts__decision_role__in=KEY_ROLES)
        .values_list("account_id", "contacts__decision_role")
        .distinct()
        .order_by()
    ):
        met.setdefault(pk, set()).add(role)
    for pk, roles in met.items():
        if pk in facts:
            facts[pk].roles_met = frozenset(roles)
    # Activity: interactions in 90 days.
    for r in (
        live.filter(occurred_at__gte=recent).values("account_id").annotate(n=Count("id")).order_by()
    ):
        if (f := facts.get(r["account_id"])) is not None:
            f.interactions_90 = r["n"]

    # Satisfaction: NPS of the surveys of the last 12 months.
    for r in (
        Survey.objects.filter(
            mine(),
            nps__isnull=False,
            date__gt=as_of - dt.timedelta(days=SURVEY_DAYS),
            date__lte=as_of,
        )
        .values("account_id")
        .annotate(s=Sum("nps"), n=Count("id"))
        .order_by()
    ):
        if (f := facts.get(r["account_id"])) is not None:
            f.nps_sum, f.nps_count = r["s"], r["n"]

    # Plan execution: objectives and actions due so far in an active plan.
    in_plan = Q(
        plan__status__in=ACTIVE_PLAN,
        plan__period_start__lte=as_of,
        plan__period_end__gte=as_of,
        due__isnull=False,
        due__lte=as_of,
    )
    for r in (
        Objective.objects.filter(mine("plan__account"), in_plan)
        .values("plan__account_id")
        .annotate(due_n=Count("id"), done=Count("id", filter=Q(status="achieved")))
        .order_by()
    ):
        if (f := facts.get(r["plan__account_id"])) is not None:
            f.plan_due += r["due_n"]
            f.plan_done += r["done"]
    on_time = Q(
        status=Action.Status.DONE,
        completed_at__isnull=False,
        completed_at__lt=end,
        completed_at__date__lte=F("due"),
    )
    for r in (
        Action.objects.filter(mine("plan__account"), in_plan)
        .exclude(status=Action.Status.CANCELLED)
        .values("plan__account_id")
        .annotate(due_n=Count("id"), done=Count("id", filter=on_time))
        .order_by()
    ):
        if (f := facts.get(r["plan__account_id"])) is not None:
            f.plan_due += r["due_n"]
            f.plan_done += r["done"]

    # Tenders won or lost in 24 months (decided on decision_date, else when last changed).
    for r in (
        Tender.objects.filter(mine(), stage__in=(Tender.Stage.WON, Tender.Stage.LOST))
        .annotate(decided=Coalesce("decision_date", TruncDate("updated_at")))
        .filter(decided__gt=as_of - dt.timedelta(days=TENDER_DAYS), decided__lte=as_of)
        .values("account_id")
        .annotate(
            won=Count("id", filter=Q(stage=Tender.Stage.WON)),
            lost=Count("id", filter=Q(stage=Tender.Stage.LOST)),
        )
        .order_by()
    ):
        if (f := facts.get(r["account_id"])) is not None:
            f.tenders_won, f.tenders_lost = r["won"], r["lost"]
    return facts


def _margin(amount: Decimal | None, margin: Decimal | None) -> float | None:
    """margin_pct as the metrics define it: null when no line has a cost or Σ amount ≤ 0."""
    if amount is None or margin is None or amount <= 0:
        return None
    return float(margin) / float(amount)
