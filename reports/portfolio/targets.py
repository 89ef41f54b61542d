"""Attainment of the targets (DESIGN.md, "Contracts, targets, opportunities and the
forecast"): the one implementation the KAM's home, the account page, the accounts table,
the head's dashboard and the targets page read.

- Attainment(P) = actual revenue of P to date / the target of P.
- Run-rate to P's end = mean monthly revenue of the last 3 complete months × months left
  (reports.portfolio.forecast's `run_rate`, not a second one); projected = actual +
  run-rate, and projected attainment = projected / target.
- Actual to date and the target of a period are the forecast's rules (`actual_lines`,
  `period_target`): a year's target is the sum of its rows, a quarter's its quarterly row
  or a quarter of an annual one.

Rolled up per account, KAM (the account's owner), region and the company: one grouped
query for the revenue and one for the targets, whatever the number of accounts and
periods, plus one per level for the names.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    DecimalField,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from accounts import access
from accounts.models import Account, User
from plans.models import Target
from reports.metrics.periods import QUARTER, YEAR, Period, period_of
from reports.models import RevenueLine

from .forecast import (
    ACCOUNT,
    COMPANY,
    OWNER,
    REGION,
    ZERO,
    actual_lines,
    forecast_labels,
    forecast_scope,
    lines_within,
    money,
    months_left,
    period_target,
    recent_lines,
    run_rate,
    run_rate_window,
)

# The account's column each level groups by.
_FIELDS = {ACCOUNT: "account_id", OWNER: "account__owner_id", REGION: "account__region_id"}


@dataclass
class AttainmentRow:
    key: int | None  # account, user or region id; None: the company, or no owner/region
    label: str
    period: Period
    actual: Decimal = ZERO  # revenue of the period to date
    run_rate: Decimal = ZERO  # to the period's end
    target: Decimal | None = None

    @property
    def attainment(self) -> float | None:
        """Actual to date / target (None without a positive target)."""
        return float(self.actual / self.target) if self.target else None

    @property
    def projected(self) -> Decimal:
        """What the period ends at if the last 3 months' pace holds."""
        return self.actual + self.run_rate

    @property
    def projected_attainment(self) -> float | None:
        return float(self.projected / self.target) if self.target else None

    @property
    def gap(self) -> Decimal | None:
        """Projected − target (negative: short of it)."""
        return None if self.target is None else self.projected - self.target


@dataclass
class Attainment:
    period: Period
    as_of: dt.date
    level: str
    months_left: Decimal
    rows: list[AttainmentRow]
    total: AttainmentRow
    # Further periods asked for (quarters of an account's year): {period key: rows}.
    by_period: dict[str, list[AttainmentRow]] = field(default_factory=dict)

    def row(self, key: Any) -> AttainmentRow | None:
        return next((r for r in self.rows if r.key == key), None)


def _grouped(qs: QuerySet, fields: list[str], **sums: Any) -> list[dict[str, Any]]:
    if not fields:
        return [qs.aggregate(**sums)]
    return list(qs.values(*fields).annotate(**sums).order_by())


Sums = tuple[
    dict[tuple, dict[str, Decimal]],
    dict[tuple, dict[str, Decimal]],
    dict[tuple, dict[str, Decimal]],
]


