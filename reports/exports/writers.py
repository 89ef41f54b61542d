"""CSV and XLSX writers for an Export (its sheets in order)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .tables import Export

MONEY_FORMAT = "#,##0.00"


def export_csv(export: Export) -> bytes:
    """UTF-8 with a BOM (Excel opens Cyrillic right); sheets separated by an empty row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for i, sheet in enumerate(export.sheets):
        if i:
            writer.writerow([])
            writer.writerow([sheet.title])
        writer.writerow(sheet.headers)
        for row in sheet.rows():
            writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(ws, value):
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, Decimal):
        cell.number_format = MONEY_FORMAT
    elif isinstance(value, dt.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def export_xlsx(export: Export) -> bytes:
    """One worksheet per sheet; write-only mode keeps memory flat for large tables."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in export.sheets:
        # Sheet titles: at most 31 characters, no []:*?/\ (Excel's rule).
        title = "".join(ch for ch in sheet.title if ch not in "[]:*?/\\")[:31]
        ws = workbook.create_sheet(title=title)
        for index, width in enumerate(sheet.widths):
            ws.column_dimensions[chr(ord("A") + index)].width = width
        ws.freeze_panes = "A2"
        header = []
        for name in sheet.headers:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in sheet.rows():
            ws.append([_cell(ws, v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
