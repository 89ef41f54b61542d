"""The forecast (DESIGN.md, "Contracts, targets, opportunities and the forecast").

    forecast(P) = actual to date + run-rate to the end of P
                  + weighted open opportunities expected to close inside P
                  + weighted open tenders whose decision date is inside P

per account, KAM (the account's owner), region and the company, against the target.

- Actual to date: the revenue lines dated from P's start to the as-of date (inclusive).
- Run-rate: the mean monthly revenue of the last 3 complete months (the three calendar
  months before the as-of month) × the months of P still ahead. The as-of month counts for
  the part of it still ahead — (days after as-of) / (days in the month) — so the lines
  already in it are neither projected again nor left out; a period not begun counts whole.
- Weighted pipeline: an opportunity's value × its probability (its own, else its stage's),
  a tender's estimated value × its stage's probability (plans.probabilities, the head's
  settings), converted to the base currency at the latest rate on or before as-of; one
  in a currency with no rate yet is left out (and counted in `unconverted`).
- A period that has ended is its actual: nothing is ahead of it.
- Target: the targets of the period (plans.Target): a year is the sum of its rows; a
  quarter is its quarterly rows, or a quarter of an annual target.

Everything is a few grouped queries, whatever the number of accounts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Case, DecimalField, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import access
from accounts.models import Account, Region, User
from plans import probabilities
from plans.models import Opportunity, Target, Tender
from reports.erp.currency import RateBook
from reports.metrics.periods import (
    MONTH,
    QUARTER,
    YEAR,
    Period,
    add_months,
    month_end,
    parse_period,
    period_of,
)
from reports.models import RevenueLine

ACCOUNT, OWNER, REGION, COMPANY = "account", "owner", "region", "company"
LEVELS = (ACCOUNT, OWNER, REGION, COMPANY)
LEVEL_LABELS = {
    ACCOUNT: gettext_lazy("Account"),
    OWNER: gettext_lazy("KAM"),
    REGION: gettext_lazy("Region"),
    COMPANY: gettext_lazy("Company"),
}
# The account's column each level groups by (None: one row for everything).
_GROUP = {ACCOUNT: "account_id", OWNER: "account__owner_id", REGION: "account__region_id"}
RUN_RATE_MONTHS = 3
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class ForecastRow:
    key: int | None  # account, user or region id; None: the company, or no owner/region
    label: str
    actual: Decimal = ZERO
    run_rate: Decimal = ZERO
    opportunities: Decimal = ZERO
    tenders: Decimal = ZERO
    target: Decimal | None = None

    @property
    def forecast(self) -> Decimal:
        return self.actual + self.run_rate + self.opportunities + self.tenders

    @property
    def gap(self) -> Decimal | None:
        """Forecast − target (negative: short of it)."""
        return None if self.target is None else self.forecast - self.target

    @property
    def attainment(self) -> float | None:
        """Forecast / target."""
        return float(self.forecast / self.target) if self.target else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "actual": self.actual,
            "run_rate": self.run_rate,
            "opportunities": self.opportunities,
            "tenders": self.tenders,
            "forecast": self.forecast,
            "target": self.target,
            "gap": self.gap,
            "attainment": self.attainment,
        }


@dataclass
class Forecast:
    period: Period
    as_of: dt.date
    level: str
    months_left: Decimal
    rows: list[ForecastRow]
    unconverted: int = 0  # pipeline rows left out: no rate for their currency yet
    total: ForecastRow = field(default_factory=lambda: ForecastRow(None, ""))


# --- the period arithmetic ------------------------------------------------------------
def forecast_periods(as_of: dt.date) -> list[Period]:
    """What the forecast looks at: this year, this quarter and the next one."""
    quarter = period_of(QUARTER, as_of)
    return [period_of(YEAR, as_of), quarter, period_of(QUARTER, add_months(quarter.start, 3))]


def parse_forecast_period(text: str, *, as_of: dt.date) -> Period:
    """`2026` or `2026-Q3` (default: this year); other kinds are a ValidationError."""
    from django.core.exceptions import ValidationError

    if not text:
        return period_of(YEAR, as_of)
    period = parse_period(text, as_of=as_of)
    if period.kind not in (YEAR, QUARTER):
        raise ValidationError({"period": _("The forecast is for a year or a quarter.")})
    return period


def months_left(period: Period, as_of: dt.date) -> Decimal:
    """Months of `period` after `as_of` (the as-of month by the fraction of its days
    still ahead)."""
    if as_of >= period.end:
        return Decimal(0)
    if as_of < period.start:
        return Decimal(period.months)
    end_of_month = month_end(as_of)
    fraction = Decimal((end_of_month - as_of).days) / Decimal(end_of_month.day)
    whole = sum(1 for start in period.month_starts() if start > as_of)
    return fraction + whole


def run_rate_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The last 3 complete months before the as-of month: (first day, last day)."""
    first = add_months(as_of, -RUN_RATE_MONTHS)
    return first, add_months(as_of, 0) - dt.timedelta(days=1)


