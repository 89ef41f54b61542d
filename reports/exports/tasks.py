"""Celery tasks of the exports (imported by ReportsConfig.ready so workers register them)."""

from __future__ import annotations

from celery import shared_task

from .jobs import export_job_run


@shared_task(name="reports.exports.tasks.export_generate")
def export_generate(job_id: str) -> str:
    """Build the export of job `job_id` and store it; returns the job's final state."""
    return export_job_run(job_id).get("state", "missing")
