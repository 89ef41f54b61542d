"""Panels the plans app lends to other pages (home, account page), each a few queries."""

from __future__ import annotations

from django import template
from django.db.models import F
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from accounts import access
from accounts.templatetags.kam_ui import day, work_item
from plans import probabilities
from plans.models import Action, Contract, Opportunity, Tender
from plans.selectors import (
    account_plan_progress,
    contracts_renewing,
    overdue_actions,
    plan_current_for_account,
    plan_facts_by_account,
    tenders_due_soon,
)
from plans.services import account_plan_completeness

register = template.Library()
ATTENTION_ROWS = 5
ACCOUNT_OPPORTUNITIES = 10


@register.simple_tag
def plan_facts_for(accounts) -> dict[int, dict]:
    """{account id: next open action and nearest tender} for a page of accounts."""
    return plan_facts_by_account(account_ids=[a.pk for a in accounts])


@register.simple_tag
def plan_progress(plan) -> dict[str, int]:
    """The plan's real progress (objectives achieved, actions done on time), for the
    "Plan filled in" partial."""
    return account_plan_progress(plan=plan)


@register.inclusion_tag("plans/panels/attention.html")
def plans_attention(user):
    # LIMIT + COUNT beat COUNT(*) OVER () here: the window would join every overdue row.
    overdue = overdue_actions(user=user)
    due_soon = tenders_due_soon(user=user)
    return {
        "overdue": list(overdue[:ATTENTION_ROWS]),
        "overdue_count": overdue.count(),
        "due_soon": list(due_soon[:ATTENTION_ROWS]),
        "due_soon_count": due_soon.count(),
    }


@register.inclusion_tag("plans/panels/account_plan.html", takes_context=True)
def account_plan_panel(context, account):
    user = context["request"].user
    plan = plan_current_for_account(account=account)
    context_out = {"account": account, "plan": plan, "request": context["request"]}
    can_change = context.get("can_change")
    if can_change is None:
        can_change = access.can_change_account(user=user, account=account)
    context_out["can_change"] = can_change
    if plan is not None:
        objectives = list(plan.objectives.order_by("due", "id"))
        actions = list(
            plan.actions.filter(status=Action.Status.OPEN)
            .select_related("owner")
            .order_by("due", "id")[:8]
        )
        context_out.update(
            objectives=objectives,
            actions=actions,
            completeness=account_plan_completeness(plan=plan),
        )
    return context_out


@register.inclusion_tag("plans/panels/account_tenders.html", takes_context=True)
def account_tenders_panel(context, account):
    tenders = list(
        Tender.objects.filter(account=account).order_by("-submission_deadline", "-id")[:10]
    )
    open_ = [t for t in tenders if t.stage in Tender.OPEN_STAGES]
    closed = [t for t in tenders if t.stage not in Tender.OPEN_STAGES]
    open_.sort(key=lambda t: (t.submission_deadline is None, t.submission_deadline))
    return {
        "account": account,
        "tenders": open_ + closed,
        "can_change": context.get("can_change", False),
    }


@register.inclusion_tag("plans/panels/account_opportunities.html", takes_context=True)
def account_opportunities_panel(context, account):
    """The account's open opportunities (nearest close first), then the latest closed."""
    rows = list(
        Opportunity.objects.filter(account=account)
        .select_related("owner")
        .order_by(F("expected_close").asc(nulls_last=True), "-id")[:ACCOUNT_OPPORTUNITIES]
    )
    table = probabilities.stage_probabilities()
    for row in rows:
        row.percent = probabilities.opportunity_percent(row, table)
        row.weighted = probabilities.weighted(row.value, row.percent)
    open_ = [o for o in rows if o.is_open]
    closed = [o for o in rows if not o.is_open]
    return {
        "account": account,
        "opportunities": open_ + closed,
        "can_change": context.get("can_change", False),
    }


@register.inclusion_tag("plans/panels/account_contracts.html", takes_context=True)
def account_contracts_panel(context, account):
    """The account's contracts: live and in negotiation first (by end), then the rest."""
    today = timezone.localdate()
    rows = list(Contract.objects.filter(account=account).order_by("end_date", "id"))
    for row in rows:
        row.renewing_now = row.is_renewing(today)
    closed = (Contract.Status.EXPIRED, Contract.Status.TERMINATED)
    return {
        "account": account,
        "contracts": [c for c in rows if c.status not in closed]
        + [c for c in rows if c.status in closed][::-1],
        "can_change": context.get("can_change", False),
    }


@register.inclusion_tag("plans/panels/renewing.html")
def contracts_renewing_card(user):
    """Home: the user's contracts renewing (DESIGN: from 60 days before the notice date
    until the end), the nearest notice date first."""
    rows = contracts_renewing(user=user)
    return {
        "contracts": rows[:ATTENTION_ROWS],
        "count": len(rows),
        "today": timezone.localdate(),
    }


@register.simple_tag(takes_context=True)
def calendar_item(context, item) -> SafeString:
    """One entry of the calendar page (plans.calendar.CalendarItem): its kind, its link, the
    overdue badge, when and for whom, the note, and Done / Cancel where it closes.

    Written out here rather than in the template: a busy KAM's month has a thousand."""
    title = format_html('<a href="{}">{}</a>', item.url, item.title) if item.url else item.title
    badge = (
        format_html(' <span class="badge overdue">{}</span>', _("overdue")) if item.overdue else ""
    )
    when = f"{time_format(item.at, 'TIME_FORMAT')} · " if item.at else ""
    meta = format_html("{}{}", when, item.account_name)
    if item.overdue:
        meta += format_html(" · {}", _("due %(date)s") % {"date": day(item.due)})
    if item.until and item.until != item.day:
        meta += format_html(" · {} {}", _("until"), day(item.until))
    note = format_html('<div class="small muted">{}</div>', item.note) if item.note else ""
    close = (
        work_item(context, item.kind, item.pk, "open", item.title, item.close_url)
        if item.close_url
        else ""
    )
    return format_html(
        '<li><span class="kind-tag">{}</span> {}{} <span class="small muted">{}</span>{}{}</li>',
        item.kind_label,
        title,
        badge,
        meta,
        note,
        close,
    )
