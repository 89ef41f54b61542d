"""The relationship map of one account, laid out on the server for an SVG drawing.

The client's people stand in rows by reporting level (the bosses on top); our people who
cover them stand in a row below. Lines: `reports_to` (solid, arrow to the manager),
`influences` (dashed, arrow to who is influenced), `close_to` (dotted), `rivals`
(dash-dot), and coverage (from our person to theirs, thicker when stronger, with the
strength written at its end). Every line also has a word or a number on it and a row in
the table beside the drawing: the meaning never rests on colour alone. No script.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .coverage import AccountCoverage, ContactCoverage, Cover
from .models import ContactLink

BOX_W, BOX_H = 172, 62
GAP_X, ROW_H = 26, 118
MARGIN = 24
OUR_ROW_GAP = 36
NAME_CHARS = 24
# A reporting level wider than this wraps onto more rows: the map stays readable on a
# laptop instead of shrinking fifteen boxes into one line.
MAX_PER_ROW = 5
# How far each kind of line bows, so two links between the same pair stay apart.
BOW = {"reports_to": 0, "influences": 34, "close_to": -34, "rivals": 56}


@dataclass
class Box:
    key: str
    x: float
    y: float
    lines: list[str]
    title: str
    css: str
    w: int = BOX_W
    h: int = BOX_H

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def text_x(self) -> float:
        return self.x + 8

    @property
    def text_rows(self) -> list[tuple[float, str, str]]:
        """(y, text, css) of each line of text inside the box."""
        return [
            (self.y + 18 + 17 * i, text, "t-main" if i == 0 else "t-sub")
            for i, text in enumerate(self.lines)
        ]


@dataclass
class Edge:
    kind: str
    d: str
    css: str
    title: str
    label: str = ""
    label_x: float = 0
    label_y: float = 0
    arrow: str = ""  # the id of the marker at its end, if it points
    width: float = 2


@dataclass
class TableRow:
    left: str
    relation: str
    right: str
    details: str = ""


@dataclass
class Drawing:
    width: int
    height: int
    boxes: list[Box] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    rows: list[TableRow] = field(default_factory=list)
    summary: str = ""


def _short(text: str, n: int = NAME_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _levels(contacts: list[ContactCoverage]) -> list[list[ContactCoverage]]:
    """Rows by reporting depth, each in the order of a walk down the tree (so people sit
    roughly under their managers). A manager outside the account makes a root."""
    by_pk = {cc.contact.pk: cc for cc in contacts}
    children: dict[int | None, list[ContactCoverage]] = {}
    for cc in contacts:
        parent = cc.contact.reports_to_id
        children.setdefault(parent if parent in by_pk else None, []).append(cc)
    levels: list[list[ContactCoverage]] = []
    seen: set[int] = set()

    def walk(cc: ContactCoverage, depth: int) -> None:
        if cc.contact.pk in seen:  # a cycle the model's rule missed: draw it once
            return
        seen.add(cc.contact.pk)
        while len(levels) <= depth:
            levels.append([])
        levels[depth].append(cc)
        for child in children.get(cc.contact.pk, []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    for cc in contacts:  # people only reachable through a cycle
        if cc.contact.pk not in seen:
            walk(cc, 0)
    return levels


def _anchor(box: Box, other: Box) -> tuple[float, float]:
    if other.y > box.y + 1:
        return box.cx, box.y + box.h
    return box.cx, box.y


def _curve(a: Box, b: Box, bow: float) -> tuple[str, float, float]:
    """A quadratic path from a to b bowed sideways by `bow`, and its midpoint."""
    x1, y1 = _anchor(a, b)
    x2, y2 = _anchor(b, a)
    if abs(y1 - y2) < 1:  # the same row: arc above the boxes
        cx, cy = (x1 + x2) / 2, y1 - 40 - abs(bow)
    else:
        dx, dy = x2 - x1, y2 - y1
        length = max((dx * dx + dy * dy) ** 0.5, 1)
        cx, cy = (x1 + x2) / 2 - dy / length * bow, (y1 + y2) / 2 + dx / length * bow
    mx, my = 0.25 * x1 + 0.5 * cx + 0.25 * x2, 0.25 * y1 + 0.5 * cy + 0.25 * y2
    return f"M{x1:.0f},{y1:.0f} Q{cx:.0f},{cy:.0f} {x2:.0f},{y2:.0f}", mx, my


def _cover_text(cc: ContactCoverage) -> str:
    covers = cc.live_covers
    if not covers:
        return _("nobody covers")
    return " · ".join(f"{c.initials} {c.strength}" for c in covers[:3])


def _role_text(cc: ContactCoverage) -> str:
    return f"{cc.contact.get_decision_role_display()} · {cc.contact.influence}/5"


def relationship_drawing(coverage: AccountCoverage) -> Drawing:
    """Boxes, lines and the table of one account's relationship map."""
    levels = [
        level[i : i + MAX_PER_ROW]
        for level in _levels(coverage.contacts)
        for i in range(0, len(level), MAX_PER_ROW)
    ]
    people = [p for p in coverage.people if p.strength > 0]
    widest = max([len(row) for row in levels] + [len(people), 1])
    width = int(2 * MARGIN + widest * (BOX_W + GAP_X) - GAP_X)
    boxes: dict[str, Box] = {}
    link_label = {
        ContactLink.Kind.INFLUENCES: _("influences"),
        ContactLink.Kind.CLOSE_TO: _("close to"),
        ContactLink.Kind.RIVALS: _("rivals"),
    }

    def place(row: list, y: float) -> list[float]:
        used = len(row) * (BOX_W + GAP_X) - GAP_X
        start = (width - used) / 2
        return [start + i * (BOX_W + GAP_X) for i in range(len(row))]

    for depth, row in enumerate(levels):
        y = MARGIN + 50 + depth * ROW_H  # room above the top row for same-row arcs
        for x, cc in zip(place(row, y), row, strict=True):
            c = cc.contact
            css = f"n-contact att-{c.attitude}"
            if cc.is_decider and cc.unmet:
                css += " unmet"
            boxes[f"c{c.pk}"] = Box(
                key=f"c{c.pk}",
                x=x,
                y=y,
                lines=[_short(c.name), _short(_role_text(cc), 28), _short(_cover_text(cc), 28)],
                title=f"{c.name}, {c.position}" if c.position else c.name,
                css=css,
            )
    our_y = MARGIN + 50 + len(levels) * ROW_H + OUR_ROW_GAP
    for x, person in zip(place(people, our_y), people, strict=True):
        boxes[f"u{person.user_id}"] = Box(
            key=f"u{person.user_id}",
            x=x,
            y=our_y,
            lines=[_short(person.full_name), _("our side"), ""],
            title=person.full_name,
            css="n-user",
            h=44,
        )
    height = int((our_y + 44 + MARGIN) if people else (our_y - OUR_ROW_GAP + MARGIN))

    edges: list[Edge] = []
    rows: list[TableRow] = []
    names = {cc.contact.pk: cc.contact.name for cc in coverage.contacts}
    for cc in coverage.contacts:
        manager = cc.contact.reports_to_id
        if manager in names:
            a, b = boxes[f"c{cc.contact.pk}"], boxes[f"c{manager}"]
            d, mx, my = _curve(a, b, BOW["reports_to"])
            relation = _("reports to")
            edges.append(
                Edge(
                    "reports_to",
                    d,
                    "e-reports",
                    f"{cc.contact.name} {relation} {names[manager]}",
                    arrow="arrow-reports",
                )
            )
            rows.append(TableRow(cc.contact.name, relation, names[manager]))
    for link in coverage.links:
        start = boxes.get(f"c{link.from_contact_id}")
        end = boxes.get(f"c{link.to_contact_id}")
        if start is None or end is None:
            continue
        d, mx, my = _curve(start, end, BOW[link.kind])
        label = link_label[ContactLink.Kind(link.kind)]
        edges.append(
            Edge(
                link.kind,
                d,
                f"e-{link.kind.replace('_', '-')}",
                f"{link.from_contact.name} {label} {link.to_contact.name}",
                label=label,
                label_x=mx,
                label_y=my,
                arrow="arrow-influences" if link.kind == ContactLink.Kind.INFLUENCES else "",
            )
        )
        rows.append(TableRow(link.from_contact.name, label, link.to_contact.name, link.note))
    for cc in coverage.contacts:
        for cover in cc.live_covers:
            user_box = boxes.get(f"u{cover.user_id}")
            if user_box is None:
                continue
            edges.append(_cover_edge(user_box, boxes[f"c{cc.contact.pk}"], cover, cc))
            rows.append(
                TableRow(
                    cover.full_name,
                    _("covers"),
                    cc.contact.name,
                    _("strength %(s)d (%(band)s); last met %(date)s; %(n)d interactions in 90 days")
                    % {
                        "s": cover.strength,
                        "band": cover.band_label,
                        "date": date_format(cover.last_met, "SHORT_DATE_FORMAT"),
                        "n": cover.interactions_90d,
                    },
                )
            )
    summary = _(
        "%(contacts)d of their people, %(people)d of ours, %(links)d lines. The table "
        "below lists every line."
    ) % {"contacts": len(coverage.contacts), "people": len(people), "links": len(edges)}
    return Drawing(
        width=width,
        height=height,
        boxes=list(boxes.values()),
        edges=edges,
        rows=rows,
        summary=summary,
    )


def _cover_edge(user_box: Box, contact_box: Box, cover: Cover, cc: ContactCoverage) -> Edge:
    x1, y1 = user_box.cx, user_box.y
    x2, y2 = contact_box.cx, contact_box.y + contact_box.h
    # The strength is written near the contact's end, where lines fan out least.
    lx, ly = x1 + (x2 - x1) * 0.82, y1 + (y2 - y1) * 0.82
    return Edge(
        "coverage",
        f"M{x1:.0f},{y1:.0f} L{x2:.0f},{y2:.0f}",
        f"e-cover band-{cover.band}",
        _("%(user)s covers %(contact)s: strength %(s)d")
        % {"user": cover.full_name, "contact": cc.contact.name, "s": cover.strength},
        label=str(cover.strength),
        label_x=lx,
        label_y=ly,
        width=round(1 + cover.strength / 20, 1),
    )
