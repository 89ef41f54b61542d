"""Webhooks out: endpoints (admins), events written with their change, signed POSTs to a
real HTTP server on 127.0.0.1, back-off, giving up, switching an endpoint off.

The Celery worker end to end is in test_webhooks_worker.py; here the delivery service is
called directly, as the task does."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from accounts.webhooks import (
    outbox_emit,
    retry_delay,
    webhook_delivery_attempt,
    webhooks_deliver_due,
)
from plans.models import Tender
from reports.metrics.run import recompute_metrics
from tests.factories import (
    AccountFactory,
    ProductCategoryFactory,
    RevenueLineFactory,
    TenderFactory,
)
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db

HOOKS = "/api/v1/webhooks/"
ALL_TYPES = [
    "import.applied",
    "import.rejected",
    "metrics.recomputed",
    "account.tier_changed",
    "account.key_changed",
    "tender.stage_changed",
]


def endpoint(url="http://127.0.0.1:9/hook", types=ALL_TYPES, **extra) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        url=url, secret="s3cret-s3cret-s3cret", event_types=list(types), **extra
    )


def events(event_type: str) -> list[dict]:
    return list(
        WebhookEvent.objects.filter(event_type=event_type)
        .order_by("created_at")
        .values_list("payload", flat=True)
    )


# --- endpoints through the API --------------------------------------------------------------
def test_admin_registers_an_endpoint_and_sees_the_secret_once(admin_user_, api_client_for):
    client = api_client_for(admin_user_)
    created = client.post(
        HOOKS,
        {"url": "https://erp.example.com/kam", "event_types": ["import.applied"]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert (body["active"], body["created_by"], body["failure_count"]) == (True, "boss", 0)
    stored = WebhookEndpoint.objects.get()
    assert stored.secret == body["secret"]

    shown = client.get(f"{HOOKS}{stored.pk}/").json()
    assert "secret" not in shown and shown["url"] == "https://erp.example.com/kam"
    assert all("secret" not in row for row in client.get(HOOKS).json()["results"])

    rotated = client.patch(
        f"{HOOKS}{stored.pk}/", {"secret": "a-new-secret-of-mine-1234"}, format="json"
    )
    assert rotated.status_code == 200 and "secret" not in rotated.json()
    stored.refresh_from_db()
    assert stored.secret == "a-new-secret-of-mine-1234"
    own = client.post(
        HOOKS,
        {"url": "http://127.0.0.1:8001/", "event_types": ALL_TYPES, "secret": "x" * 16},
        format="json",
    )
    assert own.json()["secret"] == "x" * 16
    assert client.delete(f"{HOOKS}{stored.pk}/").status_code == 204


@pytest.mark.parametrize("who", ["head_user", "integration_user", "kam_user"])
def test_only_admins_manage_webhooks(who, request, api_client_for):
    endpoint()
    client = api_client_for(request.getfixturevalue(who))
    assert client.get(HOOKS).status_code == 403
    payload = {"url": "https://x.example.com/", "event_types": ["import.applied"]}
    assert client.post(HOOKS, payload, format="json").status_code == 403
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "ftp://erp.example.com/x", "event_types": ["import.applied"]}, "url"),
        ({"url": "not a url", "event_types": ["import.applied"]}, "url"),
        ({"url": "https://erp.example.com/", "event_types": []}, "event_types"),
        ({"url": "https://erp.example.com/", "event_types": ["import.lost"]}, "event_types"),
        ({"url": "https://erp.example.com/", "event_types": "import.applied"}, "event_types"),
        (
            {"url": "https://erp.example.com/", "event_types": ALL_TYPES, "secret": "short"},
            "secret",
        ),
    ],
)
def test_bad_endpoints_are_400_naming_the_field(admin_user_, api_client_for, payload, field):
    response = api_client_for(admin_user_).post(HOOKS, payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not WebhookEndpoint.objects.exists()


# --- events are written with their change -----------------------------------------------------
def test_an_import_writes_its_event_and_a_delivery_per_subscribed_active_endpoint(
    integration_user, api_client_for
):
    wants = endpoint(types=["import.applied"])
    endpoint(types=["tender.stage_changed"])
    endpoint(types=ALL_TYPES, active=False)
    erp = api_client_for(integration_user)
    ok = {"categories": [{"code": "PIPE", "name": "Pipes"}]}
    erp.post(reverse("api:erp-categories"), ok, format="json")
    erp.post(reverse("api:erp-categories"), {"categories": [{"code": "X"}]}, format="json")

    (applied,) = events("import.applied")
    assert (applied["endpoint"], applied["created"], applied["user"]) == ("categories", 1, "erp")
    assert applied["url"] == f"/api/v1/erp/import-batches/{applied['batch']}/"
    (rejected,) = events("import.rejected")
    assert rejected["http_status"] == 400 and rejected["errors"][0]["field"] == "name"
    delivery = WebhookDelivery.objects.get()
    assert delivery.endpoint == wants and delivery.event.event_type == "import.applied"


def test_a_tender_stage_move_writes_its_event_and_a_refused_one_writes_none(
    kam_user, api_client_for
):
    tender = TenderFactory(account=AccountFactory(owner=kam_user, external_id="C-7"))
    client = api_client_for(kam_user)
    url = f"/api/v1/tenders/{tender.pk}/"
    assert client.patch(url, {"title": "Renamed"}, format="json").status_code == 200
    assert client.patch(url, {"stage": "won"}, format="json").status_code == 400  # no reason
    assert not WebhookEvent.objects.exists()
    moved = client.patch(url, {"stage": "won", "outcome_reason": "best price"}, format="json")
    assert moved.status_code == 200
    (event,) = events("tender.stage_changed")
    assert (event["previous_stage"], event["stage"], event["changed_by"]) == (
        "identified",
        "won",
        "kam1",
    )
    assert event["account"]["external_id"] == "C-7" and event["tender"]["id"] == tender.pk
    assert event["tender"]["estimated_value"] == "500000.00"


def test_the_browser_form_move_is_an_event_too(client, kam_user):
    tender = TenderFactory(account=AccountFactory(owner=kam_user))
    client.force_login(kam_user)
    response = client.post(reverse("plans:tender-stage", args=[tender.pk]), {"stage": "submitted"})
    assert response.status_code in (200, 302)
    assert Tender.objects.get(pk=tender.pk).stage == "submitted"
    assert [(e["previous_stage"], e["stage"]) for e in events("tender.stage_changed")] == [
        ("identified", "submitted")
    ]


def test_a_recompute_writes_tier_key_and_recomputed_events(db):
    category = ProductCategoryFactory()
    big, small = AccountFactory(external_id="BIG"), AccountFactory(external_id="SMALL")
    for account, amount in ((big, "900.00"), (small, "100.00")):
        RevenueLineFactory(
            account=account,
            category=category,
            date=dt.date(2025, 7, 10),
            amount=Decimal(amount),
            amount_base=Decimal(amount),
        )
    run = recompute_metrics(as_of=dt.date(2025, 8, 15))
    tiers = {
        e["account"]["external_id"]: (e["previous_tier"], e["tier"])
        for e in events("account.tier_changed")
    }
    assert tiers == {"BIG": (None, "A"), "SMALL": (None, "B")}
    keys = {e["account"]["external_id"]: e["is_key"] for e in events("account.key_changed")}
    assert keys == {"BIG": True, "SMALL": True}  # tier A, and a ttm share ≥ 10 %
    assert {e["run"] for e in events("account.tier_changed")} == {run.pk}
    (done,) = events("metrics.recomputed")
    assert done["run"] == run.pk and done["url"] == f"/api/v1/metrics/runs/{run.pk}/"
    assert "ttm" in done["periods_recomputed"]

    recompute_metrics(as_of=dt.date(2025, 8, 15))  # nothing changed: no tier/key events
    assert len(events("account.tier_changed")) == 2
    assert len(events("metrics.recomputed")) == 2


def test_an_unknown_event_type_is_a_programming_error(db):
    with pytest.raises(ValueError, match="unknown webhook event type"):
        outbox_emit(event_type="account.deleted", payload={})


# --- delivery: signature, outcomes, back-off -------------------------------------------------
def _one_delivery(url: str, **endpoint_fields) -> WebhookDelivery:
    hook = endpoint(url=url, **endpoint_fields)
    outbox_emit(event_type="import.applied", payload={"batch": 7, "when": timezone.now()})
    return WebhookDelivery.objects.get(endpoint=hook)


def test_a_delivery_is_a_signed_json_post(db):
    with Receiver() as receiver:
        delivery = _one_delivery(receiver.url)
        assert webhook_delivery_attempt(delivery_id=delivery.pk) is not None
    (got,) = receiver.received
    headers = {k.lower(): v for k, v in got.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["x-kam-event"] == "import.applied"
    assert headers["x-kam-delivery"] == str(delivery.pk)
    timestamp = headers["x-kam-timestamp"]
    signed = timestamp.encode() + b"." + got.body
    mac = hmac.new(b"s3cret-s3cret-s3cret", signed, hashlib.sha256).hexdigest()
    assert headers["x-kam-signature"] == f"sha256={mac}"
    body = json.loads(got.body)
    assert body["id"] == str(delivery.event_id) and body["type"] == "import.applied"
    assert body["data"]["batch"] == 7
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is None  # never twice
    assert len(receiver.received) == 1


def test_a_redirect_is_not_followed(db):
    with (
        Receiver() as elsewhere,
        Receiver(default=302, headers={"Location": elsewhere.url}) as receiver,
    ):
        delivery = _one_delivery(receiver.url)
        webhook_delivery_attempt(delivery_id=delivery.pk)
    assert len(receiver.received) == 1 and elsewhere.received == []
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.last_status == 302
    assert "not followed" in delivery.last_error


def test_a_slow_receiver_times_out_and_is_retried_later(db, settings):
    settings.WEBHOOK_TIMEOUT_S = 0.3
    settings.WEBHOOK_RETRY_BASE_S = 30
    with Receiver(delay_s=1.0) as receiver:
        delivery = _one_delivery(receiver.url)
        before = timezone.now()
        webhook_delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    (attempt,) = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.http_status is None and "Timeout" in attempt.error
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.next_attempt_at >= before + dt.timedelta(seconds=30)
    assert webhooks_deliver_due()["attempted"] == 0  # not due yet


def test_back_off_doubles_up_to_the_cap(settings):
    settings.WEBHOOK_RETRY_BASE_S = 30
    settings.WEBHOOK_RETRY_MAX_S = 3600
    waits = [retry_delay(n).total_seconds() for n in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_delivery_is_given_up_after_the_retry_window(db, settings):
    settings.WEBHOOK_RETRY_BASE_S = 60
    settings.WEBHOOK_RETRY_FOR_S = 90
    with Receiver(default=503) as receiver:
        delivery = _one_delivery(receiver.url)
        webhook_delivery_attempt(delivery_id=delivery.pk)  # next try in 60 s: inside 90 s
        delivery.refresh_from_db()
        assert delivery.status == "pending"
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        webhook_delivery_attempt(delivery_id=delivery.pk)  # next in 120 s: past the window
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 2
    assert "gave up after 2 attempts" in delivery.last_error


def test_pending_deliveries_of_an_endpoint_left_off_expire(db, settings):
    settings.WEBHOOK_RETRY_FOR_S = 3600
    delivery = _one_delivery("http://127.0.0.1:9/", active=True)
    WebhookEndpoint.objects.update(active=False)
    WebhookDelivery.objects.update(created_at=timezone.now() - dt.timedelta(seconds=3601))
    assert webhooks_deliver_due() == {"attempted": 0, "expired": 1}
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "retry window" in delivery.last_error


def test_an_endpoint_failing_in_a_row_is_switched_off_and_admins_see_why(
    db, settings, admin_user_, api_client_for
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    with Receiver(default=500) as receiver:
        hook = endpoint(url=receiver.url)
        for n in range(4):
            outbox_emit(event_type="import.applied", payload={"batch": n})
        for delivery in WebhookDelivery.objects.order_by("created_at"):
            webhook_delivery_attempt(delivery_id=delivery.pk)
    assert len(receiver.received) == 3  # the fourth was not sent: the endpoint is off
    hook.refresh_from_db()
    assert not hook.active and hook.disabled_at and hook.failure_count == 3
    assert "3 failed attempts in a row" in hook.disabled_reason
    assert "HTTP 500" in hook.disabled_reason
    outbox_emit(event_type="import.applied", payload={"batch": 9})
    assert WebhookDelivery.objects.count() == 4  # an endpoint that is off gets no new ones

    client = api_client_for(admin_user_)
    shown = client.get(f"{HOOKS}{hook.pk}/").json()
    assert shown["active"] is False and "HTTP 500" in shown["disabled_reason"]
    log = client.get(f"{HOOKS}{hook.pk}/deliveries/").json()["results"]
    assert log[-1]["attempt_log"][0]["http_status"] == 500
    switched_on = client.patch(f"{HOOKS}{hook.pk}/", {"active": True}, format="json").json()
    assert switched_on["active"] and switched_on["failure_count"] == 0
    assert switched_on["disabled_reason"] == "" and switched_on["disabled_at"] is None


def test_a_success_resets_the_failure_streak(db, settings):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    with Receiver(statuses=[500, 500, 200, 500, 500]) as receiver:
        hook = endpoint(url=receiver.url)
        for n in range(5):
            outbox_emit(event_type="import.applied", payload={"batch": n})
        for delivery in WebhookDelivery.objects.order_by("created_at"):
            webhook_delivery_attempt(delivery_id=delivery.pk)
    hook.refresh_from_db()
    assert hook.active and hook.failure_count == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_racing_for_one_delivery_only_one_claims_it():
    """The beat sweep and the after-commit task may reach a delivery at the same moment:
    the second claim waits for the first and then finds it taken."""
    from django.db import connections, transaction

    from accounts.webhooks import _claim

    delivery = _one_delivery("http://127.0.0.1:9/")
    now = timezone.now()
    claimed_first, release = threading.Event(), threading.Event()
    results: dict[str, bool] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = _claim(delivery.pk, now)
                claimed_first.set()
                release.wait(10)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            results["second"] = _claim(delivery.pk, now)
        finally:
            connections.close_all()

    a = threading.Thread(target=first)
    a.start()
    assert claimed_first.wait(10)
    b = threading.Thread(target=second)
    b.start()
    time.sleep(0.5)  # the second UPDATE is now waiting for the first's row lock
    release.set()
    a.join(10)
    b.join(10)
    assert results == {"first": True, "second": False}


def test_the_admin_shows_why_an_endpoint_was_switched_off_and_creates_with_a_secret_once(
    client, admin_user_, head_user
):
    hook = endpoint(active=False, disabled_reason="Switched off after 50 failed attempts")
    outbox_emit(event_type="import.applied", payload={"batch": 1})
    WebhookDelivery.objects.create(
        event=WebhookEvent.objects.get(), endpoint=hook, last_error="HTTP 502", attempts=3
    )
    client.force_login(admin_user_)
    page = client.get(reverse("admin:accounts_webhookendpoint_change", args=[hook.pk]))
    html = page.content.decode()
    assert "Switched off after 50 failed attempts" in html and "HTTP 502" in html
    assert "s3cret-s3cret-s3cret" not in html  # the secret is never shown again

    created = client.post(
        reverse("admin:accounts_webhookendpoint_add"),
        {"url": "https://erp.example.com/k", "event_types": ["import.applied"], "active": "on"},
        follow=True,
    )
    new = WebhookEndpoint.objects.get(url="https://erp.example.com/k")
    assert new.secret.startswith("whsec_") and new.secret in created.content.decode()
    assert new.created_by == admin_user_

    head_user.is_staff = True
    head_user.save()
    client.force_login(head_user)
    listing = client.get(reverse("admin:accounts_webhookendpoint_changelist"))
    assert listing.status_code == 403
