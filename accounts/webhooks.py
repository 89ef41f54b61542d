"""Webhooks out: the outbox, endpoint management and signed delivery with back-off.

Any app writes an event with `outbox_emit(event_type=…, payload=…)` inside the transaction
of the change it reports, so an event exists exactly when its change committed (the
transactional outbox). After the commit a Celery task POSTs it to every active endpoint
subscribed to its type; failures are retried with exponential back-off for
WEBHOOK_RETRY_FOR_S, every attempt is logged, and an endpoint that keeps failing is
switched off with the reason. Delivery is at least once: receivers dedupe on the event id.

Signature: `X-KAM-Signature: sha256=<hex HMAC-SHA256(secret, "<X-KAM-Timestamp>.<body>")>`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access
from .models import (
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)

logger = logging.getLogger("kam.webhooks")

SIGNATURE_HEADER = "X-KAM-Signature"
# Above this many deliveries from one emit, one sweep task sends them instead of a task each.
FANOUT_TASKS_MAX = 20
RESPONSE_EXCERPT_BYTES = 1000


# --- the outbox ---------------------------------------------------------------------------
def outbox_emit(*, event_type: str, payload: Mapping[str, Any]) -> WebhookEvent:
    """Write one event (and a delivery per subscribed active endpoint) in the caller's
    transaction; the deliveries are sent after it commits."""
    (event,) = outbox_emit_many(events=[(event_type, payload)])
    return event


def outbox_emit_many(*, events: Iterable[tuple[str, Mapping[str, Any]]]) -> list[WebhookEvent]:
    """`outbox_emit` for many events at once (bulk inserts, one task after the commit)."""
    now = timezone.now()
    rows = []
    for event_type, payload in events:
        if event_type not in WebhookEventType.values:
            raise ValueError(f"unknown webhook event type {event_type!r}")
        rows.append(WebhookEvent(event_type=event_type, payload=dict(payload), created_at=now))
    if not rows:
        return []
    WebhookEvent.objects.bulk_create(rows, batch_size=1000)
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True) if e.event_types]
    deliveries = [
        WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now, created_at=now)
        for event in rows
        for endpoint in endpoints
        if event.event_type in endpoint.event_types
    ]
    WebhookDelivery.objects.bulk_create(deliveries, batch_size=1000)
    if deliveries:
        ids = [str(d.pk) for d in deliveries]
        transaction.on_commit(lambda: _kick(ids))
    return rows


def _kick(delivery_ids: list[str]) -> None:
    from . import tasks  # tasks import this module

    try:
        if len(delivery_ids) > FANOUT_TASKS_MAX:
            tasks.webhooks_deliver_due.delay()
        else:
            for pk in delivery_ids:
                tasks.webhook_delivery_send.delay(pk)
    except Exception:  # the broker is down: the beat sweep sends them later
        logger.exception("could not queue webhook deliveries; the sweep will pick them up")


# --- endpoints (admin only) --------------------------------------------------------------
def _ensure_admin(user: User) -> None:
    if not access.can_manage_webhooks(user):
        raise PermissionDenied(_("Only administrators manage webhooks."))


def webhook_secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


@transaction.atomic
def webhook_endpoint_create(
    *,
    user: User,
    url: str,
    event_types: list[str],
    secret: str = "",
    description: str = "",
    active: bool = True,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; return it and its secret (generated when not given), which
    is shown this once."""
    _ensure_admin(user)
    secret = secret or webhook_secret_new()
    endpoint = WebhookEndpoint(
        url=url,
        event_types=list(event_types),
        secret=secret,
        description=description,
        active=active,
        created_by=user,
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *, user: User, endpoint: WebhookEndpoint, **fields: Any
) -> WebhookEndpoint:
    """Change an endpoint; switching `active` on clears an automatic disable and the
    failure streak (its deliveries still inside the retry window resume)."""
    _ensure_admin(user)
    if fields.get("active") and not endpoint.active:
        webhook_endpoint_switched_on(endpoint)
    if "secret" in fields and not fields["secret"]:
        fields.pop("secret")
    for name, value in fields.items():
        setattr(endpoint, name, value)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def webhook_endpoint_switched_on(endpoint: WebhookEndpoint) -> None:
    """An admin switches an endpoint on again: forget its failure streak and why it was
    switched off (on the instance; the caller saves)."""
    endpoint.active = True
    endpoint.failure_count = 0
    endpoint.failing_since = None
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""


