"""The account page's panels that arrive after the page (htmx, `hx-trigger="load"`).

The account page answers with what a KAM reads first — the header and the numbers — and
each panel below them (the revenue chart and the health card first) comes from
`accounts:panel` (one request a panel, scoped like the page). A browser without scripts
gets a link to the panel on a page of its own. Each entry: the panel's heading (shown
while it loads), the template that draws it, what it needs from the database, and whether
only those who may change the account see it.

Panels owned by `plans` and `reports` are drawn by their template tags (their templates
under `templates/accounts/panels/` load them), so this app imports neither.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import access, services
from .coverage import AccountCoverage, account_coverage
from .forms import InteractionForm
from .models import Account, AuditEvent
from .selectors import OrgNode, account_timeline, contact_org_chart, survey_list

SURVEY_ROWS = 5

Builder = Callable[[Any, Account], dict]


def org_chart_with_coverage(*, user, account: Account) -> tuple[list[OrgNode], AccountCoverage]:
    """The org chart with, beside each person, who on our side covers them."""
    org_chart = contact_org_chart(user=user, account=account)
    coverage = account_coverage(user=user, account=account)
    by_contact = coverage.by_contact
    stack = list(org_chart)
    while stack:
        node = stack.pop()
        node.coverage = by_contact.get(node.contact.pk)
        stack.extend(node.children)
    return org_chart, coverage


def _org_chart(request, account: Account) -> dict:
    org_chart, coverage = org_chart_with_coverage(user=request.user, account=account)
    # The panel that shows the account's people records that they were shown.
    services.audit_record(
        user=request.user,
        action=AuditEvent.Action.VIEW_ACCOUNT,
        account_id=account.pk,
        details={"panel": "org-chart", "contacts_shown": len(coverage.contacts)},
    )
    return {"org_chart": org_chart, "coverage": coverage}


def _log(request, account: Account) -> dict:
    return {"log_form": InteractionForm(account=account), "inline": True}


def _timeline(request, account: Account) -> dict:
    return {"timeline": account_timeline(user=request.user, account=account)}


def _distributors(request, account: Account) -> dict:
    links = account.distributor_links.select_related("distributor").order_by(
        "status", "distributor__name"
    )
    return {"distributor_links": list(links)}


def _surveys(request, account: Account) -> dict:
    surveys = survey_list(user=request.user).filter(account=account).order_by("-date", "-pk")
    return {"surveys": list(surveys[:SURVEY_ROWS])}


def _nothing(request, account: Account) -> dict:
    return {}


@dataclass(frozen=True)
class Panel:
    label: Promise
    template: str
    build: Builder = field(default=_nothing)
    changers_only: bool = False
    box: str = ""  # the id of the box it fills inside a card of the page; "" = a whole card
    anchor: str = ""  # a whole card's id, which links to the page aim at (…/#health)


PANELS: dict[str, Panel] = {
    "revenue": Panel(_("Revenue by month, 24 months"), "accounts/panels/revenue.html"),
    "health": Panel(_("Account health"), "accounts/panels/health.html", anchor="health"),
    "org-chart": Panel(_("Org chart"), "accounts/_org_chart.html", _org_chart, box="org-chart"),
    "log": Panel(
        _("Log an interaction"), "accounts/_log_form.html", _log, changers_only=True, box="log-form"
    ),
    "timeline": Panel(_("Timeline"), "accounts/_timeline.html", _timeline, box="timeline"),
    "plan": Panel(_("Account plan"), "accounts/panels/plan.html"),
    "tenders": Panel(_("Tenders"), "accounts/panels/tenders.html"),
    "targets": Panel(_("Targets"), "accounts/panels/targets.html"),
    "opportunities": Panel(_("Opportunities"), "accounts/panels/opportunities.html"),
    "contracts": Panel(_("Contracts"), "accounts/panels/contracts.html"),
    "distributors": Panel(
        _("Distributors serving the account"), "accounts/panels/distributors.html", _distributors
    ),
    "whitespace": Panel(_("Whitespace"), "accounts/panels/whitespace.html"),
    "surveys": Panel(_("Latest surveys"), "accounts/panels/surveys.html", _surveys),
}


def panel_context(request, account: Account, name: str) -> dict | None:
    """What panel `name` of `account` draws with, or None if there is no such panel or the
    user may not see it (the caller answers 404)."""
    panel = PANELS.get(name)
    if panel is None:
        return None
    can_change = access.can_change_account(user=request.user, account=account)
    if panel.changers_only and not can_change:
        return None
    context = {"account": account, "can_change": can_change, "panel": panel}
    return context | panel.build(request, account)
