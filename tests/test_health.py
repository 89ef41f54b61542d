"""/livez and /healthz: what a load balancer, a container runtime and monitoring read."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.db import connection
from django.utils import timezone

from reports.models import MetricRun

CLOSED_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def metric_run(*, hours_ago: float, status: str = MetricRun.Status.SUCCESS) -> MetricRun:
    run = MetricRun.objects.create(as_of=timezone.localdate(), status=status)
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    MetricRun.objects.filter(pk=run.pk).update(started_at=at, finished_at=at)
    return run


@pytest.fixture
def fresh_metrics(db):
    return metric_run(hours_ago=3)


def test_livez_answers_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_ok_names_every_check(client, settings, fresh_metrics):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == "not configured"
    assert body["checks"]["metrics"]["age_hours"] == 3.0
    assert body["checks"]["metrics"]["last_success"].startswith(str(timezone.now().year))
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.redis
def test_healthz_checks_the_real_redis(client, settings, fresh_metrics):
    settings.REDIS_URL = os.environ["REDIS_URL"]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "ok"


def test_healthz_is_503_naming_redis_when_redis_is_down(client, settings, fresh_metrics):
    settings.REDIS_URL = CLOSED_REDIS
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["redis"] == "error"
    assert body["checks"]["database"] == "ok"


def test_old_metrics_mark_it_degraded_but_still_200(client, settings, db):
    settings.REDIS_URL = ""
    settings.HEALTH_METRICS_MAX_AGE_HOURS = 26
    metric_run(hours_ago=1, status=MetricRun.Status.FAILED)  # a failure is not a success
    metric_run(hours_ago=30)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["metrics"]["age_hours"] == 30.0
    assert body["checks"]["metrics"]["status"] == "stale"


def test_no_successful_run_yet_is_degraded(client, settings, db):
    settings.REDIS_URL = ""
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["checks"]["metrics"]["last_success"] is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_healthz_is_json_503_when_the_database_is_unreachable(client, settings):
    settings.REDIS_URL = ""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = 1  # as while PostgreSQL restarts: nobody answers
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "error"
    assert body["checks"]["metrics"]["status"] == "unknown"
    # and the process is still alive for the container's probe
    assert client.get("/livez").status_code == 200
