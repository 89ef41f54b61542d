"""One ERP request, end to end: idempotency key, log row, decode, validate, write, log.

`erp_request_handle` is the single service behind every ERP endpoint. The request's
`ImportBatch` row is written "running" in its own committed transaction before anything
else, then finished: "applied" inside the import's own transaction (the log and the data
commit together), "rejected" or "failed" after the rollback. So a killed process leaves a
"running" row, never a silent gap, and `import_batches_sweep` marks it failed.

An `Idempotency-Key` makes a retry safe to send blindly: the same key with the same body
within ERP_IDEMPOTENCY_TTL_S answers the first result again without importing; the same
key with another body is a 422; while the first is still running, a 409.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User, WebhookEventType
from accounts.webhooks import outbox_emit
from reports.models import ImportBatch

from . import upserts, validation
from .errors import BatchRejected, ItemError

logger = logging.getLogger("kam.erp")

# A 10 000-line batch is ~2.5 MB of JSON; leave room for long names, refuse the absurd.
MAX_BODY_BYTES = 32 * 1024 * 1024
# Errors kept on the ImportBatch row (the response always lists all of them).
MAX_LOGGED_ERRORS = 1000
RETRY_ATTEMPTS = 6
# deadlock, serialization failure, lock not available; unique violation (a concurrent
# insert of the same key between our read and our write); foreign key violation (a
# referenced row deleted meanwhile: the retry reports it as an unknown reference)
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001", "55P03", "23505", "23503"})
# Idempotency-Key: visible ASCII, like the IETF draft's examples (UUIDs, random strings).
IDEMPOTENCY_KEY_MAX = 255
# Advisory-lock namespace (first int4) of "one request per (user, key) at a time".
_KEY_LOCK_CLASS = 0x4B454B  # "KEK"
# Errors an import.rejected event carries (the log row has the rest).
EVENT_ERRORS = 20


@dataclass(frozen=True)
class Endpoint:
    name: str
    items_key: str
    parse: Callable[[list[Any]], tuple[Any, list[ItemError]]]
    write: Callable[..., Any]


def _endpoints() -> dict[str, Endpoint]:
    base = settings.BASE_CURRENCY
    return {
        e.name: e
        for e in (
            Endpoint("accounts", "accounts", validation.parse_accounts, upserts.accounts_upsert),
            Endpoint(
                "categories", "categories", validation.parse_categories, upserts.categories_upsert
            ),
            Endpoint(
                "exchange-rates",
                "rates",
                partial(validation.parse_rates, base_currency=base),
                upserts.exchange_rates_upsert,
            ),
            Endpoint(
                "distributors",
                "distributors",
                validation.parse_distributors,
                upserts.distributors_upsert,
            ),
            Endpoint(
                "revenue-lines",
                "lines",
                partial(validation.parse_lines, base_currency=base),
                upserts.revenue_lines_upsert,
            ),
            Endpoint(
                "revenue-lines/delete",
                "external_ids",
                validation.parse_external_ids,
                upserts.revenue_lines_delete,
            ),
        )
    }


@dataclass(frozen=True)
class ErpAnswer:
    """What to answer an ERP request: status, body, and whether it is a replay."""

    status: int
    body: dict[str, Any]
    batch: ImportBatch | None = None
    replayed: bool = False


def error_body(field: str | None, message: str) -> dict[str, Any]:
    return {"errors": [{"index": None, "external_id": None, "field": field, "message": message}]}


def request_digest(*, endpoint: str, body: bytes) -> str:
    return hashlib.sha256(endpoint.encode() + b"\n" + body).hexdigest()


def erp_request_handle(
    *,
    endpoint: str,
    body: bytes,
    user: User,
    idempotency_key: str = "",
    request_id: str = "",
) -> ErpAnswer:
    """One ERP POST: claim its Idempotency-Key, log it as running, import all-or-nothing,
    finish the log row; a key seen before answers from the log instead."""
    started = time.monotonic()
    request_id = (request_id or "")[:200]
    if idempotency_key and not _valid_key(idempotency_key):
        problem = error_body(
            "Idempotency-Key",
            f"must be 1 to {IDEMPOTENCY_KEY_MAX} visible ASCII characters (a UUID is a good key).",
        )
        import_batch_record(
            endpoint=endpoint,
            user=user,
            status=400,
            items=0,
            started=started,
            errors=problem["errors"],
            request_id=request_id,
        )
        return ErpAnswer(400, problem)
    claim = import_batch_start(
        endpoint=endpoint,
        user=user,
        idempotency_key=idempotency_key,
        request_id=request_id,
        request_sha256=request_digest(endpoint=endpoint, body=body) if idempotency_key else "",
    )
    if isinstance(claim, ErpAnswer):
        return claim
    try:
        result = erp_batch_import(
            endpoint=endpoint, body=body, user=user, batch=claim, started=started
        )
    except BatchRejected as exc:
        return ErpAnswer(exc.status, {"errors": exc.errors}, claim)
    return ErpAnswer(200, result, claim)


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= IDEMPOTENCY_KEY_MAX and all(" " <= c <= "~" for c in key)


def import_batch_start(
    *,
    endpoint: str,
    user: User | None,
    idempotency_key: str = "",
    request_id: str = "",
    request_sha256: str = "",
) -> ImportBatch | ErpAnswer:
    """Commit the request's log row as "running" before the import starts, or answer from
    an earlier request with the same Idempotency-Key (replay, 409 or 422)."""
    # durable: the row must be committed on its own, never part of a caller's transaction.
    with transaction.atomic(durable=True):
        if idempotency_key:
            earlier = _earlier_with_key(user, idempotency_key) if user is not None else None
            if earlier is not None:
                return _answer_from(earlier, request_sha256)
        return ImportBatch.objects.create(
            user=user if getattr(user, "pk", None) else None,
            endpoint=endpoint,
            status=ImportBatch.Status.RUNNING,
            idempotency_key=idempotency_key,
            request_sha256=request_sha256,
            request_id=request_id,
        )


def _earlier_with_key(user: User, key: str) -> ImportBatch | None:
    """The first live request of this user with this key (under a lock on the pair, so two
    concurrent first tries cannot both start)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                [_KEY_LOCK_CLASS, f"{user.pk}:{key}"],
            )
    now = timezone.now()
    since = now - dt.timedelta(seconds=settings.ERP_IDEMPOTENCY_TTL_S)
    # Rows without a digest (refused before the body was read: 403, 413, 415) do not hold
    # the key; a failed request does not either, so its retry runs again.
    candidates = (
        ImportBatch.objects.filter(user=user, idempotency_key=key, received_at__gte=since)
        .exclude(request_sha256="")
        .exclude(status=ImportBatch.Status.FAILED)
        .order_by("received_at", "pk")
    )
    for earlier in candidates:
        if earlier.status == ImportBatch.Status.RUNNING and _stale(earlier, now):
            _mark_lost(ImportBatch.objects.filter(pk=earlier.pk), now)
            continue
        return earlier
    return None


