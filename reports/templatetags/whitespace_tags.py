"""The white-space matrix's cells, written out in Python.

The largest holding has ~70 units × 20 categories: through Django templates (an include
per cell, ~15 tags each) the page took ~400 ms of CPU; string building with `escape` takes
a tenth of that. The one place a cell's markup lives: the page's body (`ws_body`) and the
htmx answers (`ws_cell`, `ws_figures`) both come through here. Every text from a person
or the ERP goes through `escape`; translations are looked up once per render.
"""

from __future__ import annotations

from html import escape as _html_escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from accounts.templatetags.kam_ui import money_formatter
from kam.http import url_pattern
from reports.portfolio.whitespace import (
    BOUGHT,
    COMPETITOR,
    NOT_RELEVANT,
    OPEN,
    OPPORTUNITY,
    Cell,
    Figures,
    Matrix,
)

register = template.Library()


def escape(text: Any) -> str:
    """HTML-escaped text, as Django's `escape` writes it (& < > " ' — the stdlib's with
    quote=True), without its lazy-string wrapper: a thousand cells call it 30 000 times."""
    return _html_escape(str(text), quote=True)


class _Text:
    """The page's words in the active language and its link patterns, looked up once."""

    def __init__(self) -> None:
        self.opportunity_url = url_pattern("plans:opportunity")
        self.money = money_formatter()
        self.state = {
            BOUGHT: gettext("Bought"),
            OPPORTUNITY: pgettext("white-space cell", "Opportunity"),
            COMPETITOR: gettext("Competitor"),
            NOT_RELEVANT: gettext("Not relevant"),
            OPEN: gettext("White space"),
        }
        self.potential = gettext("potential")
        self.edit = gettext("Edit")
        self.edit_label = gettext("Edit %(c)s for %(u)s")
        self.make_label = gettext("Make an opportunity of %(c)s for %(u)s")
        self.figures = (
            gettext("Bought"),
            gettext("Open pipeline"),
            gettext("Potential"),
            gettext("White space"),
        )


def _cell(cell: Cell, t: _Text, *, url: str, can_change: bool, error: str = "", oob=False) -> str:
    key = f"{cell.unit_pk}-{cell.category_pk}"
    state = cell.state
    swap = ' hx-swap-oob="true"' if oob else ""
    out = [f'<td id="ws-{key}" class="ws ws-{state}"{swap}>']
    label = t.state.get(state)
    if label is None:
        out.append('<span class="ws-label muted">—</span>')
    else:
        out.append(f'<span class="ws-label">{escape(label)}</span>')
    if state == BOUGHT:
        out.append(f" <strong>{t.money(cell.bought)}</strong>")
    elif state == COMPETITOR:
        out.append(f" <strong>{escape(cell.competitor)}</strong>")
    for o in cell.opportunities:
        out.append(
            f'<div class="ws-opp"><a href="{t.opportunity_url.format(o.pk)}">{escape(o.title)}</a>'
            f" · {t.money(o.value, o.currency)} "
            f'<span class="badge">{escape(o.stage_label)}</span></div>'
        )
    if cell.potential is not None and cell.relevant:
        out.append(f'<div class="ws-pot">{escape(t.potential)} {t.money(cell.potential)}</div>')
    if cell.note:
        note = cell.note if len(cell.note) <= 60 else cell.note[:59] + "…"
        out.append(f'<div class="ws-note">{escape(note)}</div>')
    if error:
        out.append(f'<p class="errorlist" role="alert">{escape(error)}</p>')
    if can_change:
        names = {"c": cell.category_name, "u": cell.unit_name}
        here = f"{url}{cell.unit_pk}/{cell.category_pk}/"
        # hx-target and hx-swap come from the table (closest td, outerHTML): shorter cells.
        out.append(
            f'<div class="ws-actions"><a class="ws-edit" href="{here}" hx-get="{here}" '
            f'aria-label="{escape(t.edit_label % names)}">{escape(t.edit)}</a>'
        )
        if cell.takes_opportunity:
            # htmx sends the CSRF token from the page's hx-headers; without JavaScript the
            # cell's own page (the Edit link) offers the same button in a form.
            out.append(
                f'<button type="button" class="ws-make" hx-post="{here}opportunity/" '
                f'aria-label="{escape(t.make_label % names)}">+ {escape(t.state[OPPORTUNITY])}'
                "</button>"
            )
        out.append("</div>")
    out.append("</td>")
    return "".join(out)


def _figures(f: Figures, t: _Text) -> str:
    bought, pipeline, potential, white = t.figures
    return (
        f'<dl class="ws-figures"><dt>{escape(bought)}</dt><dd>{t.money(f.bought)}</dd>'
        f"<dt>{escape(pipeline)}</dt><dd>{t.money(f.pipeline)}</dd>"
        f"<dt>{escape(potential)}</dt><dd>{t.money(f.potential)}</dd>"
        f"<dt>{escape(white)}</dt><dd><strong>{t.money(f.white_space)}</strong></dd></dl>"
    )


@register.simple_tag(takes_context=True)
def ws_body(context: Any, matrix: Matrix, url: str) -> SafeString:
    """The table's rows: per unit its name, its cells and its totals."""
    t, can_change = _Text(), matrix.can_change
    level = gettext("level %(d)s")
    detail = url_pattern("accounts:detail")
    rows = []
    for unit in matrix.units:
        hidden = (
            f'<span class="visually-hidden"> ({escape(level % {"d": unit.depth})})</span>'
            if unit.depth
            else ""
        )
        cells = "".join(_cell(cell, t, url=url, can_change=can_change) for cell in unit.cells)
        rows.append(
            f'<tr><th scope="row" class="ws-unit depth-{unit.depth}">'
            f'<a href="{detail.format(unit.pk)}">{escape(unit.name)}</a>{hidden}</th>{cells}'
            f'<td id="ws-unit-{unit.pk}" class="ws-total">{_figures(unit.totals, t)}</td></tr>'
        )
    return mark_safe("".join(rows))  # noqa: S308 -- built above, every text escaped


@register.simple_tag(takes_context=True)
def ws_cell(context: Any, cell: Cell, url: str, error: str = "", oob: bool = False) -> SafeString:
    matrix: Matrix = context["matrix"]
    html = _cell(cell, _Text(), url=url, can_change=matrix.can_change, error=error, oob=oob)
    return mark_safe(html)  # noqa: S308 -- every text escaped in _cell


@register.simple_tag
def ws_figures(figures: Figures) -> SafeString:
    return mark_safe(_figures(figures, _Text()))  # noqa: S308 -- numbers and our words
