"""What the ERP integrator sees and relies on: its import log, the log row's lifecycle,
Idempotency-Key replays, asking for a recompute, and which run computed a metric row."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from decimal import Decimal

import psycopg
import pytest
from django.conf import settings
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, WebhookEvent
from reports.erp import import_batches_sweep, upserts
from reports.metrics.run import metric_runs_sweep, recompute_metrics
from reports.models import AccountMetric, ImportBatch, MetricRun, PortfolioMetric, ProductCategory
from tests.factories import AccountFactory, ProductCategoryFactory, RevenueLineFactory, UserFactory

pytestmark = pytest.mark.django_db

BATCHES = "/api/v1/erp/import-batches/"
RUNS = "/api/v1/metrics/runs/"


def post(client, name: str, payload, **headers):
    return client.post(
        reverse(f"api:{name}"),
        data=json.dumps(payload),
        content_type="application/json",
        headers=headers,
    )


def categories(*codes: str) -> dict:
    return {"categories": [{"code": c, "name": f"Category {c}"} for c in codes]}


@pytest.fixture
def erp(integration_user, api_client_for):
    return api_client_for(integration_user)


@pytest.fixture
def erp2(api_client_for):
    return api_client_for(UserFactory(role="integration", username="erp-second"))


# --- the import log: who reads what -------------------------------------------------------
def test_integration_reads_its_own_batches_and_heads_read_all(
    erp, erp2, api_client_for, head_user, admin_user_, kam_user
):
    assert post(erp, "erp-categories", categories("A")).status_code == 200
    assert post(erp, "erp-categories", {"categories": [{"code": "B"}]}).status_code == 400
    assert post(erp2, "erp-categories", categories("C")).status_code == 200
    theirs = ImportBatch.objects.get(user__username="erp-second")

    own = erp.get(BATCHES).json()
    assert own["count"] == 2
    assert {(r["user"], r["status"]) for r in own["results"]} == {
        ("erp", "applied"),
        ("erp", "rejected"),
    }
    assert erp.get(f"{BATCHES}{theirs.pk}/").status_code == 404
    mine = own["results"][0]
    detail = erp.get(f"{BATCHES}{mine['id']}/").json()
    assert detail == mine
    assert {"finished_at", "request_id", "idempotency_key"} <= detail.keys()

    for boss in (head_user, admin_user_):
        assert api_client_for(boss).get(BATCHES).json()["count"] == 3
    assert api_client_for(kam_user).get(BATCHES).status_code == 403


def test_import_log_filters_by_state_kind_and_date_and_paginates(erp):
    for code in ("A", "B", "C"):
        post(erp, "erp-categories", categories(code))
    post(erp, "erp-categories", {"categories": [{"code": ""}]})
    post(erp, "erp-distributors", {"distributors": [{"external_id": "D1", "name": "Volga"}]})
    old = ImportBatch.objects.filter(endpoint="categories").order_by("pk").first()
    ImportBatch.objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(days=3))

    def count(**params) -> int:
        response = erp.get(BATCHES, params)
        assert response.status_code == 200, response.json()
        return response.json()["count"]

    assert count(status="rejected") == 1
    assert count(status="applied", endpoint="categories") == 3
    assert count(endpoint="distributors") == 1
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert count(received_after=yesterday) == 4
    assert count(received_before=yesterday) == 1
    assert count(received_after=timezone.now().isoformat()) == 0
    page = erp.get(BATCHES, {"page_size": 2}).json()
    assert len(page["results"]) == 2 and page["next"] and page["count"] == 5
    bad = erp.get(BATCHES, {"status": "lost", "received_after": "yesterday"})
    assert bad.status_code == 400 and {"status", "received"} <= bad.json().keys()


# --- the log row's lifecycle ----------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_crash_inside_the_import_leaves_a_failed_row_committed_before_it(
    erp, monkeypatch, integration_user
):
    seen_from_outside = []

    def crashing_upsert(parsed, *, user, errors):
        ProductCategory.objects.create(code="HALF", name="written, then rolled back")
        # Another connection sees the log row already: it was committed on its own.
        db = settings.DATABASES["default"]
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
        ) as other:
            seen_from_outside.extend(
                other.execute("SELECT status FROM reports_importbatch").fetchall()
            )
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(upserts, "categories_upsert", crashing_upsert)
    with pytest.raises(RuntimeError, match="on fire"):
        post(erp, "erp-categories", categories("A"), **{"Idempotency-Key": "k-crash"})
    assert seen_from_outside == [("running",)]
    assert not ProductCategory.objects.exists()
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.http_status, batch.idempotency_key) == ("failed", 500, "k-crash")
    assert "on fire" in batch.errors[0]["message"] and batch.finished_at
    assert not WebhookEvent.objects.exists()  # no import.* event for a crash

    # A failed request does not hold its key: the retry runs.
    monkeypatch.undo()
    retry = post(erp, "erp-categories", categories("A"), **{"Idempotency-Key": "k-crash"})
    assert retry.json() == {"created": 1, "updated": 0, "unchanged": 0}
    assert "Idempotent-Replayed" not in retry


def test_sweeper_fails_rows_left_running_by_a_killed_request(erp, settings):
    settings.ERP_BATCH_STALE_S = 600
    killed = ImportBatch.objects.create(endpoint="revenue-lines", user=None)
    ImportBatch.objects.filter(pk=killed.pk).update(
        received_at=timezone.now() - dt.timedelta(seconds=601)
    )
    busy = ImportBatch.objects.create(endpoint="accounts")
    assert import_batches_sweep() == {"failed": 1, "answers_forgotten": 0}
    killed.refresh_from_db()
    busy.refresh_from_db()
    assert killed.status == "failed" and killed.finished_at is not None
    assert "killed" in killed.errors[0]["message"]
    assert busy.status == "running"
    assert import_batches_sweep()["failed"] == 0  # nothing twice


# --- Idempotency-Key ------------------------------------------------------------------------
def test_same_key_same_body_answers_the_first_result_without_importing_again(erp):
    first = post(erp, "erp-categories", categories("A", "B"), **{"Idempotency-Key": "night-1"})
    assert first.status_code == 200
    ProductCategory.objects.filter(code="A").delete()  # a rerun would create it again

    again = post(erp, "erp-categories", categories("A", "B"), **{"Idempotency-Key": "night-1"})
    assert (again.status_code, again.json()) == (200, first.json())
    assert again["Idempotent-Replayed"] == "true"
    assert not ProductCategory.objects.filter(code="A").exists()
    assert ImportBatch.objects.count() == 1

    without_key = post(erp, "erp-categories", categories("A", "B"))
    assert without_key.json() == {"created": 1, "updated": 0, "unchanged": 1}


def test_same_key_with_another_body_is_422_and_changes_nothing(erp):
    post(erp, "erp-categories", categories("A"), **{"Idempotency-Key": "night-2"})
    other = post(erp, "erp-categories", categories("B"), **{"Idempotency-Key": "night-2"})
    assert other.status_code == 422
    (error,) = other.json()["errors"]
    assert error["field"] == "Idempotency-Key" and "different request" in error["message"]
    same_body_other_endpoint = post(
        erp, "erp-distributors", {"distributors": []}, **{"Idempotency-Key": "night-2"}
    )
    assert same_body_other_endpoint.status_code == 422
    assert list(ProductCategory.objects.values_list("code", flat=True)) == ["A"]


def test_a_rejected_batch_replays_its_400(erp):
    bad = {"categories": [{"code": "A", "name": "x", "active": "maybe"}]}
    first = post(erp, "erp-categories", bad, **{"Idempotency-Key": "bad-1"})
    again = post(erp, "erp-categories", bad, **{"Idempotency-Key": "bad-1"})
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"


def test_keys_belong_to_their_user_and_expire(erp, erp2, settings):
    settings.ERP_IDEMPOTENCY_TTL_S = 3600
    post(erp, "erp-categories", categories("A"), **{"Idempotency-Key": "shared"})
    theirs = post(erp2, "erp-categories", categories("A"), **{"Idempotency-Key": "shared"})
    assert theirs.json() == {"created": 0, "updated": 0, "unchanged": 1}
    assert "Idempotent-Replayed" not in theirs

    ImportBatch.objects.update(received_at=timezone.now() - dt.timedelta(seconds=3601))
    assert import_batches_sweep()["answers_forgotten"] == 2
    assert not ImportBatch.objects.filter(response__isnull=False).exists()
    reused = post(erp, "erp-categories", categories("B"), **{"Idempotency-Key": "shared"})
    assert reused.json() == {"created": 1, "updated": 0, "unchanged": 0}


def test_a_key_whose_first_request_still_runs_is_409_until_it_is_stale(erp, settings):
    settings.ERP_BATCH_STALE_S = 600
    first = post(erp, "erp-categories", categories("A"), **{"Idempotency-Key": "slow"})
    assert first.status_code == 200
    ImportBatch.objects.update(status="running", http_status=None, response=None)
    busy = post(erp, "erp-categories", categories("A"), **{"Idempotency-Key": "slow"})
    assert busy.status_code == 409 and busy["Retry-After"]
    assert "still running" in busy.json()["errors"][0]["message"]

    ImportBatch.objects.update(received_at=timezone.now() - dt.timedelta(seconds=601))
    retry = post(erp, "erp-categories", categories("A"), **{"Idempotency-Key": "slow"})
    assert retry.status_code == 200 and "Idempotent-Replayed" not in retry
    assert sorted(ImportBatch.objects.values_list("status", flat=True)) == ["applied", "failed"]


@pytest.mark.parametrize("key", ["x" * 256, "ключ", "tab\there"])
def test_a_malformed_key_is_400_naming_the_header(erp, key):
    response = erp.post(
        reverse("api:erp-categories"),
        data=json.dumps(categories("A")),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not ProductCategory.objects.exists()


class RequestIdMiddleware:
    """Stands in for the X-Request-ID middleware another branch adds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request.headers.get("X-Request-ID", "generated-id")
        return self.get_response(request)


