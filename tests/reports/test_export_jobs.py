"""Queued exports: the ExportJob row, its claim and progress, the broker being down, the
sweeper (stale jobs, retention), "Try again", and who may see a job or its file."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from kam.celery import app as kam_celery
from reports.exports.jobs import export_job_run, export_job_start
from reports.models import ExportJob
from tests.factories import AccountFactory
from tests.reports.export_fixtures import (
    HYPERLINK,
    plant_portfolio,
    read_csv,
    read_xlsx,
    sheet_rows,
)

pytestmark = pytest.mark.django_db
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1
SWEEP_TASK = "reports.exports.tasks.export_jobs_sweep"


@pytest.fixture
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


@pytest.fixture
def eager_celery(settings):
    """Run queued exports in-process, as the embedded default does (CI sets REDIS_URL).
    Celery reads its CELERY_* settings from Django's live settings."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def broker_down(celery_app):
    """Redis, the broker and result store, on a port where nothing listens: sending a task
    fails as it does when Redis has crashed. `celery_app` is a fresh Celery app, made the
    current one here (shared tasks send through it) and undone after the test, so no
    pooled connection of another test leaks in or out."""
    celery_app.conf.update(
        broker_url=CLOSED_PORT_BROKER, result_backend=CLOSED_PORT_BROKER, task_always_eager=False
    )
    celery_app.set_current()
    return celery_app


@pytest.fixture
def portfolio(kam_user, other_kam):
    return plant_portfolio(kam_user, other_kam)


def queue(client, user, kind, fmt, capture, **params):
    """Ask for an export too big to build in the request; the job's page URL."""
    client.force_login(user)
    with capture(execute=True):
        response = client.get(reverse("reports:export", args=[kind, fmt]), params)
    assert response.status_code == 302, response.content[:300]
    return response["Location"]


def job_of(url: str) -> ExportJob:
    return ExportJob.objects.get(pk=url.rstrip("/").split("/")[-1])


