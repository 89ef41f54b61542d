"""A plan's real progress beside how filled in it is: objectives achieved of those due,
actions done on time of those due."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from plans.models import Action, Objective
from plans.selectors import account_plan_progress
from tests.factories import AccountFactory, AccountPlanFactory, ActionFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


@pytest.fixture
def plan(kam_user):
    plan = AccountPlanFactory(account=AccountFactory(owner=kam_user))
    day = dt.timedelta(days=1)
    # Objectives: one achieved early (not yet due), one missed, one open past due, one
    # open not yet due (not counted).
    ObjectiveFactory(plan=plan, due=TODAY + 30 * day, status=Objective.Status.ACHIEVED)
    ObjectiveFactory(plan=plan, due=TODAY - day, status=Objective.Status.MISSED)
    ObjectiveFactory(plan=plan, due=TODAY - 5 * day, status=Objective.Status.OPEN)
    ObjectiveFactory(plan=plan, due=TODAY + day, status=Objective.Status.OPEN)
    # Actions: on time, late, overdue and open, cancelled (not counted), not yet due.
    ActionFactory(
        plan=plan, due=TODAY - 3 * day, status=Action.Status.DONE, completed_at=_at(TODAY - 4 * day)
    )
    ActionFactory(
        plan=plan, due=TODAY - 3 * day, status=Action.Status.DONE, completed_at=_at(TODAY - day)
    )
    ActionFactory(plan=plan, due=TODAY - 2 * day, status=Action.Status.OPEN)
    ActionFactory(plan=plan, due=TODAY - 2 * day, status=Action.Status.CANCELLED)
    ActionFactory(plan=plan, due=TODAY + 2 * day, status=Action.Status.OPEN)
    return plan


def test_progress_counts_objectives_achieved_and_actions_done_on_time(plan):
    assert account_plan_progress(plan=plan, today=TODAY) == {
        "objectives_due": 3,
        "objectives_achieved": 1,
        "actions_due": 3,
        "actions_on_time": 1,
    }


def test_an_empty_plan_has_nothing_due(kam_user):
    plan = AccountPlanFactory(account=AccountFactory(owner=kam_user))
    assert account_plan_progress(plan=plan, today=TODAY) == {
        "objectives_due": 0,
        "objectives_achieved": 0,
        "actions_due": 0,
        "actions_on_time": 0,
    }


@pytest.mark.parametrize("language", ["en", "ru"])
def test_plan_page_shows_filled_in_and_progress_side_by_side(client, kam_user, language):
    plan = AccountPlanFactory(account=AccountFactory(owner=kam_user))
    ObjectiveFactory(
        plan=plan, due=timezone.localdate() - dt.timedelta(days=1), status=Objective.Status.MISSED
    )
    client.force_login(kam_user)
    html = client.get(f"/plans/{plan.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    if language == "en":
        assert "Plan filled in: " in html and "% complete" not in html
        assert "objectives achieved 0 of 1 due" in html
    else:
        assert "План заполнен: " in html and "целей достигнуто 0 из 1 к сроку" in html
