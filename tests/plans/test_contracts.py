"""Contracts: the rules of their dates, parties and renewal (plans.services, selectors)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from plans import selectors, services
from plans.models import Contract
from tests import factories as f

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _create(kam, account, **fields):
    values = {
        "number": "K-1",
        "title": "Frame agreement",
        "start_date": dt.date(2026, 1, 1),
        "end_date": dt.date(2026, 12, 31),
        **fields,
    }
    return services.contract_create(user=kam, account=account, **values)


@pytest.fixture
def kam():
    return f.UserFactory(role="kam")


@pytest.fixture
def account(kam):
    return f.AccountFactory(owner=kam)


def test_a_contract_ends_after_it_starts(kam, account):
    with pytest.raises(ValidationError) as error:
        _create(kam, account, end_date=dt.date(2025, 12, 31))
    assert "end_date" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _create(kam, account, end_date=dt.date(2026, 1, 1))
    assert "end_date" in error.value.message_dict


def test_the_notice_date_falls_before_the_end_inside_the_contract(kam, account):
    with pytest.raises(ValidationError) as error:
        _create(kam, account, notice_days=400)
    assert "notice_days" in error.value.message_dict
    contract = _create(kam, account, notice_days=90)
    assert contract.notice_date == dt.date(2026, 10, 2)
    with pytest.raises(ValidationError) as error:
        services.contract_update(user=kam, contract=contract, notice_days=364)
    assert "notice_days" in error.value.message_dict


def test_signatory_and_tender_come_from_the_same_account(kam, account):
    stranger = f.ContactFactory()
    with pytest.raises(ValidationError) as error:
        _create(kam, account, client_signatory=stranger)
    assert "client_signatory" in error.value.message_dict
    other_tender = f.TenderFactory(stage="won", outcome_reason="price")
    with pytest.raises(ValidationError) as error:
        _create(kam, account, tender=other_tender)
    assert "tender" in error.value.message_dict
    open_tender = f.TenderFactory(account=account)
    with pytest.raises(ValidationError) as error:
        _create(kam, account, tender=open_tender)
    assert "won" in error.value.message_dict["tender"][0]
    won = f.TenderFactory(account=account, stage="won", outcome_reason="price")
    signatory = f.ContactFactory(account=account)
    contract = _create(kam, account, tender=won, client_signatory=signatory, our_signatory=kam)
    assert contract.tender == won and contract.currency == "RUB"


def test_numbers_are_unique_per_account_and_contracts_keep_a_history(kam, account):
    contract = _create(kam, account)
    with pytest.raises(ValidationError) as error:
        _create(kam, account)
    assert "number" in error.value.message_dict
    _create(kam, f.AccountFactory(owner=kam))  # another account may use the number
    services.contract_update(user=kam, contract=contract, status="active")
    assert contract.history.count() == 2


def test_another_kam_cannot_write_or_see_a_contract(kam, account):
    contract = _create(kam, account)
    other = f.UserFactory(role="kam")
    with pytest.raises(PermissionDenied):
        services.contract_update(user=other, contract=contract, title="Mine")
    assert not selectors.contract_scope(user=other).exists()
    assert selectors.contract_scope(user=f.UserFactory(role="head")).count() == 1
    assert not selectors.contract_scope(user=f.UserFactory(role="integration")).exists()


def test_renewing_runs_from_60_days_before_the_notice_date_until_the_end(kam, account):
    today = TODAY()

    def contract(end_in: int, notice: int, status: str = "active") -> Contract:
        return f.ContractFactory(
            account=account,
            end_date=today + dt.timedelta(days=end_in),
            notice_days=notice,
            status=status,
        )

    inside = contract(100, 40)  # notice in 60 days: the first renewing day
    ending_today = contract(0, 10)
    too_early = contract(101, 40)  # notice in 61 days
    contract(-1, 10)  # ended yesterday
    contract(30, 0, status="draft")  # not live
    renewing = list(selectors.contracts_renewing(user=kam))
    assert renewing == [ending_today, inside]
    assert inside.is_renewing() and not too_early.is_renewing()