def _sums(
    subset: QuerySet | None, *, periods: list[Period], as_of: dt.date, fields: list[str]
) -> Sums:
    """({group: {period: actual to date}}, {group: {period: run-rate window revenue}},
    {group: {period: target}}) — one revenue query and one target query.

    Like for like: a period's actual and run-rate count the accounts that have a target
    for it, so a KAM's attainment is not inflated by accounts nobody set a target for."""
    lines = RevenueLine.objects.all()
    targets = Target.objects.all()
    if subset is not None:
        lines = lines.filter(account_id__in=subset.values("pk"))
        targets = targets.filter(account_id__in=subset.values("pk"))
    recent = recent_lines(as_of)
    windows = [run_rate_window(as_of)]
    sums: dict[str, Any] = {}
    target_sums: dict[str, Any] = {}
    wanted_targets = Q(pk__in=[])
    for i, period in enumerate(periods):
        which, amount = period_target(period)
        wanted_targets |= which
        target_sums[f"t{i}"] = Sum(
            amount, filter=which, output_field=DecimalField(max_digits=18, decimal_places=2)
        )
        targeted = Q(account_id__in=Target.objects.filter(which).values("account_id"))
        sums[f"r{i}"] = Sum("amount_base", filter=recent & targeted, default=ZERO)
        actual = actual_lines(period, as_of)
        if actual is not None:
            windows.append((period.start, min(as_of, period.end)))
            sums[f"p{i}"] = Sum("amount_base", filter=actual & targeted, default=ZERO)
    # Every line a sum may count, in one pass: the windows' dates, the targeted accounts.
    wanted = lines_within(windows) & Q(
        account_id__in=Target.objects.filter(wanted_targets).values("account_id")
    )
    actuals: dict[tuple, dict[str, Decimal]] = defaultdict(dict)
    recents: dict[tuple, dict[str, Decimal]] = defaultdict(dict)
    for row in _grouped(lines.filter(wanted), fields, **sums):
        group = tuple(row.get(f) for f in fields)
        for i, period in enumerate(periods):
            recents[group][period.key] = row.get(f"r{i}") or ZERO
            actuals[group][period.key] = row.get(f"p{i}") or ZERO
    goals: dict[tuple, dict[str, Decimal]] = defaultdict(dict)
    for row in _grouped(targets.filter(wanted_targets), fields, **target_sums):
        group = tuple(row.get(f) for f in fields)
        for i, period in enumerate(periods):
            if row.get(f"t{i}") is not None:
                goals[group][period.key] = money(row[f"t{i}"])
    return actuals, recents, goals


def _rows(
    level: str,
    period: Period,
    as_of: dt.date,
    fields: list[str],
    sums: Sums,
    labels: dict[Any, str],
) -> list[AttainmentRow]:
    """Roll the groups up to `level` for one period."""
    actuals, recents, goals = sums
    index = fields.index(_FIELDS[level]) if level != COMPANY else None
    rolled: dict[Any, AttainmentRow] = {}
    for group, by_period in goals.items():
        goal = by_period.get(period.key)
        if goal is None:
            continue  # the group's targets are for other periods (its revenue is not counted)
        key = None if index is None else group[index]
        row = rolled.setdefault(key, AttainmentRow(key, labels.get(key, f"#{key}"), period))
        row.target = (row.target or ZERO) + goal
        row.actual += money(actuals.get(group, {}).get(period.key, ZERO))
        row.run_rate += run_rate(recents.get(group, {}).get(period.key, ZERO), period, as_of)
    rows = list(rolled.values())
    # Furthest behind first: who needs the head's attention; no target last.
    rows.sort(key=lambda r: (r.attainment is None, r.attainment or 0.0, r.label))
    return rows


def _total(rows: list[AttainmentRow], period: Period, label: str) -> AttainmentRow:
    targets = [r.target for r in rows if r.target is not None]
    return AttainmentRow(
        None,
        label,
        period,
        actual=sum((r.actual for r in rows), ZERO),
        run_rate=sum((r.run_rate for r in rows), ZERO),
        target=sum(targets, ZERO) if targets else None,
    )


def attainment(
    *,
    user: User | None,
    level: str = COMPANY,
    period: Period | None = None,
    as_of: dt.date | None = None,
    accounts: QuerySet[Account] | None = None,
    quarters: bool = False,
    named: bool = True,
) -> Attainment:
    """Attainment of `period` (default: this year) as of a date, by `level`, over the
    accounts the user sees (None: every account), or the given subset of them. With
    `quarters`, `by_period` also holds each quarter of the year (same two queries)."""
    return attainment_levels(
        user=user,
        levels=(level,),
        period=period,
        as_of=as_of,
        accounts=accounts,
        quarters=quarters,
        named=named,
    )[level]


