"""A failed export in the browser: the page says why, "Try again" queues it anew, the
file downloads and opens with the planted formula payloads as text."""

from __future__ import annotations

import pytest
from django.test import Client

from reports.exports.jobs import QUEUE_DOWN
from reports.models import ExportJob
from tests.reports.export_fixtures import HYPERLINK, plant_portfolio, read_xlsx, sheet_rows

pytestmark = [pytest.mark.ui, pytest.mark.django_db(transaction=True)]


def login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_a_failed_export_can_be_tried_again_and_downloaded(
    page, live_server, head_user, kam_user, other_kam, settings, tmp_path, screenshot_dir
):
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the queue is back, and runs in-process
    plant_portfolio(kam_user, other_kam)
    job = ExportJob.objects.create(
        owner=head_user,
        kind="pipeline",
        format="xlsx",
        filters={},
        state=ExportJob.State.FAILED,
        error=QUEUE_DOWN,
    )
    login(page, live_server, head_user)
    page.goto(f"{live_server.url}/portfolio/export/jobs/{job.pk}/")
    error = page.locator("#export-error")
    assert "the task queue is not available" in error.inner_text()
    page.screenshot(path=screenshot_dir / "export-job-failed.png", full_page=True)

    page.click("#export-again")
    page.wait_for_selector("#export-download")
    assert f"/portfolio/export/jobs/{job.pk}/" not in page.url  # a new job
    page.screenshot(path=screenshot_dir / "export-job-done.png", full_page=True)
    with page.expect_download() as info:
        page.click("#export-download")
    with open(info.value.path(), "rb") as fh:
        book = read_xlsx(fh.read())
    assert HYPERLINK in {r[3] for r in sheet_rows(book, "Tenders")[1:]}
    assert ExportJob.objects.filter(state="done", owner=head_user).count() == 1
