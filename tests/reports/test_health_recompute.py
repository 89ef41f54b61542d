"""A KAM's change recomputes that account's health in the same request."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import Contact
from accounts.services import contact_update, interaction_log
from plans.models import Action
from plans.services import action_complete
from reports.models import AccountHealth
from tests.factories import AccountFactory, AccountPlanFactory, ActionFactory, ContactFactory

pytestmark = pytest.mark.django_db


def today_row(account):
    return AccountHealth.objects.get(account=account, date=timezone.localdate())


def by_key(row):
    return {c["key"]: c for c in row.components}


def test_logging_an_interaction_recomputes_that_account_only():
    a, other = AccountFactory(), AccountFactory()
    interaction_log(user=a.owner, account=a, summary="Visit")
    assert by_key(today_row(a))["activity"]["value"] == 1
    assert not AccountHealth.objects.filter(account=other).exists()
    interaction_log(user=a.owner, account=a, summary="Call")
    assert by_key(today_row(a))["activity"]["value"] == 2
    assert AccountHealth.objects.filter(account=a).count() == 1


def test_changing_a_contact_recomputes():
    a = AccountFactory()
    c = ContactFactory(account=a, influence=4)
    contact_update(user=a.owner, contact=c, attitude=Contact.Attitude.DETRACTOR)
    assert by_key(today_row(a))["attitude"]["score"] == 0


def test_ticking_an_action_recomputes():
    a = AccountFactory()
    plan = AccountPlanFactory(
        account=a,
        status="active",
        period_start=timezone.localdate().replace(month=1, day=1),
        period_end=timezone.localdate().replace(month=12, day=31),
    )
    action = ActionFactory(plan=plan, due=timezone.localdate())
    action_complete(user=a.owner, action=action)
    assert Action.objects.get(pk=action.pk).status == "done"
    assert by_key(today_row(a))["plan_execution"]["score"] == 100


def test_deleting_an_interaction_recomputes():
    from accounts.services import account_record_delete

    a = AccountFactory()
    logged = interaction_log(user=a.owner, account=a, summary="Visit")
    assert by_key(today_row(a))["activity"]["value"] == 1
    account_record_delete(user=a.owner, record=logged, account=a)
    assert by_key(today_row(a))["activity"]["value"] == 0
