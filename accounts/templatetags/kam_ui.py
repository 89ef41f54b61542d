"""Formatting shared by every app's templates (the lowest layer, so all may load it).

Money without kopecks and with its currency, ratios as percent, "—" for a missing value
(a null share or growth means "not defined", not zero)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _

from kam.http import ID_SLOT, per_urlconf, url_pattern

register = template.Library()

UNDO_TAG = "undo:"  # a message's extra tag carrying the URL that undoes what it reports


@register.filter
def undo_url(extra_tags: str | None) -> str:
    """The undo URL a message carries (see UNDO_TAG), or ""."""
    for tag in (extra_tags or "").split():
        if tag.startswith(UNDO_TAG):
            return tag[len(UNDO_TAG) :]
    return ""


@register.filter
def person(user) -> str:
    """A person the one way pages show them: full name, else username; "—" for nobody."""
    return user.display_name if user else "—"


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def days_ago(value) -> int | None:
    """Whole days since a datetime or date (None stays None)."""
    if value is None:
        return None
    if hasattr(value, "tzinfo"):
        return (timezone.now() - value).days
    return (timezone.localdate() - value).days


@register.filter
def trend(growth) -> str:
    """An arrow for a growth ratio; flat within ±2 %."""
    if growth is None:
        return ""
    if growth > 0.02:
        return "▲"
    if growth < -0.02:
        return "▼"
    return "▶"


# A heat map or a 200-row table formats thousands of numbers: Python's own formatting with
# the active language's separators, instead of floatformat's per-call locale machinery.
# `figure` and `ratio_figure` are the rules; the filters and the exports (PDF, CSV) call
# them, so a number reads the same on a page and in a file.
PCT_DIGITS = 1  # decimals of a percentage unless a page asks for others


_SEPARATORS: dict[str | None, tuple[str, str]] = {}


def _separators() -> tuple[str, str]:
    """The active language's (thousands, decimal) separators, looked up once a language:
    a large table formats thousands of figures."""
    language = get_language()
    found = _SEPARATORS.get(language)
    if found is None:
        found = _SEPARATORS[language] = (
            get_format("THOUSAND_SEPARATOR"),
            get_format("DECIMAL_SEPARATOR"),
        )
    return found


def _localize(text: str, *, grouping: bool, separators: tuple[str, str] | None = None) -> str:
    """Python's "1,234.5" in the active language's separators (no grouping: "1234.5")."""
    thousands, decimal = separators or _separators()
    return (
        text.replace(",", "\x00")
        .replace(".", decimal)
        .replace("\x00", thousands if grouping else "")
    )


def figure(
    value, digits: int = 0, *, grouping: bool = True, separators: tuple[str, str] | None = None
) -> str:
    """A number rounded half up to `digits` decimals, in the active language's format."""
    exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    rounded = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return _localize(f"{rounded:,f}", grouping=grouping, separators=separators)


def ratio_figure(value, digits: int = PCT_DIGITS, *, grouping: bool = True) -> str:
    """A 0–1 ratio as the figure of a percentage (no "%"), in the active language's format."""
    return _localize(f"{float(value) * 100:,.{int(digits)}f}", grouping=grouping)


# A currency's sign where it has one everyone reads; otherwise its ISO code.
CURRENCY_SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€", "GBP": "£", "CNY": "¥", "KZT": "₸"}


def currency_sign(code: str | None = None) -> str:
    """The sign shown after an amount: "₽" for RUB, the code for a currency without one."""
    code = (code or settings.BASE_CURRENCY).upper()
    return CURRENCY_SIGNS.get(code, code)


@register.filter
def money(value, currency: str | None = None) -> str:
    """An amount in whole units with its currency, the one way money is shown (pages, PDF):
    "48,897,776 ₽" in English, "48 897 776 ₽" in Russian; `currency` is an ISO code
    (the base currency when not given)."""
    return money_formatter()(value, currency)


def money_formatter(separators: tuple[str, str] | None = None):
    """`money` with the active language's separators looked up once, for a table that
    shows thousands of amounts (the white-space matrix)."""
    separators = separators or _separators()

    def formatted(value, currency: str | None = None) -> str:
        if value is None or value == "":
            return "—"
        return f"{figure(value, separators=separators)}\u00a0{currency_sign(currency)}"

    return formatted


@register.filter
def number(value, digits: int = 0) -> str:
    """A count or measure that is not money (an objective's target, a score), "—" if missing."""
    if value is None or value == "":
        return "—"
    return figure(value, int(digits))


@register.filter
def pct(value, digits: int = PCT_DIGITS) -> str:
    if value is None or value == "":
        return "—"
    return f"{ratio_figure(value, digits)} %"


@register.filter
def signed_pct(value, digits: int = PCT_DIGITS) -> str:
    if value is None or value == "":
        return "—"
    text = pct(value, digits)
    return text if float(value) < 0 else f"+{text}"


@register.filter
def points(value) -> str:
    """A change of a 0–1 ratio, in percentage points."""
    if value is None:
        return "—"
    if round(float(value) * 100, 1) == 0:
        return _("no change")
    text = f"{float(value) * 100:+.1f}".replace(".", _separators()[1])
    return _("%(value)s pp") % {"value": text}


