"""A nightly metrics run lost to a beat or broker outage is made up (reports.metrics.nightly)."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from celery.beat import Service
from celery.signals import beat_init

from reports.metrics.nightly import nightly_last_due, nightly_run_missed
from reports.models import MetricRun
from reports.tasks import metrics_nightly_catch_up

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture(autouse=True)
def _schedule(settings):
    settings.METRICS_NIGHTLY_AT = "02:30"
    settings.CELERY_TIMEZONE = "Europe/Moscow"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=MSK)


def run_started(when: dt.datetime, status: str = MetricRun.Status.SUCCESS) -> MetricRun:
    run = MetricRun.objects.create(as_of=when.date(), status=status)
    MetricRun.objects.filter(pk=run.pk).update(started_at=when, finished_at=when)
    return run


def test_last_due_is_todays_time_once_passed_else_yesterdays():
    assert nightly_last_due(now=at(10, 1)) == at(9, 2, 30)
    assert nightly_last_due(now=at(10, 2, 30)) == at(10, 2, 30)
    assert nightly_last_due(now=at(10, 8)) == at(10, 2, 30)
    # The same instant given in UTC
    assert nightly_last_due(now=at(10, 8).astimezone(dt.UTC)) == at(10, 2, 30)


@pytest.mark.django_db
def test_a_night_with_a_run_is_not_missed():
    run_started(at(10, 2, 30))
    assert not nightly_run_missed(now=at(10, 9))
    assert not nightly_run_missed(now=at(11, 2, 29))  # tonight's is not due yet


@pytest.mark.django_db
def test_a_night_without_a_run_is_missed():
    run_started(at(9, 2, 31))  # yesterday's
    run_started(at(10, 1, 0))  # someone ran it by hand before tonight's time
    assert nightly_run_missed(now=at(10, 9))


@pytest.mark.django_db
def test_no_run_ever_is_missed():
    assert nightly_run_missed(now=at(10, 9))


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["running", "failed", "skipped"])
def test_a_run_that_was_tried_tonight_is_not_queued_again(status):
    # Running: under way. Failed: retried already, shows on /healthz; another try every
    # hour would not fix a bad row.
    run_started(at(10, 2, 30), status=status)
    assert not nightly_run_missed(now=at(10, 9))


# --- through beat's start signal and a real worker ------------------------------------
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_beat_start_makes_up_a_missed_night_once(celery_app, celery_worker, tmp_path):
    yesterday = run_started(at(1, 2, 30))  # long ago: the last night was missed
    # What beat does when it starts (kam.celery.catch_up_missed_nightly_run).
    beat_init.send(sender=Service(app=celery_app, schedule_filename=str(tmp_path / "s")))
    deadline = time.monotonic() + 60
    while not MetricRun.objects.exclude(pk=yesterday.pk).filter(status="success").exists():
        assert time.monotonic() < deadline, "the missed night should have been run"
        time.sleep(0.1)
    # Now the night has its run: another check (beat's hourly one) queues nothing.
    assert metrics_nightly_catch_up.delay().get(timeout=30) is False
    assert MetricRun.objects.count() == 2