def _stale(batch: ImportBatch, now: dt.datetime) -> bool:
    return now - batch.received_at > dt.timedelta(seconds=settings.ERP_BATCH_STALE_S)


def _answer_from(earlier: ImportBatch, request_sha256: str) -> ErpAnswer:
    if earlier.request_sha256 != request_sha256:
        return ErpAnswer(
            422,
            error_body(
                "Idempotency-Key",
                f"This key was used for a different request (import batch {earlier.pk}, "
                f"{earlier.endpoint}) in the last {settings.ERP_IDEMPOTENCY_TTL_S // 3600} h: "
                "send a new key with a new body.",
            ),
            earlier,
        )
    if earlier.status == ImportBatch.Status.RUNNING:
        return ErpAnswer(
            409,
            error_body(
                "Idempotency-Key",
                f"The first request with this key (import batch {earlier.pk}) is still "
                "running; retry in a few seconds to get its answer.",
            ),
            earlier,
        )
    body = earlier.response
    if body is None:  # kept answers are forgotten at the TTL; this one just now
        body = (
            {"errors": earlier.errors}
            if earlier.status == ImportBatch.Status.REJECTED
            else {
                name: getattr(earlier, name)
                for name in (
                    ("deleted", "not_found")
                    if earlier.endpoint == "revenue-lines/delete"
                    else ("created", "updated", "unchanged")
                )
            }
        )
    return ErpAnswer(earlier.http_status or 500, body, earlier, replayed=True)


