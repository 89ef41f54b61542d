"""The one-page PDF portfolio report for a period, with the Pareto chart (reportlab)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from accounts.access import scoped
from accounts.models import User
from reports.metrics.periods import Period
from reports.models import AccountMetric
from reports.portfolio.dashboard import Dashboard, portfolio_dashboard

from .tables import dependency_risk

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


def _money(value: Decimal | None) -> str:
    return (
        "—"
        if value is None
        else formats.number_format(value, 0, use_l10n=True, force_grouping=True)
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def pareto_drawing(dash: Dashboard, *, font: str, width: float, height: float) -> Drawing:
    """Cumulative share against account rank, with the 80 %/95 % lines and A/B/C bands."""
    drawing = Drawing(width, height)
    plot = LinePlot()
    plot.x, plot.y = 40, 25
    plot.width, plot.height = width - 60, height - 40
    points = [(float(rank), share * 100) for rank, share in dash.pareto] or [(0.0, 0.0)]
    last_rank = max(points[-1][0], 1.0)
    plot.data = [points]
    plot.lines[0].strokeColor = colors.HexColor("#12233f")
    plot.lines[0].strokeWidth = 1.5
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, last_rank
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = 0, 100
    plot.yValueAxis.valueSteps = [0, 20, 40, 60, 80, 95, 100]
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
        drawing.add(
            String(
                x0 + 2,
                plot.y + plot.height - 10,
                band["tier"],
                fontName=font,
                fontSize=8,
                fillColor=colour,
            )
        )
    for level in (80, 95):
        y = plot.y + plot.height * level / 100
        drawing.add(
            Line(
                plot.x,
                y,
                plot.x + plot.width,
                y,
                strokeColor=colors.HexColor("#b3261e"),
                strokeDashArray=[3, 2],
                strokeWidth=0.7,
            )
        )
        drawing.add(
            String(
                plot.x + plot.width - 24,
                y + 2,
                f"{level} %",
                fontName=font,
                fontSize=7,
                fillColor=colors.HexColor("#b3261e"),
            )
        )
    drawing.add(plot)
    drawing.add(String(plot.x, 5, _("Accounts by rank"), fontName=font, fontSize=7))
    drawing.add(
        String(2, plot.y + plot.height + 5, _("Cumulative share, %"), fontName=font, fontSize=7)
    )
    return drawing


def portfolio_pdf(*, user: User, period: Period) -> bytes:
    dash = portfolio_dashboard(user=user, period=period)
    font = _font()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    figure = styles["BodyText"].clone("figure", fontSize=9, leading=11, alignment=TA_RIGHT)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=_("Portfolio report %(period)s") % {"period": period.key},
        author="KAM",
    )
    m = dash.metric
    story: list = [
        Paragraph(_("Portfolio report %(period)s") % {"period": period.key}, styles["Title"]),
        Paragraph(
            _("%(start)s – %(end)s, base currency %(currency)s, generated %(now)s")
            % {
                "start": period.start,
                "end": period.end,
                "currency": settings.BASE_CURRENCY,
                "now": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            },
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
            _money(m.total_revenue),
            _("Growth vs previous period"),
            _pct(dash.growth),
        ],
        [
            _("Accounts with revenue"),
            str(m.accounts_with_revenue),
            _("Previous period revenue"),
            _money(dash.previous_total),
        ],
        [
            _("Tiers A / B / C"),
            " / ".join(str(dash.tier_counts.get(t, 0)) for t in "ABC"),
            _("Top-10 share"),
            _pct(m.top10_share),
        ],
        [
            _("HHI"),
            "—" if m.hhi is None else f"{m.hhi:.4f}",
            _("Accounts ≥ 10 %"),
            # A paragraph wraps in its column; names are escaped (a paragraph reads markup).
            Paragraph(escape(dependency_risk(dash) or "—"), figure),
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
    story.append(pareto_drawing(dash, font=font, width=180 * mm, height=70 * mm))
    bands = [[_("Tier"), _("Accounts"), _("Ranks"), _("Share of revenue")]] + [
        [b["tier"], str(b["accounts"]), f"{b['first']}–{b['last']}", _pct(b["share"])]
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
            r.account.name[:40],
            _money(r.revenue),
            _pct(r.revenue_share),
            _pct(r.cumulative_share),
        ]
        for r in top
    ]
    grid = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf2")),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d9dee5")),
            # Figures right-aligned; the top table's account names go back left below.
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ]
    )
    top_style = TableStyle([*grid.getCommands(), ("ALIGN", (1, 0), (1, -1), "LEFT")])
    story += [Spacer(1, 3 * mm), Table(bands, style=grid, hAlign="LEFT"), Spacer(1, 4 * mm)]
    story += [
        Paragraph(_("Top accounts"), styles["Heading3"]),
        Table(top_rows, style=top_style, hAlign="LEFT"),
    ]
    doc.build(story)
    return buffer.getvalue()
