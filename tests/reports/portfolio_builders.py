"""Metric rows shaped like the metrics engine's (DESIGN.md), for the report page tests.

The engine lives on another branch; these builders apply the same published rules to
revenues the test chooses, so the pages can be checked against known numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from accounts.models import Account
from reports.models import AccountMetric, PortfolioMetric

MONTHS = {"month": 1, "quarter": 3, "year": 12, "ttm": 12}


def build_period(
    key: str,
    kind: str,
    start: dt.date,
    end: dt.date,
    revenues: dict[Account, Decimal | int],
    *,
    growth: dict[Account, float] | None = None,
    margin_change: dict[Account, float] | None = None,
    write_accounts: bool = False,
) -> PortfolioMetric:
    revenues = {a: Decimal(v) for a, v in revenues.items()}
    total = sum(revenues.values(), Decimal(0))
    ranked = sorted(
        (a for a, r in revenues.items() if r > 0), key=lambda a: (-revenues[a], a.external_id)
    )
    rows, cumulative, tiers = [], 0.0, {"A": 0, "B": 0, "C": 0}
    shares = {}
    for rank, account in enumerate(ranked, 1):
        share = float(revenues[account] / total)
        before = cumulative
        cumulative += share
        tier = "A" if before < 0.8 else "B" if before < 0.95 else "C"
        shares[account] = (share, cumulative, rank, tier)
    for account, revenue in revenues.items():
        share, cum, rank, tier = shares.get(account, (None, None, None, "C"))
        if share is None and total > 0:
            share = float(revenue / total)
        tiers[tier] += 1
        potential = account.potential_annual
        penetration = float(revenue / (potential * MONTHS[kind] / 12)) if potential else None
        rows.append(
            AccountMetric(
                account=account,
                period=key,
                period_kind=kind,
                period_start=start,
                period_end=end,
                revenue=revenue,
                revenue_share=share,
                cumulative_share=cum,
                rank=rank,
                tier=tier,
                penetration=penetration,
                growth=(growth or {}).get(account),
                margin_pct=0.3 if margin_change and account in margin_change else None,
                margin_change=(margin_change or {}).get(account),
            )
        )
        if write_accounts:
            account.tier = tier
            account.is_key = tier == "A" or (share or 0) >= 0.10 or account.strategic
            account.ttm_revenue = revenue
            account.ttm_share = share
            account.ttm_penetration = penetration
            account.ttm_growth = (growth or {}).get(account)
            account.save(
                update_fields=[
                    "tier",
                    "is_key",
                    "ttm_revenue",
                    "ttm_share",
                    "ttm_penetration",
                    "ttm_growth",
                ]
            )
    AccountMetric.objects.bulk_create(rows)
    positive = [shares[a][0] for a in ranked]
    return PortfolioMetric.objects.create(
        period=key,
        period_kind=kind,
        period_start=start,
        period_end=end,
        total_revenue=total,
        accounts_with_revenue=len(ranked),
        tier_counts=tiers,
        top10_share=sum(sorted(positive, reverse=True)[:10]) if total > 0 else None,
        hhi=sum(s * s for s in positive) if total > 0 else None,
        concentration_risk=[a.external_id for a in ranked if shares[a][0] >= 0.10],
    )
