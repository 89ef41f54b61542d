"""Panels of the targets' attainment (reports.portfolio.targets) that other apps' pages
show: the card on the home page and the panel on the account page."""

from __future__ import annotations

from django import template
from django.utils import timezone

from accounts import access
from accounts.models import Account
from plans.models import Target
from reports.portfolio.targets import ACCOUNT, attainment, my_attainment

register = template.Library()


@register.inclusion_tag("reports/panels/target_card.html")
def target_card(user):
    """This year's target of the user's accounts (a head's: the company's), the actual to
    date, attainment and where the year ends at the last 3 months' pace."""
    result, company = my_attainment(user=user)
    return {
        "result": result,
        "row": result.total,
        "year": result.period.start.year,
        "company": company,
    }


@register.inclusion_tag("reports/panels/account_targets.html", takes_context=True)
def account_targets_panel(context, account):
    """The account's target against its actual this year, and each quarter's if the year
    has quarterly targets. The account is already scoped by the page that shows it."""
    user = context["request"].user
    today = timezone.localdate()
    rows = list(Target.objects.filter(account=account, year=today.year).order_by("quarter"))
    result = attainment(
        user=user,
        level=ACCOUNT,
        accounts=Account.objects.filter(pk=account.pk),
        quarters=any(t.quarter for t in rows),
        named=False,
    )
    quarters = []
    for target in rows:
        if target.quarter:
            found = result.by_period.get(target.period_key) or []
            quarters.append((target, found[0] if found else None))
    return {
        "account": account,
        "year": today.year,
        "targets": rows,
        "row": result.rows[0] if result.rows else None,
        "quarters": quarters,
        "annual": next((t for t in rows if not t.quarter), None),
        "can_change": access.can_change_account(user=user, account=account)
        if context.get("can_change") is None
        else context["can_change"],
    }
