"""Write the latest ttm facts down onto `Account` (accounts must not import reports)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from accounts.models import Account
from reports.models import AccountMetric, PortfolioMetric

_FIELDS = ("tier", "is_key", "ttm_revenue", "ttm_share", "ttm_penetration", "ttm_growth")


def accounts_write_down() -> int:
    """Set tier, is_key and ttm_* from the ttm rows; touch only rows that differ.

    Key (DESIGN.md): tier A in the latest ttm, or ttm share ≥ KEY_SHARE_THRESHOLD (compared
    exactly on the sums), or strategic. A queryset update: derived numbers are not history.
    """
    portfolio = PortfolioMetric.objects.filter(period="ttm").values("total_revenue").first()
    total = portfolio["total_revenue"] if portfolio else Decimal("0")
    key_share = Decimal(str(settings.KEY_SHARE_THRESHOLD))
    ttm = {
        row["account_id"]: row
        for row in AccountMetric.objects.filter(period="ttm")
        .values("account_id", "tier", "revenue", "revenue_share", "penetration", "growth")
        .iterator(chunk_size=5000)
    }
    changed = []
    current = Account.objects.only("pk", "strategic", *_FIELDS).order_by("pk")
    for account in current.iterator(chunk_size=5000):
        row = ttm.get(account.pk)
        want = {
            "tier": row["tier"] if row else "",
            "ttm_revenue": row["revenue"] if row else None,
            "ttm_share": row["revenue_share"] if row else None,
            "ttm_penetration": row["penetration"] if row else None,
            "ttm_growth": row["growth"] if row else None,
        }
        want["is_key"] = bool(
            account.strategic
            or want["tier"] == "A"
            or (row and total > 0 and row["revenue"] >= key_share * total)
        )
        if any(getattr(account, f) != v for f, v in want.items()):
            for f, v in want.items():
                setattr(account, f, v)
            changed.append(account)
    Account.objects.bulk_update(changed, _FIELDS, batch_size=1000)
    return len(changed)