@transaction.atomic
def webhook_endpoint_delete(*, user: User, endpoint: WebhookEndpoint) -> None:
    _ensure_admin(user)
    endpoint.delete()


# --- signing and sending -----------------------------------------------------------------
def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>")."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def webhook_body(event: WebhookEvent) -> bytes:
    return json.dumps(
        {
            "id": str(event.id),
            "type": event.event_type,
            "created_at": event.created_at.isoformat(),
            "data": event.payload,
        },
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def retry_delay(attempts: int) -> dt.timedelta:
    """Wait after the `attempts`-th failed attempt: base, doubling, capped."""
    base = settings.WEBHOOK_RETRY_BASE_S
    return dt.timedelta(seconds=min(base * 2 ** max(0, attempts - 1), settings.WEBHOOK_RETRY_MAX_S))


@dataclass(frozen=True)
class _Answer:
    status: int | None
    error: str
    excerpt: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> _Answer:
    body = webhook_body(delivery.event)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "KAM-Webhooks/1",
        "X-KAM-Event": delivery.event.event_type,
        "X-KAM-Delivery": str(delivery.pk),
        "X-KAM-Timestamp": timestamp,
        SIGNATURE_HEADER: webhook_signature(secret=endpoint.secret, timestamp=timestamp, body=body),
    }
    started = time.monotonic()
    session = requests.Session()
    # No proxy variables or ~/.netrc credentials from the environment reach a URL an admin
    # typed; a proxy is only used when WEBHOOK_PROXY_URL says so.
    session.trust_env = False
    proxy = settings.WEBHOOK_PROXY_URL
    try:
        with session.post(
            endpoint.url,
            data=body,
            headers=headers,
            timeout=(settings.WEBHOOK_CONNECT_TIMEOUT_S, settings.WEBHOOK_TIMEOUT_S),
            allow_redirects=False,  # a redirect could lead anywhere: never followed
            stream=True,
            proxies={"http": proxy, "https": proxy} if proxy else None,
        ) as response:
            excerpt = response.raw.read(RESPONSE_EXCERPT_BYTES, decode_content=True) or b""
            status = response.status_code
            error = ""
            if 300 <= status < 400:
                where = response.headers.get("Location", "?")
                error = f"HTTP {status}: redirect to {where} not followed; register the final URL"
            elif not 200 <= status < 300:
                error = f"HTTP {status}"
            return _Answer(
                status,
                error,
                excerpt.decode("utf-8", "replace"),
                round((time.monotonic() - started) * 1000),
            )
    except requests.RequestException as exc:
        return _Answer(None, f"{type(exc).__name__}: {exc}"[:1000], "", _ms(started))
    finally:
        session.close()


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _claim(pk, now: dt.datetime) -> bool:
    """Take a due delivery for this sender (a conditional UPDATE: one sender wins).

    Only the delivery's own columns may be in the condition: a join (Django writes it as
    `id IN (SELECT …)`) is not re-checked when the UPDATE waits for a concurrent claim, so
    both senders would win."""
    lease = dt.timedelta(
        seconds=settings.WEBHOOK_CONNECT_TIMEOUT_S + settings.WEBHOOK_TIMEOUT_S + 60
    )
    return bool(
        WebhookDelivery.objects.filter(
            Q(locked_until__isnull=True) | Q(locked_until__lt=now),
            pk=pk,
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at__lte=now,
        ).update(locked_until=now + lease)
    )


