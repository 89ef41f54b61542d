"""The portable path (SQLite, the embedded demo): the same rows as the PostgreSQL statement.

Lines are streamed (`iterator()`), never held: only sums per (account, month, category)
stay in memory. Arithmetic mirrors the SQL path — exact `Decimal` sums, one float division
per ratio, exact comparisons for the concentration list and for tiers (ranking and tiers
come from `tiers.rank_by_revenue`, the one rule the dashboard calls too).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from accounts.models import Account
from reports.models import AccountMetric, PortfolioMetric, RevenueLine

from .periods import Period
from .tiers import rank_by_revenue

ZERO = Decimal("0")


class _Sums:
    __slots__ = ("rev", "c_amt", "c_margin", "has_cost")

    def __init__(self) -> None:
        self.rev = ZERO
        self.c_amt = ZERO
        self.c_margin = ZERO
        self.has_cost = False


def _month_sums(lo: dt.date, hi: dt.date) -> dict[tuple[int, dt.date, int], _Sums]:
    sums: dict[tuple[int, dt.date, int], _Sums] = defaultdict(_Sums)
    lines = RevenueLine.objects.filter(date__gte=lo, date__lte=hi).values_list(
        "account_id", "date", "category_id", "amount_base", "cost_base"
    )
    for account_id, day, category_id, amount, cost in lines.iterator(chunk_size=5000):
        s = sums[(account_id, day.replace(day=1), category_id)]
        s.rev += amount
        if cost is not None:
            s.has_cost = True
            s.c_amt += amount
            s.c_margin += amount - cost
    return sums


def _margin(s: dict) -> float | None:
    if s["has_cost"] and s["c_amt"] > 0:
        return float(s["c_margin"]) / float(s["c_amt"])
    return None


def _per_account(month_sums: dict, period: Period, active: set[int]) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for (account_id, month, category_id), s in month_sums.items():
        if not period.contains(month):
            continue
        acc = out.setdefault(
            account_id,
            {"rev": ZERO, "c_amt": ZERO, "c_margin": ZERO, "has_cost": False, "cats": {}},
        )
        acc["rev"] += s.rev
        acc["c_amt"] += s.c_amt
        acc["c_margin"] += s.c_margin
        acc["has_cost"] = acc["has_cost"] or s.has_cost
        acc["cats"][category_id] = acc["cats"].get(category_id, ZERO) + s.rev
    for acc in out.values():
        acc["n_cats"] = sum(1 for c, rev in acc["cats"].items() if rev > 0 and c in active)
    return out


def compute_periods(
    periods: list[Period],
    fingerprints: dict[str, str],
    *,
    active_category_ids: list[int],
    tier_a: Decimal,
    tier_b: Decimal,
    risk_share: Decimal,
    run_id: int | None = None,
    computed_at: dt.datetime | None = None,
) -> int:
    """Insert the account and portfolio rows of `periods`, stamped with `run_id` and
    `computed_at`; return the account row count."""
    if not periods:
        return 0
    active = set(active_category_ids)
    month_sums = _month_sums(min(p.prev().start for p in periods), max(p.end for p in periods))
    accounts = dict(Account.objects.values_list("pk", "external_id"))
    potentials: dict[int, Decimal] = dict(
        # `potential_annual__gt=0` leaves out the NULLs the type checker cannot rule out.
        Account.objects.filter(potential_annual__gt=0).values_list("pk", "potential_annual")  # type: ignore[arg-type]
    )
    rows = 0
    for period in periods:
        cur = _per_account(month_sums, period, active)
        prev = _per_account(month_sums, period.prev(), active)
        total, ranking = rank_by_revenue(
            ((pk, accounts[pk], a["rev"]) for pk, a in cur.items()), thresholds=(tier_a, tier_b)
        )
        metrics = []
        for r in ranking:
            pk, rev = r.key, r.revenue
            a = cur[pk]
            m = AccountMetric(
                account_id=pk,
                period=period.key,
                period_kind=period.kind,
                period_start=period.start,
                period_end=period.end,
                revenue=rev,
                rank=r.rank,
                tier=r.tier,
                run_id=run_id,
                computed_at=computed_at,
            )
            if r.cumulative is not None and total > 0:
                m.cumulative_share = float(r.cumulative) / float(total)
            if total > 0:
                m.revenue_share = float(rev) / float(total)
            if pk in potentials:
                m.penetration = float(12 * rev) / float(period.months * potentials[pk])
            if active:
                m.category_penetration = a["n_cats"] / len(active)
            p = prev.get(pk)
            if p and p["rev"] > 0:
                m.growth = float(rev - p["rev"]) / float(p["rev"])
            m.margin_pct = _margin(a)
            prev_margin = _margin(p) if p else None
            if m.margin_pct is not None and prev_margin is not None:
                m.margin_change = m.margin_pct - prev_margin
            metrics.append(m)
        AccountMetric.objects.bulk_create(metrics, batch_size=2000)
        rows += len(metrics)
        positive = [m for m in metrics if m.revenue > 0]
        shares = sorted(
            (m.revenue_share for m in metrics if m.revenue_share is not None), reverse=True
        )
        PortfolioMetric.objects.create(
            period=period.key,
            period_kind=period.kind,
            period_start=period.start,
            period_end=period.end,
            total_revenue=total,
            accounts_with_revenue=len(positive),
            tier_counts={t: sum(1 for m in metrics if m.tier == t) for t in "ABC"},
            top10_share=sum(shares[:10]) if shares else None,
            hhi=sum((m.revenue_share or 0.0) ** 2 for m in positive)
            if total > 0 and positive
            else None,
            concentration_risk=[
                accounts[m.account_id]
                for m in positive
                if total > 0 and m.revenue >= risk_share * total
            ],
            fingerprint=fingerprints.get(period.key, ""),
            run_id=run_id,
            computed_at=computed_at,
        )
    return rows
