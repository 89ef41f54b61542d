"""Period strings of the metric tables: `2025-07`, `2025-Q3`, `2025`, `ttm`.

The metrics engine owns the calendar (`reports.metrics.periods`); this is the pages' view of
it: a period with its key, dates and display label, and the previous one of the same kind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.metrics import periods as metric_periods
from reports.models import PeriodKind, PortfolioMetric

MONTHS = metric_periods.MONTHS_IN
# What the head's pages show when no period is asked for (and what the nightly run warms).
DEFAULT_PERIOD = "ttm"


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    key: str
    kind: str
    start: dt.date
    end: dt.date

    @property
    def months(self) -> int:
        return MONTHS[self.kind]

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.TTM:
            return f"{_('Last 12 months')} ({self.start:%Y-%m} … {self.end:%Y-%m})"
        return self.key

    def __str__(self) -> str:
        return self.key


def ttm_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The 12 calendar months that end before the month of `as_of`."""
    ttm = metric_periods.ttm_period(as_of)
    return ttm.start, ttm.end


def period_parse(key: str, *, ttm: tuple[dt.date, dt.date] | None = None) -> Period:
    """A Period for a period string; `ttm` dates come from the latest recompute."""
    key = (key or "").strip()
    if key.lower() == "ttm":
        start, end = ttm or ttm_window(timezone.localdate())
        return Period("ttm", PeriodKind.TTM, start, end)
    try:
        parsed = metric_periods.parse_period(key)
    except ValidationError as exc:
        raise PeriodError(
            _("Use a month (2025-07), a quarter (2025-Q3), a year (2025) or ttm.")
        ) from exc
    return Period(parsed.label, parsed.kind, parsed.start, parsed.end)


def period_previous(period: Period) -> Period:
    """The period of the same kind and length just before (for ttm: the 12 months before)."""
    start = metric_periods.add_months(period.start, -period.months)
    end = period.start - dt.timedelta(days=1)
    if period.kind == PeriodKind.TTM:
        return Period("ttm-previous", period.kind, start, end)
    previous = metric_periods.period_of(period.kind, start)
    return Period(previous.label, previous.kind, previous.start, previous.end)


def period_resolve(key: str) -> Period:
    """Parse `key`; ttm takes its window from the stored ttm row when there is one."""
    if (key or "").strip().lower() == "ttm":
        row = PortfolioMetric.objects.filter(period="ttm").values_list("period_start", "period_end")
        return period_parse("ttm", ttm=row.first())
    return period_parse(key)


def periods_available() -> dict[str, list[str]]:
    """Periods with stored portfolio rows, newest first, grouped by kind (for the picker)."""
    grouped: dict[str, list[str]] = {kind: [] for kind in MONTHS}
    rows = PortfolioMetric.objects.order_by("-period_start", "period").values_list(
        "period", "period_kind"
    )
    for key, kind in rows:
        grouped.setdefault(kind, []).append(key)
    return grouped
