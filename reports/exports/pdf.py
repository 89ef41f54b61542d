"""The one-page PDF portfolio report for a period, with the Pareto chart (reportlab).

Its figures are the dashboard's, formatted by the page's own filters (kam_ui: money rounds
half up, percentages in the language's format) and titled with the period in words.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepInFrame, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from accounts.access import scoped
from accounts.models import User
from accounts.templatetags.kam_ui import money, pct, signed_pct
from reports.metrics.periods import Period
from reports.models import AccountMetric
from reports.portfolio.dashboard import Dashboard, portfolio_dashboard

# A font with Cyrillic glyphs (account names and the Russian UI): DejaVu Sans 2.37 ships
# with the code (free licence, see fonts/LICENSE-DejaVu.txt) so slim images render Russian.
FONT_CANDIDATES = (
    str(Path(__file__).with_name("fonts") / "DejaVuSans.ttf"),
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)
TIER_COLOURS = {
    "A": colors.HexColor("#1d7a3a"),
    "B": colors.HexColor("#1f5fbf"),
    "C": colors.HexColor("#6b7280"),
}


def _font() -> str:
    configured = getattr(settings, "REPORTS_PDF_FONT", "")
    for path in (configured, *FONT_CANDIDATES):
        if path and Path(path).exists():
            if "KAMSans" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("KAMSans", path))
            return "KAMSans"
    return "Helvetica"


AXIS_STEPS = [0, 20, 40, 60, 80, 100]
TIER_LINES = (80, 95)  # the A/B and B/C cut-offs, labelled beside the plot
RISK_RED = colors.HexColor("#b3261e")
# Column widths that hold the Russian headers and 9-digit sums at 8 pt (180 mm in all).
BAND_COLUMNS = [12 * mm, 16 * mm, 15 * mm, 29 * mm, 21 * mm]
RISK_COLUMNS = [42 * mm, 26 * mm, 16 * mm]
TOP_COLUMNS = [12 * mm, 84 * mm, 26 * mm, 18 * mm, 24 * mm]


def pareto_drawing(dash: Dashboard, *, font: str, width: float, height: float) -> Drawing:
    """Cumulative share against account rank, with the 80 %/95 % lines and A/B/C bands.

    The y axis is labelled every 20 %; the 80 % and 95 % lines are labelled in the margin
    right of the plot, where no axis label can sit on them."""
    drawing = Drawing(width, height)
    plot = LinePlot()
    plot.x, plot.y = 30, 25
    plot.width, plot.height = width - plot.x - 34, height - 40
    points = [(float(rank), share * 100) for rank, share in dash.pareto] or [(0.0, 0.0)]
    last_rank = max(points[-1][0], 1.0)
    plot.data = [points]
    plot.lines[0].strokeColor = colors.HexColor("#12233f")
    plot.lines[0].strokeWidth = 1.5
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, last_rank
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = 0, 100
    plot.yValueAxis.valueSteps = AXIS_STEPS
    plot.yValueAxis.labelTextFormat = "%d"
    plot.xValueAxis.labelTextFormat = "%d"
    if last_rank <= 10:
        plot.xValueAxis.valueSteps = list(range(0, int(last_rank) + 1))
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName = font
        axis.labels.fontSize = 7
    # Bands behind the curve: where each tier's ranks lie.
    for band in dash.bands:
        x0 = plot.x + plot.width * (band["first"] - 1) / last_rank
        x1 = plot.x + plot.width * band["last"] / last_rank
        colour = TIER_COLOURS.get(band["tier"], colors.grey)
        drawing.add(
            Rect(
                x0, plot.y, x1 - x0, plot.height, fillColor=colour, fillOpacity=0.12, strokeWidth=0
            )
        )
        # The tier's letter at the foot of its band, below the curve and the tier lines.
        drawing.add(
            String(
                (x0 + x1) / 2,
                plot.y + 4,
                band["tier"],
                fontName=font,
                fontSize=9,
                fillColor=colour,
                textAnchor="middle",
            )
        )
    for level in TIER_LINES:
        y = plot.y + plot.height * level / 100
        drawing.add(
            Line(
                plot.x,
                y,
                plot.x + plot.width,
                y,
                strokeColor=RISK_RED,
                strokeDashArray=[3, 2],
                strokeWidth=0.7,
            )
        )
        drawing.add(
            String(
                plot.x + plot.width + 4,
                y - 2.5,
                f"{level} %",
                fontName=font,
                fontSize=7,
                fillColor=RISK_RED,
            )
        )
    drawing.add(plot)
    drawing.add(String(plot.x, 5, _("Accounts by rank"), fontName=font, fontSize=7))
    drawing.add(
        String(2, plot.y + plot.height + 5, _("Cumulative share, %"), fontName=font, fontSize=7)
    )
    return drawing


def _risk_rows(dash: Dashboard, *, named: ParagraphStyle, note: ParagraphStyle) -> list[list]:
    """The dependency risk as the dashboard lists it: each account the user sees by name,
    its revenue and share, then how many more belong to other KAMs. Paragraphs wrap in
    their column; they read markup, so the text is escaped."""
    rows: list[list] = [
        [Paragraph(escape(r["account__name"]), named), money(r["revenue"]), pct(r["revenue_share"])]
        for r in dash.risks
    ]
    if dash.hidden_risks:
        more = ngettext(
            "and %(n)s account of other KAMs", "and %(n)s accounts of other KAMs", dash.hidden_risks
        ) % {"n": dash.hidden_risks}
        rows.append([Paragraph(escape(more), note), "", ""])
    return rows or [[Paragraph(escape(_("No account reaches 10 % of revenue.")), note), "", ""]]


def portfolio_pdf(*, user: User, period: Period) -> bytes:
    """The report in the active language, with the figures the dashboard shows `user`."""
    dash = portfolio_dashboard(user=user, period=period)
    font = _font()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    title = _("Portfolio report, %(period)s") % {"period": period.title_shown}
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        author="KAM",
    )
    m = dash.metric
    story: list = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            escape(
                _("%(start)s – %(end)s, base currency %(currency)s, generated %(now)s")
                % {
                    "start": formats.date_format(period.start, "DATE_FORMAT"),
                    "end": formats.date_format(period.end, "DATE_FORMAT"),
                    "currency": settings.BASE_CURRENCY,
                    "now": formats.date_format(timezone.localtime(), "DATETIME_FORMAT"),
                }
            ),
            small,
        ),
        Spacer(1, 4 * mm),
    ]
    if m is None:
        story.append(Paragraph(_("No metrics for this period yet."), styles["BodyText"]))
        doc.build(story)
        return buffer.getvalue()
    figures = [
        [
            _("Total revenue"),
            money(m.total_revenue),
            _("Growth vs previous period"),
            signed_pct(dash.growth),
        ],
        [
            _("Accounts with revenue"),
            str(m.accounts_with_revenue),
            _("Previous period revenue"),
            money(dash.previous_total),
        ],
        [
            _("Tiers A / B / C"),
            " / ".join(str(dash.tier_counts.get(t, 0)) for t in "ABC"),
            _("Top-10 share"),
            pct(m.top10_share),
        ],
        [
            _("HHI"),
            "—" if m.hhi is None else floatformat(m.hhi, 4),
            _("Accounts ≥ 10 %"),
            str(len(dash.risks) + dash.hidden_risks),
        ],
    ]
    table = Table(figures, colWidths=[45 * mm, 40 * mm, 50 * mm, 45 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#5b6675")),
                ("TEXTCOLOR", (2, 0), (2, -1), colors.HexColor("#5b6675")),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("ALIGN", (3, 0), (3, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d9dee5")),
            ]
        )
    )
    story += [table, Spacer(1, 4 * mm), Paragraph(_("Pareto curve"), styles["Heading3"])]
    story.append(pareto_drawing(dash, font=font, width=180 * mm, height=62 * mm))
    bands = [[_("Tier"), _("Accounts"), _("Ranks"), _("Share of revenue"), _("Revenue")]] + [
        [
            b["tier"],
            str(b["accounts"]),
            f"{b['first']}–{b['last']}",
            pct(b["share"]),
            money(b["revenue"]),
        ]
        for b in dash.bands
    ]
    top = list(
        scoped(AccountMetric.objects.filter(period=period.key, rank__isnull=False), user=user)
        .select_related("account")
        .order_by("rank")[:10]
    )
    top_rows = [[_("Rank"), _("Account"), _("Revenue"), _("Share"), _("Cumulative")]] + [
        [
            str(r.rank),
            Paragraph(escape(r.account.name), small),
            money(r.revenue),
            pct(r.revenue_share),
            pct(r.cumulative_share),
        ]
        for r in top
    ]
    grid = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf2")),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d9dee5")),
            # Figures right-aligned; the account names go back left below.
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ]
    )
    names_left = TableStyle(
        [
            *grid.getCommands(),
            ("ALIGN", (1, 0), (1, -1), "LEFT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )
    risky = small.clone("risky", textColor=RISK_RED)
    risk_rows = [
        [_("Account"), _("Revenue"), _("Share")],
        *_risk_rows(dash, named=risky, note=small),
    ]
    risk_style = TableStyle(
        [
            *grid.getCommands(),
            ("ALIGN", (0, 0), (0, -1), "LEFT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )
    # The tiers and the dependency risk side by side, so the page holds the top ten too.
    side_by_side = Table(
        [
            [
                Paragraph(_("Tiers"), styles["Heading4"]),
                Paragraph(_("Dependency risk"), styles["Heading4"]),
            ],
            [
                Table(bands, style=grid, colWidths=BAND_COLUMNS, hAlign="LEFT"),
                Table(risk_rows, style=risk_style, colWidths=RISK_COLUMNS),
            ],
        ],
        colWidths=[sum(BAND_COLUMNS) + 2 * mm, sum(RISK_COLUMNS)],
        hAlign="LEFT",
    )
    side_by_side.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    story += [
        Spacer(1, 3 * mm),
        side_by_side,
        Paragraph(_("Top accounts"), styles["Heading3"]),
        Table(top_rows, style=names_left, colWidths=TOP_COLUMNS, hAlign="LEFT"),
    ]
    # One page whatever the names: a page that would overflow is scaled down to fit.
    doc.build([KeepInFrame(doc.width, doc.height, story, mode="shrink")])
    return buffer.getvalue()