def run_rate(recent_revenue: Decimal, period: Period, as_of: dt.date) -> Decimal:
    """Mean monthly revenue of the last 3 complete months × months left in the period."""
    return money(recent_revenue / RUN_RATE_MONTHS * months_left(period, as_of))


# --- the numbers ----------------------------------------------------------------------
def _group(qs: QuerySet, level: str) -> QuerySet:
    if level == COMPANY:
        return qs.annotate(k=Value(None, output_field=IntegerField())).values("k")
    return qs.annotate(k=F(_GROUP[level])).values("k")


def _within(qs: QuerySet, accounts: QuerySet | None) -> QuerySet:
    """Rows under `accounts` (None: every account, no `IN (SELECT …)` to pay for)."""
    return qs if accounts is None else qs.filter(account_id__in=accounts.values("pk"))


def actual_lines(period: Period, as_of: dt.date) -> Q | None:
    """The revenue lines of `period` to date (from its start to as-of, inclusive), as a
    filter on RevenueLine; None before the period begins (nothing is actual yet). The one
    rule of "actual to date" (the forecast, attainment, the accounts table)."""
    actual_end = min(as_of, period.end)
    if actual_end < period.start:
        return None
    return Q(date__gte=period.start, date__lte=actual_end)


def lines_within(windows: list[tuple[dt.date, dt.date]]) -> Q:
    """Revenue lines dated inside any of the windows (first day, last day): windows that
    touch merge into one range of dates — which the (date, account) index answers — where
    an OR of overlapping ranges would take a full scan. The sums' own filters pick each
    window's lines out of it."""
    merged: list[list[dt.date]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    wanted = Q(pk__in=[])
    for start, end in merged:
        wanted |= Q(date__gte=start, date__lte=end)
    return wanted


def recent_lines(as_of: dt.date) -> Q:
    """The revenue lines of the run-rate window (run_rate_window), as a filter."""
    rr_start, rr_end = run_rate_window(as_of)
    return Q(date__gte=rr_start, date__lte=rr_end)


def period_target(period: Period) -> tuple[Q, Any]:
    """(which Target rows count, the amount of each) for the target of `period`: a year is
    the sum of its rows; a quarter its quarterly row, or a quarter of an annual target."""
    if period.kind == QUARTER:
        quarter = (period.start.month - 1) // 3 + 1
        amount = Case(
            When(quarter=quarter, then=F("revenue_target")),
            When(quarter__isnull=True, then=F("revenue_target") / 4),
            default=Value(ZERO),
            output_field=DecimalField(max_digits=18, decimal_places=2),
        )
        return Q(year=period.start.year) & (Q(quarter=quarter) | Q(quarter__isnull=True)), amount
    return Q(year=period.start.year), F("revenue_target")


def _revenue(
    accounts: QuerySet | None, *, period: Period, as_of: dt.date, level: str
) -> dict[Any, tuple[Decimal, Decimal]]:
    """{key: (actual to date, revenue of the run-rate window)} in one grouped query."""
    actual_end = min(as_of, period.end)
    lines = _within(RevenueLine.objects.all(), accounts)
    actual = actual_lines(period, as_of) or Q(pk__in=[])
    recent = recent_lines(as_of)
    windows = [run_rate_window(as_of)]
    if actual_end >= period.start:
        windows.append((period.start, actual_end))
    wanted = lines_within(windows)
    rows = (
        _group(lines.filter(wanted), level)
        .annotate(
            actual=Sum("amount_base", filter=actual, default=ZERO),
            recent=Sum("amount_base", filter=recent, default=ZERO),
        )
        .order_by()
    )
    result = {}
    for row in rows:
        got = row["actual"] if actual_end >= period.start else ZERO
        result[row["k"]] = (got or ZERO, row["recent"] or ZERO)
    return result


def percent_case(stages: dict[str, int]) -> Case:
    return Case(
        *[When(stage=stage, then=Value(percent)) for stage, percent in stages.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


def to_base_currency(
    sums: dict[tuple[Any, str], Decimal], *, as_of: dt.date
) -> tuple[dict[Any, Decimal], int]:
    """{(key, currency): amount} → {key: base amount}; amounts with no rate are dropped
    (the second value: how many were)."""
    base = settings.BASE_CURRENCY
    others = {currency for _key, currency in sums if currency != base}
    book = RateBook(dict.fromkeys(others, (as_of, as_of))) if others else None
    result: dict[Any, Decimal] = defaultdict(Decimal)
    dropped = 0
    for (key, currency), amount in sums.items():
        if currency == base:
            result[key] += amount
            continue
        rate = book.rate(currency, as_of) if book else None
        if rate is None:
            dropped += 1
            continue
        result[key] += amount * rate
    return result, dropped


def _pipeline(
    user: User | None, accounts: QuerySet | None, *, period: Period, as_of: dt.date, level: str
) -> tuple[dict[Any, Decimal], dict[Any, Decimal], int]:
    """Weighted open opportunities and tenders closing inside the period, by key."""
    if as_of > period.end:
        return {}, {}, 0
    table = probabilities.stage_probabilities()
    opportunities = Opportunity.objects.all()
    tenders = Tender.objects.all()
    if user is not None:
        opportunities = access.opportunity_scope(user=user, queryset=opportunities)
        tenders = access.tender_scope(user=user, queryset=tenders)
    opportunity_rows = (
        _group(
            _within(opportunities, accounts).filter(
                stage__in=Opportunity.OPEN_STAGES,
                expected_close__gte=period.start,
                expected_close__lte=period.end,
            ),
            level,
        )
        .annotate(
            currency_=F("currency"),
            weighted=Sum(
                F("value")
                * Coalesce("probability", percent_case(table[probabilities.OPPORTUNITY])),
                output_field=DecimalField(max_digits=24, decimal_places=2),
            ),
        )
        .values_list("k", "currency_", "weighted")
        .order_by()
    )
    tender_rows = (
        _group(
            _within(tenders, accounts).filter(
                stage__in=Tender.OPEN_STAGES,
                estimated_value__isnull=False,
                decision_date__gte=period.start,
                decision_date__lte=period.end,
            ),
            level,
        )
        .annotate(
            currency_=F("currency"),
            weighted=Sum(
                F("estimated_value") * percent_case(table[probabilities.TENDER]),
                output_field=DecimalField(max_digits=24, decimal_places=2),
            ),
        )
        .values_list("k", "currency_", "weighted")
        .order_by()
    )
    opp_sums = {(k, c): Decimal(w or 0) / 100 for k, c, w in opportunity_rows}
    tender_sums = {(k, c): Decimal(w or 0) / 100 for k, c, w in tender_rows}
    opps, dropped_o = to_base_currency(opp_sums, as_of=as_of)
    tends, dropped_t = to_base_currency(tender_sums, as_of=as_of)
    return opps, tends, dropped_o + dropped_t


def _targets(accounts: QuerySet | None, *, period: Period, level: str) -> dict[Any, Decimal]:
    which, amount = period_target(period)
    targets = _within(Target.objects.all(), accounts).filter(which)
    rows = _group(targets, level).annotate(t=Sum(amount)).values_list("k", "t").order_by()
    return {k: t for k, t in rows if t is not None}


def forecast_labels(level: str, keys: set, accounts: QuerySet | None = None) -> dict[Any, str]:
    """Names of the keys of a level (accounts looked up among `accounts`, default all)."""
    if level == COMPANY:
        return {None: _("Company")}
    if level == ACCOUNT:
        base = Account.objects.all() if accounts is None else accounts
        return dict(base.filter(pk__in=keys).values_list("pk", "name"))
    if level == OWNER:
        people = User.objects.filter(pk__in=[k for k in keys if k is not None])
        names = {u.pk: u.get_full_name() or u.username for u in people}
        return {**names, None: _("No owner")}
    regions = dict(Region.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name"))
    return {**regions, None: _("No region")}


def forecast_scope(
    user: User | None, accounts: QuerySet[Account] | None
) -> tuple[QuerySet[Account], QuerySet[Account] | None]:
    """(the accounts the user sees, narrowed to `accounts` if given; the subset to filter
    rows by — None when that is every account, so no `IN (SELECT …)` is paid for)."""
    scope = Account.objects.all() if user is None else access.account_scope(user=user)
    if accounts is not None:
        scope = scope.filter(pk__in=accounts.values("pk"))
    everything = user is None or access.sees_every_account(user)
    return scope, None if accounts is None and everything else scope


def forecast(
    *,
    user: User | None,
    period: Period,
    level: str = COMPANY,
    as_of: dt.date | None = None,
    accounts: QuerySet[Account] | None = None,
) -> Forecast:
    """The forecast of `period` as of a date, by `level`, over the accounts the user sees
    (None: every account — the weekly job), or the given subset of them. Rows by forecast,
    largest first; `total` sums them."""
    if level not in LEVELS:
        raise ValueError(level)
    as_of = as_of or timezone.localdate()
    scope, subset = forecast_scope(user, accounts)
    revenue = _revenue(subset, period=period, as_of=as_of, level=level)
    opps, tends, dropped = _pipeline(user, subset, period=period, as_of=as_of, level=level)
    targets = _targets(subset, period=period, level=level)
    keys = set(revenue) | set(opps) | set(tends) | set(targets)
    if level == COMPANY:
        keys.add(None)
    labels = forecast_labels(level, keys, scope)
    rows = []
    for key in keys:
        actual, recent = revenue.get(key, (ZERO, ZERO))
        rows.append(
            ForecastRow(
                key=key,
                label=labels.get(key, f"#{key}"),
                actual=money(actual),
                run_rate=run_rate(recent, period, as_of),
                opportunities=money(opps.get(key, ZERO)),
                tenders=money(tends.get(key, ZERO)),
                target=money(targets[key]) if key in targets else None,
            )
        )
    rows.sort(key=lambda r: (-r.forecast, r.label))
    # The total from the unrounded sums: the company's own forecast, to the kopeck, at
    # every level (the page shows it without asking the database a second time).
    total = ForecastRow(
        None,
        _("Total"),
        actual=money(sum((actual for actual, _recent in revenue.values()), ZERO)),
        run_rate=run_rate(
            sum((recent for _actual, recent in revenue.values()), ZERO), period, as_of
        ),
        opportunities=money(sum(opps.values(), ZERO)),
        tenders=money(sum(tends.values(), ZERO)),
        target=money(sum(targets.values(), ZERO)) if targets else None,
    )
    return Forecast(
        period=period,
        as_of=as_of,
        level=level,
        months_left=months_left(period, as_of),
        rows=rows,
        unconverted=dropped,
        total=total,
    )


def actual_revenue(*, period: Period, level: str, user: User | None) -> dict[Any, Decimal]:
    """What a closed period brought, by key (for the accuracy of its forecasts)."""
    subset = None
    if user is not None and not access.sees_every_account(user):
        subset = access.account_scope(user=user)
    rows = (
        _group(
            _within(RevenueLine.objects.all(), subset).filter(
                date__gte=period.start, date__lte=period.end
            ),
            level,
        )
        .annotate(total=Sum("amount_base"))
        .values_list("k", "total")
        .order_by()
    )
    return {k: money(total or ZERO) for k, total in rows}


def accuracy(forecast_value: Decimal, actual: Decimal) -> float | None:
    """1 − |forecast − actual| / actual; None when the actual is not positive."""
    if actual <= 0:
        return None
    return float(1 - abs(forecast_value - actual) / actual)


__all__ = [
    "ACCOUNT",
    "COMPANY",
    "LEVELS",
    "MONTH",
    "OWNER",
    "REGION",
    "Forecast",
    "ForecastRow",
    "accuracy",
    "actual_revenue",
    "forecast",
    "forecast_periods",
    "months_left",
    "parse_forecast_period",
    "run_rate",
]
