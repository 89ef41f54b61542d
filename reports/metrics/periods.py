"""Periods as DESIGN.md names them: `2025-07`, `2025-Q3`, `2025` and `ttm`.

A period is a closed date range with a label and a kind. `ttm` is the 12 calendar months
that end before the month of the as-of date, so every day of a month gives the same window.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

MONTH, QUARTER, YEAR, TTM = "month", "quarter", "year", "ttm"
KINDS = (MONTH, QUARTER, YEAR, TTM)
MONTHS_IN = {MONTH: 1, QUARTER: 3, YEAR: 12, TTM: 12}

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
    label: str

    @property
    def months(self) -> int:
        return MONTHS_IN[self.kind]

    @property
    def end(self) -> dt.date:
        return month_end(add_months(self.start, self.months - 1))

    def prev(self) -> Period:
        """The period of the same kind and length just before this one."""
        start = add_months(self.start, -self.months)
        if self.kind == TTM:
            return Period(TTM, start, f"ttm-prev:{start:%Y-%m}")
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
    return Period(TTM, add_months(as_of, -12), "ttm")


def parse_period(text: str, *, as_of: dt.date | None = None) -> Period:
    """`2025-07`, `2025-Q3`, `2025` or `ttm` (as of `as_of`, default today)."""
    text = (text or "").strip()
    if text.lower() == "ttm":
        from django.utils import timezone

        return ttm_period(as_of or timezone.localdate())
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
