"""Relationship stories of the demo (accounts/coverage.py shows them on the org chart).

- The biggest key account with recent meetings becomes **single-threaded**: nearly every
  interaction of the last 90 days went through one person (the buyer everyone calls).
- The next one has its **decision makers unmet** for four months: they were met once,
  about 130 days ago, and left out of every meeting since.
- Key accounts get a few links between their people (influences, close to, rivals).

Its own random stream, so the rest of the demo stays exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from django.db.models import Count

from accounts.coverage import DECIDERS, WINDOW_DAYS
from accounts.models import Account, Contact, ContactLink, Interaction

if TYPE_CHECKING:
    from .builder import DemoBuilder, Plan


def plant_coverage_stories(builder: DemoBuilder) -> None:
    rng = random.Random(f"coverage:{builder.n}:{builder.as_of.isoformat()}")
    start = builder.as_of - dt.timedelta(days=WINDOW_DAYS)
    since = dt.datetime(start.year, start.month, start.day, tzinfo=builder.tz)
    plans = [
        p
        for p in builder.plans
        if p.key and p.owner and len(p.contacts) >= 4 and p.status == Account.Status.ACTIVE
    ]
    recent = dict(
        Interaction.objects.filter(account__in=[p.account for p in plans], occurred_at__gte=since)
        .values("account_id")
        .annotate(n=Count("pk"))
        .values_list("account_id", "n")
    )
    lively = [p for p in plans if recent.get(p.account.pk, 0) >= 3]  # by rank: biggest first
    if len(lively) >= 2:
        _single_threaded(builder, lively[0], since, recent[lively[0].account.pk])
        _deciders_unmet(builder, lively[1], since)
    _links(builder, plans, rng)


def _single_threaded(builder: DemoBuilder, plan: Plan, since: dt.datetime, recent: int) -> None:
    """Every recent interaction with one person, but one in five with someone else alone;
    calls to that person make at least six, so the pattern is plain to see."""
    main = next((c for c in plan.contacts if c.is_primary), plan.contacts[0])
    others = [c for c in plan.contacts if c.pk != main.pk]
    assert plan.owner is not None
    calls = [
        Interaction(
            account=plan.account,
            author=builder.users[plan.owner],
            kind=Interaction.Kind.CALL,
            occurred_at=dt.datetime.combine(
                builder.as_of - dt.timedelta(days=7 + 11 * k), dt.time(10), tzinfo=builder.tz
            ),
            subject="Звонок по поставкам" if plan.russian else "Call about deliveries",
            summary="Сроки поставки и остатки" if plan.russian else "Delivery dates and stock",
        )
        for k in range(max(0, 6 - recent))
    ]
    builder._bulk(Interaction, calls, "interactions")
    ids = list(
        Interaction.objects.filter(account=plan.account, occurred_at__gte=since)
        .order_by("occurred_at", "pk")
        .values_list("pk", flat=True)
    )
    through = Interaction.contacts.through
    through.objects.filter(interaction_id__in=ids).delete()
    through.objects.bulk_create(
        through(interaction_id=pk, contact_id=(others[i % len(others)] if i % 5 == 4 else main).pk)
        for i, pk in enumerate(ids)
    )


def _deciders_unmet(builder: DemoBuilder, plan: Plan, since: dt.datetime) -> None:
    """The decision makers and economic buyers: left out of the last 90 days' meetings,
    last met at one meeting about 130 days ago."""
    deciders = [c for c in plan.contacts if c.decision_role in DECIDERS]
    if not deciders:
        return
    through = Interaction.contacts.through
    through.objects.filter(
        interaction__account=plan.account,
        interaction__occurred_at__gte=since,
        contact__in=deciders,
    ).delete()
    # A recent interaction left with nobody keeps someone else there.
    others = [c for c in plan.contacts if c not in deciders] or plan.contacts
    empty = Interaction.objects.filter(
        account=plan.account, occurred_at__gte=since, contacts__isnull=True
    ).values_list("pk", flat=True)
    through.objects.bulk_create(through(interaction_id=pk, contact=others[0]) for pk in empty)
    assert plan.owner is not None
    meeting = Interaction(
        account=plan.account,
        author=builder.users[plan.owner],
        kind=Interaction.Kind.MEETING,
        occurred_at=dt.datetime.combine(
            builder.as_of - dt.timedelta(days=130), dt.time(11), tzinfo=builder.tz
        ),
        subject="Стратегическая сессия" if plan.russian else "Strategy session",
        summary="Годовой план закупок" if plan.russian else "Next year's purchasing plan",
        sentiment=Interaction.Sentiment.POSITIVE,
    )
    builder._bulk(Interaction, [meeting], "interactions")
    through.objects.bulk_create(through(interaction_id=meeting.pk, contact=c) for c in deciders)


def _links(builder: DemoBuilder, plans: list[Plan], rng: random.Random) -> None:
    links: list[ContactLink] = []
    seen: set[tuple[int, int, str]] = set()

    def add(a: Contact, b: Contact, kind: str) -> None:
        key = (a.pk, b.pk, kind)
        both = {key, (b.pk, a.pk, kind)} if kind != ContactLink.Kind.INFLUENCES else {key}
        if a.pk != b.pk and not seen & both:
            seen.add(key)
            links.append(ContactLink(from_contact=a, to_contact=b, kind=kind))

    for plan in plans:
        people = plan.contacts
        top = people[0]
        add(rng.choice(people[1:]), top, ContactLink.Kind.INFLUENCES)
        a, b = rng.sample(people, 2)
        add(a, b, ContactLink.Kind.CLOSE_TO)
        if rng.random() < 0.4:
            a, b = rng.sample(people[1:], 2)
            add(a, b, ContactLink.Kind.RIVALS)
    builder._bulk(ContactLink, links, "contact links")
