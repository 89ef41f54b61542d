"""Export jobs: build a file now, or queue it as an ExportJob row and track it there.

The row is the job's only state. The web process creates it and queues the task after
the commit; the worker claims it with a conditional UPDATE (so a message delivered twice
builds the file once), writes its progress as it goes and finishes it with another
conditional UPDATE. A job that cannot be queued (the broker is down) is failed at once; a
job that stops moving (a worker died, a message was lost with Redis) is failed by the
sweeper after EXPORT_STALE_AFTER_S; every job and its file are deleted after
EXPORT_RETENTION_DAYS. A failed job's page offers to try again.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from accounts import access
from accounts.models import User

from .models import ExportJob, export_upload_to
from .pdf import portfolio_pdf
from .tables import BUILDERS, Export, ExportError, Progress, period_from_params
from .writers import export_csv, export_xlsx

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
KINDS = {
    "accounts": ("csv", "xlsx"),
    "portfolio": ("csv", "xlsx", "pdf"),
    "pipeline": ("csv", "xlsx"),
    "distributors": ("csv", "xlsx"),
}
# Query parameters that only move the page, not the export.
IGNORED_PARAMS = ("page", "per_page")
# Stored in English and translated when the page shows them (the sweeper has no language).
QUEUE_DOWN = gettext_noop(
    "The export could not be queued: the task queue is not available. Try again in a few minutes."
)
NOT_STARTED = gettext_noop("The export did not start in time (the task was lost).")
NOT_FINISHED = gettext_noop("The export did not finish in time and was stopped.")
CRASHED = gettext_noop("The export failed. Try again; if it fails again, tell an administrator.")
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
logger = logging.getLogger("kam.reports.exports")
State = ExportJob.State


@dataclass
class ExportFile:
    filename: str
    content_type: str
    content: bytes
    rows: int


class ExportAbandoned(Exception):
    """The job stopped being ours (the sweeper failed it, or it was deleted) mid-build."""


def sync_max_rows() -> int:
    return settings.REPORTS_EXPORT_SYNC_MAX_ROWS


def export_check(kind: str, fmt: str) -> None:
    if kind not in KINDS:
        raise ExportError(_("Unknown export: %(kind)s") % {"kind": kind})
    if fmt not in KINDS[kind]:
        raise ExportError(_("%(kind)s cannot be exported as %(fmt)s") % {"kind": kind, "fmt": fmt})


def export_prepare(
    *, user: User, kind: str, fmt: str, params: QueryDict, progress: Progress | None = None
) -> Export:
    """The export's sheets, scoped to what `user` sees (rows are read when written).

    Checks the kind, format and parameters first (ExportError with the message to show).
    The PDF is one page whatever the portfolio: it has no rows to count.
    """
    export_check(kind, fmt)
    if fmt == "pdf":
        period = period_from_params(params)
        return Export(f"portfolio-{period.key}", [], period=period)
    return BUILDERS[kind](user=user, params=params, progress=progress)


def export_render(*, user: User, export: Export, fmt: str) -> ExportFile:
    """The prepared export written as a file."""
    if fmt == "pdf":
        assert export.period is not None  # the portfolio export is the one with a PDF
        content = portfolio_pdf(user=user, period=export.period)
    elif fmt == "csv":
        content = export_csv(export)
    else:
        content = export_xlsx(export)
    stamp = timezone.localdate().isoformat()
    return ExportFile(f"{export.name}-{stamp}.{fmt}", FORMATS[fmt], content, export.rows)


def export_build(
    *, user: User, kind: str, fmt: str, params: QueryDict, progress: Progress | None = None
) -> ExportFile:
    """The export as a file, scoped to what `user` sees; raises ExportError on bad input."""
    export = export_prepare(user=user, kind=kind, fmt=fmt, params=params, progress=progress)
    return export_render(user=user, export=export, fmt=fmt)


# --- queued jobs ----------------------------------------------------------------------
def _filters(params: QueryDict) -> dict[str, list[str]]:
    return {k: v for k, v in params.lists() if k not in IGNORED_PARAMS}


def _params(filters: dict[str, list[str]]) -> QueryDict:
    params = QueryDict(mutable=True)
    for key, values in filters.items():
        params.setlist(key, values)
    return params


def export_job_get(*, user: User, job_id: uuid.UUID | str) -> ExportJob:
    """The user's own job; anyone else's is as good as missing (Http404), and a job that
    has gone stale is failed before it is shown."""
    jobs = ExportJob.objects.filter(pk=job_id)
    job = jobs.first()
    if job is None or not access.owns_export(user=user, owner_id=job.owner_id):
        raise Http404(_("No such export."))
    if not job.finished and export_jobs_fail_stale(jobs=jobs):
        job.refresh_from_db()
    return job


def export_job_start(*, user: User, kind: str, fmt: str, params: QueryDict) -> ExportJob:
    """Queue an export for `user`. The task is sent after the current transaction commits;
    when it cannot be sent the job is failed with a message saying so (never raised)."""
    export_check(kind, fmt)
    job = ExportJob.objects.create(
        owner=user,
        kind=kind,
        format=fmt,
        filters=_filters(params),
        language=translation.get_language() or "",
    )
    transaction.on_commit(partial(export_job_enqueue, job_id=job.pk))
    return job


def export_job_enqueue(*, job_id: uuid.UUID) -> bool:
    """Send the job to the workers; False (and the job failed) when the broker is down."""
    from .tasks import export_generate  # the task module imports this one

    try:
        # A few quick retries (a Redis failover), then the page says so: the person is
        # waiting for this request.
        export_generate.apply_async(args=[str(job_id)], retry_policy=PUBLISH_RETRY)
    except (KombuError, RedisError, OSError):
        logger.warning("export %s could not be queued", job_id, exc_info=True)
        ExportJob.objects.filter(pk=job_id, state=State.QUEUED).update(
            state=State.FAILED, error=QUEUE_DOWN, finished_at=timezone.now()
        )
        return False
    return True


def export_job_retry(*, job: ExportJob) -> ExportJob:
    """A new job for the same export and owner; the failed one stays as it was."""
    if job.state != State.FAILED:
        raise ExportError(_("Only a failed export can be tried again."))
    return export_job_start(
        user=job.owner, kind=job.kind, fmt=job.format, params=_params(job.filters)
    )


def _fail(job_id: uuid.UUID, error: str) -> None:
    ExportJob.objects.filter(pk=job_id, state=State.RUNNING).update(
        state=State.FAILED, error=error, finished_at=timezone.now()
    )


def export_job_run(*, job_id: uuid.UUID | str) -> str:
    """Build a queued job's file as its owner; returns the job's state afterwards.

    Only the worker that claims the job (queued -> running, one row updated) builds it:
    a second delivery of the same message, or a job already failed, changes nothing.
    """
    claimed = ExportJob.objects.filter(pk=job_id, state=State.QUEUED).update(
        state=State.RUNNING, started_at=timezone.now(), progress=1
    )
    if not claimed:
        state = ExportJob.objects.filter(pk=job_id).values_list("state", flat=True).first()
        return state or "missing"
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    if not access.owns_export(user=job.owner, owner_id=job.owner_id):
        # Checked again when the job runs: who asked may have lost access since (gone,
        # deactivated, made an API client), and then nothing is built for them.
        _fail(job.pk, str(_("You may no longer export.")))
        return State.FAILED

    def progress(done: int, total: int) -> None:
        # Reading the rows is 90 % of the work; saving the file the rest.
        percent = max(1, min(90, int(90 * done / total))) if total else 50
        if not ExportJob.objects.filter(pk=job.pk, state=State.RUNNING).update(progress=percent):
            raise ExportAbandoned

    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            file = export_build(
                user=job.owner,
                kind=job.kind,
                fmt=job.format,
                params=_params(job.filters),
                progress=progress,
            )
    except ExportAbandoned:
        return State.FAILED
    except ExportError as exc:
        _fail(job.pk, str(exc))
        return State.FAILED
    except Exception:  # the page must show the failure instead of polling forever
        logger.exception("export %s failed", job.pk)
        _fail(job.pk, CRASHED)
        return State.FAILED
    name = default_storage.save(export_upload_to(job, file.filename), ContentFile(file.content))
    done = ExportJob.objects.filter(pk=job.pk, state=State.RUNNING).update(
        state=State.DONE,
        progress=100,
        file=name,
        filename=file.filename,
        row_count=file.rows,
        finished_at=timezone.now(),
    )
    if not done:  # failed by the sweeper (or deleted) while we wrote: nobody will fetch it
        default_storage.delete(name)
        return State.FAILED
    return State.DONE


# --- the sweeper ----------------------------------------------------------------------
def export_jobs_fail_stale(
    *, jobs: QuerySet[ExportJob] | None = None, now: dt.datetime | None = None
) -> int:
    """Fail jobs queued or running for longer than EXPORT_STALE_AFTER_S; returns how many.

    A worker that finds its job failed stops at its next progress write."""
    now = now or timezone.now()
    limit = now - dt.timedelta(seconds=settings.EXPORT_STALE_AFTER_S)
    jobs = ExportJob.objects.all() if jobs is None else jobs
    queued = jobs.filter(state=State.QUEUED, created_at__lt=limit).update(
        state=State.FAILED, error=NOT_STARTED, finished_at=now
    )
    running = jobs.filter(state=State.RUNNING, started_at__lt=limit).update(
        state=State.FAILED, error=NOT_FINISHED, finished_at=now
    )
    return queued + running


def export_jobs_purge(*, now: dt.datetime | None = None) -> int:
    """Delete finished jobs older than EXPORT_RETENTION_DAYS and their files; returns how
    many. The row goes first, so a download never finds a row without its file."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.EXPORT_RETENTION_DAYS)
    expired = ExportJob.objects.filter(
        created_at__lt=cutoff, state__in=(State.DONE, State.FAILED)
    ).values_list("pk", "file")
    deleted = 0
    for pk, name in expired.iterator(chunk_size=500):
        if ExportJob.objects.filter(pk=pk).delete()[0]:
            deleted += 1
            if name:
                default_storage.delete(name)
    return deleted


def export_jobs_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic clean-up: fail stale jobs, then delete expired ones with their files."""
    now = now or timezone.now()
    return {"failed": export_jobs_fail_stale(now=now), "deleted": export_jobs_purge(now=now)}
