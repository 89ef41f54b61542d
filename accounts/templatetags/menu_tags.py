"""The main menu of every page (templates/base.html): its links, in order, and who sees them.

Written by Python rather than seventeen `{% url %}` blocks: the menu is the frame of every
page, and its links are written once a process (per URLconf, script prefix and language),
not once a request. Which links a user gets is the access module's answer (`access.pages`,
`access.portfolio_pages`); the current page's link carries `aria-current="page"`.
"""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kam.http import per_urlconf

register = template.Library()

# (URL name, label, only with the portfolio pages)
MENU: tuple[tuple[str, Promise, bool], ...] = (
    ("accounts:home", _("My accounts"), False),
    ("plans:tenders", _("Tenders"), False),
    ("plans:contracts", _("Contracts"), False),
    ("plans:opportunities", _("Opportunities"), False),
    ("reports:targets", _("Targets"), False),
    ("reports:forecast", _("Forecast"), False),
    ("plans:calendar", _("Calendar"), False),
    ("accounts:events", _("Events"), False),
    ("reports:matrix", _("Matrix"), False),
    ("reports:dashboard", _("Portfolio"), True),
    ("reports:accounts", _("All accounts"), True),
    ("reports:health", _("Health"), True),
    ("reports:workload", _("KAM workload"), True),
    ("reports:pipeline", _("Tender pipeline"), True),
    ("reports:opportunity-pipeline", _("Opportunity pipeline"), True),
    ("reports:distributors", _("Distributors"), True),
    ("accounts:recently-deleted", _("Recently deleted"), True),
)

CURRENT = ' aria-current="page"'


def menu_links() -> tuple[tuple[str, str, bool], ...]:
    """MENU with each name turned into its address and each label into the current
    language, both escaped (a name the URLconf lacks is left out)."""
    return per_urlconf(("main_menu", get_language()), _menu_links)


def _menu_links() -> tuple[tuple[str, str, bool], ...]:
    links = []
    for name, label, portfolio in MENU:
        try:
            links.append((escape(reverse(name)), escape(str(label)), portfolio))
        except NoReverseMatch:
            continue
    return tuple(links)


@register.simple_tag(takes_context=True)
def main_menu(context) -> SafeString:
    access, path = context["access"], escape(context["request"].path)
    portfolio = access.portfolio_pages
    return mark_safe(  # noqa: S308 - every part was escaped by menu_links or above
        "\n".join(
            f'<a href="{url}"{CURRENT if url == path else ""}>{label}</a>'
            for url, label, only_portfolio in menu_links()
            if portfolio or not only_portfolio
        )
    )
