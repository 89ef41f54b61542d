"""Celery tasks of the accounts app: thin wrappers over services (the retention purge,
webhook delivery)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from accounts.services import retention_purge as purge

from . import webhooks


@shared_task(
    name="accounts.tasks.retention_purge",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=60,
    max_retries=3,
)
def retention_purge() -> dict[str, int]:
    """Nightly (beat: RETENTION_PURGE_AT): remove what is past its retention; counts by kind."""
    return purge()


@shared_task(name="accounts.tasks.webhook_delivery_send")
def webhook_delivery_send(delivery_id: str) -> bool:
    """POST one delivery now (queued after the event's transaction commits). False when
    it was not due or another sender had it; the beat sweep retries failures."""
    return webhooks.webhook_delivery_attempt(delivery_id=delivery_id) is not None


@shared_task(name="accounts.tasks.webhooks_deliver_due")
def webhooks_deliver_due() -> dict[str, int]:
    """Beat (every WEBHOOK_SWEEP_S): retries that are due and anything the queue missed."""
    result = webhooks.webhooks_deliver_due()
    if result["attempted"] >= 200:  # a burst: keep going without waiting for the beat
        webhooks_deliver_due.delay()
    return result


@shared_task(name="accounts.tasks.webhook_events_prune")
def webhook_events_prune() -> int:
    """Daily: forget events older than WEBHOOK_EVENT_RETENTION_DAYS."""
    return webhooks.webhook_events_prune()
