"""The accounts table: every visible account with its ttm numbers and coverage facts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.access import account_scope
from accounts.models import Account, Interaction, User
from plans.models import AccountPlan, Action, Tender


def account_table(*, user: User) -> QuerySet[Account]:
    """Visible accounts with owner and region; ttm numbers are the denormalised fields."""
    return account_scope(user=user).select_related("owner", "region")


def with_last_interaction(qs: QuerySet[Account]) -> QuerySet[Account]:
    """Annotate the last interaction (only needed when sorting by it)."""
    latest = Interaction.objects.filter(account_id=OuterRef("pk")).order_by("-occurred_at")
    return qs.annotate(last_interaction_at=Subquery(latest.values("occurred_at")[:1]))


def filter_no_interaction_since(qs: QuerySet[Account], *, days: int) -> QuerySet[Account]:
    since = timezone.now() - dt.timedelta(days=days)
    recent = Interaction.objects.filter(account_id=OuterRef("pk"), occurred_at__gte=since)
    return qs.filter(~Exists(recent))


def plan_for_year(year: int) -> Q:
    """Plans whose period overlaps the calendar year, as a filter on AccountPlan."""
    return Q(period_start__lte=dt.date(year, 12, 31), period_end__gte=dt.date(year, 1, 1))


def filter_without_plan(qs: QuerySet[Account], *, year: int) -> QuerySet[Account]:
    plans = AccountPlan.objects.filter(plan_for_year(year), account_id=OuterRef("pk")).exclude(
        status=AccountPlan.Status.CLOSED
    )
    return qs.filter(~Exists(plans))


def account_table_extras(account_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Last interaction, open actions and open tenders for one page of accounts.

    Three grouped queries for the page's ids, so the cost does not grow with the portfolio.
    """
    ids = list(account_ids)
    extras: dict[int, dict[str, Any]] = {
        pk: {
            "last_interaction_at": None,
            "open_actions": 0,
            "overdue_actions": 0,
            "open_tenders": 0,
        }
        for pk in ids
    }
    if not ids:
        return extras
    for row in (
        Interaction.objects.filter(account_id__in=ids)
        .values("account_id")
        .annotate(last=Max("occurred_at"))
        .order_by()
    ):
        extras[row["account_id"]]["last_interaction_at"] = row["last"]
    today = timezone.localdate()
    for row in (
        Action.objects.filter(plan__account_id__in=ids, status=Action.Status.OPEN)
        .values("plan__account_id")
        .annotate(n=Count("pk"), n_overdue=Count("pk", filter=Q(due__lt=today)))
        .order_by()
    ):
        extras[row["plan__account_id"]].update(
            open_actions=row["n"], overdue_actions=row["n_overdue"]
        )
    for row in (
        Tender.objects.filter(account_id__in=ids, stage__in=Tender.OPEN_STAGES)
        .values("account_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        extras[row["account_id"]]["open_tenders"] = row["n"]
    return extras
