"""Metric rows shaped like the metrics engine's (DESIGN.md), for the report page tests.

These builders apply the engine's ranking and tier rule (reports.metrics.tiers) and the key
rule (accounts.services.account_is_key) to revenues the test chooses, so the pages can be
checked against known numbers without running the recompute.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from accounts.models import Account
from accounts.services import account_is_key
from reports.metrics.tiers import rank_by_revenue
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
    total, ranking = rank_by_revenue((a, a.external_id, r) for a, r in revenues.items())
    ranked = [r.key for r in ranking if r.rank is not None]
    rows, tiers = [], {"A": 0, "B": 0, "C": 0, "": 0}
    shares = {
        r.key: (float(r.revenue / total), float(r.cumulative / total), r.rank, r.tier)
        for r in ranking
        if r.rank is not None and total > 0
    }
    for account, revenue in revenues.items():
        share, cum, rank, tier = shares.get(account, (None, None, None, "C" if total > 0 else ""))
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
            account.is_key = account_is_key(
                strategic=account.strategic,
                tier=tier,
                ttm_revenue=revenue,
                ttm_total=lambda: total,
            )
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
    positive = [shares[a][0] for a in ranked if a in shares]
    return PortfolioMetric.objects.create(
        period=key,
        period_kind=kind,
        period_start=start,
        period_end=end,
        total_revenue=total,
        accounts_with_revenue=len(ranked),
        tier_counts={t: tiers[t] for t in "ABC"},
        top10_share=sum(sorted(positive, reverse=True)[:10]) if total > 0 else None,
        hhi=sum(s * s for s in positive) if total > 0 else None,
        concentration_risk=[a.external_id for a in ranked if a in shares and shares[a][0] >= 0.10],
    )