def fetch(client, job: ExportJob) -> bytes:
    response = client.get(reverse("reports:export-download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def make_job(user, **fields) -> ExportJob:
    defaults = {"owner": user, "kind": "accounts", "format": "csv"}
    return ExportJob.objects.create(**{**defaults, **fields})


# --- the broker is down ---------------------------------------------------------------
def test_an_export_that_cannot_be_queued_fails_with_a_try_again_button(
    broker_down, client, head_user, settings, portfolio, django_capture_on_commit_callbacks
):
    settings.REPORTS_EXPORT_SYNC_MAX_ROWS = 1
    started = time.monotonic()
    url = queue(client, head_user, "accounts", "xlsx", django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 5  # a person is waiting for this answer
    job = job_of(url)
    assert job.state == ExportJob.State.FAILED and job.finished_at is not None
    assert "could not be queued" in job.error

    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-state="failed"' in html and "the task queue is not available" in html
    assert 'id="export-again"' in html and "csrfmiddlewaretoken" in html
    assert "hx-trigger" not in html  # a failed job stops polling
    russian = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "очередь задач недоступна" in russian and "Попробовать снова" in russian

    # "Try again" is a POST with the CSRF token; the queue is still down: failed again.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(head_user)
    again = reverse("reports:export-job-again", args=[job.pk])
    assert browser.post(again).status_code == 403
    assert browser.get(again).status_code == 405
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get(url).text)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(again, {"csrfmiddlewaretoken": token[1]})
    assert response.status_code == 302
    retry = job_of(response["Location"])
    assert retry.pk != job.pk
    assert (retry.kind, retry.format, retry.owner) == ("accounts", "xlsx", head_user)
    assert retry.state == ExportJob.State.FAILED and "could not be queued" in retry.error


def test_try_again_once_the_queue_is_back_builds_the_file(
    eager_celery,
    storage,
    client,
    head_user,
    kam_user,
    portfolio,
    django_capture_on_commit_callbacks,
):
    job = make_job(
        head_user,
        format="xlsx",
        filters={"owner": [str(kam_user.pk)], "sort": ["name"]},
        state=ExportJob.State.FAILED,
        error="The export could not be queued",
    )
    client.force_login(head_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:export-job-again", args=[job.pk]))
    retry = job_of(response["Location"])
    assert retry.state == ExportJob.State.DONE and retry.row_count == 4
    rows = sheet_rows(read_xlsx(fetch(client, retry)), "Accounts")
    assert [r[0] for r in rows[1:]] == ["K1-3", "K1-1", "K1-0", "K1-2"]  # the filters kept
    # A job that is not failed has nothing to try again: its page shows where it stands.
    response = client.post(reverse("reports:export-job-again", args=[retry.pk]))
    assert response["Location"] == reverse("reports:export-job", args=[retry.pk])
    assert ExportJob.objects.count() == 2


# --- every export, queued and built in-process ----------------------------------------
@pytest.mark.parametrize(
    "kind, fmt",
    [
        (kind, fmt)
        for kind in ("accounts", "portfolio", "pipeline", "distributors")
        for fmt in ("csv", "xlsx")
    ],
)
def test_every_export_can_be_queued_and_downloaded(
    kind,
    fmt,
    eager_celery,
    storage,
    client,
    kam_user,
    other_kam,
    settings,
    portfolio,
    django_capture_on_commit_callbacks,
):
    settings.REPORTS_EXPORT_SYNC_MAX_ROWS = 0
    url = queue(client, kam_user, kind, fmt, django_capture_on_commit_callbacks, period="2025")
    job = job_of(url)
    assert job.state == ExportJob.State.DONE and job.progress == 100 and job.row_count
    assert job.filename.startswith({"pipeline": "tender-pipeline"}.get(kind, kind))
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="export-download"' in html and job.filename in html
    content = fetch(client, job)
    if fmt == "csv":
        rows = read_csv(content)
        cells = [v for row in rows for v in row]
        assert "'" + HYPERLINK in cells
    else:
        book = read_xlsx(content)
        cells = [v for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row]
        assert HYPERLINK in cells
    assert not [v for v in cells if isinstance(v, str) and "K2-" in v]  # kam1's own only
    # Someone else's job is not theirs to see.
    client.force_login(other_kam)
    assert client.get(url).status_code == 404
    assert client.get(reverse("reports:export-download", args=[job.pk])).status_code == 404


def test_a_queued_export_shows_progress_that_polls(client, head_user, storage, portfolio):
    job = export_job_start(user=head_user, kind="accounts", fmt="csv", params=QueryDict())
    client.force_login(head_user)
    html = client.get(reverse("reports:export-job", args=[job.pk])).content.decode()
    assert 'data-state="queued"' in html and '<progress id="export-progress"' in html
    assert 'hx-trigger="every 1s"' in html
    assert client.get(reverse("reports:export-download", args=[job.pk])).status_code == 404
    ExportJob.objects.filter(pk=job.pk).update(state="running", progress=40)
    html = client.get(reverse("reports:export-job", args=[job.pk])).content.decode()
    assert 'value="40"' in html and "40 %" in html and 'hx-trigger="every 1s"' in html


def test_only_the_owner_sees_a_job_its_file_or_its_retry(client, head_user, kam_user, storage):
    job = make_job(kam_user, state=ExportJob.State.DONE, filename="accounts.csv")
    job.file.save("accounts.csv", ContentFile(b"\xef\xbb\xbfExternal id\r\n"))
    client.force_login(kam_user)
    assert client.get(reverse("reports:export-job", args=[job.pk])).status_code == 200
    assert fetch(client, job).startswith(b"\xef\xbb\xbfExternal id")
    client.force_login(head_user)  # sees every account, but this is not their job
    for name in ("reports:export-job", "reports:export-download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("reports:export-job-again", args=[job.pk])).status_code == 404
    assert client.get("/portfolio/export/jobs/not-a-uuid/").status_code == 404


def test_a_file_gone_from_storage_is_a_404_not_a_crash(client, kam_user, storage):
    job = make_job(kam_user, state=ExportJob.State.DONE, filename="accounts.csv")
    job.file.save("accounts.csv", ContentFile(b"x"))
    default_storage.delete(job.file.name)
    client.force_login(kam_user)
    assert client.get(reverse("reports:export-download", args=[job.pk])).status_code == 404


# --- the worker's side ----------------------------------------------------------------
def test_a_job_is_claimed_once_and_a_failed_one_is_never_built(head_user, storage, portfolio):
    job = export_job_start(user=head_user, kind="accounts", fmt="csv", params=QueryDict())
    assert export_job_run(job_id=job.pk) == "done"
    # The same message delivered again (acks_late, a worker restart): nothing is rebuilt.
    assert export_job_run(job_id=job.pk) == "done"
    assert [p.name for p in (storage / "exports").iterdir()] == [f"{job.pk}.csv"]
    job.refresh_from_db()
    assert job.started_at <= job.finished_at and job.row_count == 6

    failed = make_job(head_user, state=ExportJob.State.FAILED, error="stale")
    assert export_job_run(job_id=failed.pk) == "failed"
    assert export_job_run(job_id="00000000-0000-0000-0000-000000000000") == "missing"
    assert len(list((storage / "exports").iterdir())) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_job_build_it_once(head_user, storage):
    AccountFactory.create_batch(30)
    job = export_job_start(user=head_user, kind="accounts", fmt="xlsx", params=QueryDict())
    start = threading.Barrier(2)
    results = []

    def worker():
        start.wait()
        try:
            results.append(export_job_run(job_id=job.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 2 and "done" in results
    assert [p.name for p in (storage / "exports").iterdir()] == [f"{job.pk}.xlsx"]


def test_progress_is_written_on_the_row_as_the_rows_are_read(
    head_user, storage, monkeypatch, portfolio
):
    monkeypatch.setattr("reports.exports.tables.BATCH", 2)  # six accounts: three batches
    job = export_job_start(user=head_user, kind="accounts", fmt="xlsx", params=QueryDict())
    with CaptureQueriesContext(connection) as queries:
        export_job_run(job_id=job.pk)
    writes = [
        int(m[1])
        for q in queries.captured_queries
        if q["sql"].startswith('UPDATE "reports_exportjob"')
        and (m := re.search(r'"progress" = (\d+)', q["sql"]))
    ]
    assert writes == [1, 30, 60, 90, 100]  # claimed, 2/6, 4/6, 6/6 of 90 %, done


def test_a_job_is_written_in_the_language_of_the_page_that_asked(head_user, storage, portfolio):
    with translation.override("ru"):
        job = export_job_start(user=head_user, kind="pipeline", fmt="xlsx", params=QueryDict())
    assert job.language == "ru"
    assert export_job_run(job_id=job.pk) == "done"  # run outside the request, in English
    job.refresh_from_db()
    book = load_workbook(io.BytesIO(job.file.read()))
    assert book.sheetnames[0] == "Тендеры"
    assert sheet_rows(book, "Тендеры")[1][5] in ("Выявлен", "Подан")


def test_bad_stored_filters_fail_the_job_with_the_message(client, head_user, storage):
    job = make_job(head_user, kind="portfolio", filters={"period": ["x"]})
    assert export_job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == "failed" and "Use a month" in job.error and not job.file
    client.force_login(head_user)
    html = client.get(reverse("reports:export-job", args=[job.pk])).content.decode()
    assert "Use a month" in html and 'id="export-again"' in html


# --- the sweeper ----------------------------------------------------------------------
def test_stale_jobs_are_failed_by_beats_sweep_and_offer_to_try_again(
    client, head_user, settings, storage
):
    settings.EXPORT_STALE_AFTER_S = 600
    now = timezone.now()
    old = now - dt.timedelta(seconds=601)
    lost = make_job(head_user, created_at=old)  # its message went down with Redis
    dead = make_job(head_user, state="running", created_at=old, started_at=old)
    fresh = make_job(head_user, created_at=now - dt.timedelta(seconds=300))
    slow = make_job(head_user, state="running", created_at=old, started_at=now)
    (entry,) = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == SWEEP_TASK]
    assert entry["schedule"].remaining_estimate(now) <= dt.timedelta(minutes=5)
    result = kam_celery.tasks[SWEEP_TASK].apply().get()
    assert result == {"failed": 2, "deleted": 0}
    states = dict(ExportJob.objects.values_list("pk", "state"))
    assert states == {lost.pk: "failed", dead.pk: "failed", fresh.pk: "queued", slow.pk: "running"}
    client.force_login(head_user)
    html = client.get(reverse("reports:export-job", args=[lost.pk])).content.decode()
    assert "did not start in time" in html and 'id="export-again"' in html
    html = client.get(reverse("reports:export-job", args=[dead.pk])).content.decode()
    assert "did not finish in time" in html and 'id="export-again"' in html


def test_a_stale_job_shows_failed_even_before_the_sweep_runs(client, head_user, settings):
    settings.EXPORT_STALE_AFTER_S = 600
    lost = make_job(head_user, created_at=timezone.now() - dt.timedelta(hours=2))
    client.force_login(head_user)
    html = client.get(reverse("reports:export-job", args=[lost.pk])).content.decode()
    assert 'data-state="failed"' in html and "hx-trigger" not in html
    assert ExportJob.objects.get(pk=lost.pk).state == "failed"


def test_jobs_and_their_files_are_deleted_after_the_retention_period(head_user, settings, storage):
    settings.EXPORT_RETENTION_DAYS = 7
    now = timezone.now()
    expired = make_job(head_user, state="done", created_at=now - dt.timedelta(days=8))
    expired.file.save("a.csv", ContentFile(b"old"))
    kept = make_job(head_user, state="done", created_at=now - dt.timedelta(days=6))
    kept.file.save("b.csv", ContentFile(b"new"))
    failed = make_job(head_user, state="failed", created_at=now - dt.timedelta(days=30))
    # Still "running" a month later: failed as stale, then deleted, by the same sweep.
    stuck = make_job(head_user, state="running", created_at=now - dt.timedelta(days=30))
    ExportJob.objects.filter(pk=stuck.pk).update(started_at=now - dt.timedelta(days=30))
    result = kam_celery.tasks[SWEEP_TASK].apply().get()
    assert result == {"failed": 1, "deleted": 3}
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not default_storage.exists(expired.file.name)
    assert default_storage.exists(kept.file.name)
    assert [p.name for p in (storage / "exports").iterdir()] == [f"{kept.pk}.csv"]
    assert not ExportJob.objects.filter(pk__in=[failed.pk, stuck.pk]).exists()


def test_a_queued_export_is_not_built_for_someone_who_lost_access(kam_user, storage, portfolio):
    from django.http import QueryDict

    from reports.exports.jobs import export_job_run, export_job_start
    from reports.exports.models import ExportJob

    job = export_job_start(user=kam_user, kind="accounts", fmt="csv", params=QueryDict())
    kam_user.role = "integration"  # made an API client before the worker picked it up
    kam_user.save(update_fields=["role"])
    assert export_job_run(job_id=job.pk) == ExportJob.State.FAILED
    job.refresh_from_db()
    assert job.state == ExportJob.State.FAILED and not job.file
