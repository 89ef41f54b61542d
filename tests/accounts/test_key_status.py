"""Key status (DESIGN.md): a person marking an account strategic makes it key at once; the
services and the nightly write-down share one rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Account
from accounts.services import account_create, account_is_key, account_update
from reports.metrics.run import recompute_metrics
from reports.metrics.writedown import accounts_write_down
from tests.factories import AccountFactory, ProductCategoryFactory, RevenueLineFactory

pytestmark = pytest.mark.django_db


def facts(external_id: str, *, tier: str = "", revenue: str | None = None, **kw) -> Account:
    """An account with ttm facts as the nightly job writes them down."""
    return AccountFactory(
        external_id=external_id,
        tier=tier,
        ttm_revenue=None if revenue is None else Decimal(revenue),
        **kw,
    )


def stored(account: Account) -> Account:
    return Account.objects.get(pk=account.pk)


def test_marking_an_account_strategic_makes_it_key_at_once(kam_user):
    account = facts("SMALL", tier="C", revenue="1.00", owner=kam_user)
    facts("BIG", tier="A", revenue="99.00")
    assert not stored(account).is_key
    rows_before = account.history.count()

    account_update(user=kam_user, account=account, strategic=True)

    assert stored(account).is_key  # no nightly run needed
    # One history row records both: the person's change and what it made of the account.
    assert account.history.count() == rows_before + 1
    latest = account.history.latest()
    assert (latest.strategic, latest.is_key) == (True, True)


def test_unmarking_strategic_leaves_key_what_the_ttm_facts_say(kam_user):
    # ttm total 100.00: tier A stays key; exactly 10 % stays key (≥, compared exactly);
    # 9.99 % is not key any more.
    tier_a = facts("A", tier="A", revenue="70.00", owner=kam_user, strategic=True, is_key=True)
    ten = facts("TEN", tier="B", revenue="10.00", owner=kam_user, strategic=True, is_key=True)
    below = facts("LOW", tier="B", revenue="9.99", owner=kam_user, strategic=True, is_key=True)
    facts("REST", tier="B", revenue="10.01")
    for account in (tier_a, ten, below):
        account_update(user=kam_user, account=account, strategic=False)
    assert [stored(a).is_key for a in (tier_a, ten, below)] == [True, True, False]


def test_an_account_created_strategic_is_key(head_user):
    account = account_create(user=head_user, external_id="NEW", name="New Ally", strategic=True)
    assert stored(account).is_key
    plain = account_create(user=head_user, external_id="NEW-2", name="Someone")
    assert not stored(plain).is_key


def test_a_rejected_change_leaves_strategic_and_key_as_they_were(kam_user):
    account = facts("X", tier="C", revenue="1.00", owner=kam_user)
    with pytest.raises(ValidationError) as err:
        account_update(
            user=kam_user, account=account, strategic=True, potential_annual=Decimal("-1")
        )
    assert "potential_annual" in err.value.message_dict
    assert (stored(account).strategic, stored(account).is_key) == (False, False)


def test_the_service_and_the_nightly_write_down_share_one_key_rule(kam_user):
    category = ProductCategoryFactory()
    accounts = {}
    for external_id, amount in (("W", "850.00"), ("M", "100.00"), ("S1", "25.00"), ("S2", "25.00")):
        accounts[external_id] = AccountFactory(external_id=external_id, owner=kam_user)
        RevenueLineFactory(
            account=accounts[external_id],
            category=category,
            date=dt.date(2025, 6, 1),
            amount=Decimal(amount),
            amount_base=Decimal(amount),
        )
    recompute_metrics(as_of=dt.date(2025, 11, 26))
    # W tier A; M exactly 10 % of 1000 (key by share); S1, S2 neither.
    assert {x: stored(a).is_key for x, a in accounts.items()} == {
        "W": True,
        "M": True,
        "S1": False,
        "S2": False,
    }
    account_update(user=kam_user, account=stored(accounts["S1"]), strategic=True)
    account_update(user=kam_user, account=stored(accounts["M"]), strategic=True)
    account_update(user=kam_user, account=stored(accounts["M"]), strategic=False)
    assert stored(accounts["S1"]).is_key and stored(accounts["M"]).is_key
    # The nightly job, applying its rule to the same facts, finds nothing to change.
    assert accounts_write_down() == 0
    account_update(user=kam_user, account=stored(accounts["S1"]), strategic=False)
    assert accounts_write_down() == 0
    assert not stored(accounts["S1"]).is_key


def test_the_key_rule_reads_the_total_only_when_the_share_decides():
    def no_total() -> Decimal:
        raise AssertionError("the total was not needed")

    assert account_is_key(strategic=True, tier="", ttm_revenue=None, ttm_total=no_total)
    assert account_is_key(strategic=False, tier="A", ttm_revenue=None, ttm_total=no_total)
    assert not account_is_key(
        strategic=False, tier="C", ttm_revenue=Decimal("-5"), ttm_total=no_total
    )
    assert account_is_key(
        strategic=False, tier="B", ttm_revenue=Decimal("10"), ttm_total=lambda: Decimal("100")
    )
    assert not account_is_key(
        strategic=False, tier="B", ttm_revenue=Decimal("10"), ttm_total=lambda: Decimal("100.01")
    )
