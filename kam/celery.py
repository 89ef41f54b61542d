"""The Celery app. Broker and result backend come from REDIS_URL (see settings)."""

from __future__ import annotations

import logging
import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")

app = Celery("kam")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


logger = logging.getLogger("kam.celery")
CATCH_UP_TASK = "reports.tasks.metrics_nightly_catch_up"


@beat_init.connect
def catch_up_missed_nightly_run(sender, **kwargs) -> None:
    """When beat starts, ask a worker to make up a nightly recompute missed while beat (or
    the broker) was down. Sent by name: beat itself never touches the database."""
    try:
        sender.app.send_task(CATCH_UP_TASK)
    except Exception:  # noqa: BLE001 - beat must start even if the broker is away now
        logger.warning("could not queue %s at beat start", CATCH_UP_TASK, exc_info=True)
