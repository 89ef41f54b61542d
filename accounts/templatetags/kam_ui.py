"""Formatting shared by every app's templates (the lowest layer, so all may load it).

Money without kopecks, ratios as percent, "—" for a missing value (a null share or growth
means "not defined", not zero)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _

register = template.Library()

UNDO_TAG = "undo:"  # a message's extra tag carrying the URL that undoes what it reports


@register.filter
def undo_url(extra_tags: str | None) -> str:
    """The undo URL a message carries (see UNDO_TAG), or ""."""
    for tag in (extra_tags or "").split():
        if tag.startswith(UNDO_TAG):
            return tag[len(UNDO_TAG) :]
    return ""


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def days_ago(value) -> int | None:
    """Whole days since a datetime or date (None stays None)."""
    if value is None:
        return None
    if hasattr(value, "tzinfo"):
        return (timezone.now() - value).days
    return (timezone.localdate() - value).days


@register.filter
def trend(growth) -> str:
    """An arrow for a growth ratio; flat within ±2 %."""
    if growth is None:
        return ""
    if growth > 0.02:
        return "▲"
    if growth < -0.02:
        return "▼"
    return "▶"


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
