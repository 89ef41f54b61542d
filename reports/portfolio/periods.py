"""Period strings of the metric tables: `2025-07`, `2025-Q3`, `2025`, `ttm`.

The metrics engine owns the computation; the pages only need to parse a period, know its
dates and find the previous period of the same kind (DESIGN.md, "Periods").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.models import PeriodKind, PortfolioMetric

MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12, PeriodKind.TTM: 12}
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


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


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_end(day: dt.date) -> dt.date:
    return _add_months(day, 1) - dt.timedelta(days=1)


def ttm_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The 12 calendar months that end before the month of `as_of`."""
    first_of_month = as_of.replace(day=1)
    return _add_months(first_of_month, -12), first_of_month - dt.timedelta(days=1)


def period_parse(key: str, *, ttm: tuple[dt.date, dt.date] | None = None) -> Period:
    """A Period for a period string; `ttm` dates come from the latest recompute."""
    key = (key or "").strip()
    if key.lower() == "ttm":
        start, end = ttm or ttm_window(timezone.localdate())
        return Period("ttm", PeriodKind.TTM, start, end)
    if m := _MONTH.match(key):
        start = dt.date(int(m[1]), int(m[2]), 1)
        return Period(key, PeriodKind.MONTH, start, _month_end(start))
    if m := _QUARTER.match(key):
        start = dt.date(int(m[1]), 3 * int(m[2]) - 2, 1)
        return Period(key, PeriodKind.QUARTER, start, _month_end(_add_months(start, 2)))
    if m := _YEAR.match(key):
        year = int(m[1])
        return Period(key, PeriodKind.YEAR, dt.date(year, 1, 1), dt.date(year, 12, 31))
    raise PeriodError(_("Use a month (2025-07), a quarter (2025-Q3), a year (2025) or ttm."))


def period_previous(period: Period) -> Period:
    """The period of the same kind and length just before (for ttm: the 12 months before)."""
    start = _add_months(period.start, -period.months)
    end = period.start - dt.timedelta(days=1)
    if period.kind == PeriodKind.MONTH:
        return Period(f"{start:%Y-%m}", period.kind, start, end)
    if period.kind == PeriodKind.QUARTER:
        return Period(f"{start.year}-Q{(start.month - 1) // 3 + 1}", period.kind, start, end)
    if period.kind == PeriodKind.YEAR:
        return Period(str(start.year), period.kind, start, end)
    return Period("ttm-previous", period.kind, start, end)


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
