"""The metrics recompute: lock, fingerprints, per-period replace, the run log.

A recompute runs nightly (beat), by hand (`manage.py recompute_metrics`) or on request
(`metric_run_request`, POST /api/v1/metrics/runs/), which is single-flight: while a run is
queued or running, asking again answers that run. Every row a run writes names it
(`run`, `computed_at`); a successful run writes a `metrics.recomputed` event.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import User, WebhookEventType
from accounts.webhooks import outbox_emit
from reports.metrics import fallback, postgres
from reports.metrics.fingerprint import global_digest, month_digests, period_fingerprint
from reports.metrics.periods import KINDS, Period, periods_with_revenue
from reports.metrics.tiers import tier_thresholds
from reports.metrics.writedown import accounts_write_down
from reports.models import AccountMetric, MetricRun, PortfolioMetric

logger = logging.getLogger("kam.metrics")

# Any constant shared by every KAM process; pg_advisory_lock takes a bigint.
METRICS_LOCK_KEY = 0x4B414D_4D4554  # "KAM" "MET"
# Serialises "is a run queued or running? if not, queue one" between API requests.
METRICS_REQUEST_LOCK_KEY = 0x4B414D_4D5251  # "KAM" "MRQ"
# The concentration list of DESIGN.md: accounts whose share is ≥ 10 %.
CONCENTRATION_SHARE = Decimal("0.10")

Progress = Callable[[str, dict], None]


class LockBusy(Exception):
    """Another recompute holds the lock for longer than we were willing to wait."""


@contextmanager
def _metrics_lock(wait_s: float) -> Iterator[None]:
    """A session-level advisory lock on PostgreSQL, held across the per-kind transactions.

    Waiting (polling, up to `wait_s`) rather than skipping at once means data that arrived
    during the other run is still picked up — the incremental check makes the wait cheap.
    Polling with pg_try_advisory_lock never raises, so it is safe inside a transaction.
    SQLite serialises writers itself (IMMEDIATE transactions), so it needs none.
    """
    if connection.vendor != "postgresql":
        yield
        return
    deadline = time.monotonic() + wait_s
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [METRICS_LOCK_KEY])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() >= deadline:
                raise LockBusy
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [METRICS_LOCK_KEY])


def _metrics_lock_held() -> bool:
    """Does some session hold the metrics lock (a recompute is really running)?"""
    if connection.vendor != "postgresql":
        return False
    # A bigint advisory key shows in pg_locks as classid (high 32 bits), objid (low 32 bits).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND objsubid = 1 AND classid::bigint = %s AND objid::bigint = %s)",
            [METRICS_LOCK_KEY >> 32, METRICS_LOCK_KEY & 0xFFFFFFFF],
        )
        return cursor.fetchone()[0]


def _replace_kind(
    kind: str,
    periods: list[Period],
    stale: list[str],
    fingerprints: dict[str, str],
    active: list[int],
    run: MetricRun,
) -> int:
    """Replace the rows of `periods` and drop `stale` periods, in one transaction.

    Returns the number of account rows the recomputed periods now hold."""
    tier_a, tier_b = tier_thresholds()
    thresholds: dict[str, Any] = {
        "active_category_ids": active,
        "tier_a": tier_a,
        "tier_b": tier_b,
        "risk_share": CONCENTRATION_SHARE,
        "run_id": run.pk,
        "computed_at": timezone.now(),
    }
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The statement upserts the periods' rows and drops vanished ones itself, so
            # unchanged rows are not rewritten.
            _delete_periods(stale)
            return postgres.compute_kind(kind, periods, fingerprints, **thresholds)
        _delete_periods([p.key for p in periods] + stale)
        return fallback.compute_periods(periods, fingerprints, **thresholds)


def _delete_periods(labels: list[str]) -> None:
    if labels:
        AccountMetric.objects.filter(period__in=labels).delete()
        PortfolioMetric.objects.filter(period__in=labels).delete()


def recompute_metrics(
    *,
    as_of: dt.date,
    full: bool = False,
    kinds: tuple[str, ...] = KINDS,
    lock_wait_s: float | None = None,
    progress: Progress | None = None,
    run: MetricRun | None = None,
) -> MetricRun:
    """Recompute every period with revenue plus ttm as of `as_of`; record a MetricRun
    (`run`, when given, is a requested run already claimed by `metric_run_claim`).

    Periods whose input fingerprint is unchanged are skipped unless `full`; `kinds` limits
    the run to some period kinds (month, quarter, year, ttm). Each kind's
    periods are replaced in one transaction; a concurrent run waits for the advisory lock
    (up to `lock_wait_s`, default METRICS_LOCK_WAIT_S) and is recorded as skipped if it
    never gets it. A failure is recorded on the run and re-raised.
    """
    started = time.monotonic()
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown period kinds: {sorted(unknown)}")
    if run is None:
        run = MetricRun.objects.create(as_of=as_of, full=full)
    wait = settings.METRICS_LOCK_WAIT_S if lock_wait_s is None else lock_wait_s
    notify = progress or (lambda event, data: None)
    try:
        with _metrics_lock(wait):
            _recompute(run, as_of=as_of, full=full, kinds=kinds, notify=notify)
        run.status = MetricRun.Status.SUCCESS
    except LockBusy:
        run.status = MetricRun.Status.SKIPPED
        run.note = f"Another recompute held the metrics lock for more than {wait:g} s; skipped."
        logger.warning(run.note)
    except Exception as exc:
        run.status = MetricRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=8)}"
        raise
    finally:
        run.finished_at = timezone.now()
        run.duration_s = round(time.monotonic() - started, 3)
        with transaction.atomic():
            run.save()
            if run.status == MetricRun.Status.SUCCESS:
                outbox_emit(
                    event_type=WebhookEventType.METRICS_RECOMPUTED, payload=metric_run_event(run)
                )
    return run


def metric_run_event(run: MetricRun) -> dict:
    """The `metrics.recomputed` payload: the run as the API shows it, and where."""
    return {
        "run": run.pk,
        "status": run.status,
        "as_of": run.as_of,
        "full": run.full,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "periods_recomputed": run.periods_recomputed,
        "periods_unchanged": run.periods_unchanged,
        "rows": run.rows,
        "requested_by": run.requested_by.username if run.requested_by is not None else None,
        "url": reverse("api:metrics-run-detail", args=[run.pk]),
    }


# --- on request: single flight --------------------------------------------------------
def _request_lock() -> None:
    # Transaction-scoped: released at commit, so the next request sees the queued run.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [METRICS_REQUEST_LOCK_KEY])


def _is_lost(run: MetricRun, now: dt.datetime) -> bool:
    """Queued, or running without anyone holding the metrics lock, for longer than
    METRICS_RUN_STALE_S: its worker is gone."""
    if now - run.started_at < dt.timedelta(seconds=settings.METRICS_RUN_STALE_S):
        return False
    return run.status == MetricRun.Status.QUEUED or not _metrics_lock_held()


def _fail_lost(run: MetricRun, now: dt.datetime) -> None:
    run.status = MetricRun.Status.FAILED
    run.finished_at = now
    run.error = (
        f"Lost: {run.get_status_display().lower()} for more than "
        f"{settings.METRICS_RUN_STALE_S} s without finishing (the worker stopped or the "
        "queued task was lost)."
    )
    run.save(update_fields=["status", "finished_at", "error"])
    logger.warning("metric run %s: %s", run.pk, run.error)


def metric_run_request(
    *, user: User, as_of: dt.date | None = None, full: bool = False
) -> tuple[MetricRun, bool]:
    """Queue a recompute unless one is queued or running (nightly or requested); return
    (the run to watch, whether it is new). The task is queued after the commit."""
    if not access.can_run_metrics(user):
        raise PermissionDenied("Only the integration role, sales heads and admins run metrics.")
    now = timezone.now()
    with transaction.atomic():
        _request_lock()
        for active in MetricRun.objects.filter(status__in=MetricRun.ACTIVE).order_by(
            "-started_at", "-pk"
        ):
            if not _is_lost(active, now):
                return active, False
            _fail_lost(active, now)
        run = MetricRun.objects.create(
            status=MetricRun.Status.QUEUED,
            as_of=as_of or timezone.localdate(),
            full=full,
            started_at=now,
            requested_at=now,
            requested_by=user,
        )
        transaction.on_commit(partial(_enqueue, run.pk))
    return run, True


def _enqueue(run_pk: int) -> None:
    from reports.tasks import recompute_metrics as task  # tasks import this module

    try:
        task.delay(run_id=run_pk)
    except Exception as exc:  # no broker: say so on the run instead of leaving it queued
        if MetricRun.objects.filter(pk=run_pk, status=MetricRun.Status.QUEUED).update(
            status=MetricRun.Status.FAILED,
            finished_at=timezone.now(),
            error=f"Could not queue the recompute: {type(exc).__name__}: {exc}",
        ):
            logger.exception("could not queue metric run %s", run_pk)


def metric_run_claim(*, run_id: int) -> MetricRun | None:
    """Move a queued run to running for this worker (a conditional UPDATE: a redelivered
    task finds nothing to claim). A failed run may be claimed again by its task's retry."""
    claimed = MetricRun.objects.filter(
        pk=run_id, status__in=[MetricRun.Status.QUEUED, MetricRun.Status.FAILED]
    ).update(
        status=MetricRun.Status.RUNNING,
        started_at=timezone.now(),
        finished_at=None,
        error="",
        note="",
        rows=0,
        periods_unchanged=0,
        periods_recomputed=[],
        details={},
    )
    return MetricRun.objects.select_related("requested_by").get(pk=run_id) if claimed else None


