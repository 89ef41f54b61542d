"""Reads of the plans app, scoped by who asks through the accounts they hang under."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from accounts.selectors import account_ids_in_scope

from .models import AccountPlan, Action, Objective, Tender


def _no_integration(user: User) -> bool:
    # Plans and tenders are the KAMs' working papers: the ERP user never reads them.
    return not user.is_authenticated or user.is_integration


def account_plan_list(*, user: User) -> QuerySet[AccountPlan]:
    """Plans of visible accounts, each with its objectives and actions (three queries)."""
    if _no_integration(user):
        return AccountPlan.objects.none()
    return (
        AccountPlan.objects.filter(account_id__in=account_ids_in_scope(user=user))
        .select_related("account", "owner")
        .prefetch_related(
            Prefetch("objectives", queryset=Objective.objects.order_by("due", "id")),
            Prefetch("actions", queryset=Action.objects.select_related("owner")),
        )
    )


def objective_list(*, user: User) -> QuerySet[Objective]:
    if _no_integration(user):
        return Objective.objects.none()
    return Objective.objects.filter(
        plan__account_id__in=account_ids_in_scope(user=user)
    ).select_related("plan")


def action_list(*, user: User) -> QuerySet[Action]:
    if _no_integration(user):
        return Action.objects.none()
    return Action.objects.filter(
        plan__account_id__in=account_ids_in_scope(user=user)
    ).select_related("plan", "objective", "owner")


def tender_list(*, user: User) -> QuerySet[Tender]:
    if _no_integration(user):
        return Tender.objects.none()
    return Tender.objects.filter(account_id__in=account_ids_in_scope(user=user)).select_related(
        "account", "objective"
    )
