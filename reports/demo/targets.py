"""The demo's targets: one for every key account for the current year, so home, the
account pages, the accounts table and the head's dashboard show attainment on first open.

About a third of the accounts have quarterly targets (the rest one for the year); two in
three are approved by the sales head; one approved target was raised by its KAM later,
so the targets page shows the "changed after approval" marker (and its history the
change). Amounts come from the figure the account plan step aimed each account at; the
plan's revenue target is their sum.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import User
from plans import services
from plans.models import Target

if TYPE_CHECKING:
    from .builder import DemoBuilder

# Quarterly targets grow through the year (a quarter's share of the annual figure).
QUARTER_SHARES = (Decimal("0.22"), Decimal("0.24"), Decimal("0.26"), Decimal("0.28"))


def _money(value: float | Decimal) -> Decimal:
    return (
        Decimal(value).quantize(Decimal("1000"), rounding=ROUND_HALF_UP).quantize(Decimal("0.01"))
    )


def seed_targets(builder: DemoBuilder) -> None:
    """Write this year's targets of every key account (in bulk, with their history)."""
    # A copy of the builder's random state: the steps after this one draw what they did
    # before targets existed.
    rng = random.Random()
    rng.setstate(builder.rng.getstate())
    year = builder.as_of.year
    head = next(u for u in builder.users.values() if u.role == User.Role.HEAD)
    approved_at = timezone.make_aware(dt.datetime(year, 1, 20, 11, 0), builder.tz)
    rows: list[Target] = []
    for plan in [p for p in builder.plans if p.key]:
        annual = Decimal(builder.year_targets.get(plan.index) or builder._annual(plan) * 1.1)
        approved = rng.random() < 2 / 3
        owner = builder.users.get(plan.owner) if plan.owner else None
        common = {
            "account": plan.account,
            "year": year,
            "set_by": owner,
            "status": Target.Status.APPROVED if approved else Target.Status.DRAFT,
            "approved_by": head if approved else None,
            "approved_at": approved_at if approved else None,
        }
        if plan.index % 3 == 1:
            for quarter, share in enumerate(QUARTER_SHARES, start=1):
                amount = _money(annual * share)
                rows.append(
                    Target(
                        quarter=quarter,
                        revenue_target=amount,
                        margin_target=_money(amount * Decimal("0.24")),
                        **common,
                    )
                )
        else:
            amount = _money(annual)
            rows.append(
                Target(
                    revenue_target=amount, margin_target=_money(amount * Decimal("0.24")), **common
                )
            )
    bulk_create_with_history(rows, Target, default_change_reason="demo")
    builder.counts["targets"] += len(rows)
    _changed_after_approval(year)


def _changed_after_approval(year: int) -> None:
    """The KAM raises one approved annual target by 10 % after the head approved it."""
    target = (
        Target.objects.filter(
            year=year, quarter__isnull=True, status=Target.Status.APPROVED, set_by__isnull=False
        )
        .select_related("account", "set_by")
        .order_by("-revenue_target")
        .first()
    )
    if target is None or target.set_by is None:
        return
    services.target_set(
        user=target.set_by,
        target=target,
        revenue_target=_money(target.revenue_target * Decimal("1.1")),
    )
