"""Celery tasks of the alerts: thin wrappers over the services of the same name."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from reports.alerts.digests import digests_send_due as send_due
from reports.alerts.services import alerts_evaluate as evaluate


@shared_task(name="reports.alerts.tasks.alerts_evaluate")
def alerts_evaluate(as_of: str | None = None) -> dict:
    """After the nightly recompute (and beat at ALERTS_EVALUATE_AT): run every alert rule
    as of `as_of` (ISO date, default today). Safe to run twice."""
    return evaluate(as_of=dt.date.fromisoformat(as_of) if as_of else None)


@shared_task(name="reports.alerts.tasks.digests_send_due")
def digests_send_due() -> dict[str, int]:
    """Beat, hourly: the daily and weekly digests whose local hour has come."""
    return send_due()
