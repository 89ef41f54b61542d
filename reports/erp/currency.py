"""Conversion to the base currency (DESIGN.md, "Metric definitions").

A line in another currency is converted with the rate of its currency on the latest date on
or before the line's date, per line, rounded half-up to 2 places. PostgreSQL's
`round(numeric, 2)` rounds half away from zero, which is Python's ROUND_HALF_UP, so the
set-based re-conversion in SQL and the per-line conversion here agree to the cent.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from reports.models import ExchangeRate, RevenueLine

CENT = Decimal("0.01")
# amount_base is numeric(18, 2): 16 digits before the point.
MAX_BASE = Decimal(10) ** 16


def to_base(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


class RateBook:
    """The rates a batch needs, loaded with one query per currency."""

    def __init__(self, wanted: dict[str, tuple[dt.date, dt.date]]) -> None:
        """`wanted`: currency -> (earliest, latest) line date in the batch."""
        self._dates: dict[str, list[dt.date]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        self._cache: dict[tuple[str, dt.date], Decimal | None] = {}
        for currency, (first, last) in wanted.items():
            # The rate governing the earliest line may be older than that line.
            start = ExchangeRate.objects.filter(currency=currency, date__lte=first).aggregate(
                d=Max("date")
            )["d"]
            rows = (
                ExchangeRate.objects.filter(
                    currency=currency, date__gte=start or first, date__lte=last
                )
                .order_by("date")
                .values_list("date", "rate")
            )
            self._dates[currency] = [d for d, _ in rows]
            self._rates[currency] = [r for _, r in rows]

    def rate(self, currency: str, date: dt.date) -> Decimal | None:
        key = (currency, date)
        try:
            return self._cache[key]
        except KeyError:
            pass
        dates = self._dates.get(currency, [])
        pos = bisect_right(dates, date)
        found = self._rates[currency][pos - 1] if pos else None
        self._cache[key] = found
        return found


def revenue_lines_reconvert(changed: Iterable[tuple[str, dt.date]]) -> int:
    """Re-convert the lines governed by new or corrected rates; returns lines changed.

    Every line of a touched currency dated on or after the earliest touched date is
    recomputed from the rates as they now stand, and only lines whose base amounts differ
    are written (so a re-posted identical rate churns nothing). Runs inside the caller's
    transaction, which holds the exclusive rates lock, so no line import interleaves.
    """
    since: dict[str, dt.date] = {}
    for currency, date in changed:
        since[currency] = min(date, since.get(currency, date))
    if not since:
        return 0
    if connection.vendor == "postgresql":
        return _reconvert_sql(since)
    return _reconvert_python(since)


_RECONVERT_SQL = """
WITH spans AS (
    SELECT currency, date AS valid_from,
           lead(date) OVER (PARTITION BY currency ORDER BY date) AS valid_to, rate
    FROM reports_exchangerate WHERE currency = %(currency)s
)
UPDATE reports_revenueline AS l
SET amount_base = round(l.amount * s.rate, 2),
    cost_base = round(l.cost * s.rate, 2),
    updated_at = %(now)s
FROM spans AS s
WHERE l.currency = %(currency)s AND l.date >= %(since)s
  AND l.date >= s.valid_from AND (s.valid_to IS NULL OR l.date < s.valid_to)
  AND (l.amount_base, l.cost_base)
      IS DISTINCT FROM (round(l.amount * s.rate, 2), round(l.cost * s.rate, 2))
"""


def _reconvert_sql(since: dict[str, dt.date]) -> int:
    changed = 0
    now = timezone.now()
    with connection.cursor() as cursor:
        for currency, date in sorted(since.items()):
            cursor.execute(_RECONVERT_SQL, {"currency": currency, "since": date, "now": now})
            changed += cursor.rowcount
    return changed


def _reconvert_python(since: dict[str, dt.date]) -> int:
    """The embedded demo's (SQLite) fallback: same rule, computed here."""
    now = timezone.now()
    dirty: list[RevenueLine] = []
    for currency, date in since.items():
        lines = list(
            RevenueLine.objects.filter(currency=currency, date__gte=date).only(
                "id", "date", "amount", "cost", "amount_base", "cost_base"
            )
        )
        if not lines:
            continue
        book = RateBook({currency: (min(x.date for x in lines), max(x.date for x in lines))})
        for line in lines:
            rate = book.rate(currency, line.date)
            if rate is None:  # cannot happen: rates are never deleted through the ERP
                continue
            base = to_base(line.amount, rate)
            cost_base = None if line.cost is None else to_base(line.cost, rate)
            if (base, cost_base) != (line.amount_base, line.cost_base):
                line.amount_base, line.cost_base, line.updated_at = base, cost_base, now
                dirty.append(line)
    RevenueLine.objects.bulk_update(
        dirty, ["amount_base", "cost_base", "updated_at"], batch_size=500
    )
    return len(dirty)


def group_dates(pairs: Iterable[tuple[str, dt.date]]) -> dict[str, tuple[dt.date, dt.date]]:
    spans: dict[str, list[dt.date]] = defaultdict(list)
    for currency, date in pairs:
        spans[currency].append(date)
    return {c: (min(ds), max(ds)) for c, ds in spans.items()}