# One date format per language (README "Formats"): "3 Dec 2026" / "3 дек. 2026"; a month
# alone "Dec 2026" / "дек. 2026". Russian months take the genitive after a day ("3 мая")
# and the nominative alone ("май 2026"), hence two contexts.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@register.filter
def day(value) -> str:
    """A date (or a datetime's local date) the one way pages show it: "3 Dec 2026"."""
    if not value:
        return "—"
    d = _as_date(value)
    return f"{d.day} {pgettext('month after a day', _MONTHS[d.month - 1])} {d.year}"


@register.filter
def day_time(value) -> str:
    """A datetime as its local date and time: "3 Dec 2026, 14:05"."""
    if not value:
        return "—"
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{day(local)}, {local:%H:%M}"


@register.filter
def month(value) -> str:
    """A month the one way pages show it: "Dec 2026" / "дек. 2026"."""
    if not value:
        return "—"
    return f"{pgettext('month alone', _MONTHS[value.month - 1])} {value.year}"


@register.filter
def relday(value) -> str:
    """A date relative to today: "today", "yesterday", "tomorrow", "in 3 days", "3 days ago"
    (never "0 days"); for last contacts, due dates and deadlines."""
    if not value:
        return "—"
    n = (_as_date(value) - timezone.localdate()).days
    if n == 0:
        return _("today")
    if n == -1:
        return _("yesterday")
    if n == 1:
        return _("tomorrow")
    if n > 1:
        return ngettext("in %(n)d day", "in %(n)d days", n) % {"n": n}
    return ngettext("%(n)d day ago", "%(n)d days ago", -n) % {"n": -n}


@register.simple_tag(takes_context=True)
def work_item(context, kind: str, pk: int, status: str, title: str, url: str, changed=False):
    """A next step or an action, closed or reopened in place (home, calendar, timeline,
    plan): its Done / Cancel buttons while open, its state and Undo once closed.

    Built here rather than by an included template: a busy KAM's calendar holds a thousand
    of them, and the include cost most of the page's server time."""
    request = context.get("request")
    target = f"work-{kind}-{pk}"
    hidden = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="next" value="{}">'
        '<input type="hidden" name="fragment" value="item">',
        context.get("csrf_token", ""),
        request.get_full_path() if request else "",
    )
    form = (
        '<form method="post" action="{url}" hx-post="{url}" hx-target="#{target}" '
        'hx-swap="outerHTML" class="inline-form">{hidden}{buttons}</form>'
    )
    if status == "open":
        buttons = format_html(
            '<button type="submit" name="status" value="done" class="small" '
            'aria-label="{}">{}</button>'
            '<button type="submit" name="status" value="cancelled" class="small secondary" '
            'aria-label="{}">{}</button>',
            _("Mark “%(title)s” done") % {"title": title},
            _("Done"),
            _("Cancel “%(title)s”") % {"title": title},
            _("Cancel"),
        )
        body = format_html(form, url=url, target=target, hidden=hidden, buttons=buttons)
    else:
        badge = format_html(
            '<span class="badge state-{}">{}</span>',
            status,
            _("Done") if status == "done" else _("Cancelled"),
        )
        buttons = format_html(
            '<button type="submit" name="status" value="open" class="link small" '
            'aria-label="{}">{}</button>',
            _("Undo: reopen “%(title)s”") % {"title": title},
            _("Undo"),
        )
        body = badge + format_html(form, url=url, target=target, hidden=hidden, buttons=buttons)
    if changed:
        said = {"open": _("Reopened."), "done": _("Marked done.")}.get(status, _("Cancelled."))
        body += format_html('<span class="visually-hidden" role="status">{}</span>', said)
    return format_html('<span class="work-state" id="{}">{}</span>', target, body)


@register.simple_tag
def url_for(name: str, pk=None) -> str:
    """`{% url name %}` or `{% url name pk %}` (a page that takes one id) from the address
    or pattern cached by kam.http: the same address without a reverse() a link. For the
    frame of every page and the account page's header."""
    if pk is None:
        return per_urlconf(("url", name), lambda: reverse(name))
    return url_pattern(name).format(int(pk))


@register.simple_tag
def lazy_panel(account, name: str) -> SafeString:
    """Where panel `name` of the account page (accounts/panels.py) arrives after the page:
    "Loading…" while htmx fetches it; without scripts, a link to it on a page of its own.
    A whole card, or the box it fills inside a card of the page.

    Thirteen of them frame every account page: each written once a process (per
    language), with the account's id left open."""
    html = per_urlconf(("lazy_panel", get_language(), name), lambda: _lazy_panel_html(name))
    return mark_safe(html.replace(ID_SLOT, str(int(account.pk))))  # noqa: S308 - escaped


def _lazy_panel_html(name: str) -> str:
    from accounts.panels import PANELS  # the panels' module reads forms and selectors

    panel = PANELS[name]
    url = escape(reverse("accounts:panel", args=[ID_SLOT, name]))
    open_label = escape(_("Open “%(label)s”") % {"label": panel.label})
    note = (
        f'<p class="muted"><span class="lazy-wait">{escape(_("Loading…"))}</span>'
        f'<a class="lazy-open" href="{url}">{open_label}</a></p>'
    )
    fetch = f'aria-busy="true" hx-get="{url}" hx-trigger="load" hx-swap="outerHTML"'
    if panel.box:
        return f'<div id="{panel.box}" class="lazy-panel" {fetch}>{note}</div>'
    anchor = f' id="{panel.anchor}"' if panel.anchor else ""
    return (
        f'<section class="card lazy-panel"{anchor} aria-labelledby="lazy-{name}-h" {fetch}>'
        f'<h2 id="lazy-{name}-h">{escape(str(panel.label))}</h2>{note}</section>'
    )
