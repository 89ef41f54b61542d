"""Exports: CSV, XLSX and PDF files opened and checked; scoping; the queued path."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from plans.models import Tender
from tests.factories import AccountFactory, TenderFactory
from tests.reports.portfolio_builders import build_period


@pytest.fixture
def eager_celery(settings):
    """Run queued exports in-process, as the embedded default does (CI sets REDIS_URL).

    Celery reads its CELERY_* settings from Django's live settings, so this is enough.
    """
    settings.CELERY_TASK_ALWAYS_EAGER = True


pytestmark = pytest.mark.django_db


@pytest.fixture
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


@pytest.fixture
def portfolio(kam_user, other_kam):
    mine = [
        AccountFactory(external_id=f"K1-{i}", name=f"Кузнец {i}", owner=kam_user) for i in range(3)
    ]
    theirs = [AccountFactory(external_id=f"K2-{i}", owner=other_kam) for i in range(2)]
    revenues = dict(zip(mine + theirs, [500, 300, 100, 60, 40], strict=True))
    build_period(
        "2025", "year", dt.date(2025, 1, 1), dt.date(2025, 12, 31), revenues, write_accounts=True
    )
    TenderFactory(
        account=mine[0],
        stage=Tender.Stage.WON,
        outcome_reason="Price",
        decision_date=dt.date(2025, 5, 5),
        estimated_value=Decimal("1000.00"),
    )
    TenderFactory(account=theirs[0], estimated_value=Decimal("70.00"))
    return {"mine": mine, "theirs": theirs}


def download(client, user, kind, fmt, **params):
    client.force_login(user)
    response = client.get(reverse("reports:export", args=[kind, fmt]), params)
    assert response.status_code == 200, response.content[:500]
    assert "attachment" in response["Content-Disposition"]
    return response


def test_accounts_xlsx_respects_filters_and_sorting(client, head_user, kam_user, portfolio):
    response = download(client, head_user, "accounts", "xlsx", owner=kam_user.pk, sort="name")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("External id", "Account", "Owner")
    assert [r[0] for r in rows[1:]] == ["K1-0", "K1-1", "K1-2"]
    assert sum(r[7] for r in rows[1:]) == 900  # ttm revenue column


def test_kam_export_holds_only_their_accounts(client, other_kam, portfolio):
    response = download(client, other_kam, "accounts", "csv")
    text = response.content.decode("utf-8-sig")
    ids = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert sorted(ids) == ["K2-0", "K2-1"]


def test_portfolio_xlsx_has_summary_and_ranking(client, head_user, portfolio):
    response = download(client, head_user, "portfolio", "xlsx", period="2025")
    book = load_workbook(io.BytesIO(response.content))
    summary = dict(book["Summary"].iter_rows(min_row=2, values_only=True))
    assert summary["Total revenue"] == 1000
    assert summary["Accounts with revenue"] == 5
    ranking = list(book["Ranking"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in ranking] == [1, 2, 3, 4, 5]
    assert sum(r[4] for r in ranking) == 1000


def test_pipeline_csv_lists_tenders_the_user_sees(client, kam_user, portfolio):
    response = download(client, kam_user, "pipeline", "csv")
    text = response.content.decode("utf-8-sig")
    assert "K1-0" in text and "K2-0" not in text
    assert "By quarter" in text and "2025-Q2" in text


def test_pdf_report_is_one_page_with_totals_and_cyrillic_names(client, head_user, portfolio):
    response = download(client, head_user, "portfolio", "pdf", period="2025")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Portfolio report 2025" in text
    assert "1,000" in text or "1 000" in text or "1000" in text
    assert "Кузнец 0" in text
    assert "Pareto curve" in text


def test_bad_export_parameters_are_a_400_not_a_crash(client, head_user, portfolio):
    client.force_login(head_user)
    assert client.get(reverse("reports:export", args=["accounts", "pdf"])).status_code == 400
    assert client.get(reverse("reports:export", args=["secrets", "csv"])).status_code == 400
    response = client.get(reverse("reports:export", args=["portfolio", "xlsx"]), {"period": "x"})
    assert response.status_code == 400 and "Use a month" in response.content.decode()


def test_large_export_runs_as_a_job_with_progress_and_download(
    eager_celery,
    client,
    head_user,
    other_kam,
    settings,
    storage,
    portfolio,
    django_capture_on_commit_callbacks,
):
    settings.REPORTS_EXPORT_SYNC_MAX_ROWS = 2  # five accounts: too many to build inline
    client.force_login(head_user)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.get(reverse("reports:export", args=["accounts", "xlsx"]))
    assert response.status_code == 302 and len(queued) == 1
    job_url = response["Location"]
    status = client.get(job_url, HTTP_HX_REQUEST="true")
    assert 'id="export-download"' in status.content.decode()  # eager Celery: done already
    job_id = job_url.rstrip("/").split("/")[-1]
    file = client.get(reverse("reports:export-download", args=[job_id]))
    rows = list(load_workbook(io.BytesIO(b"".join(file.streaming_content))).active.values)
    assert len(rows) == 6
    # Someone else's job is not theirs to see.
    client.force_login(other_kam)
    assert client.get(job_url).status_code == 404
    assert client.get(reverse("reports:export-download", args=[job_id])).status_code == 404


def test_a_queued_export_is_not_built_for_someone_who_lost_access(kam_user, storage, portfolio):
    from django.http import QueryDict

    from reports.exports.jobs import export_job_run, export_job_start

    job = export_job_start(user=kam_user, kind="accounts", fmt="csv", params=QueryDict())
    kam_user.role = "integration"  # made an API client before the worker picked it up
    kam_user.save(update_fields=["role"])
    state = export_job_run(job["id"])
    assert state["state"] == "failed" and "file" not in state


def test_a_queued_export_shows_progress_that_polls(client, head_user, storage, portfolio):
    from django.http import QueryDict

    from reports.exports.jobs import export_job_start

    job = export_job_start(user=head_user, kind="accounts", fmt="csv", params=QueryDict())
    client.force_login(head_user)
    html = client.get(reverse("reports:export-job", args=[job["id"]])).content.decode()
    assert '<progress id="export-progress"' in html
    assert 'hx-trigger="every 1s"' in html
    assert client.get(reverse("reports:export-download", args=[job["id"]])).status_code == 404