def metric_runs_sweep() -> int:
    """Mark runs whose worker is gone (see `_is_lost`) as failed; return how many."""
    now = timezone.now()
    lost = 0
    with transaction.atomic():
        _request_lock()
        for run in MetricRun.objects.filter(status__in=MetricRun.ACTIVE):
            if _is_lost(run, now):
                _fail_lost(run, now)
                lost += 1
    return lost


def _recompute(
    run: MetricRun, *, as_of: dt.date, full: bool, kinds: tuple[str, ...], notify: Progress
) -> None:
    months = month_digests(resync=full)
    digest, active = global_digest()
    periods = periods_with_revenue(sorted(months), as_of)
    fingerprints = {p.key: period_fingerprint(p, months, digest) for p in periods}
    stored = dict(PortfolioMetric.objects.values_list("period", "fingerprint"))
    stored_kind = dict(PortfolioMetric.objects.values_list("period", "period_kind"))
    details: dict[str, dict] = {}
    recomputed: list[str] = []
    for index, kind in enumerate(kinds, start=1):
        of_kind = [p for p in periods if p.kind == kind]
        todo = [p for p in of_kind if full or stored.get(p.key) != fingerprints[p.key]]
        labels = {p.key for p in of_kind}
        stale = [label for label, k in stored_kind.items() if k == kind and label not in labels]
        notify(
            "kind_start",
            {
                "kind": kind,
                "index": index,
                "of": len(kinds),
                "todo": len(todo),
                "unchanged": len(of_kind) - len(todo),
            },
        )
        t0 = time.monotonic()
        rows = _replace_kind(kind, todo, stale, fingerprints, active, run) if todo or stale else 0
        seconds = round(time.monotonic() - t0, 3)
        details[kind] = {
            "periods": len(todo),
            "unchanged": len(of_kind) - len(todo),
            "removed": len(stale),
            "rows": rows,
            "seconds": seconds,
        }
        recomputed += [p.key for p in todo]
        run.rows += rows
        run.periods_unchanged += len(of_kind) - len(todo)
        notify("kind_done", {"kind": kind, "index": index, "of": len(kinds), **details[kind]})
    t0 = time.monotonic()
    changed_accounts = accounts_write_down(run_id=run.pk)
    details["accounts"] = {"changed": changed_accounts, "seconds": round(time.monotonic() - t0, 3)}
    notify("accounts_done", details["accounts"])
    run.periods_recomputed = recomputed
    run.details = details
