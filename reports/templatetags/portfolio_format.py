"""Number formats of the report pages: money without kopecks, ratios as percent, "—" for
missing values (a null share or growth means "not defined", not zero)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import get_format
from django.utils.translation import gettext as _

register = template.Library()

# A heat map or a 200-row table formats thousands of numbers: Python's own formatting with
# the active language's separators, instead of floatformat's per-call locale machinery.


def _separators() -> tuple[str, str]:
    return get_format("THOUSAND_SEPARATOR"), get_format("DECIMAL_SEPARATOR")


@register.filter
def money(value) -> str:
    if value is None or value == "":
        return "—"
    whole = Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    thousands, _ = _separators()
    return f"{whole:,}".replace(",", thousands)


@register.filter
def pct(value, digits: int = 1) -> str:
    if value is None or value == "":
        return "—"
    thousands, decimal = _separators()
    text = f"{float(value) * 100:,.{int(digits)}f}"
    text = text.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)
    return f"{text} %"


@register.filter
def signed_pct(value, digits: int = 1) -> str:
    if value is None or value == "":
        return "—"
    text = pct(value, digits)
    return text if float(value) < 0 else f"+{text}"


@register.filter
def points(value) -> str:
    """A change of a 0–1 ratio, in percentage points."""
    if value is None:
        return "—"
    text = f"{float(value) * 100:+.1f}".replace(".", _separators()[1])
    return _("%(value)s pp") % {"value": text}
