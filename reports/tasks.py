"""Celery tasks of the reports app: thin wrappers over services of the same name."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from reports.erp.batches import import_batches_sweep as batches_sweep
from reports.health.backtest import health_backtest_store as backtest_store
from reports.health.compute import account_health_compute as health_compute
from reports.metrics.nightly import nightly_run_missed
from reports.metrics.run import metric_run_claim
from reports.metrics.run import metric_runs_sweep as runs_sweep
from reports.metrics.run import recompute_metrics as metrics_recompute
from reports.models import MetricRun
from reports.portfolio.cache import heavy_panels_warm
from reports.portfolio.forecast_history import forecast_snapshot_take
from reports.portfolio.matrix import portfolio_matrix_compute as matrix_compute

logger = logging.getLogger("kam.alerts")


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
    # Health reads the same revenue, so it follows every successful run (as of its day).
    health_rows = health_compute(as_of=day) if run.status == MetricRun.Status.SUCCESS else None
    placed = None
    if run.status == MetricRun.Status.SUCCESS:
        # After health: the matrix reads the latest health snapshot.
        placed = matrix_compute(as_of=day)
    # The alert rules read both: they come last in the nightly chain.
    if run_id is None:
        _queue_alerts(day)
    return {
        "run": run.pk,
        "status": run.status,
        "periods_recomputed": len(run.periods_recomputed),
        "periods_unchanged": run.periods_unchanged,
        "rows": run.rows,
        "duration_s": run.duration_s,
        "note": run.note,
        "panels_warmed": warmed,
        "health_rows": health_rows,
        "matrix_placed": placed,
    }


def _queue_alerts(day: dt.date) -> None:
    """The alert rules read the numbers just written: they run after the nightly chain.
    A broker that went away now is not the recompute's failure (beat runs them too)."""
    from reports.alerts.tasks import alerts_evaluate

    try:
        alerts_evaluate.delay(as_of=day.isoformat())
    except Exception:  # noqa: BLE001
        logger.warning("could not queue the alert rules after the recompute", exc_info=True)


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


@shared_task(name="reports.tasks.forecast_snapshot")
def forecast_snapshot(as_of: str | None = None) -> int:
    """Beat (Mondays, FORECAST_SNAPSHOT_AT): the week's forecast snapshot; a second run in
    the same week writes nothing. Returns the rows written."""
    day = dt.date.fromisoformat(as_of) if as_of else None
    return forecast_snapshot_take(as_of=day)


@shared_task(
    name="reports.tasks.account_health_compute",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=30,
    max_retries=3,
)
def account_health_compute(as_of: str | None = None, account_ids: list[int] | None = None) -> int:
    """Replace the day's health snapshot (`as_of` ISO date, default today) of the given
    accounts (default: every account with an owner); the nightly metrics task runs it too."""
    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    return health_compute(as_of=day, account_ids=account_ids)


@shared_task(name="reports.tasks.portfolio_matrix_compute")
def portfolio_matrix_compute(as_of: str | None = None) -> int:
    """Place every account in the portfolio matrix for the year of `as_of` (ISO date,
    default today); run after health in the nightly chain. Returns the accounts placed."""
    return matrix_compute(as_of=dt.date.fromisoformat(as_of) if as_of else None)


@shared_task(name="reports.tasks.health_backtest_store")
def health_backtest_store() -> dict:
    """Recompute the health backtest over the whole history and keep it for the head's
    page (beat: HEALTH_BACKTEST_AT, after the nightly chain). Returns its size."""
    stored = backtest_store()
    return {
        "observations": stored.result.observations,
        "computed_at": stored.computed_at.isoformat(),
    }