def attainment_levels(
    *,
    user: User | None,
    levels: tuple[str, ...],
    period: Period | None = None,
    as_of: dt.date | None = None,
    accounts: QuerySet[Account] | None = None,
    quarters: bool = False,
    named: bool = True,
) -> dict[str, Attainment]:
    """`attainment` at several levels from the same two grouped queries (the head's
    dashboard: by KAM and by region); `named=False` leaves out the names (a query per
    level) for a caller that has them."""
    as_of = as_of or timezone.localdate()
    period = period or period_of(YEAR, as_of)
    periods = [period]
    if quarters and period.kind == YEAR:
        periods += [period_of(QUARTER, start) for start in period.month_starts()[::3]]
    scope, subset = forecast_scope(user, accounts)
    fields = [_FIELDS[level] for level in levels if level != COMPANY]
    sums = _sums(subset, periods=periods, as_of=as_of, fields=fields)
    result = {}
    for level in levels:
        keys = {None}
        if level != COMPANY:
            index = fields.index(_FIELDS[level])
            keys = {group[index] for group in sums[2]}
        labels = forecast_labels(level, keys, scope) if named else {}
        by_period = {p.key: _rows(level, p, as_of, fields, sums, labels) for p in periods}
        rows = by_period.pop(period.key)
        result[level] = Attainment(
            period=period,
            as_of=as_of,
            level=level,
            months_left=months_left(period, as_of),
            rows=rows,
            total=_total(rows, period, labels.get(None, "")),
            by_period=by_period,
        )
    return result


def my_attainment(*, user: User, as_of: dt.date | None = None) -> tuple[Attainment, bool]:
    """The home page's card: for a KAM this year's target of the accounts they own (their
    own target — the owner's, as the head's roll-up by KAM counts it); for whoever sees
    every account (a head, an admin) the company's. The second value: whether it is the
    company's."""
    company = access.sees_every_account(user)
    mine = None if company else Account.objects.filter(owner_id=user.pk)
    result = attainment(user=user, level=COMPANY, as_of=as_of, accounts=mine, named=False)
    return result, company


def with_attainment(qs: QuerySet[Account], *, period: Period, as_of: dt.date) -> QuerySet[Account]:
    """Annotate each account with `target_actual`, `target_amount` and `attainment` of
    `period` (for a table that sorts by it): the same actual-to-date and target rules as
    `attainment`, per row as subqueries (PostgreSQL evaluates them for the page's rows
    only, unless the table sorts by them)."""
    money_field: DecimalField = DecimalField(max_digits=18, decimal_places=2)
    which, amount = period_target(period)
    target = (
        Target.objects.filter(which, account_id=OuterRef("pk"))
        .values("account_id")
        .annotate(t=Sum(amount, output_field=money_field))
        .values("t")
    )
    actual_filter = actual_lines(period, as_of)
    if actual_filter is None:
        actual: Any = Value(ZERO, output_field=money_field)
    else:
        actual = Coalesce(
            Subquery(
                RevenueLine.objects.filter(actual_filter, account_id=OuterRef("pk"))
                .values("account_id")
                .annotate(s=Sum("amount_base"))
                .values("s"),
                output_field=money_field,
            ),
            Value(ZERO, output_field=money_field),
        )
    return qs.annotate(target_amount=Subquery(target, output_field=money_field)).annotate(
        attainment=Case(
            When(
                target_amount__gt=0,
                then=Cast(actual, FloatField()) / Cast(F("target_amount"), FloatField()),
            ),
            default=None,
            output_field=FloatField(),
        )
    )


def this_years_attainment(qs: QuerySet[Account]) -> QuerySet[Account]:
    """`with_attainment` of the current year as of today (the accounts table's column)."""
    today = timezone.localdate()
    return with_attainment(qs, period=period_of(YEAR, today), as_of=today)


__all__ = [
    "this_years_attainment",
    "ACCOUNT",
    "COMPANY",
    "OWNER",
    "REGION",
    "Attainment",
    "AttainmentRow",
    "attainment",
    "attainment_levels",
    "my_attainment",
    "with_attainment",
]
