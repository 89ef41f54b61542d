"""The ranking and the ABC tier of DESIGN.md "Metric definitions", on exact decimals.

Ranking: accounts with revenue > 0, by revenue descending, ties by `external_id` in
code-point order. Tier, with `before` the revenue of the accounts ranked above: A if
before < TIER_A_THRESHOLD × total, B if before < TIER_B_THRESHOLD × total, else C —
compared on the exact sums, never on float shares (70/10/10/10: the third account has
before = 80 = 0.80 × 100, so B; 0.7 + 0.1 in floats is 0.7999… and would say A).
Accounts with revenue ≤ 0 are C with no rank; when total ≤ 0 every tier is '' (null).

The SQLite fallback and the dashboard call this; the PostgreSQL statement
(`postgres._STATEMENT`) spells the same comparison in SQL, and
tests/reports/test_metrics_rules.py proves the two give the same tiers.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from django.conf import settings

K = TypeVar("K", bound=Hashable)
ZERO = Decimal("0")


def tier_thresholds() -> tuple[Decimal, Decimal]:
    """(A, B) cumulative-share thresholds from the settings, as exact decimals."""
    return Decimal(str(settings.TIER_A_THRESHOLD)), Decimal(str(settings.TIER_B_THRESHOLD))


def tier_for(*, before: Decimal, total: Decimal, thresholds: tuple[Decimal, Decimal]) -> str:
    """The tier of an account with revenue > 0 when those ranked above it sum to `before`."""
    a, b = thresholds
    return "A" if before < a * total else "B" if before < b * total else "C"


@dataclass(frozen=True, slots=True)
class Ranked(Generic[K]):
    key: K
    revenue: Decimal
    rank: int | None  # None for revenue ≤ 0
    cumulative: Decimal | None  # revenue of this account and those above; None for ≤ 0
    tier: str


def rank_by_revenue(
    rows: Iterable[tuple[K, str | None, Decimal]],
    *,
    thresholds: tuple[Decimal, Decimal] | None = None,
) -> tuple[Decimal, list[Ranked[K]]]:
    """The period's total and its rows in ranking order, from (key, external_id, revenue)."""
    thresholds = thresholds or tier_thresholds()
    # A prospect (no external id yet) has no revenue lines, so it is never ranked here.
    ordered = sorted(rows, key=lambda r: (-r[2], r[1] or ""))
    total = sum((r[2] for r in ordered), ZERO)
    ranked: list[Ranked[K]] = []
    cumulative = ZERO
    for position, (key, _external_id, revenue) in enumerate(ordered, start=1):
        if revenue > 0:
            before = cumulative
            cumulative += revenue
            tier = tier_for(before=before, total=total, thresholds=thresholds) if total > 0 else ""
            ranked.append(Ranked(key, revenue, position, cumulative, tier))
        else:
            ranked.append(Ranked(key, revenue, None, None, "C" if total > 0 else ""))
    return total, ranked


def tiers_by_revenue(
    rows: Iterable[tuple[K, str | None, Decimal]],
    *,
    thresholds: tuple[Decimal, Decimal] | None = None,
) -> dict[K, str]:
    """key -> tier for (key, external_id, revenue) rows of one period."""
    _total, ranked = rank_by_revenue(rows, thresholds=thresholds)
    return {r.key: r.tier for r in ranked}
