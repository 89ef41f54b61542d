"""The head's pages' side of periods: the default period and the picker's choices.

The period type, its parsing and the ttm window are the metrics engine's
(`reports.metrics.periods`): pages, API, exports and jobs all use that one.
"""

from __future__ import annotations

import datetime as dt

from reports.metrics.periods import MONTH, MONTHS_IN, parse_period
from reports.models import PortfolioMetric

# What the head's pages show when no period is asked for (and what the nightly run warms).
DEFAULT_PERIOD = "ttm"


def periods_available() -> dict[str, list[str]]:
    """Periods with stored portfolio rows, newest first, grouped by kind (for the picker)."""
    grouped: dict[str, list[str]] = {kind: [] for kind in MONTHS_IN}
    rows = PortfolioMetric.objects.order_by("-period_start", "period").values_list(
        "period", "period_kind"
    )
    for key, kind in rows:
        grouped.setdefault(kind, []).append(key)
    return grouped


def first_data_month(grouped: dict[str, list[str]] | None = None) -> dt.date | None:
    """The first month with stored portfolio numbers (a period before it is partial); from
    the picker's keys when the caller has them (no query)."""
    if grouped is not None:
        months = grouped.get(MONTH) or []
        return parse_period(min(months)).start if months else None
    return (
        PortfolioMetric.objects.filter(period_kind=MONTH)
        .order_by("period_start")
        .values_list("period_start", flat=True)
        .first()
    )


def period_names(grouped: dict[str, list[str]], first: dt.date | None) -> dict[str, str]:
    """Each picker key's name with its partial-period note ("2024 (3 months of data)")."""
    return {
        key: parse_period(key).with_data_start(first).shown
        for keys in grouped.values()
        for key in keys
        if key != "ttm"
    }
