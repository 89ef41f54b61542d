"""Celery tasks of the accounts app: thin wrappers over services of the same name."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from accounts.services import retention_purge as purge


@shared_task(
    name="accounts.tasks.retention_purge",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=60,
    max_retries=3,
)
def retention_purge() -> dict[str, int]:
    """Nightly (beat: RETENTION_PURGE_AT): remove what is past its retention; counts by kind."""
    return purge()