def webhook_delivery_attempt(*, delivery_id) -> WebhookDelivery | None:
    """POST one due delivery once and record the outcome; None when it is not due, already
    claimed by another sender, finished, or its endpoint is off."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = (
        WebhookDelivery.objects.select_related("event", "endpoint").filter(pk=delivery_id).first()
    )
    if delivery is None:  # its endpoint was deleted just now
        return None
    endpoint = delivery.endpoint
    if not endpoint.active:  # switched off meanwhile: leave it pending, unclaimed
        WebhookDelivery.objects.filter(pk=delivery.pk).update(locked_until=None)
        return None
    answer = _post(endpoint, delivery)
    with transaction.atomic():
        _record(delivery, endpoint, answer)
    return delivery


def _record(delivery: WebhookDelivery, endpoint: WebhookEndpoint, answer: _Answer) -> None:
    now = timezone.now()
    delivery.attempts += 1
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        attempted_at=now,
        http_status=answer.status,
        error=answer.error,
        response_excerpt=answer.excerpt,
        duration_ms=answer.duration_ms,
    )
    delivery.last_status = answer.status
    delivery.last_error = answer.error
    delivery.locked_until = None
    if answer.ok:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failure_count=0, failing_since=None)
    else:
        following = now + retry_delay(delivery.attempts)
        deadline = delivery.created_at + dt.timedelta(seconds=settings.WEBHOOK_RETRY_FOR_S)
        if following > deadline:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.last_error = _("%(error)s; gave up after %(n)d attempts") % {
                "error": answer.error,
                "n": delivery.attempts,
            }
        else:
            delivery.next_attempt_at = following
        _endpoint_failed(endpoint, answer, now)
    delivery.save()
    logger.info(
        "webhook %s to %s attempt %s: %s",
        delivery.event.event_type,
        endpoint.url,
        delivery.attempts,
        answer.status or answer.error,
    )


def _endpoint_failed(endpoint: WebhookEndpoint, answer: _Answer, now: dt.datetime) -> None:
    """Count the failure; switch the endpoint off after WEBHOOK_DISABLE_AFTER_FAILURES in a
    row or WEBHOOK_DISABLE_AFTER_S of failing without a single success."""
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    locked.failure_count += 1
    locked.failing_since = locked.failing_since or now
    locked.save(update_fields=["failure_count", "failing_since", "updated_at"])
    too_many = locked.failure_count >= settings.WEBHOOK_DISABLE_AFTER_FAILURES
    too_long = now - locked.failing_since >= dt.timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_S)
    if locked.active and (too_many or too_long):
        locked.active = False
        locked.disabled_at = now
        locked.disabled_reason = _(
            "Switched off after %(count)d failed attempts in a row since %(since)s; "
            "last: %(error)s. Fix the receiver, then switch it on again."
        ) % {
            "count": locked.failure_count,
            "since": locked.failing_since.isoformat(timespec="seconds"),
            "error": answer.error,
        }
        locked.save(update_fields=["active", "disabled_at", "disabled_reason", "updated_at"])
        logger.warning("webhook endpoint %s disabled: %s", locked.url, locked.disabled_reason)


def webhooks_deliver_due(*, limit: int = 200, budget_s: float = 50.0) -> dict[str, int]:
    """Send the deliveries that are due (first tries the queue missed, and retries), oldest
    first, until `limit` or `budget_s`; give up those past the retry window."""
    now = timezone.now()
    horizon = now - dt.timedelta(seconds=settings.WEBHOOK_RETRY_FOR_S)
    # Deliveries whose endpoint stayed off past the retry window are not coming back.
    expired = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, created_at__lt=horizon
    ).update(
        status=WebhookDelivery.Status.FAILED,
        last_error=_("Not delivered within the retry window (the endpoint was off)."),
        locked_until=None,
    )
    due = WebhookDelivery.objects.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now),
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at__lte=now,
        endpoint__active=True,
    ).order_by("next_attempt_at")
    started = time.monotonic()
    sent = 0
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        if time.monotonic() - started > budget_s:
            break
        if webhook_delivery_attempt(delivery_id=pk) is not None:
            sent += 1
    return {"attempted": sent, "expired": expired}


def webhook_events_prune(*, days: int | None = None) -> int:
    """Delete events older than WEBHOOK_EVENT_RETENTION_DAYS with nothing left pending."""
    days = settings.WEBHOOK_EVENT_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - dt.timedelta(days=days)
    old = WebhookEvent.objects.filter(created_at__lt=cutoff).exclude(
        deliveries__status=WebhookDelivery.Status.PENDING
    )
    count, _rows = old.delete()
    return count
