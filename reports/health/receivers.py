"""The health recompute of one account when its facts change (connected in
ReportsConfig.ready to accounts.signals.account_facts_changed)."""

from __future__ import annotations

import logging

from django.db import DatabaseError, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def recompute_account_health(sender, *, account_id: int, **kwargs) -> None:
    """Replace today's snapshot of the account inside the caller's transaction, so the
    page answering the same request shows the new score. A failure here is logged and
    rolled back to a savepoint: it never loses the KAM's change (the nightly run repairs)."""
    from .compute import account_health_compute

    try:
        with transaction.atomic():
            account_health_compute(as_of=timezone.localdate(), account_ids=[account_id])
    except DatabaseError:
        logger.exception("health recompute of account %s failed", account_id)
