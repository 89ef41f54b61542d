"""Periods as DESIGN.md names them: `2025-07`, `2025-Q3`, `2025` and `ttm` — the one
period type of the project (the engine, the API, the pages, the exports and the jobs).

A period is a closed date range with a kind and a key. The key is the string the metric
tables store in `period` and clients pass as `?period=`; `label` is what a page shows.
`ttm` is the 12 calendar months that end before the month of the as-of date, so every day
of a month gives the same window; `ttm` rows are those of the latest recompute, so a reader
asking for "ttm" gets that recompute's window (`ttm_latest`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext

MONTH, QUARTER, YEAR, TTM = "month", "quarter", "year", "ttm"
KINDS = (MONTH, QUARTER, YEAR, TTM)
MONTHS_IN = {MONTH: 1, QUARTER: 3, YEAR: 12, TTM: 12}
# The 12 months before a ttm window: never stored, only compared with (growth, tier moves).
TTM_PREVIOUS = "ttm-previous"

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR_RE = re.compile(r"^(\d{4})$")


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return add_months(day, 1) - dt.timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    kind: str
    start: dt.date
    key: str
    # The first month with data, when the caller knows it (`with_data_start`): a period that
    # begins before it is partial. Not part of the period's identity.
    data_start: dt.date | None = field(default=None, compare=False, repr=False)

    @property
    def months(self) -> int:
        return MONTHS_IN[self.kind]

    @property
    def end(self) -> dt.date:
        return month_end(add_months(self.start, self.months - 1))

    @property
    def label(self) -> str:
        """What a page shows: the key, or for ttm the words and the months it spans."""
        if self.kind != TTM:
            return self.key
        name = gettext("Last 12 months") if self.key == TTM else gettext("Previous 12 months")
        return f"{name} ({self.start:%Y-%m} … {self.end:%Y-%m})"

    @property
    def title(self) -> str:
        """The period in words, for a report's title: "trailing 12 months to Nov. 30, 2026",
        "November 2026", "Q3 2025", "year 2025" (the active language's date format)."""
        if self.kind == TTM:
            end = formats.date_format(self.end, "DATE_FORMAT")
            if self.key == TTM:
                return gettext("trailing 12 months to %(end)s") % {"end": end}
            return gettext("12 months to %(end)s") % {"end": end}
        if self.kind == MONTH:
            return formats.date_format(self.start, "YEAR_MONTH_FORMAT")
        if self.kind == QUARTER:
            quarter = (self.start.month - 1) // 3 + 1
            return gettext("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": self.start.year}
        return gettext("year %(year)s") % {"year": self.start.year}

    @property
    def note(self) -> str:
        """What makes the period partial, to put after its name: " (to date)" for the period
        in progress, " (3 months of data)" for one that begins before the first month of data;
        "" for a complete period. The one rule; pages, charts' tables and exports use it."""
        today = timezone.localdate()
        if self.kind != TTM and self.contains(today):
            return " " + gettext("(to date)")
        if self.data_start and self.start < self.data_start <= self.end:
            n = sum(1 for m in self.month_starts() if m >= self.data_start)
            return " " + ngettext("(%(n)d month of data)", "(%(n)d months of data)", n) % {"n": n}
        return ""

    @property
    def shown(self) -> str:
        """The label with its partial-period note: "2026-12 (to date)"."""
        return f"{self.label}{self.note}"

    @property
    def title_shown(self) -> str:
        """The title in words with its note: "December 2026 (to date)"."""
        return f"{self.title}{self.note}"

    def with_data_start(self, first_month: dt.date | None) -> Period:
        """This period knowing the first month with data (for `note`)."""
        return replace(self, data_start=first_month)

    def __str__(self) -> str:
        return self.key

    def prev(self) -> Period:
        """The period of the same kind and length just before this one."""
        start = add_months(self.start, -self.months)
        if self.kind == TTM:
            return Period(TTM, start, TTM_PREVIOUS)
        return period_of(self.kind, start)

    def month_starts(self) -> list[dt.date]:
        return [add_months(self.start, i) for i in range(self.months)]

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def period_of(kind: str, day: dt.date) -> Period:
    """The calendar period of `kind` that holds `day` (not for ttm)."""
    if kind == MONTH:
        return Period(MONTH, dt.date(day.year, day.month, 1), f"{day.year:04d}-{day.month:02d}")
    if kind == QUARTER:
        q = (day.month - 1) // 3
        return Period(QUARTER, dt.date(day.year, 3 * q + 1, 1), f"{day.year:04d}-Q{q + 1}")
    if kind == YEAR:
        return Period(YEAR, dt.date(day.year, 1, 1), f"{day.year:04d}")
    raise ValueError(f"no calendar period of kind {kind!r}")


def ttm_period(as_of: dt.date) -> Period:
    """The ttm window as of a date: the 12 calendar months before the as-of month."""
    return Period(TTM, add_months(as_of, -12), TTM)


def ttm_latest() -> Period:
    """The ttm window of the latest recompute (what the `ttm` rows hold); before any
    recompute, the window as of today."""
    from reports.models import PortfolioMetric

    start = (
        PortfolioMetric.objects.filter(period=TTM).values_list("period_start", flat=True).first()
    )
    return Period(TTM, start, TTM) if start else ttm_period(timezone.localdate())


def parse_period(text: str, *, as_of: dt.date | None = None) -> Period:
    """`2025-07`, `2025-Q3`, `2025` or `ttm` (as of `as_of`; by default the latest
    recompute's window, see `ttm_latest`). A bad string raises a ValidationError on
    `period`."""
    text = (text or "").strip()
    if text.lower() == TTM:
        return ttm_period(as_of) if as_of else ttm_latest()
    try:
        if m := _MONTH_RE.match(text):
            return period_of(MONTH, dt.date(int(m[1]), int(m[2]), 1))
        if m := _QUARTER_RE.match(text):
            return period_of(QUARTER, dt.date(int(m[1]), 3 * int(m[2]) - 2, 1))
        if m := _YEAR_RE.match(text):
            return period_of(YEAR, dt.date(int(m[1]), 1, 1))
    except ValueError:
        pass
    raise ValidationError(
        {"period": f"{text!r} is not a period: use 2025-07, 2025-Q3, 2025 or ttm."}
    )


def periods_with_revenue(month_starts: list[dt.date], as_of: dt.date) -> list[Period]:
    """Every month, quarter and year holding a month with lines, plus ttm as of `as_of`."""
    found = {period_of(kind, m) for m in month_starts for kind in (MONTH, QUARTER, YEAR)}
    return sorted(found, key=lambda p: (KINDS.index(p.kind), p.start)) + [ttm_period(as_of)]
