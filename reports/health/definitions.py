"""The ten health components: keys, labels and default weights (DESIGN.md, exact), and the
bands. The formulas live in reports.health.components; this module has no imports from the
rest of reports so models, settings and migrations can read it."""

from __future__ import annotations

from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

StrOrPromise = str | Promise

# Order is the order a page lists them in.
COMPONENTS: tuple[tuple[str, StrOrPromise, int], ...] = (
    ("revenue_trend", _("Revenue trend"), 20),
    ("margin_trend", _("Margin trend"), 10),
    ("penetration", _("Penetration of potential"), 10),
    ("decision_makers", _("Contact with decision makers"), 15),
    ("role_coverage", _("Coverage of key roles"), 10),
    ("attitude", _("Relationship attitude"), 10),
    ("satisfaction", _("Satisfaction"), 10),
    ("plan_execution", _("Plan execution"), 5),
    ("tenders", _("Tender outcomes"), 5),
    ("activity", _("Activity"), 5),
)
KEYS: tuple[str, ...] = tuple(key for key, _label, _w in COMPONENTS)
LABELS = {key: label for key, label, _w in COMPONENTS}
DEFAULT_WEIGHTS: dict[str, int] = {key: weight for key, _label, weight in COMPONENTS}

# Bands: healthy ≥ 70, watch 40–69.9, at risk < 40 (HealthSettings holds the head's values).
DEFAULT_HEALTHY_FROM = Decimal("70")
DEFAULT_WATCH_FROM = Decimal("40")


def default_weights() -> dict[str, int]:
    """A fresh copy for a JSONField default."""
    return dict(DEFAULT_WEIGHTS)
