"""The renewal reminder: an alert rule on a contract's notice date, fired once per date."""

from __future__ import annotations

import datetime as dt

import pytest

from reports.alerts import rules
from reports.alerts.services import alert_settings_get, alert_settings_update, alerts_evaluate
from reports.models import AlertFiring, Notification
from tests import factories as f

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 26)


def hits(as_of: dt.date = AS_OF) -> set[str]:
    return {h.key for h in rules.RULES["contract_notice"].evaluate(as_of, alert_settings_get())}


def contract(account, *, notice_in: int, notice_days: int = 30, status: str = "active"):
    notice = AS_OF + dt.timedelta(days=notice_in)
    return f.ContractFactory(
        account=account,
        start_date=dt.date(2025, 1, 1),
        end_date=notice + dt.timedelta(days=notice_days),
        notice_days=notice_days,
        status=status,
    )


def test_fires_for_live_contracts_whose_notice_date_is_within_the_threshold():
    account = f.AccountFactory()
    due = contract(account, notice_in=60)
    contract(account, notice_in=61)  # past the default 60 days
    contract(account, notice_in=-1)  # notice date passed (still renewing: the home card)
    contract(account, notice_in=10, status="negotiation")  # not live
    assert hits() == {f"contract:{due.pk}:{due.notice_date.isoformat()}"}


def test_the_threshold_is_the_heads():
    account = f.AccountFactory()
    near = contract(account, notice_in=5)
    contract(account, notice_in=20)
    alert_settings_update(user=f.UserFactory(role="head"), contract_notice_days=7)
    assert hits() == {f"contract:{near.pk}:{near.notice_date.isoformat()}"}


def test_two_nights_make_one_notification_a_moved_end_reminds_again():
    kam = f.UserFactory(role="kam")
    account = f.AccountFactory(owner=kam, name="Omega")
    item = contract(account, notice_in=30)
    alerts_evaluate(as_of=AS_OF, rules=["contract_notice"])
    alerts_evaluate(as_of=AS_OF + dt.timedelta(days=1), rules=["contract_notice"])
    alerts_evaluate(as_of=AS_OF + dt.timedelta(days=1), rules=["contract_notice"])
    notes = Notification.objects.filter(rule="contract_notice")
    assert [n.recipient for n in notes] == [kam]
    assert "Omega" in notes[0].message and item.number in notes[0].message
    # The contract is extended: a new notice date is a new reminder; the old one clears.
    item.end_date += dt.timedelta(days=20)
    item.save()
    alerts_evaluate(as_of=AS_OF + dt.timedelta(days=2), rules=["contract_notice"])
    assert Notification.objects.filter(rule="contract_notice").count() == 2
    assert AlertFiring.objects.filter(rule="contract_notice", cleared_at__isnull=True).count() == 1
