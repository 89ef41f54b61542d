"""Write the latest ttm facts down onto `Account` (accounts must not import reports).

Tier and the ttm_* numbers are copied from the ttm rows; key status then follows from
them by the one key rule, `accounts.services.account_is_key` (the same function the
account services apply the moment a person marks an account strategic). Only rows whose
values differ are touched, and as queryset-level updates: derived numbers are not history.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from accounts.models import Account
from accounts.services import account_is_key, accounts_ttm_total
from reports.models import AccountMetric

_FACTS = ("tier", "ttm_revenue", "ttm_share", "ttm_penetration", "ttm_growth")
_BATCH = 500

_UPDATE = """
WITH want AS (
    SELECT a.id, coalesce(m.tier, '') AS tier,
           m.revenue, m.revenue_share, m.penetration, m.growth
    FROM accounts_account a
    LEFT JOIN reports_accountmetric m ON m.account_id = a.id AND m.period = 'ttm'
)
UPDATE accounts_account a
SET tier = w.tier, ttm_revenue = w.revenue, ttm_share = w.revenue_share,
    ttm_penetration = w.penetration, ttm_growth = w.growth
FROM want w
WHERE w.id = a.id
  AND (a.tier, a.ttm_revenue, a.ttm_share, a.ttm_penetration, a.ttm_growth)
      IS DISTINCT FROM (w.tier, w.revenue, w.revenue_share, w.penetration, w.growth)
RETURNING a.id
"""


def accounts_write_down() -> int:
    """Set tier, ttm_* and is_key on every account from the ttm rows; return rows changed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_UPDATE)
            changed = {row[0] for row in cursor.fetchall()}
    else:
        changed = _facts_portable()
    return len(changed | _key_write_down())


def _facts_portable() -> set[int]:
    ttm = {
        row["account_id"]: row
        for row in AccountMetric.objects.filter(period="ttm")
        .values("account_id", "tier", "revenue", "revenue_share", "penetration", "growth")
        .iterator(chunk_size=5000)
    }
    changed = []
    current = Account.objects.only("pk", *_FACTS).order_by("pk")
    for account in current.iterator(chunk_size=5000):
        row = ttm.get(account.pk)
        want = {
            "tier": row["tier"] if row else "",
            "ttm_revenue": row["revenue"] if row else None,
            "ttm_share": row["revenue_share"] if row else None,
            "ttm_penetration": row["penetration"] if row else None,
            "ttm_growth": row["growth"] if row else None,
        }
        if any(getattr(account, f) != v for f, v in want.items()):
            for f, v in want.items():
                setattr(account, f, v)
            changed.append(account)
    Account.objects.bulk_update(changed, _FACTS, batch_size=_BATCH)
    return {a.pk for a in changed}


def _key_write_down() -> set[int]:
    """Apply the key rule to the facts just written; return the accounts that flipped."""
    total: Decimal | None = None

    def ttm_total() -> Decimal:
        nonlocal total
        if total is None:
            total = accounts_ttm_total()
        return total

    flips: dict[bool, list[int]] = {True: [], False: []}
    rows = Account.objects.values_list("pk", "strategic", "tier", "ttm_revenue", "is_key")
    for pk, strategic, tier, revenue, is_key in rows.iterator(chunk_size=5000):
        want = account_is_key(
            strategic=strategic, tier=tier, ttm_revenue=revenue, ttm_total=ttm_total
        )
        if want != is_key:
            flips[want].append(pk)
    for value, ids in flips.items():
        for start in range(0, len(ids), _BATCH):
            Account.objects.filter(pk__in=ids[start : start + _BATCH]).update(is_key=value)
    return set(flips[True]) | set(flips[False])
