"""Exports downloaded at once: every kind and format opened (csv, openpyxl, pypdf) and
checked, with formula payloads planted in names and titles coming out as text; scoping."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.reports.export_fixtures import (
    AT,
    CR,
    HYPERLINK,
    MINUS,
    PLUS,
    TAB,
    cell_of,
    csv_text,
    plant_portfolio,
    read_csv,
    read_xlsx,
    sheet_rows,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(kam_user, other_kam):
    return plant_portfolio(kam_user, other_kam)


def download(client, user, kind, fmt, **params):
    client.force_login(user)
    response = client.get(reverse("reports:export", args=[kind, fmt]), params)
    assert response.status_code == 200, response.content[:500]
    assert "attachment" in response["Content-Disposition"]
    return response


# --- accounts -------------------------------------------------------------------------
def test_accounts_csv_keeps_payloads_as_text_and_numbers_as_numbers(client, head_user, portfolio):
    rows = read_csv(download(client, head_user, "accounts", "csv").content)
    assert rows[0][:3] == ["External id", "Account", "Owner"]
    by_id = {r[0]: r for r in rows[1:]}
    assert sorted(by_id) == ["K1-0", "K1-1", "K1-2", "K1-3", "K2-0", "K2-1"]
    assert by_id["K1-0"][1] == "'" + HYPERLINK
    assert by_id["K1-1"][1] == "'" + PLUS
    assert by_id["K1-3"][1] == "'" + TAB
    assert by_id["K2-0"][1] == "'" + AT
    assert by_id["K1-2"][1] == "Кузнец"  # harmless text is left alone
    # A credit note's negative revenue is a number, not text behind a quote.
    assert by_id["K1-3"][7] == "-40.00"


def test_accounts_xlsx_respects_filters_sorting_and_types(client, head_user, kam_user, portfolio):
    response = download(client, head_user, "accounts", "xlsx", owner=kam_user.pk, sort="name")
    book = read_xlsx(response.content)
    rows = sheet_rows(book, "Accounts")
    assert rows[0][:3] == ("External id", "Account", "Owner")
    assert sorted(r[0] for r in rows[1:]) == ["K1-0", "K1-1", "K1-2", "K1-3"]
    assert sum(r[7] for r in rows[1:]) == 860  # ttm revenue column, credit note included
    link = cell_of(book, "Accounts", HYPERLINK)
    assert link.data_type == "s" and link.quotePrefix
    negative = cell_of(book, "Accounts", -40)
    assert negative.data_type == "n" and not negative.quotePrefix
    assert cell_of(book, "Accounts", "Кузнец").quotePrefix is False


def test_kam_accounts_export_holds_only_their_accounts(client, kam_user, other_kam, portfolio):
    rows = read_csv(download(client, other_kam, "accounts", "csv").content)
    assert sorted(r[0] for r in rows[1:]) == ["K2-0", "K2-1"]
    book = read_xlsx(download(client, kam_user, "accounts", "xlsx").content)
    ids = sorted(r[0] for r in sheet_rows(book, "Accounts")[1:])
    assert ids == ["K1-0", "K1-1", "K1-2", "K1-3"]


# --- portfolio ------------------------------------------------------------------------
def test_portfolio_xlsx_has_summary_and_ranking(client, head_user, portfolio):
    book = read_xlsx(download(client, head_user, "portfolio", "xlsx", period="2025").content)
    summary = dict(sheet_rows(book, "Summary")[1:])
    assert summary["Total revenue"] == 1100
    assert summary["Accounts with revenue"] == 5
    assert summary["Dependency risk (share ≥ 10 %)"] == "K1-0, K1-1, K2-0"
    ranking = sheet_rows(book, "Ranking")[1:]
    assert [r[0] for r in ranking] == [1, 2, 3, 4, 5, None]
    assert sum(r[4] for r in ranking) == 1100
    assert {r[2] for r in ranking} >= {HYPERLINK, PLUS, TAB, AT}


def test_kam_portfolio_export_names_only_their_own_accounts(client, kam_user, portfolio):
    """The dependency-risk row used to list every KAM's external ids."""
    book = read_xlsx(download(client, kam_user, "portfolio", "xlsx", period="2025").content)
    summary = dict(sheet_rows(book, "Summary")[1:])
    assert summary["Dependency risk (share ≥ 10 %)"] == "K1-0, K1-1 and 1 account of other KAMs"
    assert summary["Total revenue"] == 1100  # the portfolio's totals are everyone's
    ranking = sheet_rows(book, "Ranking")[1:]
    assert sorted(r[1] for r in ranking) == ["K1-0", "K1-1", "K1-2", "K1-3"]
    values = [v for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row]
    assert not [v for v in values if isinstance(v, str) and "K2-" in v]

    rows = read_csv(download(client, kam_user, "portfolio", "csv", period="2025").content)
    text = csv_text(rows)
    assert "K2-" not in text and AT not in text
    assert ["Dependency risk (share ≥ 10 %)", "K1-0, K1-1 and 1 account of other KAMs"] in rows
    first = rows[rows.index(["Ranking"]) + 2]
    assert first[:5] == ["1", "K1-0", "'" + HYPERLINK, "kam1", "500.00"]