def erp_batch_import(
    *,
    endpoint: str,
    body: bytes,
    user: User,
    batch: ImportBatch | None = None,
    started: float | None = None,
) -> dict[str, Any]:
    """Apply one ERP request all-or-nothing and finish its "running" log row `batch`
    (started here when not given); return the counts, or raise BatchRejected (logged as
    rejected, nothing written)."""
    started = time.monotonic() if started is None else started
    if batch is None:
        fresh = import_batch_start(endpoint=endpoint, user=user)
        assert isinstance(fresh, ImportBatch)  # without a key there is no earlier answer
        batch = fresh
    spec = _endpoints()[endpoint]
    items: list[Any] = []
    try:
        items = _items(body, spec)
        if len(items) > settings.ERP_MAX_BATCH:
            raise BatchRejected.single(
                f"{len(items)} items: at most {settings.ERP_MAX_BATCH} a request; split the batch.",
                field=spec.items_key,
                too_large=True,
            )
        parsed, errors = spec.parse(items)

        def applied(counts: Any) -> dict[str, Any]:
            # Inside the import's transaction: the log says "applied" iff the data is in.
            result = counts if isinstance(counts, dict) else counts.as_dict()
            _finish(batch, 200, result, items=len(items), started=started, counts=result)
            return result

        # The writer resolves references even when some items are already bad, so one
        # response names every bad item; it writes nothing unless there is no error at all.
        result = _atomic_with_retries(
            partial(spec.write, parsed=parsed, user=user, errors=errors), then=applied
        )
        return result
    except BatchRejected as exc:
        with transaction.atomic():
            _finish(batch, exc.status, {"errors": exc.errors}, items=len(items), started=started)
        raise
    except Exception as exc:
        try:
            with transaction.atomic():
                _finish(
                    batch,
                    500,
                    None,
                    items=len(items),
                    started=started,
                    failure=[{"message": repr(exc)[:500]}],
                )
        except Exception:  # the connection itself is gone: the sweeper will mark the row
            logger.exception("could not mark import batch %s failed", batch.pk)
        raise


def _finish(
    batch: ImportBatch,
    status: int,
    response: dict[str, Any] | None,
    *,
    items: int,
    started: float,
    counts: dict[str, int] | None = None,
    failure: list[dict[str, Any]] | None = None,
) -> None:
    """Write the outcome on the log row and the webhook event, in the current transaction."""
    batch.status = (
        ImportBatch.Status.APPLIED
        if status == 200
        else ImportBatch.Status.FAILED
        if failure
        else ImportBatch.Status.REJECTED
    )
    batch.http_status = status
    batch.items = items
    counts = counts or {}
    for name in ("created", "updated", "unchanged", "deleted", "not_found"):
        setattr(batch, name, counts.get(name, 0))
    batch.errors = _logged(failure or (response or {}).get("errors", []))
    batch.duration_ms = round((time.monotonic() - started) * 1000)
    batch.finished_at = timezone.now()
    # The full answer is what a retry with the same key gets back (failures are retried).
    batch.response = response if batch.request_sha256 and not failure else None
    batch.save()
    _emit_batch_event(batch)


def _logged(errors: list[Any]) -> list[Any]:
    logged = list(errors[:MAX_LOGGED_ERRORS])
    if len(errors) > MAX_LOGGED_ERRORS:
        logged.append({"message": f"… and {len(errors) - MAX_LOGGED_ERRORS} more errors"})
    return logged


