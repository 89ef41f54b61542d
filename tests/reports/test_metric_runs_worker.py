"""Asking for a recompute, end to end: POST /api/v1/metrics/runs/ through a real Celery
worker over Redis on PostgreSQL; single flight; the rows name the run; the ERP is told."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal

import psycopg
import pytest
from django.conf import settings

# Imported here, before any test app exists: the shared tasks then register with every
# test app the celery fixtures create (one imported during a test would only reach that one).
import accounts.tasks  # noqa: F401
import reports.tasks  # noqa: F401
from accounts.models import WebhookEndpoint
from accounts.services import api_token_issue
from reports.metrics.run import METRICS_LOCK_KEY
from reports.models import AccountMetric, MetricRun, PortfolioMetric
from tests.doc_snippets import snippet
from tests.factories import AccountFactory, ProductCategoryFactory, RevenueLineFactory
from tests.webhook_receiver import Receiver

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]
RUNS = "/api/v1/metrics/runs/"


@pytest.fixture
def revenue(db):
    category = ProductCategoryFactory()
    for i in range(4):
        account = AccountFactory(external_id=f"ACC-{i}")
        for month in (5, 6, 7):
            RevenueLineFactory(
                account=account,
                category=category,
                date=dt.date(2025, month, 10),
                amount=Decimal(1000 * (4 - i)),
                amount_base=Decimal(1000 * (4 - i)),
            )


def wait_until(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return result


def test_two_posts_share_one_run_which_stamps_the_rows_and_is_announced(
    revenue, celery_worker, integration_user, head_user, api_client_for
):
    erp, head = api_client_for(integration_user), api_client_for(head_user)
    db = settings.DATABASES["default"]
    holder = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname=db["NAME"],
        autocommit=True,
    )
    with Receiver() as receiver:
        WebhookEndpoint.objects.create(
            url=receiver.url, secret="s" * 20, event_types=["metrics.recomputed"]
        )
        try:
            # Another recompute holds the lock: ours is claimed by the worker and waits.
            holder.execute("SELECT pg_advisory_lock(%s)", [METRICS_LOCK_KEY])
            first = erp.post(RUNS, {"as_of": "2025-08-15"}, format="json")
            assert first.status_code == 202 and first.json()["status"] == "queued"
            location = first["Location"]
            wait_until(lambda: erp.get(location).json()["status"] == "running")
            second = head.post(RUNS, {}, format="json")
            assert second.status_code == 202 and second["Location"] == location
            assert second.json()["status"] == "running"
            assert MetricRun.objects.count() == 1
        finally:
            holder.close()
        run = wait_until(
            lambda: (r := erp.get(location).json())["status"] not in ("queued", "running") and r
        )
        (got,) = receiver.wait_for(1)
    assert run["status"] == "success" and run["requested_by"] == "erp"
    assert run["as_of"] == "2025-08-15" and "ttm" in run["periods_recomputed"]
    assert set(AccountMetric.objects.values_list("run_id", flat=True)) == {run["id"]}
    assert set(PortfolioMetric.objects.values_list("run_id", flat=True)) == {run["id"]}
    rows = erp.get("/api/v1/metrics/accounts/", {"period": "ttm"}).json()["results"]
    assert {r["run"] for r in rows} == {run["id"]} and all(r["computed_at"] for r in rows)
    event = json.loads(got.body)
    assert event["type"] == "metrics.recomputed" and event["data"]["run"] == run["id"]
    assert event["data"]["url"] == f"{RUNS}{run['id']}/"

    # Once finished, the next POST starts a new run.
    third = erp.post(RUNS, {}, format="json")
    assert third.status_code == 202 and third["Location"] != location


def test_the_docs_poller_waits_for_a_requested_run(
    revenue, celery_app, celery_worker, live_server, integration_user
):
    # The live server's request threads queue through the default app (the fixture sets the
    # test app as current only in this thread); celery_app's teardown restores the default.
    celery_app.set_default()
    recompute_and_wait = snippet("recompute_and_wait")["recompute_and_wait"]
    token = api_token_issue(user=integration_user)
    run = recompute_and_wait(live_server.url, token, timeout_s=60)
    assert run["status"] == "success" and run["rows"] > 0
    assert MetricRun.objects.get().pk == run["id"]
