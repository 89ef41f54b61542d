"""Celery tasks of the exports (imported by ReportsConfig.ready so workers register them)."""

from __future__ import annotations

from celery import shared_task

from . import jobs


# Named before the job model existed; the name stays so messages already queued still run.
# No result is stored: the job row is the result. (Sending a task that stores one first
# subscribes to its result in Redis, and with Redis down that alone retries for ~20 s.)
@shared_task(name="reports.exports.tasks.export_generate", ignore_result=True)
def export_generate(job_id: str) -> str:
    """Build the file of export job `job_id`; returns the job's state afterwards."""
    return jobs.export_job_run(job_id=job_id)


@shared_task(name="reports.exports.tasks.export_jobs_sweep", ignore_result=True)
def export_jobs_sweep() -> dict[str, int]:
    """Beat, every few minutes: fail stale export jobs, delete expired ones and their files."""
    return jobs.export_jobs_sweep()
