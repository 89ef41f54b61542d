"""The nightly recompute through a real Celery worker over Redis, on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import psycopg
import pytest
from celery.schedules import crontab
from django.conf import settings

from reports.metrics.run import METRICS_LOCK_KEY
from reports.models import AccountMetric, MetricRun, PortfolioMetric
from reports.tasks import recompute_metrics
from tests.factories import AccountFactory, ProductCategoryFactory, RevenueLineFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]
TIMEOUT = 60


@pytest.fixture
def portfolio(db):
    categories = [ProductCategoryFactory(code=f"C{i}") for i in range(3)]
    for i in range(12):
        account = AccountFactory(external_id=f"ACC-{i:02d}")
        for month in range(1, 13):
            RevenueLineFactory(
                account=account,
                category=categories[(i + month) % 3],
                date=dt.date(2025, month, 10),
                amount=Decimal(1000 * (12 - i) + month),
                amount_base=Decimal(1000 * (12 - i) + month),
                cost=Decimal(500),
                cost_base=Decimal(500),
            )


def snapshot() -> tuple[list, list]:
    metrics = list(AccountMetric.objects.order_by("period", "account_id").values())
    portfolio = list(PortfolioMetric.objects.order_by("period").values())
    return metrics, portfolio


def test_nightly_task_twice_through_the_worker_second_run_changes_nothing(portfolio, celery_worker):
    first = recompute_metrics.delay(as_of="2026-01-15").get(timeout=TIMEOUT)
    assert first["status"] == "success"
    assert first["panels_warmed"] == ["tiers", "heatmap", "distributors"]
    assert first["periods_recomputed"] == 12 + 4 + 1 + 1  # months, quarters, 2025, ttm
    assert first["rows"] == 12 * 12 + 12 * 4 + 12 + 12
    after_first = snapshot()

    second = recompute_metrics.delay(as_of="2026-01-15").get(timeout=TIMEOUT)
    assert second["status"] == "success"
    assert second["periods_recomputed"] == 0 and second["periods_unchanged"] == 18
    assert snapshot() == after_first
    runs = list(MetricRun.objects.order_by("started_at").values_list("status", "rows"))
    assert runs == [("success", first["rows"]), ("success", 0)]


def test_two_concurrent_runs_do_not_duplicate_or_corrupt(portfolio, celery_worker):
    # Reference: what one run alone produces.
    recompute_metrics.delay(as_of="2026-01-15", full=True).get(timeout=TIMEOUT)
    alone = snapshot()
    AccountMetric.objects.all().delete()
    PortfolioMetric.objects.all().delete()

    # Hold the lock while both start, so they truly run at the same time, then let go.
    db = settings.DATABASES["default"]
    holder = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname=db["NAME"],
        autocommit=True,
    )
    try:
        holder.execute("SELECT pg_advisory_lock(%s)", [METRICS_LOCK_KEY])
        results = [recompute_metrics.delay(as_of="2026-01-15", full=True) for _ in range(2)]
        deadline = time.monotonic() + TIMEOUT
        while MetricRun.objects.filter(status="running").count() < 2:
            assert time.monotonic() < deadline, "both runs should have started"
            time.sleep(0.05)
    finally:
        holder.close()
    outcomes = [r.get(timeout=TIMEOUT) for r in results]
    # The advisory lock made one wait for the other: both succeeded, one after the other.
    assert [o["status"] for o in outcomes] == ["success", "success"]
    a, b = sorted(MetricRun.objects.order_by("started_at")[1:], key=lambda r: r.finished_at)
    assert b.started_at < a.finished_at  # they overlapped in time …
    assert AccountMetric.objects.count() == len(alone[0])  # … and wrote no duplicates
    # Row ids differ, and so may fingerprints (a full run compacts the change log); the
    # rows name the run that wrote them last.
    ids = lambda rows: [  # noqa: E731
        {k: v for k, v in r.items() if k not in ("id", "fingerprint", "run_id", "computed_at")}
        for r in rows
    ]
    metrics, portfolio_rows = snapshot()
    assert {r["run_id"] for r in metrics + portfolio_rows} == {b.pk}
    assert ids(metrics) == ids(alone[0])
    assert ids(portfolio_rows) == ids(alone[1])


def test_a_failing_run_is_recorded_by_the_worker(celery_worker, db):
    category = ProductCategoryFactory()
    account = AccountFactory()
    for day in (10, 11):  # base amounts that overflow numeric(18,2) when summed
        RevenueLineFactory(
            account=account,
            category=category,
            date=dt.date(2025, 3, day),
            amount=Decimal("1.00"),
            currency="XAU",
            amount_base=Decimal("9999999999999999.00"),
        )
    result = recompute_metrics.delay(as_of="2025-06-01")
    with pytest.raises(Exception, match="overflow"):
        result.get(timeout=TIMEOUT)
    # A DataError is not retried (it would fail the same way): exactly one failed run.
    run = MetricRun.objects.get()
    assert run.status == MetricRun.Status.FAILED and "overflow" in run.error


def test_beat_runs_the_task_nightly_at_the_configured_time():
    entry = settings.CELERY_BEAT_SCHEDULE["recompute-metrics-nightly"]
    assert entry["task"] == recompute_metrics.name == "reports.tasks.recompute_metrics"
    hour, minute = settings.METRICS_NIGHTLY_AT.split(":")
    assert entry["schedule"] == crontab(hour=int(hour), minute=int(minute))
    from kam.celery import app

    app.loader.import_default_modules()
    assert "reports.tasks.recompute_metrics" in app.tasks
