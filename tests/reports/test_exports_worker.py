"""A large export through a real Celery worker over Redis (REDIS_URL; CI runs it)."""

from __future__ import annotations

import io
import time

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import AccountFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_queued_export_is_built_by_the_worker(
    client, head_user, kam_user, settings, tmp_path, celery_worker
):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORTS_EXPORT_SYNC_MAX_ROWS = 3
    AccountFactory.create_batch(7, owner=kam_user)
    client.force_login(head_user)
    response = client.get(reverse("reports:export", args=["accounts", "xlsx"]))
    assert response.status_code == 302
    job_url = response["Location"]
    deadline = time.monotonic() + 30
    while 'id="export-download"' not in (html := client.get(job_url).content.decode()):
        assert "failed" not in html
        assert time.monotonic() < deadline, "the worker did not finish the export"
        time.sleep(0.2)
    job_id = job_url.rstrip("/").split("/")[-1]
    file = client.get(reverse("reports:export-download", args=[job_id]))
    rows = list(load_workbook(io.BytesIO(b"".join(file.streaming_content))).active.values)
    assert len(rows) == 8
