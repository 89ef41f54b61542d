"""The portfolio dashboard for one period, read from the precomputed metric tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Min, Q, Sum
from django.db.models.functions import Mod

from accounts.access import account_scope, scoped
from accounts.models import User
from reports.metrics.periods import Period
from reports.metrics.tiers import tiers_by_revenue
from reports.models import AccountMetric, PeriodKind, PortfolioMetric, ProductCategory, RevenueLine

PARETO_MAX_POINTS = 200
LIST_LIMIT = 15
HEATMAP_ACCOUNTS = 25
# margin_pct is a 0–1 ratio, so "2 points" of margin is 0.02 (DESIGN.md, margin erosion).
MARGIN_EROSION = 0.02
TIER_ORDER = {"A": 0, "B": 1, "C": 2, "": 2}
# Penetration buckets of key accounts: (label, lower bound inclusive, upper bound exclusive).
PENETRATION_BUCKETS = (
    ("0–20 %", 0.0, 0.2),
    ("20–40 %", 0.2, 0.4),
    ("40–60 %", 0.4, 0.6),
    ("60–80 %", 0.6, 0.8),
    ("80–100 %", 0.8, 1.0),
    ("≥ 100 %", 1.0, None),
)


@dataclass
class Dashboard:
    period: Period
    previous: Period
    metric: PortfolioMetric | None
    previous_total: Decimal | None = None
    growth: float | None = None
    pareto: list[list[float]] = field(default_factory=list)
    bands: list[dict[str, Any]] = field(default_factory=list)
    tier_counts: dict[str, int] = field(default_factory=dict)
    previous_tier_counts: dict[str, int] | None = None
    moved_up: list[dict[str, Any]] = field(default_factory=list)
    moved_down: list[dict[str, Any]] = field(default_factory=list)
    moved_up_count: int = 0
    moved_down_count: int = 0
    risks: list[dict[str, Any]] = field(default_factory=list)
    hidden_risks: int = 0
    penetration_buckets: list[dict[str, Any]] = field(default_factory=list)
    room: list[dict[str, Any]] = field(default_factory=list)
    margin_erosion: list[dict[str, Any]] = field(default_factory=list)
    heat_categories: list[ProductCategory] = field(default_factory=list)
    heat_rows: list[dict[str, Any]] = field(default_factory=list)
    key_accounts_total: int = 0

    @property
    def tier_rows(self) -> list[dict[str, Any]]:
        rows = []
        for tier in ("A", "B", "C"):
            now = self.tier_counts.get(tier, 0)
            before = (
                None
                if self.previous_tier_counts is None
                else self.previous_tier_counts.get(tier, 0)
            )
            rows.append(
                {
                    "tier": tier,
                    "now": now,
                    "before": before,
                    "change": None if before is None else now - before,
                }
            )
        return rows


def _previous_total(period: Period, previous: Period) -> Decimal | None:
    if period.kind != PeriodKind.TTM:
        row = PortfolioMetric.objects.filter(period=previous.key).values_list(
            "total_revenue", flat=True
        )
        return row.first()
    # No stored row for the previous 12 months: add up its monthly totals.
    months = PortfolioMetric.objects.filter(
        period_kind=PeriodKind.MONTH,
        period_start__gte=previous.start,
        period_start__lte=previous.end,
    ).aggregate(total=Sum("total_revenue"), n=Count("pk"))
    return months["total"] if months["n"] else None


def previous_tiers(previous: Period) -> dict[int, str]:
    """account id -> tier in `previous` (a stored period, or the 12 months before a ttm
    window, ranked from the monthly rows). Also read by the tier-moved-down alert."""
    if previous.kind != PeriodKind.TTM:
        return dict(
            AccountMetric.objects.filter(period=previous.key).values_list("account_id", "tier")
        )
    # The previous 12 months are not a stored period: rank their monthly revenues the same
    # way the engine ranks a period (still precomputed rows, never raw lines).
    monthly = (
        AccountMetric.objects.filter(
            period_kind=PeriodKind.MONTH,
            period_start__gte=previous.start,
            period_start__lte=previous.end,
        )
        .values("account_id", "account__external_id")
        .annotate(revenue=Sum("revenue"))
        .values_list("account_id", "account__external_id", "revenue")
    )
    return tiers_by_revenue(monthly)


def _tier_moves(dash: Dashboard, *, user: User) -> None:
    current = dict(
        AccountMetric.objects.filter(period=dash.period.key).values_list("account_id", "tier")
    )
    previous = previous_tiers(dash.previous)
    if not previous:
        return
    counts: dict[str, int] = {"A": 0, "B": 0, "C": 0}
    for tier in previous.values():
        counts[tier or "C"] = counts.get(tier or "C", 0) + 1
    dash.previous_tier_counts = counts
    up: dict[int, tuple[str, str]] = {}
    down: dict[int, tuple[str, str]] = {}
    # An account with no row in a period had no revenue there: tier C by definition.
    for account_id in current.keys() | previous.keys():
        before, now = previous.get(account_id) or "C", current.get(account_id) or "C"
        if TIER_ORDER[now] < TIER_ORDER[before]:
            up[account_id] = (before, now)
        elif TIER_ORDER[now] > TIER_ORDER[before]:
            down[account_id] = (before, now)
    dash.moved_up_count, dash.moved_down_count = len(up), len(down)
    moved = {**up, **down}
    if not moved:
        return
    # Name the biggest movers the user may see (one query for both lists).
    rows = (
        account_scope(user=user)
        .filter(pk__in=moved.keys())
        .order_by(F("ttm_revenue").desc(nulls_last=True), "name")
        .values("pk", "name", "external_id", "ttm_revenue")
    )
    for row in rows.iterator(chunk_size=200):
        before, now = moved[row["pk"]]
        target = dash.moved_up if row["pk"] in up else dash.moved_down
        if len(target) < LIST_LIMIT:
            target.append({**row, "before": before, "now": now})
        if len(dash.moved_up) >= LIST_LIMIT and len(dash.moved_down) >= LIST_LIMIT:
            break


def _pareto(dash: Dashboard) -> None:
    n = dash.metric.accounts_with_revenue if dash.metric else 0
    if not n:
        return
    step = max(1, n // PARETO_MAX_POINTS)
    points = (
        AccountMetric.objects.filter(period=dash.period.key, rank__isnull=False)
        .annotate(step_mod=Mod("rank", step))
        .filter(Q(step_mod=0) | Q(rank__lte=20) | Q(rank=n))
        .order_by("rank")
        .values_list("rank", "cumulative_share")
    )
    # rank__isnull=False above: never None.
    dash.pareto = [[0, 0.0]] + [[rank, round(cum or 0.0, 5)] for rank, cum in points]  # type: ignore[list-item]
    bands = (
        AccountMetric.objects.filter(period=dash.period.key, rank__isnull=False)
        .values("tier")
        .annotate(
            accounts=Count("pk"),
            first=Min("rank"),
            last=Max("rank"),
            share=Sum("revenue_share"),
            revenue=Sum("revenue"),
        )
        .order_by("tier")
    )
    dash.bands = list(bands)


def _concentration(dash: Dashboard, *, user: User) -> None:
    risk_ids = list(dash.metric.concentration_risk or []) if dash.metric else []
    if not risk_ids:
        return
    rows = scoped(
        AccountMetric.objects.filter(period=dash.period.key, account__external_id__in=risk_ids),
        user=user,
    ).values("account_id", "account__name", "account__external_id", "revenue", "revenue_share")
    dash.risks = sorted(rows, key=lambda r: -(r["revenue_share"] or 0))
    dash.hidden_risks = len(risk_ids) - len(dash.risks)


def _key_metrics(dash: Dashboard, *, user: User):
    return scoped(
        AccountMetric.objects.filter(period=dash.period.key, account__is_key=True), user=user
    )


def _penetration(dash: Dashboard, *, user: User) -> None:
    key_rows = _key_metrics(dash, user=user)
    aggregates = {"total": Count("pk"), "none": Count("pk", filter=Q(penetration__isnull=True))}
    for i, (_, low, high) in enumerate(PENETRATION_BUCKETS):
        condition = Q(penetration__gte=low) & (Q() if high is None else Q(penetration__lt=high))
        aggregates[f"b{i}"] = Count("pk", filter=condition)
    counts = key_rows.aggregate(**aggregates)
    dash.key_accounts_total = counts["total"]
    dash.penetration_buckets = [
        {"label": label, "accounts": counts[f"b{i}"]}
        for i, (label, _, _) in enumerate(PENETRATION_BUCKETS)
    ] + [{"label": "none", "accounts": counts["none"]}]
    months = Decimal(dash.period.months) / Decimal(12)
    money: DecimalField = DecimalField(max_digits=20, decimal_places=2)
    room = (
        key_rows.filter(account__potential_annual__gt=0)
        .annotate(
            potential=ExpressionWrapper(F("account__potential_annual") * months, money),
        )
        .annotate(room=ExpressionWrapper(F("potential") - F("revenue"), money))
        .filter(room__gt=0)
        .order_by("-room", "account__name")
        .values(
            "account_id",
            "account__name",
            "account__owner__username",
            "account__owner__first_name",
            "account__owner__last_name",
            "revenue",
            "potential",
            "room",
            "penetration",
        )[:LIST_LIMIT]
    )
    dash.room = [
        {
            **r,
            "owner_name": User.name_of(
                r.pop("account__owner__first_name") or "",
                r.pop("account__owner__last_name") or "",
                r["account__owner__username"] or "",
            ),
        }
        for r in room
    ]
    # A buyer squeezing us: revenue grew while the margin fell by 2 points or more.
    erosion = (
        key_rows.filter(growth__gt=0, margin_change__lte=-MARGIN_EROSION)
        .order_by("margin_change")
        .values("account_id", "account__name", "growth", "margin_pct", "margin_change")[:LIST_LIMIT]
    )
    dash.margin_erosion = list(erosion)


def _heatmap(dash: Dashboard, *, user: User) -> None:
    dash.heat_categories = list(ProductCategory.objects.filter(active=True).order_by("code"))
    top = list(
        _key_metrics(dash, user=user)
        .order_by("-revenue", "account__name")
        .values_list("account_id", "account__name", "revenue")[:HEATMAP_ACCOUNTS]
    )
    if not top or not dash.heat_categories:
        return
    # One aggregate over the top key accounts' lines of the period (account+date index).
    cells: dict[tuple[int, int], Decimal] = {
        (a, c): total
        for a, c, total in RevenueLine.objects.filter(
            account_id__in=[a for a, _, _ in top],
            date__gte=dash.period.start,
            date__lte=dash.period.end,
        )
        .values("account_id", "category_id")
        .annotate(total=Sum("amount_base"))
        .values_list("account_id", "category_id", "total")
    }
    for account_id, name, revenue in top:
        values = [cells.get((account_id, c.pk)) for c in dash.heat_categories]
        peak = max((v for v in values if v and v > 0), default=Decimal(0))
        dash.heat_rows.append(
            {
                "account_id": account_id,
                "name": name,
                "revenue": revenue,
                "gaps": sum(1 for v in values if not v or v <= 0),
                "cells": [
                    {"value": v, "level": int(4 * v / peak) if v and v > 0 and peak else -1}
                    for v in values
                ],
            }
        )


def _summary(dash: Dashboard, *, user: User) -> None:
    dash.previous_total = _previous_total(dash.period, dash.previous)
    if dash.metric is not None and dash.previous_total and dash.previous_total > 0:
        dash.growth = float(dash.metric.total_revenue / dash.previous_total - 1)
    _pareto(dash)
    _concentration(dash, user=user)
    _penetration(dash, user=user)


# The page renders "summary"; the two panels that read the most rows (the previous ttm's
# tiers, the heat map over raw revenue lines) load after it, each in its own request.
PANELS = {"summary": _summary, "tiers": _tier_moves, "heatmap": _heatmap}


def portfolio_dashboard(
    *, user: User, period: Period, panels: tuple[str, ...] = ("summary",)
) -> Dashboard:
    """The dashboard's figures for `panels`; lists hold only accounts the user sees.

    Portfolio totals are company-wide for everyone (DESIGN.md: a KAM sees the portfolio's
    totals); account names only for accounts in the user's scope.
    """
    previous = period.prev()
    metric = PortfolioMetric.objects.filter(period=period.key).first()
    dash = Dashboard(period=period, previous=previous, metric=metric)
    if metric is None:
        return dash
    dash.tier_counts = {t: int((metric.tier_counts or {}).get(t, 0)) for t in ("A", "B", "C")}
    for name in panels:
        PANELS[name](dash, user=user)
    return dash
