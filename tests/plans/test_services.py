"""The plans services called directly: each rule, the error it raises (naming the field),
and nothing half-written when it refuses. The API tests check permissions and shapes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import Account, User
from plans import services
from plans.models import AccountPlan, Action, Tender
from tests import factories as f
from tests.service_checks import assert_refused_naming, rows

pytestmark = pytest.mark.django_db


def _mine(kam: User) -> Account:
    return f.AccountFactory(owner=kam)


def _plan_reversed(kam: User):
    account = _mine(kam)
    return lambda: services.account_plan_create(
        user=kam,
        account=account,
        title="Plan",
        period_start=dt.date(2026, 12, 31),
        period_end=dt.date(2026, 1, 1),
    )


def _plan_moved(kam: User):
    plan, other = f.AccountPlanFactory(account=_mine(kam)), _mine(kam)
    return lambda: services.account_plan_update(user=kam, plan=plan, account=other, title="X")


def _action_foreign_objective(kam: User):
    plan = f.AccountPlanFactory(account=_mine(kam))
    objective = f.ObjectiveFactory(plan=f.AccountPlanFactory(account=plan.account))
    return lambda: services.action_save(
        user=kam, plan=plan, description="Call", objective=objective
    )


def _won_without_reason(kam: User):
    tender = f.TenderFactory(account=_mine(kam), stage=Tender.Stage.SUBMITTED)
    return lambda: services.tender_move_stage(user=kam, tender=tender, stage=Tender.Stage.WON)


def _tender_foreign_objective(kam: User):
    account = _mine(kam)
    objective = f.ObjectiveFactory(plan=f.AccountPlanFactory(account=_mine(kam)))
    return lambda: services.tender_create(user=kam, account=account, title="T", objective=objective)


def _objective_blank(kam: User):
    objective = f.ObjectiveFactory(plan=f.AccountPlanFactory(account=_mine(kam)))
    return lambda: services.objective_save(
        user=kam, plan=objective.plan, objective=objective, description=""
    )


REFUSALS = [
    ("plan period reversed", _plan_reversed, "period_end"),
    ("plan moved to another account", _plan_moved, "account"),
    ("action objective of another plan", _action_foreign_objective, "objective"),
    ("tender won without a reason", _won_without_reason, "outcome_reason"),
    ("tender objective of another account", _tender_foreign_objective, "objective"),
    ("objective without a description", _objective_blank, "description"),
]


@pytest.mark.parametrize(
    ("build", "field"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS]
)
def test_a_broken_rule_names_the_field_and_writes_nothing(build, field, kam_user):
    assert_refused_naming(build(kam_user), field)


def _plan_on_foreign_account(kam: User):
    account = f.AccountFactory()
    return lambda: services.account_plan_create(
        user=kam,
        account=account,
        title="Plan",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
    )


def _tender_moved_to_foreign_account(kam: User):
    tender, account = f.TenderFactory(account=_mine(kam)), f.AccountFactory()
    return lambda: services.tender_update(user=kam, tender=tender, account=account)


def _action_on_foreign_plan(kam: User):
    plan = f.AccountPlanFactory()
    return lambda: services.action_save(user=kam, plan=plan, description="Call")


PERMISSION_REFUSALS = [
    ("plan for another KAM's account", _plan_on_foreign_account),
    ("tender moved to another KAM's account", _tender_moved_to_foreign_account),
    ("action on another KAM's plan", _action_on_foreign_plan),
]


@pytest.mark.parametrize(
    "build", [c[1] for c in PERMISSION_REFUSALS], ids=[c[0] for c in PERMISSION_REFUSALS]
)
def test_a_refused_user_gets_permission_denied_and_nothing_changes(build, kam_user):
    call = build(kam_user)
    before = rows()
    with pytest.raises(PermissionDenied):
        call()
    assert rows() == before


def test_a_plan_is_owned_by_its_author_unless_the_owner_is_given(kam_user):
    period = {"period_start": dt.date(2026, 1, 1), "period_end": dt.date(2026, 12, 31)}
    account = _mine(kam_user)
    mine = services.account_plan_create(user=kam_user, account=account, title="A", **period)
    nobodys = services.account_plan_create(
        user=kam_user, account=account, title="B", owner=None, **period
    )
    assert AccountPlan.objects.get(pk=mine.pk).owner == kam_user
    assert AccountPlan.objects.get(pk=nobodys.pk).owner is None


def test_done_stamps_completion_and_reopening_clears_it(kam_user):
    action = f.ActionFactory(plan=f.AccountPlanFactory(account=_mine(kam_user)))
    services.action_complete(user=kam_user, action=action)
    action.refresh_from_db()
    done_at = action.completed_at
    assert action.status == Action.Status.DONE and done_at is not None
    # Another edit of a done action keeps the moment it was done.
    services.action_save(user=kam_user, plan=action.plan, action=action, description="Renamed")
    action.refresh_from_db()
    assert (action.description, action.completed_at) == ("Renamed", done_at)
    services.action_save(user=kam_user, plan=action.plan, action=action, status=Action.Status.OPEN)
    action.refresh_from_db()
    assert action.completed_at is None


def test_moving_a_tender_to_won_with_a_reason_dates_the_decision(kam_user):
    tender = f.TenderFactory(account=_mine(kam_user), stage=Tender.Stage.SUBMITTED)
    services.tender_move_stage(
        user=kam_user, tender=tender, stage=Tender.Stage.WON, reason="Best price"
    )
    tender.refresh_from_db()
    assert (tender.stage, tender.outcome_reason) == (Tender.Stage.WON, "Best price")
    assert tender.decision_date == timezone.localdate()
