"""KAM workload and coverage: one row per person, over the accounts that are theirs.

A person's accounts are those they own or are on the team of — what their home page lists
(accounts.selectors.account_memberships / my_accounts) — so the two pages agree. Accounts
with no owner get a row of their own. Each figure is one query grouped by account, summed
per person here, so the page costs the same for 5 or 50 KAMs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from accounts.access import account_scope, sees_every_account
from accounts.models import Contact, Interaction, User
from accounts.selectors import account_memberships
from plans.models import AccountPlan, Action

from .accounts import plan_for_year

DECISION_ROLES = (Contact.DecisionRole.DECISION_MAKER, Contact.DecisionRole.ECONOMIC_BUYER)
NOT_MET_DAYS = 90


def _by_account(qs, account_field: str, **aggregates) -> dict[int, tuple]:
    """account id -> the aggregates, in their order (tuples: thousands of rows)."""
    rows = qs.values(account_field).annotate(**aggregates).order_by()
    return {row[0]: row[1:] for row in rows.values_list(account_field, *aggregates)}


def kam_workload(*, user: User) -> list[dict[str, Any]]:
    """Per person with visible accounts: load, coverage and gaps (a KAM sees only themself)."""
    now = timezone.now()
    today = timezone.localdate()
    accounts = account_scope(user=user)
    facts = {
        pk: (owner_id, is_key, revenue)
        for pk, owner_id, is_key, revenue in accounts.values_list(
            "pk", "owner_id", "is_key", "ttm_revenue"
        )
    }
    people: dict[int | None, Iterable[int]] = dict(account_memberships(accounts=accounts).items())
    if sees_every_account(user):
        people[None] = [pk for pk, (owner_id, _, _) in facts.items() if owner_id is None]
    else:
        people = {user.pk: people.get(user.pk, set())}
    interactions = _by_account(
        Interaction.objects.filter(
            account__in=accounts, occurred_at__gte=now - dt.timedelta(days=90)
        ),
        "account_id",
        last_30=Count("pk", filter=Q(occurred_at__gte=now - dt.timedelta(days=30))),
        last_90=Count("pk"),
    )
    met_recently = Interaction.contacts.through.objects.filter(
        contact_id=OuterRef("pk"),
        interaction__occurred_at__gte=now - dt.timedelta(days=NOT_MET_DAYS),
        interaction__deleted_at__isnull=True,  # a join: Interaction's manager is not applied
    )
    not_met = _by_account(
        Contact.objects.filter(
            account__in=accounts, account__is_key=True, decision_role__in=DECISION_ROLES
        ).filter(~Exists(met_recently)),
        "account_id",
        n=Count("pk"),
    )
    overdue = _by_account(
        Action.objects.filter(plan__account__in=accounts, status=Action.Status.OPEN, due__lt=today),
        "plan__account_id",
        n=Count("pk"),
    )
    planned = AccountPlan.objects.filter(plan_for_year(today.year), account_id=OuterRef("pk"))
    no_plan = set(
        accounts.filter(~Exists(planned.exclude(status=AccountPlan.Status.CLOSED))).values_list(
            "pk", flat=True
        )
    )
    owners: dict[int | None, User] = {
        u.pk: u for u in User.objects.filter(pk__in=[k for k in people if k is not None])
    }
    rows = []
    none = (0, 0)
    for person_id, ids in people.items():
        ids = [pk for pk in ids if pk in facts]
        if not ids:
            continue
        revenues = [r for pk in ids if (r := facts[pk][2]) is not None]
        talks = [interactions.get(pk, none) for pk in ids]
        rows.append(
            {
                "owner": owners.get(person_id),
                "owner_id": person_id,
                "accounts": len(ids),
                "key_accounts": sum(1 for pk in ids if facts[pk][1]),
                "revenue": sum(revenues, Decimal(0)) if revenues else None,
                "interactions_30": sum(t[0] for t in talks),
                "interactions_90": sum(t[1] for t in talks),
                "key_people_not_met": sum(not_met.get(pk, none)[0] for pk in ids),
                "overdue_actions": sum(overdue.get(pk, none)[0] for pk in ids),
                "without_plan": len(no_plan.intersection(ids)),
            }
        )
    # Unowned accounts last; the most loaded KAM first.
    rows.sort(key=lambda r: (r["owner"] is None, -(r["revenue"] or 0), -r["accounts"]))
    return rows
