"""The health part of the demo's story (issue 14): a few ordinary accounts that slip.

Each was met every month — its decision maker among the people in the room — until about
19 months ago; since then nobody has met anyone there, and from 13 months ago its revenue
falls by ~15 % a month. The health card shows a falling score with the reasons (decision
maker not met, no activity, revenue down), and the backtest over the demo's history finds
those at-risk months followed by falls: a lift of "at risk" over the base rate. Then the
health snapshots are computed every two weeks over the last 12 weeks, so the cards have a
history. Everything is written in bulk (a fixed number of queries, whatever the size).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import connection

from accounts.models import Account, Contact, Interaction
from reports.health.compute import account_health_compute
from reports.metrics.periods import add_months
from reports.models import RevenueLine

if TYPE_CHECKING:
    from .builder import DemoBuilder

UNMET_MONTHS = 19  # months since anyone met the account
SLIP_MONTHS = 13  # months since its revenue started to fall
MONTHLY_FALL = 0.85
SLIPPING_EVERY = 7  # one ordinary account in this many slips (the backtest shows a lift)
SNAPSHOT_WEEKS = (12, 10, 8, 6, 4, 2, 0)
RU_NAMES = ["Ирина Волкова", "Олег Смирнов"]
EN_NAMES = ["Anna Weber", "Mark Hill"]


def _delete_interactions(account_ids: list[int]) -> None:
    """The chosen accounts' demo interactions, gone in two statements: a QuerySet.delete()
    would write a history row per interaction (simple-history's signal), a query each."""
    if not account_ids:  # a small demo may have no ordinary account to spare
        return
    gone = Interaction.all_objects.filter(account_id__in=account_ids).values("pk")
    Interaction.contacts.through.objects.filter(interaction__in=gone).delete()
    sql, params = gone.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Interaction._meta.db_table} WHERE id IN ({sql})", params)


def plant_health_story(builder: DemoBuilder) -> None:
    """Rewrite the history of ~1 in 7 ordinary active accounts as a slow slip, then compute
    health snapshots for every account."""
    rng = random.Random(f"health-{builder.n}-{builder.as_of}")  # leaves the builder's alone
    as_of = builder.as_of
    pool = [
        p
        for p in builder.plans
        if not p.key and p.owner and p.status == Account.Status.ACTIVE and p.parent is None
    ]
    chosen = rng.sample(pool, min(len(pool), max(4, builder.n // SLIPPING_EVERY)))
    ids = [p.account.pk for p in chosen]
    RevenueLine.objects.filter(account_id__in=ids).delete()
    _delete_interactions(ids)
    Contact.objects.filter(account_id__in=ids, decision_role__in=("decision_maker",)).update(
        decision_role="influencer"
    )
    category = next(c for c in builder.categories if c.active)
    this_month = as_of.replace(day=1)
    first = dt.date(*builder.months[0], 1)
    unmet_from = add_months(this_month, -UNMET_MONTHS)
    slip_from = add_months(this_month, -SLIP_MONTHS)

    deciders = []
    for plan in chosen:
        ru = plan.russian
        deciders.append(
            Contact(
                account=plan.account,
                name=rng.choice(
                    ["Ирина Волкова", "Олег Смирнов"] if ru else ["Anna Weber", "Mark Hill"]
                ),
                position="Генеральный директор" if ru else "Managing director",
                decision_role=Contact.DecisionRole.DECISION_MAKER,
                influence=5,
                attitude=Contact.Attitude.NEUTRAL,
            )
        )
    builder._copy_objects(Contact, deciders, "contacts")

    lines, meetings, people = [], [], []
    seq = 0
    for plan, decider in zip(chosen, deciders, strict=True):
        owner = plan.owner or ""
        monthly = rng.uniform(150_000, 400_000) / 12
        month = first
        while month <= this_month:
            level = monthly * rng.uniform(0.95, 1.05)
            if month >= slip_from:
                level *= MONTHLY_FALL ** (
                    (month.year - slip_from.year) * 12 + month.month - slip_from.month + 1
                )
            day = min(month.replace(day=rng.randint(3, 25)), as_of)
            amount = Decimal(f"{level:.2f}")
            cost = (amount * Decimal("0.75")).quantize(Decimal("0.01"))
            seq += 1
            lines.append(
                (
                    f"HS-{plan.account.pk}-{seq:06d}", plan.account.pk, category.pk, day,
                    amount, builder.base, amount, cost, cost, Decimal(1), None,
                    builder.now, builder.now,
                )
            )  # fmt: skip
            if month < unmet_from and month >= add_months(first, 2):
                meeting = Interaction(
                    account=plan.account,
                    author=builder.users[owner],
                    kind=Interaction.Kind.MEETING,
                    occurred_at=builder._when(month.replace(day=rng.randint(5, 25))),
                    subject="Квартальная встреча" if plan.russian else "Monthly review",
                    summary="Обсудили объёмы"
                    if plan.russian
                    else "Went through volumes and service",
                )
                meetings.append(meeting)
                people.append((meeting, [decider]))
            month = add_months(month, 1)
    from .builder import LINE_FIELDS

    builder._copy(RevenueLine, LINE_FIELDS, lines, "revenue lines")
    builder._copy_objects(Interaction, meetings, "interactions")
    builder._participants(people)
    builder.counts["slipping accounts (health)"] = len(chosen)

    for weeks in SNAPSHOT_WEEKS:
        account_health_compute(as_of=as_of - dt.timedelta(weeks=weeks))
    builder.counts["health snapshots"] = len(SNAPSHOT_WEEKS)