def _emit_batch_event(batch: ImportBatch) -> None:
    """import.applied / import.rejected, in the transaction that finishes the row. A role
    refusal (403) and a crash are not import outcomes the ERP subscribes to."""
    if batch.status == ImportBatch.Status.APPLIED:
        event_type = WebhookEventType.IMPORT_APPLIED
    elif batch.status == ImportBatch.Status.REJECTED and batch.http_status != 403:
        event_type = WebhookEventType.IMPORT_REJECTED
    else:
        return
    payload: dict[str, Any] = {
        "batch": batch.pk,
        "endpoint": batch.endpoint,
        "status": batch.status,
        "http_status": batch.http_status,
        "items": batch.items,
        "created": batch.created,
        "updated": batch.updated,
        "unchanged": batch.unchanged,
        "deleted": batch.deleted,
        "not_found": batch.not_found,
        "user": batch.user.username if batch.user is not None else None,
        "received_at": batch.received_at,
        "finished_at": batch.finished_at,
        "request_id": batch.request_id,
        "idempotency_key": batch.idempotency_key,
        "url": reverse("api:erp-import-batch-detail", args=[batch.pk]),
    }
    if event_type == WebhookEventType.IMPORT_REJECTED:
        payload["error_count"] = len(batch.errors)
        payload["errors"] = batch.errors[:EVENT_ERRORS]
    outbox_emit(event_type=event_type, payload=payload)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _items(body: bytes, spec: Endpoint) -> list[Any]:
    if not body:
        raise BatchRejected.single(f'The body is empty: send {{"{spec.items_key}": [...]}}.')
    try:
        payload = json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise BatchRejected.single(f"The body is not valid JSON: {exc}") from None
    # PostgreSQL text cannot hold NUL; JSON can only spell it \u0000, so look closer then.
    if b"\\u0000" in body:
        try:
            has_nul = _has_nul(payload)
        except RecursionError:
            raise BatchRejected.single("The body is nested too deeply.") from None
        if has_nul:
            raise BatchRejected.single("Text may not contain the NUL character (\\u0000).")
    if not isinstance(payload, dict):
        raise BatchRejected.single(
            f'The body must be a JSON object {{"{spec.items_key}": [...]}}, '
            f"not {validation._json_type(payload)}."
        )
    unknown = sorted(set(payload) - {spec.items_key})
    if spec.items_key not in payload:
        raise BatchRejected.single("is required", field=spec.items_key)
    if unknown:
        raise BatchRejected.single(
            f"Unknown key(s) {', '.join(unknown)}: the body holds only {spec.items_key!r}."
        )
    items = payload[spec.items_key]
    if not isinstance(items, list):
        raise BatchRejected.single(
            f"must be a list, not {validation._json_type(items)}", field=spec.items_key
        )
    if not items:
        raise BatchRejected.single("is empty: send at least one item", field=spec.items_key)
    return items


def _atomic_with_retries(write: Callable[[], Any], then: Callable[[Any], Any]) -> Any:
    """Run `write`, then `then(its result)`, in one transaction; retry what a concurrent
    ERP process can cause."""
    for attempt in range(1, RETRY_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return then(write())
        except (OperationalError, IntegrityError) as exc:
            sqlstate = getattr(exc.__cause__, "sqlstate", None)
            if sqlstate not in RETRYABLE_SQLSTATES or attempt == RETRY_ATTEMPTS:
                raise
            logger.info("ERP batch retry %s after %s (%s)", attempt, sqlstate, exc)
            # Jitter, so two colliding batches do not collide again in step.
            time.sleep(random.uniform(0.01, 0.05) * 2**attempt)
    raise AssertionError("unreachable")


def import_batch_record(
    *,
    endpoint: str,
    user: User | None,
    status: int,
    items: int,
    started: float,
    errors: list[Any],
    counts: dict[str, int] | None = None,
    idempotency_key: str = "",
    request_id: str = "",
) -> ImportBatch:
    """Log a request refused before its import started (wrong role, not JSON, too large,
    a malformed Idempotency-Key) as one finished row. Such a row does not hold its key."""
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            user=user if getattr(user, "pk", None) else None,
            endpoint=endpoint,
            status=ImportBatch.Status.RUNNING,
            idempotency_key=idempotency_key[:IDEMPOTENCY_KEY_MAX],
            request_id=request_id[:200],
        )
        _finish(batch, status, {"errors": errors}, items=items, started=started, counts=counts)
    return batch


# --- the sweeper -------------------------------------------------------------------------
LOST_MESSAGE = (
    "The request ended without an answer (the process was killed or timed out); nothing "
    "was written. Send it again."
)


def _mark_lost(rows: Any, now: dt.datetime) -> int:
    return rows.update(
        status=ImportBatch.Status.FAILED,
        finished_at=now,
        errors=[{"index": None, "external_id": None, "field": None, "message": LOST_MESSAGE}],
    )


def import_batches_sweep() -> dict[str, int]:
    """Mark rows "running" for longer than ERP_BATCH_STALE_S as failed (their request was
    killed: its data transaction never committed), and forget the answers kept for
    Idempotency-Keys older than ERP_IDEMPOTENCY_TTL_S."""
    now = timezone.now()
    stale = ImportBatch.objects.filter(
        status=ImportBatch.Status.RUNNING,
        received_at__lt=now - dt.timedelta(seconds=settings.ERP_BATCH_STALE_S),
    )
    failed = _mark_lost(stale, now)
    if failed:
        logger.warning("%s import batch(es) left running were marked failed", failed)
    expired = ImportBatch.objects.filter(
        response__isnull=False,
        received_at__lt=now - dt.timedelta(seconds=settings.ERP_IDEMPOTENCY_TTL_S),
    ).update(response=None)
    return {"failed": failed, "answers_forgotten": expired}
