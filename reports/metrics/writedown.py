"""Write the latest ttm facts down onto `Account` (accounts must not import reports).

Key (DESIGN.md): tier A in the latest ttm, or ttm share ≥ KEY_SHARE_THRESHOLD (compared
exactly on the sums: revenue ≥ threshold × total), or strategic. Only rows whose values
differ are touched, and as a queryset-level update: derived numbers are not history.

A changed tier or key status is also an event for the ERP's webhooks
(`account.tier_changed`, `account.key_changed`), written in the same transaction.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction

from accounts.models import Account, WebhookEventType
from accounts.webhooks import outbox_emit_many
from reports.models import AccountMetric, PortfolioMetric

_FIELDS = ("tier", "is_key", "ttm_revenue", "ttm_share", "ttm_penetration", "ttm_growth")

_UPDATE = """
WITH total AS (
    SELECT coalesce((SELECT total_revenue FROM reports_portfoliometric WHERE period = 'ttm'), 0)
           AS total
), want AS (
    SELECT a.id, a.external_id, a.name, a.tier AS old_tier, a.is_key AS old_is_key,
           coalesce(m.tier, '') AS tier,
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
RETURNING a.id, w.external_id, w.name, w.old_tier, w.tier, w.old_is_key, w.is_key
"""


# (id, external_id, name, old tier, new tier, was key, is key) of a changed account
Change = tuple[int, str, str, str, str, bool, bool]


def accounts_write_down(*, run_id: int | None = None) -> int:
    """Set tier, is_key and ttm_* on every account from the ttm rows, and write an event
    for each tier or key change (naming `run_id`); return the number of accounts changed."""
    key_share = Decimal(str(settings.KEY_SHARE_THRESHOLD))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(_UPDATE, {"key_share": key_share})
                changes: list[Change] = cursor.fetchall()
        else:
            changes = _write_down_portable(key_share)
        _emit(changes, run_id)
    return len(changes)


def _emit(changes: list[Change], run_id: int | None) -> None:
    events = []
    for pk, external_id, name, old_tier, tier, was_key, is_key in changes:
        account = {"id": pk, "external_id": external_id, "name": name}
        if old_tier != tier:
            events.append(
                (
                    WebhookEventType.ACCOUNT_TIER_CHANGED,
                    {
                        "account": account,
                        "previous_tier": old_tier or None,
                        "tier": tier or None,
                        "run": run_id,
                    },
                )
            )
        if was_key != is_key:
            events.append(
                (
                    WebhookEventType.ACCOUNT_KEY_CHANGED,
                    {"account": account, "was_key": was_key, "is_key": is_key, "run": run_id},
                )
            )
    outbox_emit_many(events=events)


def _write_down_portable(key_share: Decimal) -> list[Change]:
    portfolio = PortfolioMetric.objects.filter(period="ttm").values("total_revenue").first()
    total = portfolio["total_revenue"] if portfolio else Decimal("0")
    ttm = {
        row["account_id"]: row
        for row in AccountMetric.objects.filter(period="ttm")
        .values("account_id", "tier", "revenue", "revenue_share", "penetration", "growth")
        .iterator(chunk_size=5000)
    }
    changed = []
    changes: list[Change] = []
    current = Account.objects.only("pk", "external_id", "name", "strategic", *_FIELDS)
    for account in current.order_by("pk").iterator(chunk_size=5000):
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
            old_tier, was_key = account.tier, account.is_key
            for f, v in want.items():
                setattr(account, f, v)
            changed.append(account)
            changes.append(
                (
                    account.pk,
                    account.external_id,
                    account.name,
                    old_tier,
                    account.tier,
                    was_key,
                    account.is_key,
                )
            )
    Account.objects.bulk_update(changed, _FIELDS, batch_size=500)
    return changes
