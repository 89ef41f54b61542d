"""Celery tasks of the reports app: thin wrappers over services of the same name."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from reports.erp.batches import import_batches_sweep as batches_sweep
from reports.metrics.nightly import nightly_run_missed
from reports.metrics.run import metric_run_claim
from reports.metrics.run import metric_runs_sweep as runs_sweep
from reports.metrics.run import recompute_metrics as metrics_recompute
from reports.models import MetricRun
from reports.portfolio.cache import heavy_panels_warm
from reports.portfolio.matrix import portfolio_matrix_compute as matrix_compute


@shared_task(
    name="reports.tasks.recompute_metrics",
    # Lost connections, deadlocks and serialisation failures are worth another try; a bad
    # row (DataError, IntegrityError) is not — it fails the same way until someone fixes it.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=3,
)
def recompute_metrics(
    as_of: str | None = None, full: bool = False, run_id: int | None = None
) -> dict:
    """Nightly recompute (beat: METRICS_NIGHTLY_AT), or the requested run `run_id` (POST
    /api/v1/metrics/runs/). `as_of` is an ISO date, default today. Then the head's heavy
    panels are computed for the new run, so mornings start warm."""
    run = None
    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    if run_id is not None:
        run = metric_run_claim(run_id=run_id)
        if run is None:  # redelivered after another worker took it, or already finished
            return {"run": run_id, "status": "not-claimed"}
        day, full = run.as_of, run.full
    run = metrics_recompute(as_of=day, full=full, run=run)
    warmed = heavy_panels_warm()
    placed = None
    if run.status == MetricRun.Status.SUCCESS:
        # Last in the chain, after health: the matrix reads the latest health snapshot.
        placed = matrix_compute(as_of=day)
    return {
        "run": run.pk,
        "status": run.status,
        "periods_recomputed": len(run.periods_recomputed),
        "periods_unchanged": run.periods_unchanged,
        "rows": run.rows,
        "duration_s": run.duration_s,
        "note": run.note,
        "panels_warmed": warmed,
        "matrix_placed": placed,
    }


@shared_task(name="reports.tasks.metric_runs_sweep")
def metric_runs_sweep() -> int:
    """Beat (every 5 min): runs whose worker is gone are marked failed."""
    return runs_sweep()


@shared_task(name="reports.tasks.import_batches_sweep")
def import_batches_sweep() -> dict[str, int]:
    """Beat (every 5 min): import-log rows of killed requests are marked failed, and
    Idempotency-Key answers older than ERP_IDEMPOTENCY_TTL_S are forgotten."""
    return batches_sweep()


@shared_task(name="reports.tasks.metrics_nightly_catch_up")
def metrics_nightly_catch_up() -> bool:
    """Queue the nightly recompute if its scheduled time passed without a run (beat or the
    broker was down then); returns whether it queued one. Beat sends this when it starts
    (kam.celery) and every hour, so a night is made up for once either is back."""
    if not nightly_run_missed(now=timezone.now()):
        return False
    recompute_metrics.delay()
    return True


@shared_task(name="reports.tasks.portfolio_matrix_compute")
def portfolio_matrix_compute(as_of: str | None = None) -> int:
    """Place every account in the portfolio matrix for the year of `as_of` (ISO date,
    default today); run after health in the nightly chain. Returns the accounts placed."""
    return matrix_compute(as_of=dt.date.fromisoformat(as_of) if as_of else None)
