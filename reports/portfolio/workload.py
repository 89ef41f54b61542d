"""KAM workload and coverage: one row per account owner, from grouped queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from accounts.models import Contact, Interaction, User
from accounts.selectors import account_scope
from plans.models import AccountPlan, Action

from .accounts import plan_for_year

DECISION_ROLES = (Contact.DecisionRole.DECISION_MAKER, Contact.DecisionRole.ECONOMIC_BUYER)
NOT_MET_DAYS = 90


def _by_owner(qs, owner_field: str, **aggregates) -> dict[int | None, dict[str, Any]]:
    rows = qs.values(owner_field).annotate(**aggregates).order_by()
    return {row[owner_field]: row for row in rows}


def kam_workload(*, user: User) -> list[dict[str, Any]]:
    """Per owner of visible accounts: load, coverage and gaps (a KAM sees only themself).

    Each figure is one query grouped by owner, so the page costs the same for 5 or 50 KAMs.
    """
    now = timezone.now()
    today = timezone.localdate()
    accounts = account_scope(user=user)
    if not user.sees_all_accounts:
        accounts = accounts.filter(owner_id=user.pk)
    owned = _by_owner(
        accounts,
        "owner_id",
        accounts=Count("pk"),
        key_accounts=Count("pk", filter=Q(is_key=True)),
        revenue=Sum("ttm_revenue"),
    )
    interactions = _by_owner(
        Interaction.objects.filter(
            account__in=accounts, occurred_at__gte=now - dt.timedelta(days=90)
        ),
        "account__owner_id",
        last_30=Count("pk", filter=Q(occurred_at__gte=now - dt.timedelta(days=30))),
        last_90=Count("pk"),
    )
    met_recently = Interaction.contacts.through.objects.filter(
        contact_id=OuterRef("pk"),
        interaction__occurred_at__gte=now - dt.timedelta(days=NOT_MET_DAYS),
        interaction__deleted_at__isnull=True,  # a join: Interaction's manager is not applied
    )
    not_met = _by_owner(
        Contact.objects.filter(
            account__in=accounts, account__is_key=True, decision_role__in=DECISION_ROLES
        ).filter(~Exists(met_recently)),
        "account__owner_id",
        n=Count("pk"),
    )
    overdue = _by_owner(
        Action.objects.filter(plan__account__in=accounts, status=Action.Status.OPEN, due__lt=today),
        "plan__account__owner_id",
        n=Count("pk"),
    )
    planned = AccountPlan.objects.filter(plan_for_year(today.year), account_id=OuterRef("pk"))
    no_plan = _by_owner(
        accounts.filter(~Exists(planned.exclude(status=AccountPlan.Status.CLOSED))),
        "owner_id",
        n=Count("pk"),
    )
    owners = {u.pk: u for u in User.objects.filter(pk__in=[k for k in owned if k is not None])}
    rows = []
    for owner_id, row in owned.items():
        rows.append(
            {
                "owner": owners.get(owner_id),
                "owner_id": owner_id,
                "accounts": row["accounts"],
                "key_accounts": row["key_accounts"],
                "revenue": row["revenue"],
                "interactions_30": interactions.get(owner_id, {}).get("last_30", 0),
                "interactions_90": interactions.get(owner_id, {}).get("last_90", 0),
                "key_people_not_met": not_met.get(owner_id, {}).get("n", 0),
                "overdue_actions": overdue.get(owner_id, {}).get("n", 0),
                "without_plan": no_plan.get(owner_id, {}).get("n", 0),
            }
        )
    # Unowned accounts last; the most loaded KAM first.
    rows.sort(key=lambda r: (r["owner"] is None, -(r["revenue"] or 0), -r["accounts"]))
    return rows