def test_pdf_report_is_one_page_with_totals_names_and_scoped_risk(
    client, head_user, kam_user, portfolio
):
    response = download(client, head_user, "portfolio", "pdf", period="2025")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Portfolio report 2025" in text
    assert "1,100" in text or "1 100" in text or "1100" in text
    assert "Кузнец" in text and "Pareto curve" in text
    assert "K2-0" in text  # the head sees every account in the dependency risk

    response = download(client, kam_user, "portfolio", "pdf", period="2025")
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "K1-0, K1-1" in text and "K2-" not in text


# --- tender pipeline ------------------------------------------------------------------
def test_pipeline_xlsx_opens_with_stage_names_and_payloads_as_text(client, head_user, portfolio):
    """It answered 500 on every call: a lazy stage label reached openpyxl."""
    book = read_xlsx(download(client, head_user, "pipeline", "xlsx").content)
    assert book.sheetnames == ["Tenders", "By stage", "By quarter"]
    tenders = sheet_rows(book, "Tenders")
    assert tenders[0][3] == "Tender" and tenders[0][5] == "Stage"
    titles = {r[3]: r for r in tenders[1:]}
    assert set(titles) == {HYPERLINK, MINUS, AT, "Their tender"}
    assert titles[HYPERLINK][5] == "Identified"
    # The reference: XML turns a stored CR into LF when it is read; it stays marked text.
    assert titles[MINUS][4] == CR.replace("\r", "\n")
    assert cell_of(book, "Tenders", titles[MINUS][4]).quotePrefix
    assert titles[AT][11] == PLUS  # the outcome reason
    assert titles[AT][7] == Decimal("1000") or titles[AT][7] == 1000
    stages = {r[0]: r[1] for r in sheet_rows(book, "By stage")[1:]}
    assert stages["Identified"] == 2 and stages["Won"] == 1
    assert sheet_rows(book, "By quarter")[1][:3] == ("2025-Q2", 1, 0)


def test_pipeline_csv_lists_only_the_tenders_the_user_sees(client, kam_user, portfolio):
    rows = read_csv(download(client, kam_user, "pipeline", "csv").content)
    text = csv_text(rows)
    assert "K1-0" in text and "K2-0" not in text and "Their tender" not in text
    titles = [r[3] for r in rows[1 : rows.index([])]]
    assert sorted(titles) == sorted(["'" + HYPERLINK, "'" + MINUS, "'" + AT])
    assert "By quarter" in text and "2025-Q2" in text


# --- distributors ---------------------------------------------------------------------
def test_distributors_xlsx_and_csv_keep_names_as_text(client, head_user, portfolio):
    book = read_xlsx(download(client, head_user, "distributors", "xlsx", period="2025").content)
    summary = {r[0]: r for r in sheet_rows(book, "Distributors")[1:]}
    assert summary["D1"][1] == HYPERLINK and summary["D2"][1] == MINUS
    assert summary["D1"][3] == 90 and summary["D1"][4] == -30  # revenue, of it other accounts
    assert cell_of(book, "Distributors", -30).data_type == "n"
    accounts = {(r[0], r[2]): r for r in sheet_rows(book, "Key accounts")[1:]}
    assert set(accounts) == {("D1", "K1-0"), ("D1", "K1-1"), ("D2", "K2-0")}
    assert accounts[("D1", "K1-0")][3] == HYPERLINK and accounts[("D1", "K1-0")][7] == 120
    assert accounts[("D1", "K1-1")][5]  # the link's role, a lazy label, written as text

    rows = read_csv(download(client, head_user, "distributors", "csv", period="2025").content)
    assert ["D1", "'" + HYPERLINK] in [row[:2] for row in rows]
    assert "'" + MINUS in csv_text(rows)


def test_kam_distributors_export_shows_only_their_accounts(client, kam_user, portfolio):
    rows = read_csv(download(client, kam_user, "distributors", "csv", period="2025").content)
    text = csv_text(rows)
    assert "D1" in text and "K1-0" in text
    assert "D2" not in text and "K2-0" not in text


def test_distributors_page_links_to_its_exports(client, head_user, portfolio):
    client.force_login(head_user)
    html = client.get(reverse("reports:distributors"), {"period": "2025"}).content.decode()
    assert reverse("reports:export", args=["distributors", "xlsx"]) + "?period=2025" in html


# --- bad input ------------------------------------------------------------------------
def test_bad_export_parameters_are_a_400_not_a_crash(client, head_user, portfolio):
    client.force_login(head_user)
    assert client.get(reverse("reports:export", args=["accounts", "pdf"])).status_code == 400
    assert client.get(reverse("reports:export", args=["secrets", "csv"])).status_code == 400
    assert client.get(reverse("reports:export", args=["distributors", "pdf"])).status_code == 400
    for kind in ("portfolio", "distributors"):
        response = client.get(reverse("reports:export", args=[kind, "xlsx"]), {"period": "x"})
        assert response.status_code == 400 and "Use a month" in response.content.decode()