def test_the_log_records_the_key_and_the_request_id(erp, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.RequestIdMiddleware"]
    post(
        erp, "erp-categories", categories("A"), **{"Idempotency-Key": "k1", "X-Request-ID": "r-42"}
    )
    row = erp.get(BATCHES).json()["results"][0]
    assert (row["idempotency_key"], row["request_id"]) == ("k1", "r-42")
    assert erp.get(BATCHES, {"request_id": "r-42"}).json()["count"] == 1
    assert erp.get(BATCHES, {"idempotency_key": "k1"}).json()["count"] == 1


# --- metric runs: read, ask for one, single flight -------------------------------------------
@pytest.fixture
def revenue(db):
    category = ProductCategoryFactory()
    for i, amount in enumerate(("900.00", "100.00")):
        account = AccountFactory(external_id=f"R{i}")
        for month in (6, 7):
            RevenueLineFactory(
                account=account,
                category=category,
                date=dt.date(2025, month, 10),
                amount=Decimal(amount),
                amount_base=Decimal(amount),
            )
    return category


@pytest.mark.parametrize("who", ["integration_user", "head_user", "admin_user_"])
def test_integration_heads_and_admins_read_runs(revenue, who, request, api_client_for):
    run = recompute_metrics(as_of=dt.date(2025, 8, 15))
    client = api_client_for(request.getfixturevalue(who))
    listed = client.get(RUNS).json()["results"]
    assert [r["id"] for r in listed] == [run.pk]
    detail = client.get(f"{RUNS}{run.pk}/").json()
    assert detail["status"] == "success" and detail["rows"] == run.rows
    assert client.get(f"{RUNS}{run.pk + 1}/").status_code == 404


def test_a_kam_neither_reads_nor_asks_for_runs(kam_user, api_client_for):
    client = api_client_for(kam_user)
    assert client.get(RUNS).status_code == 403
    assert client.post(RUNS, {}, format="json").status_code == 403
    assert not MetricRun.objects.exists()


def test_two_posts_in_a_row_share_one_queued_run(erp, head_user, api_client_for):
    first = erp.post(RUNS, {"as_of": "2025-08-15"}, format="json")
    assert first.status_code == 202
    run = MetricRun.objects.get()
    assert first["Location"] == f"http://testserver{RUNS}{run.pk}/"
    assert first.json()["status"] == "queued" and first.json()["requested_by"] == "erp"
    second = api_client_for(head_user).post(RUNS, {}, format="json")
    assert second.status_code == 202 and second["Location"] == first["Location"]
    assert MetricRun.objects.count() == 1
    assert erp.get(first["Location"]).json()["as_of"] == "2025-08-15"


def test_a_post_during_the_nightly_run_answers_that_run(erp):
    nightly = MetricRun.objects.create(as_of=dt.date(2025, 8, 15))  # running, as beat makes it
    response = erp.post(RUNS, {}, format="json")
    assert response.status_code == 202
    assert response["Location"].endswith(f"{RUNS}{nightly.pk}/")
    assert response.json()["status"] == "running"
    assert MetricRun.objects.count() == 1


def test_a_lost_run_is_failed_and_a_new_one_queued(erp, settings):
    settings.METRICS_RUN_STALE_S = 3600
    lost = MetricRun.objects.create(
        as_of=dt.date(2025, 8, 15),
        status="queued",
        started_at=timezone.now() - dt.timedelta(seconds=3601),
    )
    response = erp.post(RUNS, {}, format="json")
    assert response.status_code == 202 and response.json()["id"] != lost.pk
    lost.refresh_from_db()
    assert lost.status == "failed" and "Lost" in lost.error
    # The sweeper does the same without a request.
    MetricRun.objects.filter(status="queued").update(
        started_at=timezone.now() - dt.timedelta(seconds=3601)
    )
    assert metric_runs_sweep() == 1
    assert not MetricRun.objects.filter(status__in=["queued", "running"]).exists()


def test_bad_recompute_parameters_are_400_naming_the_field(erp):
    response = erp.post(RUNS, {"as_of": "15.08.2025", "full": "perhaps"}, format="json")
    assert response.status_code == 400 and {"as_of", "full"} <= response.json().keys()
    assert not MetricRun.objects.exists()


# --- computed_at and run on every metric row --------------------------------------------------
def test_rows_carry_the_run_that_computed_their_period(revenue, api_client_for, head_user):
    as_of = dt.date(2025, 8, 15)
    first = recompute_metrics(as_of=as_of)
    assert set(AccountMetric.objects.values_list("run_id", flat=True)) == {first.pk}
    assert set(PortfolioMetric.objects.values_list("run_id", flat=True)) == {first.pk}
    assert not AccountMetric.objects.filter(computed_at__isnull=True).exists()
    july = AccountMetric.objects.filter(period="2025-07").first()
    assert first.started_at <= july.computed_at <= first.finished_at

    unchanged = recompute_metrics(as_of=as_of)  # nothing changed: rows keep their run
    assert unchanged.periods_recomputed == []
    assert set(AccountMetric.objects.values_list("run_id", flat=True)) == {first.pk}

    RevenueLineFactory(
        account=Account.objects.get(external_id="R1"),
        category=revenue,
        date=dt.date(2025, 7, 20),
        amount=Decimal("50.00"),
        amount_base=Decimal("50.00"),
    )
    third = recompute_metrics(as_of=as_of)
    stamped = dict(AccountMetric.objects.values_list("period", "run_id").distinct())
    assert stamped["2025-06"] == first.pk  # June's inputs did not change
    assert stamped["2025-07"] == stamped["2025-Q3"] == stamped["2025"] == third.pk

    client = api_client_for(head_user)
    row = client.get("/api/v1/metrics/accounts/", {"period": "2025-07"}).json()["results"][0]
    assert row["run"] == third.pk and row["computed_at"]
    june = client.get("/api/v1/metrics/portfolio/", {"period": "2025-06"}).json()
    assert june["run"] == first.pk and june["computed_at"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_retry_racing_the_first_request_gets_409_then_the_first_answer(
    integration_user, api_client_for
):
    db = settings.DATABASES["default"]
    holder = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname=db["NAME"],
        autocommit=True,
    )
    first: dict = {}

    def send_first() -> None:
        try:
            first["response"] = post(
                api_client_for(integration_user),
                "erp-categories",
                categories("A"),
                **{"Idempotency-Key": "race"},
            )
        finally:
            connections.close_all()

    # Another categories import holds the lock: the first request logs itself as running,
    # then waits inside its import.
    holder.execute("SELECT pg_advisory_lock(hashtext('kam.erp.categories'))")
    thread = threading.Thread(target=send_first)
    try:
        thread.start()
        deadline = time.monotonic() + 30
        while not ImportBatch.objects.filter(status="running").exists():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        retry = post(
            api_client_for(integration_user),
            "erp-categories",
            categories("A"),
            **{"Idempotency-Key": "race"},
        )
        assert retry.status_code == 409
    finally:
        holder.close()
        thread.join(30)
    assert first["response"].json() == {"created": 1, "updated": 0, "unchanged": 0}
    replay = post(
        api_client_for(integration_user),
        "erp-categories",
        categories("A"),
        **{"Idempotency-Key": "race"},
    )
    assert replay.json() == first["response"].json() and replay["Idempotent-Replayed"] == "true"
    assert ImportBatch.objects.count() == 1 and ProductCategory.objects.count() == 1
