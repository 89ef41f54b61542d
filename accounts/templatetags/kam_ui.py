"""Formatting shared by every app's templates (the lowest layer, so all may load it)."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat
from django.utils import timezone

register = template.Library()


@register.filter
def pct(value, digits: int = 1) -> str:
    """A 0..1 ratio as a locale-formatted percentage; an en dash when unknown."""
    if value is None or value == "":
        return "–"
    return f"{floatformat(float(value) * 100, f'{digits}g')} %"


@register.filter
def money(value) -> str:
    """Whole units with the locale's grouping (1,234,567 / 1 234 567)."""
    if value is None or value == "":
        return "–"
    return floatformat(value, "0g")


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
