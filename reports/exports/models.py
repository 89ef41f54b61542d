"""ExportJob: one queued export, its state and its file (imported by reports.models)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def export_upload_to(job: ExportJob, filename: str) -> str:
    # Stored under the job's id (one flat folder, nothing left behind when the file goes);
    # the name the user downloads it under is the job's `filename`.
    return f"exports/{job.pk}.{job.format}"


class ExportJob(models.Model):
    """A file being built for its owner by a Celery worker.

    The row is the one place the job's state lives: the web process creates it, the worker
    claims it with a conditional UPDATE and writes its progress, the sweeper fails it when
    it goes stale and deletes it (with its file) after the retention period.
    """

    class Kind(models.TextChoices):
        ACCOUNTS = "accounts", _("Accounts")
        PORTFOLIO = "portfolio", _("Portfolio")
        PIPELINE = "pipeline", _("Tender pipeline")
        DISTRIBUTORS = "distributors", _("Distributors")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        PDF = "pdf", "PDF"

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    # A UUID, not a counter: the address of a job says nothing about how many there are.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    # The page's query parameters as {name: [values]} (what the builder reads back).
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=export_upload_to, max_length=255, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    # The language of the page that asked: the worker writes headers and labels in it.
    language = models.CharField(_("language"), max_length=16, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="exportjob_progress_at_most_100"
            ),
        ]
        # The sweeper's two questions: which jobs are unfinished and old, which are expired.
        indexes = [models.Index(fields=["state", "created_at"], name="exportjob_state_created")]

    def __str__(self) -> str:
        return f"{self.kind}.{self.format} {self.state} ({self.pk})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
