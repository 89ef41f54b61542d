"""Was last night's metrics run missed? (beat or the broker was down at METRICS_NIGHTLY_AT)

Beat sends the nightly recompute once, at METRICS_NIGHTLY_AT; a beat that is down then, or
a broker it cannot reach, loses that night. The catch-up task (reports.tasks, queued when
beat starts and every hour by beat) asks this module, and queues the recompute when the
last scheduled time passed with no run started since.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from reports.models import MetricRun


def nightly_last_due(*, now: dt.datetime) -> dt.datetime:
    """The latest METRICS_NIGHTLY_AT (in beat's time zone) at or before `now`."""
    zone = ZoneInfo(settings.CELERY_TIMEZONE)
    hour, minute = (int(part) for part in settings.METRICS_NIGHTLY_AT.split(":"))
    local = now.astimezone(zone)
    due = dt.datetime.combine(local.date(), dt.time(hour, minute), tzinfo=zone)
    if due > local:
        due = dt.datetime.combine(local.date() - dt.timedelta(days=1), dt.time(hour, minute), zone)
    return due


def nightly_run_missed(*, now: dt.datetime) -> bool:
    """True when no recompute started since the last scheduled time.

    Any run counts, whatever its end: a running one is under way, a failed one was tried and
    retried (its failure shows on /healthz and in the admin; running it again every hour
    would not fix a bad row), a skipped one met another run holding the lock.
    """
    return not MetricRun.objects.filter(started_at__gte=nightly_last_due(now=now)).exists()
