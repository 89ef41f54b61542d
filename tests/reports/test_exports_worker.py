"""Queued exports through a real Celery worker over Redis (REDIS_URL; CI runs it)."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from reports.models import ExportJob
from tests.reports.export_fixtures import (
    AT,
    HYPERLINK,
    MINUS,
    PLUS,
    plant_portfolio,
    read_csv,
    read_xlsx,
    sheet_rows,
)

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
TIMEOUT = 60


def test_queued_exports_are_built_by_the_worker_for_their_owner_only(
    client, kam_user, other_kam, head_user, settings, tmp_path, celery_worker
):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORTS_EXPORT_SYNC_MAX_ROWS = 0  # every export with a row is queued
    plant_portfolio(kam_user, other_kam)
    client.force_login(kam_user)
    urls = {}
    for kind, fmt in (
        ("accounts", "xlsx"),
        ("portfolio", "csv"),
        ("pipeline", "xlsx"),
        ("distributors", "csv"),
    ):
        # The distributors' CSV asked for in Russian: the worker writes it in that format.
        language = "ru" if kind == "distributors" else "en"
        url = reverse("reports:export", args=[kind, fmt])
        response = client.get(url, {"period": "2025"}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 302, response.content[:300]
        urls[kind] = response["Location"]

    deadline = time.monotonic() + TIMEOUT
    for kind, url in urls.items():
        while 'data-state="done"' not in (html := client.get(url).content.decode()):
            assert 'data-state="failed"' not in html, (kind, html)
            assert time.monotonic() < deadline, f"the worker did not finish the {kind} export"
            time.sleep(0.2)
    jobs = {job.kind: job for job in ExportJob.objects.filter(owner=kam_user)}
    assert {j.state for j in jobs.values()} == {"done"}
    assert all(j.progress == 100 and j.row_count and j.finished_at for j in jobs.values())

    def download(kind):
        response = client.get(reverse("reports:export-download", args=[jobs[kind].pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        return b"".join(response.streaming_content)

    accounts = read_xlsx(download("accounts"))
    ids = sorted(r[0] for r in sheet_rows(accounts, "Accounts")[1:])
    assert ids == ["K1-0", "K1-1", "K1-2", "K1-3"]
    portfolio = read_csv(download("portfolio"))
    risk = f"'{HYPERLINK}, {PLUS} and 1 account of other KAMs"
    assert ["Dependency risk (share ≥ 10 %)", risk] in portfolio
    assert "'" + HYPERLINK in [v for row in portfolio for v in row]
    tenders = sheet_rows(read_xlsx(download("pipeline")), "Tenders")
    assert {r[3] for r in tenders[1:]} == {HYPERLINK, MINUS, AT}
    distributors = read_csv(download("distributors"), delimiter=";", decimal=",")
    assert ["D1", "'" + HYPERLINK] in [row[:2] for row in distributors]
    d1 = next(row for row in distributors if row[0] == "D1")
    assert d1[3:5] == ["90,00", "-30,00"], d1

    # Not theirs: another KAM, and the head who sees every account, get a 404.
    for user in (other_kam, head_user):
        client.force_login(user)
        for job in jobs.values():
            assert client.get(reverse("reports:export-job", args=[job.pk])).status_code == 404
            download_url = reverse("reports:export-download", args=[job.pk])
            assert client.get(download_url).status_code == 404
