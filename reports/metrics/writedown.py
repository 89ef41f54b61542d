"""Write the latest ttm facts down onto `Account` (accounts must not import reports).

Tier and the ttm_* numbers are copied from the ttm rows; key status follows from them by
the one key rule, `accounts.services.account_is_key` (the same function the account
services apply the moment a person marks an account strategic), with total(ttm) the sum
of the ttm rows — which is what `accounts_ttm_total()` reads back from the accounts once
they are written. Only rows whose values differ are touched, each once, as queryset-level
updates: derived numbers are not history.

A changed tier or key status is also an event for the ERP's webhooks
(`account.tier_changed`, `account.key_changed`), written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import connection, transaction

from accounts.models import Account, WebhookEventType
from accounts.services import account_is_key
from accounts.webhooks import outbox_emit_many
from reports.models import AccountMetric

_FIELDS = ("tier", "is_key", "ttm_revenue", "ttm_share", "ttm_penetration", "ttm_growth")

_UPDATE = """
WITH want AS (
    SELECT a.id, a.external_id, a.name, a.tier AS old_tier, a.is_key AS old_is_key,
           coalesce(m.tier, '') AS tier, k.id IS NOT NULL AS is_key,
           m.revenue, m.revenue_share, m.penetration, m.growth
    FROM accounts_account a
    LEFT JOIN reports_accountmetric m ON m.account_id = a.id AND m.period = 'ttm'
    -- a join, not `= ANY(array)`: that would scan the array once per account
    LEFT JOIN unnest(%(keys)s::bigint[]) AS k(id) ON k.id = a.id
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
Change = tuple[int, str | None, str, str, str, bool, bool]


def accounts_write_down(*, run_id: int | None = None) -> int:
    """Set tier, is_key and ttm_* on every account from the ttm rows, and write an event
    for each tier or key change (naming `run_id`); return the number of accounts changed."""
    # What the key rule reads: tier and revenue per account in the ttm rows.
    facts = {
        pk: (tier, revenue)
        for pk, tier, revenue in AccountMetric.objects.filter(period="ttm")
        .values_list("account_id", "tier", "revenue")
        .iterator(chunk_size=5000)
    }
    total = sum((revenue for _, revenue in facts.values()), Decimal(0))

    def is_key(pk: int, strategic: bool) -> bool:
        tier, revenue = facts.get(pk, ("", None))
        return account_is_key(
            strategic=strategic, tier=tier, ttm_revenue=revenue, ttm_total=lambda: total
        )

    with transaction.atomic():
        if connection.vendor == "postgresql":
            accounts = Account.objects.order_by().values_list("pk", "strategic")
            keys = [
                pk for pk, strategic in accounts.iterator(chunk_size=5000) if is_key(pk, strategic)
            ]
            with connection.cursor() as cursor:
                cursor.execute(_UPDATE, {"keys": keys})
                changes: list[Change] = cursor.fetchall()
        else:
            changes = _write_down_portable(is_key)
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


def _write_down_portable(is_key: Callable[[int, bool], bool]) -> list[Change]:
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
            "is_key": is_key(account.pk, account.strategic),
            "ttm_revenue": row["revenue"] if row else None,
            "ttm_share": row["revenue_share"] if row else None,
            "ttm_penetration": row["penetration"] if row else None,
            "ttm_growth": row["growth"] if row else None,
        }
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
