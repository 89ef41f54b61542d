"""Write the latest ttm facts down onto `Account` (accounts must not import reports).

Key (DESIGN.md): tier A in the latest ttm, or ttm share ≥ KEY_SHARE_THRESHOLD (compared
exactly on the sums: revenue ≥ threshold × total), or strategic. Only rows whose values
differ are touched, and as a queryset-level update: derived numbers are not history.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import connection

from accounts.models import Account
from reports.models import AccountMetric, PortfolioMetric

_FIELDS = ("tier", "is_key", "ttm_revenue", "ttm_share", "ttm_penetration", "ttm_growth")

_UPDATE = """
WITH total AS (
    SELECT coalesce((SELECT total_revenue FROM reports_portfoliometric WHERE period = 'ttm'), 0)
           AS total
), want AS (
    SELECT a.id, coalesce(m.tier, '') AS tier,
           a.strategic OR coalesce(m.tier = 'A', false)
             OR coalesce(t.total > 0 AND m.revenue >= %(key_share)s * t.total, false) AS is_key,
           m.revenue, m.revenue_share, m.penetration, m.growth
    FROM accounts_account a
    CROSS JOIN total t
    LEFT JOIN reports_accountmetric m ON m.account_id = a.id AND m.period = 'ttm'
)
UPDATE accounts_account a
SET tier = w.tier, is_key = w.is_key, ttm_revenue = w.revenue, ttm_share = w.revenue_share,
    ttm_penetration = w.penetration, ttm_growth = w.growth
FROM want w
WHERE w.id = a.id
  AND (a.tier, a.is_key, a.ttm_revenue, a.ttm_share, a.ttm_penetration, a.ttm_growth)
      IS DISTINCT FROM (w.tier, w.is_key, w.revenue, w.revenue_share, w.penetration, w.growth)
"""


def accounts_write_down() -> int:
    """Set tier, is_key and ttm_* on every account from the ttm rows; return rows changed."""
    key_share = Decimal(str(settings.KEY_SHARE_THRESHOLD))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_UPDATE, {"key_share": key_share})
            return cursor.rowcount
    return _write_down_portable(key_share)


def _write_down_portable(key_share: Decimal) -> int:
    portfolio = PortfolioMetric.objects.filter(period="ttm").values("total_revenue").first()
    total = portfolio["total_revenue"] if portfolio else Decimal("0")
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
    Account.objects.bulk_update(changed, _FIELDS, batch_size=500)
    return len(changed)
