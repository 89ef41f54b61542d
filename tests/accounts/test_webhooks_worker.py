"""Webhooks end to end: a real Celery worker over Redis delivers to a real HTTP server on
127.0.0.1; the receiver verifies the signature with the snippet of docs/erp.md."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

import reports.tasks  # noqa: F401  (registers with every test app; see test_metric_runs_worker)
from accounts.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from accounts.tasks import webhooks_deliver_due
from reports.models import ImportBatch
from tests.doc_snippets import snippet
from tests.factories import AccountFactory, TenderFactory
from tests.webhook_receiver import Receiver

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


class Beat:
    """Stands in for celery beat: queues the due-retry sweep every `every` seconds."""

    def __init__(self, every: float = 0.2) -> None:
        self.every = every
        self.last = 0.0

    def __call__(self) -> None:
        if time.monotonic() - self.last >= self.every:
            self.last = time.monotonic()
            webhooks_deliver_due.delay()


def wait_until(check, timeout: float = 30.0, tick=None):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        if tick:
            tick()
        time.sleep(0.05)
    return result


def test_an_erp_import_delivers_import_applied_signed_with_the_secret(
    celery_worker, admin_user_, integration_user, api_client_for
):
    verify = snippet("verify_kam_webhook")["verify_kam_webhook"]
    with Receiver() as receiver:
        created = api_client_for(admin_user_).post(
            "/api/v1/webhooks/",
            {"url": receiver.url, "event_types": ["import.applied", "import.rejected"]},
            format="json",
        )
        secret = created.json()["secret"]
        response = api_client_for(integration_user).post(
            reverse("api:erp-categories"),
            {"categories": [{"code": "PIPE", "name": "Pipes"}]},
            format="json",
        )
        assert response.status_code == 200
        (got,) = receiver.wait_for(1)

    assert verify(secret, got.headers, got.body)
    assert not verify("another-secret-of-16+", got.headers, got.body)
    assert not verify(secret, got.headers, got.body.replace(b'"created":1', b'"created":2'))
    assert not verify(secret, {**got.headers, "X-KAM-Timestamp": "1700000000"}, got.body)
    body = json.loads(got.body)
    batch = ImportBatch.objects.get()
    assert body["type"] == got.headers["X-KAM-Event"] == "import.applied"
    assert body["data"]["batch"] == batch.pk and body["data"]["created"] == 1
    delivery = wait_until(
        lambda: WebhookDelivery.objects.filter(status="delivered").first(), timeout=10
    )
    assert got.headers["X-KAM-Delivery"] == str(delivery.pk)
    assert str(delivery.event_id) == body["id"] and delivery.attempts == 1


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt(
    celery_worker, settings, kam_user, api_client_for
):
    settings.WEBHOOK_RETRY_BASE_S = 0.5
    tender = TenderFactory(account=AccountFactory(owner=kam_user))
    with Receiver(statuses=[500, 500]) as receiver:
        WebhookEndpoint.objects.create(
            url=receiver.url, secret="s" * 20, event_types=["tender.stage_changed"]
        )
        moved = api_client_for(kam_user).patch(
            f"/api/v1/tenders/{tender.pk}/", {"stage": "preparing"}, format="json"
        )
        assert moved.status_code == 200
        got = receiver.wait_for(3, tick=Beat())
        time.sleep(0.5)  # a fourth request would be a bug
        assert len(receiver.received) == 3
    assert len({r.body for r in got}) == 1  # the same event each time …
    assert len({r.headers["X-KAM-Delivery"] for r in got}) == 1  # … and the same delivery
    # Back-off: 0.5 s after the first failure, 1 s after the second.
    assert got[1].at - got[0].at >= 0.5
    assert got[2].at - got[1].at >= 1.0
    delivery = wait_until(lambda: WebhookDelivery.objects.filter(status="delivered").first())
    assert delivery.attempts == 3
    log = WebhookAttempt.objects.filter(delivery=delivery).order_by("number")
    assert [(a.number, a.http_status) for a in log] == [(1, 500), (2, 500), (3, 200)]
    assert json.loads(got[2].body)["data"]["stage"] == "preparing"


def test_an_endpoint_that_keeps_failing_is_switched_off(
    celery_worker, settings, kam_user, api_client_for
):
    settings.WEBHOOK_RETRY_BASE_S = 0.2
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 4
    tender = TenderFactory(account=AccountFactory(owner=kam_user))
    with Receiver(default=503) as receiver:
        hook = WebhookEndpoint.objects.create(
            url=receiver.url, secret="s" * 20, event_types=["tender.stage_changed"]
        )
        api_client_for(kam_user).patch(
            f"/api/v1/tenders/{tender.pk}/", {"stage": "preparing"}, format="json"
        )
        beat = Beat()
        wait_until(lambda: not WebhookEndpoint.objects.get(pk=hook.pk).active, tick=beat)
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:  # beat keeps running: nothing more is sent
            beat()
            time.sleep(0.05)
    assert len(receiver.received) == 4
    hook.refresh_from_db()
    assert hook.disabled_at and hook.failure_count == 4
    assert "4 failed attempts in a row" in hook.disabled_reason
    assert "HTTP 503" in hook.disabled_reason
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("pending", 4, 503)
