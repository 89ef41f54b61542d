"""The head's pages' side of periods: the default period and the picker's choices.

The period type, its parsing and the ttm window are the metrics engine's
(`reports.metrics.periods`): pages, API, exports and jobs all use that one.
"""

from __future__ import annotations

from reports.metrics.periods import MONTHS_IN
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
