"""The forecast's weekly snapshots, how a period's forecast moved, and its accuracy.

Every week (beat: `reports.tasks.forecast_snapshot`, Mondays) the forecast of this year,
this quarter and the next quarter is written down by KAM, region and company. Accounts are
not snapshotted one by one: 10 000 accounts × 3 periods × 52 weeks is 1.5 million rows a
year for a question nobody asks of a single account's forecast.

A week's snapshot is taken once: the first run of the week writes it, a second run (a
retry, a second beat, a hand run) finds the rows there and changes nothing — what was
forecast that week stays what it was. Concurrent runs are kept apart by the unique
(week, period, level, key) constraint.

Accuracy of a closed period (DESIGN): 1 − |forecast at snapshot − actual| / actual, by KAM
and for the company, for the snapshot of the period's first week (what was expected as the
period began) and the last one before it closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts import access
from accounts.models import Account, User
from reports.metrics.periods import Period
from reports.models import ForecastSnapshot

from .forecast import (
    ACCOUNT,
    COMPANY,
    OWNER,
    REGION,
    ForecastRow,
    accuracy,
    actual_revenue,
    forecast,
    forecast_labels,
    forecast_periods,
)

SNAPSHOT_LEVELS = (OWNER, REGION, COMPANY)
WEEK_FIELDS = ("week", "actual", "run_rate", "opportunities", "tenders", "forecast", "target")


def week_of(day: dt.date) -> dt.date:
    """The Monday of the ISO week of `day`."""
    return day - dt.timedelta(days=day.weekday())


@transaction.atomic
def forecast_snapshot_take(*, as_of: dt.date | None = None) -> int:
    """Write the week's snapshot (as of `as_of`, default today) unless it is there;
    returns the rows written (0 on a second run in the same week)."""
    as_of = as_of or timezone.localdate()
    week = week_of(as_of)
    periods = forecast_periods(as_of)
    if ForecastSnapshot.objects.filter(week=week, period__in=[p.key for p in periods]).exists():
        return 0
    now = timezone.now()
    where = {a["pk"]: a for a in Account.objects.values("pk", "owner_id", "region_id")}
    rows = []
    for period in periods:
        # One account-level forecast, rolled up: a third of the queries of three levels.
        accounts = forecast(user=None, period=period, level=ACCOUNT, as_of=as_of).rows
        for level in SNAPSHOT_LEVELS:
            for row in _rollup(accounts, where, level):
                rows.append(
                    ForecastSnapshot(
                        week=week,
                        as_of=as_of,
                        period=period.key,
                        period_start=period.start,
                        period_end=period.end,
                        level=level,
                        key=row.key or 0,
                        label=row.label[:255],
                        actual=row.actual,
                        run_rate=row.run_rate,
                        opportunities=row.opportunities,
                        tenders=row.tenders,
                        forecast=row.forecast,
                        target=row.target,
                        taken_at=now,
                    )
                )
    written = ForecastSnapshot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(written)


def _rollup(accounts: list[ForecastRow], where: dict[int, Any], level: str) -> list[ForecastRow]:
    """Account rows summed by KAM, region or into the company row."""
    column = {OWNER: "owner_id", REGION: "region_id"}.get(level)
    sums: dict[int | None, ForecastRow] = {}
    for row in accounts:
        info = where.get(row.key) if row.key is not None else None
        key = info[column] if info is not None and column is not None else None
        acc = sums.setdefault(key, ForecastRow(key, ""))
        acc.actual += row.actual
        acc.run_rate += row.run_rate
        acc.opportunities += row.opportunities
        acc.tenders += row.tenders
        if row.target is not None:
            acc.target = (acc.target or Decimal(0)) + row.target
    if level == COMPANY and None not in sums:
        sums[None] = ForecastRow(None, "")
    labels = forecast_labels(level, set(sums))
    for key, acc in sums.items():
        acc.label = str(labels.get(key, f"#{key}"))
    return list(sums.values())


def snapshot_scope(*, user: User, level: str) -> Any:
    """Snapshot rows the user may read: heads and admins all; a KAM their own KAM rows
    (the region and company rows sum other KAMs' accounts)."""
    qs = ForecastSnapshot.objects.filter(level=level)
    if not access.can_read_records(user):
        return qs.none()
    if access.sees_every_account(user):
        return qs
    return qs.filter(level=OWNER, key=user.pk)


@dataclass
class Accuracy:
    key: int
    label: str
    actual: Decimal
    first_week: dt.date | None
    first_forecast: Decimal | None
    first_accuracy: float | None
    last_week: dt.date | None
    last_forecast: Decimal | None
    last_accuracy: float | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def forecast_history(*, user: User, period: Period, level: str = COMPANY) -> dict[str, Any]:
    """The snapshots of `period` at `level`, week by week, one series per key; and, once
    the period has closed, the accuracy by key."""
    rows = list(
        snapshot_scope(user=user, level=level)
        .filter(period=period.key)
        .order_by("key", "week")
        .values("key", "label", *WEEK_FIELDS)
    )
    series: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = series.setdefault(
            row["key"], {"key": row["key"], "label": row["label"], "weeks": []}
        )
        entry["label"] = row["label"]  # the latest name
        entry["weeks"].append({k: row[k] for k in WEEK_FIELDS})
    closed = period.end < timezone.localdate()
    return {
        "period": period,
        "level": level,
        "closed": closed,
        "series": sorted(series.values(), key=lambda s: s["label"]),
        "accuracy": _accuracy(user=user, period=period, level=level, series=series)
        if closed
        else [],
    }


def _accuracy(
    *, user: User, period: Period, level: str, series: dict[int, dict[str, Any]]
) -> list[Accuracy]:
    """For each key with snapshots: the first snapshot taken inside the period and the
    last one, each against the period's actual."""
    actuals = actual_revenue(period=period, level=level, user=None)
    result = []
    for key, entry in series.items():
        inside = [w for w in entry["weeks"] if period.start <= w["week"] <= period.end]
        before_end = [w for w in entry["weeks"] if w["week"] <= period.end]
        if not before_end:
            continue
        first = inside[0] if inside else before_end[-1]
        last = before_end[-1]
        actual = actuals.get(key or None, Decimal("0.00"))
        result.append(
            Accuracy(
                key=key,
                label=entry["label"],
                actual=actual,
                first_week=first["week"],
                first_forecast=first["forecast"],
                first_accuracy=accuracy(first["forecast"], actual),
                last_week=last["week"],
                last_forecast=last["forecast"],
                last_accuracy=accuracy(last["forecast"], actual),
            )
        )
    return sorted(result, key=lambda a: a.label)
