"""The metrics recompute: lock, fingerprints, per-period replace, the run log."""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from reports.metrics import fallback, postgres
from reports.metrics.fingerprint import global_digest, month_digests, period_fingerprint
from reports.metrics.periods import KINDS, Period, periods_with_revenue
from reports.metrics.tiers import tier_thresholds
from reports.metrics.writedown import accounts_write_down
from reports.models import AccountMetric, MetricRun, PortfolioMetric

logger = logging.getLogger("kam.metrics")

# Any constant shared by every KAM process; pg_advisory_lock takes a bigint.
METRICS_LOCK_KEY = 0x4B414D_4D4554  # "KAM" "MET"
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


def _replace_kind(
    kind: str,
    periods: list[Period],
    stale: list[str],
    fingerprints: dict[str, str],
    active: list[int],
) -> int:
    """Replace the rows of `periods` and drop `stale` periods, in one transaction.

    Returns the number of account rows the recomputed periods now hold."""
    tier_a, tier_b = tier_thresholds()
    thresholds: dict[str, Any] = {
        "active_category_ids": active,
        "tier_a": tier_a,
        "tier_b": tier_b,
        "risk_share": CONCENTRATION_SHARE,
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
) -> MetricRun:
    """Recompute every period with revenue plus ttm as of `as_of`; record a MetricRun.

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
        run.save()
    return run


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
        rows = _replace_kind(kind, todo, stale, fingerprints, active) if todo or stale else 0
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
    changed_accounts = accounts_write_down()
    details["accounts"] = {"changed": changed_accounts, "seconds": round(time.monotonic() - t0, 3)}
    notify("accounts_done", details["accounts"])
    run.periods_recomputed = recomputed
    run.details = details
