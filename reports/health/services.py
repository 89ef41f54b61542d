"""Writes of the health feature: the head's settings."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import User
from reports.models import HealthSettings

from .definitions import KEYS

MAX_WEIGHT = 100


@transaction.atomic
def health_settings_update(
    *,
    user: User,
    weights: dict[str, int] | None = None,
    healthy_from: Decimal | None = None,
    watch_from: Decimal | None = None,
) -> HealthSettings:
    """Change weights (0–100 per component key, at least one > 0) and band thresholds
    (0 ≤ watch ≤ healthy ≤ 100); heads and admins only. Applies from the next computation."""
    if not access.can_change_health_settings(user):
        raise PermissionDenied(_("Only a sales head or an admin can change the health settings."))
    hs = HealthSettings.objects.select_for_update().get(pk=HealthSettings.load().pk)
    errors: dict[str, list[str]] = {}
    new_weights = {key: hs.weight_of(key) for key in KEYS}
    for key, value in (weights or {}).items():
        if key not in KEYS:
            errors.setdefault("weights", []).append(_("Unknown component: %(key)s") % {"key": key})
        elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_WEIGHT:
            errors.setdefault("weights", []).append(
                _("%(key)s: a whole number from 0 to 100.") % {"key": key}
            )
        else:
            new_weights[key] = value
    if not errors and sum(new_weights.values()) <= 0:
        errors["weights"] = [_("At least one component needs a weight above 0.")]
    healthy = hs.healthy_from if healthy_from is None else Decimal(healthy_from)
    watch = hs.watch_from if watch_from is None else Decimal(watch_from)
    if not (0 <= watch <= healthy <= 100):
        errors["watch_from"] = [_("Thresholds must satisfy 0 ≤ watch ≤ healthy ≤ 100.")]
    if errors:
        raise ValidationError(errors)
    hs.weights, hs.healthy_from, hs.watch_from, hs.updated_by = new_weights, healthy, watch, user
    hs._history_user = user  # type: ignore[attr-defined]  # simple-history's hook
    hs.save(update_fields=["weights", "healthy_from", "watch_from", "updated_by", "updated_at"])
    return hs
