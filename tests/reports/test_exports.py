"""Exports downloaded at once: every kind and format opened (csv, openpyxl, pypdf) and
checked, with formula payloads planted in names and titles coming out as text; scoping."""

from __future__ import annotations

import io
import os
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl.utils import get_column_letter
from pypdf import PdfReader

from tests.reports.export_fixtures import (
    AT,
    BIG,
    CR,
    HYPERLINK,
    MINUS,
    PLUS,
    TAB,
    account_rows,
    by_id,
    cell_of,
    csv_text,
    normalise,
    plant_board,
    plant_portfolio,
    read_csv,
    read_xlsx,
    sheet_rows,
    table_rows,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(kam_user, other_kam):
    return plant_portfolio(kam_user, other_kam)


def download(client, user, kind, fmt, language="en", **params):
    client.force_login(user)
    url = reverse("reports:export", args=[kind, fmt])
    response = client.get(url, params, HTTP_ACCEPT_LANGUAGE=language)
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
    # Named as the dashboard names them, the largest share first.
    assert summary["Dependency risk (share ≥ 10 %)"] == ", ".join([HYPERLINK, PLUS, AT])
    ranking = sheet_rows(book, "Ranking")[1:]
    assert [r[0] for r in ranking] == [1, 2, 3, 4, 5, None]
    assert sum(r[4] for r in ranking) == 1100
    assert {r[2] for r in ranking} >= {HYPERLINK, PLUS, TAB, AT}


def test_kam_portfolio_export_names_only_their_own_accounts(client, kam_user, portfolio):
    """The dependency-risk row used to list every KAM's external ids."""
    book = read_xlsx(download(client, kam_user, "portfolio", "xlsx", period="2025").content)
    summary = dict(sheet_rows(book, "Summary")[1:])
    risk = f"{HYPERLINK}, {PLUS} and 1 account of other KAMs"
    assert summary["Dependency risk (share ≥ 10 %)"] == risk
    assert summary["Total revenue"] == 1100  # the portfolio's totals are everyone's
    ranking = sheet_rows(book, "Ranking")[1:]
    assert sorted(r[1] for r in ranking) == ["K1-0", "K1-1", "K1-2", "K1-3"]
    values = [v for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row]
    assert not [v for v in values if isinstance(v, str) and "K2-" in v]

    rows = read_csv(download(client, kam_user, "portfolio", "csv", period="2025").content)
    text = csv_text(rows)
    assert "K2-" not in text and AT not in text
    # The summary cell begins with the first name, a formula: it is kept text.
    assert ["Dependency risk (share ≥ 10 %)", "'" + risk] in rows
    first = rows[rows.index(["Ranking"]) + 2]
    assert first[:7] == ["1", "K1-0", "'" + HYPERLINK, "kam1", "500.00", "45.5", "45.5"]


def test_pdf_report_is_one_page_with_totals_names_and_scoped_risk(
    client, head_user, kam_user, portfolio
):
    response = download(client, head_user, "portfolio", "pdf", period="2025")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Portfolio report, year 2025" in text
    assert "1,100" in text
    assert "Кузнец" in text and "Pareto curve" in text
    assert AT in text  # the head sees every account in the dependency risk, by name

    response = download(client, kam_user, "portfolio", "pdf", period="2025")
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    # Names as written (a paragraph may wrap a long one), never run or dropped.
    flat = text.replace("\n", "")
    assert HYPERLINK in flat and PLUS in flat and AT not in flat
    assert "and 1 account of other KAMs" in normalise(text) and "K2-" not in text


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


# --- a board's portfolio: every export against the page --------------------------------
# The same figures in the same format: money rounded half up (48 897 775.60 is 48 897 776),
# percentages with the page's decimals, the language's separators.
LOCALES = {
    "en": {"delimiter": ",", "decimal": ".", "title": "trailing 12 months to Nov. 30, 2026"},
    "ru": {"delimiter": ";", "decimal": ",", "title": "12 месяцев по 30 ноября 2026 г."},
}


@pytest.fixture
def board(kam_user, other_kam):
    return plant_board(kam_user, other_kam)


def page(client, user, name, language, **params):
    client.force_login(user)
    response = client.get(reverse(f"reports:{name}"), params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def same_money(shown: str, amount: Decimal) -> bool:
    """Whether a page's whole-rouble figure is the file's amount rounded half up."""
    whole = amount.quantize(Decimal(1), ROUND_HALF_UP)
    return shown.removesuffix("₽").replace(",", "").replace(" ", "") == str(whole)


def dashboard_figures(html: str) -> dict[str, str]:
    return {
        key: by_id(html, key)
        for key in ("total-revenue", "previous-total", "growth", "top10-share", "hhi")
    }


def pdf_text(content: bytes, name: str) -> str:
    """The PDF's one page as text; kept in $EXPORT_PDF_DIR when set (to render and look)."""
    if folder := os.environ.get("EXPORT_PDF_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        Path(folder, name).write_bytes(content)
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    return normalise(reader.pages[0].extract_text())


@pytest.mark.parametrize("language", ["en", "ru"])
def test_pdf_shows_the_dashboards_figures_in_its_language(client, head_user, board, language):
    html = page(client, head_user, "dashboard", language, period="ttm")
    web = dashboard_figures(html)
    content = download(client, head_user, "portfolio", "pdf", language, period="ttm").content
    text = pdf_text(content, f"portfolio-{language}.pdf")
    # Rounded half up as on the page, with the language's separators.
    assert web["total-revenue"] == {"en": "113,157,749 ₽", "ru": "113 157 749 ₽"}[language]
    for figure in web.values():
        assert figure in text, (figure, text)
    # The period in words, not its key.
    assert f"{'Portfolio report' if language == 'en' else 'Отчёт о портфеле'}, " in text
    assert LOCALES[language]["title"] in text and " ttm" not in text
    # The dependency risk names the accounts, with the page's revenue and share.
    risks = table_rows(html, "risk-table")
    assert [r[0].split(" ", 1)[1] for r in risks] == [
        "Альфа Холдинг",
        "Northwind Trading",
        "Берёзка",
    ]
    big = {"en": "48,897,776 ₽", "ru": "48 897 776 ₽"}[language]
    assert risks[0][1] == big
    for name, revenue, share in (r[0].split(" ", 1)[1:] + r[1:] for r in risks):
        assert f"{name} {revenue} {share}" in text
    assert "48,897,775" not in text and "48 897 775" not in text and "B-01" not in text
    # The bands table beside the chart: each tier's share and revenue as on the page.
    for tier, accounts, ranks, share, revenue in table_rows(html, "pareto-table"):
        assert f"{tier} {accounts} {ranks} {share} {revenue}" in text
    # A Russian percentage has a decimal comma, an English one a point.
    if language == "ru":
        assert "," in web["top10-share"] and "." not in web["top10-share"]
        assert not [w for w in text.split() if w[:1].isdigit() and "." in w[:-1]]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_portfolio_csv_in_the_languages_format_with_the_pages_figures(
    client, head_user, board, language
):
    locale = LOCALES[language]
    web = dashboard_figures(page(client, head_user, "dashboard", language, period="ttm"))
    content = download(client, head_user, "portfolio", "csv", language, period="ttm").content
    assert content.startswith(b"\xef\xbb\xbf")  # the UTF-8 BOM
    rows = read_csv(content, delimiter=locale["delimiter"], decimal=locale["decimal"])
    assert max(len(r) for r in rows) == 10  # parsed with its own delimiter, the rows split
    summary = {r[0]: r[1] for r in rows[1 : rows.index([])]}
    values = list(summary.values())
    assert values[0] == locale["title"]
    total, top10 = values[3], values[10]
    # Money with two decimals, the language's decimal separator, no grouping.
    assert total == {"en": "113157748.70", "ru": "113157748,70"}[language]
    number = Decimal(total.replace(",", "."))
    assert same_money(web["total-revenue"], number)
    # A percentage: the page's figure, without the "%".
    assert top10 + " %" == web["top10-share"]
    assert values[5] + " %" == web["growth"].lstrip("+")
    assert values[11] == web["hhi"]
    assert values[12] == "Альфа Холдинг, Northwind Trading, Берёзка"
    ranking = rows[rows.index([{"en": "Ranking", "ru": "Рейтинг"}[language]]) + 2 :]
    first = ranking[0]
    assert first[1:5] == ["B-01", "Альфа Холдинг", "kam1", f"48897775{locale['decimal']}60"]
    for row in ranking:
        for field in row[4:7]:  # revenue, share, cumulative share: at most two decimals
            assert len(field.rpartition(locale["decimal"])[2]) <= 2, row
            assert (locale["delimiter"] == ";") == ("," in field or "." not in field)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_accounts_exports_match_the_accounts_table(client, head_user, board, language):
    locale = LOCALES[language]
    web = account_rows(page(client, head_user, "accounts", language))
    assert len(web) == 24
    content = download(client, head_user, "accounts", "csv", language).content
    rows = read_csv(content, delimiter=locale["delimiter"], decimal=locale["decimal"])
    book = read_xlsx(download(client, head_user, "accounts", "xlsx", language).content)
    cells = {row[0].value: row for row in book.worksheets[0].iter_rows(min_row=2)}
    for row in rows[1:]:
        ext = row[0]
        shown = web[ext][1:] if web[ext][0] == "" else web[ext]  # the head's select box
        name, owner, region, tier, key, revenue, share, growth, penetration = shown[:9]
        assert name.startswith(row[1])
        # Revenue: 2 decimals in the file, the page's rounding of them.
        amount = Decimal(row[7].replace(",", "."))
        assert same_money(revenue, amount)
        # Shares with the page's 2 decimals, growth and penetration with its 1.
        assert row[8] + " %" == share
        assert (row[9] + " %" if row[9] else "—") == growth.lstrip("+")
        assert (row[10] + " %" if row[10] else "—") == penetration
        assert penetration == {"en": "80.0 %", "ru": "80,0 %"}[language]
        # XLSX: the same ratios as numbers, shown as percentages with the page's decimals.
        x = cells[ext]
        assert x[7].value == float(amount) and x[7].number_format == "#,##0.00"
        assert x[8].data_type == "n" and x[8].number_format == "0.00%"
        assert f"{x[8].value * 100:.2f}" == row[8].replace(",", ".")
        assert x[10].number_format == "0.0%" and isinstance(x[10].value, float)
    assert [r[0] for r in rows[1:]].count("B-01") == 1
    big = next(r for r in rows if r[0] == "B-01")
    assert big[7] == f"48897775{locale['decimal']}60"
    assert web["B-01"][6] == {"en": "48,897,776 ₽", "ru": "48 897 776 ₽"}[language]


def test_xlsx_has_a_filter_a_frozen_header_formats_and_widths(client, head_user, board):
    book = read_xlsx(download(client, head_user, "portfolio", "xlsx", period="ttm").content)
    for ws in book.worksheets:
        last = get_column_letter(ws.max_column)
        assert ws.auto_filter.ref == f"A1:{last}{ws.max_row}", ws.title
        assert ws.freeze_panes == "A2"
        for column in range(1, ws.max_column + 1):
            header = str(ws.cell(1, column).value)
            width = ws.column_dimensions[get_column_letter(column)].width
            assert width >= min(len(header) + 3, 60), (ws.title, header, width)
        assert all(c.font.b for c in ws[1])
    ranking = book["Ranking"]
    assert ranking.max_row == 25
    first = list(ranking[2])
    assert first[4].value == float(BIG) and first[4].number_format == "#,##0.00"
    for cell in first[5:7] + first[8:10]:  # shares, growth, penetration: real percentages
        assert cell.data_type == "n" and cell.number_format == "0.0%", cell.coordinate
        assert isinstance(cell.value, float) and abs(cell.value) <= 1
    summary = {r[0].value: r[1] for r in book["Summary"].iter_rows(min_row=2)}
    assert summary["Top-10 share, %"].number_format == "0.0%"
    assert summary["HHI"].number_format == "0.0000"
    assert summary["Total revenue"].value == float(Decimal("113157748.70"))
    assert summary["Period"].value == LOCALES["en"]["title"]


def test_kams_pdf_counts_other_kams_risks_without_naming_them(client, kam_user, board):
    content = download(client, kam_user, "portfolio", "pdf", "ru", period="ttm").content
    text = pdf_text(content, "portfolio-kam-ru.pdf")
    assert "Альфа Холдинг" in text and "Northwind Trading" in text
    assert "Берёзка" not in text  # another KAM's account
    assert "48 897 776" in text and "43,2 %" in text
