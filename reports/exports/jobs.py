"""Export jobs: build a file now, or queue it and track its progress in storage.

A job's state lives in a small JSON file beside its output in the default storage
(`exports/<id>.json`), so the web process and a Celery worker on another host that share
the storage agree on it without a table (and without a migration).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import User

from .pdf import portfolio_pdf
from .tables import BUILDERS, ExportError, Progress, period_from_params
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
}
FOLDER = "exports"
logger = logging.getLogger("kam.reports.exports")


@dataclass
class ExportFile:
    filename: str
    content_type: str
    content: bytes


def sync_max_rows() -> int:
    return settings.REPORTS_EXPORT_SYNC_MAX_ROWS


def export_check(kind: str, fmt: str) -> None:
    if kind not in KINDS:
        raise ExportError(_("Unknown export: %(kind)s") % {"kind": kind})
    if fmt not in KINDS[kind]:
        raise ExportError(_("%(kind)s cannot be exported as %(fmt)s") % {"kind": kind, "fmt": fmt})


def export_size(*, user: User, kind: str, fmt: str, params: QueryDict) -> int:
    """Rows the export would hold (checks the parameters first)."""
    export_check(kind, fmt)
    if fmt == "pdf":
        period_from_params(params)
        return 0  # one page whatever the portfolio: cheap enough to build in the request
    return BUILDERS[kind](user=user, params=params).rows


def export_build(
    *, user: User, kind: str, fmt: str, params: QueryDict, progress: Progress | None = None
) -> ExportFile:
    """The export as a file, scoped to what `user` sees; raises ExportError on bad input."""
    export_check(kind, fmt)
    stamp = timezone.localdate().isoformat()
    if fmt == "pdf":
        period = period_from_params(params)
        content = portfolio_pdf(user=user, period=period)
        return ExportFile(f"portfolio-{period.key}-{stamp}.pdf", FORMATS[fmt], content)
    export = BUILDERS[kind](user=user, params=params, progress=progress)
    content = export_csv(export) if fmt == "csv" else export_xlsx(export)
    return ExportFile(f"{export.name}-{stamp}.{fmt}", FORMATS[fmt], content)


# --- queued jobs ----------------------------------------------------------------------
def _state_path(job_id: str) -> str:
    return f"{FOLDER}/{job_id}.json"


def job_state(job_id: str) -> dict[str, Any] | None:
    try:
        uuid.UUID(hex=job_id)
    except ValueError:
        return None
    if not default_storage.exists(_state_path(job_id)):
        return None
    with default_storage.open(_state_path(job_id)) as fh:
        return json.loads(fh.read())


def job_save(state: dict[str, Any]) -> None:
    path = _state_path(state["id"])
    if default_storage.exists(path):
        default_storage.delete(path)
    default_storage.save(path, ContentFile(json.dumps(state, default=str).encode()))


def export_job_start(*, user: User, kind: str, fmt: str, params: QueryDict) -> dict[str, Any]:
    """Queue an export; the task runs after the current transaction commits."""
    from .tasks import export_generate  # the task module imports this one

    export_check(kind, fmt)
    state = {
        "id": uuid.uuid4().hex,
        "user_id": user.pk,
        "kind": kind,
        "fmt": fmt,
        "params": params.urlencode(),
        "state": "queued",
        "progress": 0,
        "created_at": timezone.now().isoformat(),
    }
    job_save(state)
    transaction.on_commit(lambda: export_generate.delay(state["id"]))
    return state


def export_job_run(job_id: str) -> dict[str, Any]:
    """Build a queued export, saving progress as it goes; failures are recorded, not lost."""
    state = job_state(job_id)
    if state is None or state["state"] == "done":
        return state or {}
    user = User.objects.filter(pk=state["user_id"]).first()
    if user is None or not access.owns_export(user=user, owner_id=state["user_id"]):
        # Checked again when the job runs: who asked may have lost access since (gone,
        # deactivated, made an API client), and then nothing is built for them.
        state.update(state="failed", error=_("You may no longer export."))
        job_save(state)
        return state
    state.update(state="running", progress=1)
    job_save(state)

    def progress(done: int, total: int) -> None:
        # Writing the file is the last tenth of the work.
        state["progress"] = max(1, min(90, int(90 * done / total))) if total else 50
        job_save(state)

    try:
        file = export_build(
            user=user,
            kind=state["kind"],
            fmt=state["fmt"],
            params=QueryDict(state["params"]),
            progress=progress,
        )
    except Exception as exc:  # the page must show the failure instead of polling forever
        logger.exception("export %s failed", job_id)
        state.update(state="failed", error=str(exc))
        job_save(state)
        return state
    state["file"] = default_storage.save(
        f"{FOLDER}/{job_id}/{file.filename}", ContentFile(file.content)
    )
    state.update(state="done", progress=100, filename=file.filename, content_type=file.content_type)
    job_save(state)
    return state
