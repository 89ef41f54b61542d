"""Relationship coverage (accounts/coverage.py): the strength formula, each gap and the
single-threaded boundary, on hand-built interactions whose right answer is known."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.coverage import (
    account_coverage,
    contact_coverage,
    coverage_for_accounts,
    strength,
)
from accounts.models import Contact
from accounts.services import contact_link_create
from tests.factories import AccountFactory, ContactFactory, InteractionFactory, UserFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 30)


def at(days_before: int, hour: int = 12) -> dt.datetime:
    """Noon (local) `days_before` days before AS_OF."""
    day = AS_OF - dt.timedelta(days=days_before)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def meet(account, author, *contacts, days_before: int, **kwargs):
    interaction = InteractionFactory(
        account=account, author=author, occurred_at=at(days_before), **kwargs
    )
    interaction.contacts.set(contacts)
    return interaction


@pytest.fixture
def anna(db):
    return UserFactory(username="anna", first_name="Anna", last_name="Petrova")


@pytest.fixture
def ivan(db):
    return UserFactory(username="ivan", first_name="Ivan", last_name="Orlov")


@pytest.fixture
def acme(anna, ivan):
    account = AccountFactory(owner=anna, name="Acme")
    account.team.add(ivan)
    return account


def gaps_of(account, user, as_of=AS_OF) -> dict:
    return {g.kind: g for g in account_coverage(user=user, account=account, as_of=as_of).gaps}


# --- the strength formula --------------------------------------------------------------
@pytest.mark.parametrize(
    ("days", "count", "expected"),
    [
        (0, 6, 100),  # met today, six times in 90 days: full
        (0, 9, 100),  # f is capped at 1
        (0, 0, 60),  # (count 0 cannot happen with days 0, but the formula is defined)
        (0, 1, 67),  # 60 + 6.67 = 66.67
        (45, 3, 65),  # 0.6·0.75 + 0.4·0.5 = 0.65
        (90, 1, 37),  # 30 + 6.67 = 36.67
        (179, 0, 0),  # 100·0.6/180 = 0.33 → 0
        (180, 0, 0),  # r reaches 0
        (400, 0, 0),  # and stays there (never negative)
        (1, 0, 60),  # 59.67 rounds up
    ],
)
def test_strength_formula(days, count, expected):
    assert strength(days_since=days, interactions_90d=count) == expected


def test_strength_from_hand_built_interactions(acme, anna, ivan):
    boss = ContactFactory(account=acme, name="Boss")
    for days in (10, 30, 60, 200):  # three inside 90 days, the latest 10 days ago
        meet(acme, anna, boss, days_before=days)
    meet(acme, ivan, boss, days_before=120)  # outside 90 days: r only
    cc = contact_coverage(user=anna, contact=boss, as_of=AS_OF)
    by_user = {c.username: c for c in cc.covers}
    # anna: r = 1 − 10/180, f = 3/6 → 100·(0.6·0.9444 + 0.2) = 76.67 → 77
    assert by_user["anna"].strength == 77
    assert by_user["anna"].interactions_90d == 3
    assert by_user["anna"].last_met == AS_OF - dt.timedelta(days=10)
    assert by_user["anna"].band == "strong"
    # ivan: r = 1 − 120/180 = 1/3, f = 0 → 20
    assert by_user["ivan"].strength == 20 and by_user["ivan"].band == "weak"
    assert [c.username for c in cc.covers] == ["anna", "ivan"]  # strongest first
    assert cc.interactions_90d == 3 and cc.days_since == 10


def test_ninety_days_is_inside_the_window_ninety_one_outside(acme, anna):
    boss = ContactFactory(account=acme)
    meet(acme, anna, boss, days_before=90)
    meet(acme, anna, boss, days_before=91)
    cover = contact_coverage(user=anna, contact=boss, as_of=AS_OF).covers[0]
    assert cover.interactions_90d == 1
    assert cover.days_since == 90


def test_later_and_deleted_interactions_are_not_seen(acme, anna):
    boss = ContactFactory(account=acme)
    meet(acme, anna, boss, days_before=20)
    meet(acme, anna, boss, days_before=-3)  # after as_of
    deleted = meet(acme, anna, boss, days_before=1)
    deleted.deleted_at = timezone.now()
    deleted.save(update_fields=["deleted_at"])
    cover = contact_coverage(user=anna, contact=boss, as_of=AS_OF).covers[0]
    assert cover.days_since == 20 and cover.interactions_90d == 1


def test_a_contact_nobody_met_has_no_cover(acme, anna):
    nobody = ContactFactory(account=acme)
    cc = contact_coverage(user=anna, contact=nobody, as_of=AS_OF)
    assert cc.covers == [] and cc.last_met is None and cc.interactions_90d == 0


# --- gaps --------------------------------------------------------------------------------
def test_no_champion_gap_until_someone_is_marked_champion(acme, anna):
    buyer = ContactFactory(account=acme, decision_role=Contact.DecisionRole.USER)
    assert "no_champion" in gaps_of(acme, anna)
    buyer.decision_role = Contact.DecisionRole.CHAMPION
    buyer.save()
    assert "no_champion" not in gaps_of(acme, anna)


def test_unmet_decision_makers_are_named(acme, anna):
    ContactFactory(account=acme, name="Champ", decision_role="champion")
    boss = ContactFactory(account=acme, name="Olga Boss", decision_role="decision_maker")
    money = ContactFactory(account=acme, name="Petr Money", decision_role="economic_buyer")
    met = ContactFactory(account=acme, name="Met Lately", decision_role="decision_maker")
    meet(acme, anna, boss, days_before=95)
    meet(acme, anna, met, days_before=90)
    gap = gaps_of(acme, anna)["unmet_decider"]
    assert set(gap.contacts) == {boss.pk, money.pk}
    assert "Olga Boss (decision maker, last met 95 days ago)" in gap.message
    assert "Petr Money (economic buyer, never met)" in gap.message
    assert "Met Lately" not in gap.message


def test_single_threaded_at_exactly_seventy_percent(acme, anna, ivan):
    ContactFactory(account=acme, decision_role="champion")
    main, other = ContactFactory(account=acme, name="Main Man"), ContactFactory(account=acme)
    for day in range(7):
        meet(acme, anna, main, days_before=day + 1)
    for day in range(3):
        meet(acme, ivan, other, days_before=day + 1)
    gap = gaps_of(acme, anna)["single_threaded"]  # 7 of 10 = 70 %: in
    assert gap.contacts == (main.pk,)
    assert "Main Man was in 7 of the 10 interactions" in gap.message
    assert "(70 %)" in gap.message
    meet(acme, ivan, other, days_before=5)  # 7 of 11 = 63.6 %: out
    assert "single_threaded" not in gaps_of(acme, anna)


def test_single_threaded_counts_interactions_without_contacts_in_the_whole(acme, anna):
    main = ContactFactory(account=acme)
    for day in range(7):
        meet(acme, anna, main, days_before=day + 1)
    for day in range(4):
        meet(acme, anna, days_before=day + 1)  # a call logged without a contact
    assert "single_threaded" not in gaps_of(acme, anna)  # 7 of 11


def test_not_single_threaded_with_fewer_than_three_interactions(acme, anna):
    main = ContactFactory(account=acme)
    meet(acme, anna, main, days_before=3)
    meet(acme, anna, main, days_before=4)  # 2 of 2 = 100 %, but only two
    assert "single_threaded" not in gaps_of(acme, anna)
    meet(acme, anna, main, days_before=5)
    assert "single_threaded" in gaps_of(acme, anna)
    # Interactions older than 90 days do not count toward the three.
    assert "single_threaded" not in gaps_of(acme, anna, as_of=AS_OF + dt.timedelta(days=88))


def test_one_person_holds_every_relationship(acme, anna, ivan):
    a, b = ContactFactory(account=acme, name="Alpha"), ContactFactory(account=acme, name="Beta")
    meet(acme, anna, a, days_before=5)
    meet(acme, anna, b, days_before=50)
    meet(acme, ivan, b, days_before=200)  # too long ago: not a relationship any more
    gap = gaps_of(acme, anna)["one_person"]
    assert gap.users == ("anna",)
    assert set(gap.contacts) == {a.pk, b.pk}
    assert gap.message.startswith("Anna Petrova holds every relationship (2 people)")
    meet(acme, ivan, b, days_before=100)
    assert "one_person" not in gaps_of(acme, anna)


def test_one_person_needs_two_people_covered(acme, anna):
    a = ContactFactory(account=acme)
    meet(acme, anna, a, days_before=5)
    assert "one_person" not in gaps_of(acme, anna)


def test_a_well_covered_account_has_no_gap(acme, anna, ivan):
    champ = ContactFactory(account=acme, decision_role="champion")
    boss = ContactFactory(account=acme, decision_role="decision_maker")
    meet(acme, anna, champ, days_before=5)
    meet(acme, ivan, boss, days_before=6)
    meet(acme, anna, boss, champ, days_before=7)
    assert gaps_of(acme, anna) == {}


# --- set-based -----------------------------------------------------------------------------
def test_many_accounts_cost_four_queries(anna):
    accounts = [AccountFactory(owner=anna) for _ in range(6)]
    for account in accounts:
        people = [ContactFactory(account=account) for _ in range(3)]
        for i, person in enumerate(people):
            meet(account, anna, person, days_before=i * 20)
        contact_link_create(
            user=anna, from_contact=people[0], to_contact=people[1], kind="influences"
        )
    with CaptureQueriesContext(connection) as queries:
        found = coverage_for_accounts(
            accounts=accounts, contacts=Contact.objects.all(), as_of=AS_OF
        )
    assert len(queries) == 4
    assert all(len(found[a.pk].contacts) == 3 and len(found[a.pk].links) == 1 for a in accounts)
