"""Number formats of the report pages: money without kopecks, ratios as percent, "—" for
missing values (a null share or growth means "not defined", not zero)."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def money(value) -> str:
    if value is None or value == "":
        return "—"
    return floatformat(value, "0g")


@register.filter
def pct(value, digits: int = 1) -> str:
    if value is None or value == "":
        return "—"
    return f"{floatformat(float(value) * 100, f'{digits}g')} %"


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
    return f"{float(value) * 100:+.1f} pp"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
