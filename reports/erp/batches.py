"""One ERP request, end to end: decode, check size, validate, write with retries, log.

`erp_batch_import` is the single service behind every ERP endpoint: it returns the counts
or raises `BatchRejected`, which the API view turns into the response. Whatever happens, the
request leaves an `ImportBatch` row (written after, and outside, the data transaction, so a
rejected batch is logged while none of its data is).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction

from reports.models import ImportBatch

from . import upserts, validation
from .errors import BatchRejected, ItemError

if TYPE_CHECKING:
    from accounts.models import User

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


@dataclass(frozen=True)
class Endpoint:
    name: str
    items_key: str
    parse: Callable[[list[Any]], tuple[Any, list[ItemError]]]
    # Called as write(parsed=…, user=…, errors=…) inside the transaction.
    write: Callable[..., upserts.Counts | dict[str, int]]


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


def erp_batch_import(*, endpoint: str, body: bytes, user: User) -> dict[str, int]:
    """Apply one ERP request all-or-nothing and log it; return the counts or raise
    BatchRejected listing every bad item (then nothing is written)."""
    started = time.monotonic()
    spec = _endpoints()[endpoint]
    items: list[Any] = []
    try:
        items = _items(body, spec)
        if len(items) > settings.ERP_MAX_BATCH:
            raise BatchRejected.single(
                f"{len(items)} items: at most {settings.ERP_MAX_BATCH} a request; split the batch.",
                field=spec.items_key,
                status=413,
            )
        parsed, errors = spec.parse(items)
        # The writer resolves references even when some items are already bad, so one
        # response names every bad item; it writes nothing unless there is no error at all.
        written = _atomic_with_retries(partial(spec.write, parsed=parsed, user=user, errors=errors))
        counts = written if isinstance(written, dict) else written.as_dict()
    except BatchRejected as exc:
        import_batch_record(
            endpoint=endpoint,
            user=user,
            status=exc.status,
            items=len(items),
            started=started,
            errors=exc.errors,
        )
        raise
    except Exception as exc:
        import_batch_record(
            endpoint=endpoint,
            user=user,
            status=500,
            items=len(items),
            started=started,
            errors=[{"message": repr(exc)[:500]}],
        )
        raise
    import_batch_record(
        endpoint=endpoint,
        user=user,
        status=200,
        items=len(items),
        started=started,
        errors=[],
        counts=counts,
    )
    return counts


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


T = TypeVar("T")


def _atomic_with_retries(write: Callable[[], T]) -> T:
    """Run `write` in one transaction; retry what a concurrent ERP process can cause."""
    for attempt in range(1, RETRY_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return write()
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
) -> ImportBatch:
    """Log one ERP request (applied or rejected) for admins and sales heads."""
    logged = list(errors[:MAX_LOGGED_ERRORS])
    if len(errors) > MAX_LOGGED_ERRORS:
        logged.append({"message": f"… and {len(errors) - MAX_LOGGED_ERRORS} more errors"})
    counts = counts or {}
    return ImportBatch.objects.create(
        user=user if getattr(user, "pk", None) else None,
        endpoint=endpoint,
        status=ImportBatch.Status.APPLIED if status == 200 else ImportBatch.Status.REJECTED,
        http_status=status,
        items=items,
        created=counts.get("created", 0),
        updated=counts.get("updated", 0),
        unchanged=counts.get("unchanged", 0),
        deleted=counts.get("deleted", 0),
        not_found=counts.get("not_found", 0),
        duration_ms=round((time.monotonic() - started) * 1000),
        errors=logged,
    )
