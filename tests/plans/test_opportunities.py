"""Opportunities: stage rules (won and lost need a reason), category by id, history,
and the stage probabilities (DESIGN defaults, the head's changes)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from plans import probabilities, services
from plans.models import Opportunity, StageProbability
from reports.models import ProductCategory
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def kam():
    return f.UserFactory(role="kam")


@pytest.fixture
def head():
    return f.UserFactory(role="head")


def _opp(kam, **kw):
    account = kw.pop("account", None) or f.AccountFactory(owner=kam)
    return services.opportunity_create(
        user=kam, account=account, title="Upsell", value=Decimal("1000"), **kw
    )


def test_new_opportunity_defaults_owner_currency_and_stage(kam, settings):
    opp = _opp(kam)
    assert opp.owner == kam
    assert opp.currency == settings.BASE_CURRENCY
    assert opp.stage == Opportunity.Stage.IDEA
    assert opp.probability is None
    assert opp.history.count() == 1


@pytest.mark.parametrize("stage", ["won", "lost"])
def test_won_or_lost_needs_a_reason(kam, stage):
    opp = _opp(kam, stage="proposal")
    with pytest.raises(ValidationError) as err:
        services.opportunity_move_stage(user=kam, opportunity=opp, stage=stage)
    assert "outcome_reason" in err.value.message_dict
    opp.refresh_from_db()
    assert opp.stage == "proposal"
    moved = services.opportunity_move_stage(user=kam, opportunity=opp, stage=stage, reason="Price")
    assert moved.stage == stage and moved.closed_on is not None
    reopened = services.opportunity_move_stage(user=kam, opportunity=moved, stage="negotiation")
    assert reopened.closed_on is None
    assert opp.history.count() == 3  # created, closed, reopened (the refusal wrote nothing)


def test_created_won_without_reason_is_refused(kam):
    with pytest.raises(ValidationError):
        _opp(kam, stage="won")
    assert not Opportunity.objects.exists()


def test_category_must_exist(kam):
    cat = ProductCategory.objects.create(code="C1", name="Cables")
    assert _opp(kam, category_id=cat.pk).category_id == cat.pk
    with pytest.raises(ValidationError) as err:
        _opp(kam, category_id=cat.pk + 999)
    assert "category_id" in err.value.message_dict


def test_objective_of_another_account_is_refused(kam):
    objective = f.ObjectiveFactory(plan=f.AccountPlanFactory(account=f.AccountFactory(owner=kam)))
    with pytest.raises(ValidationError) as err:
        _opp(kam, objective=objective)
    assert "objective" in err.value.message_dict


def test_kam_cannot_create_on_another_kams_account(kam):
    with pytest.raises(PermissionDenied):
        _opp(kam, account=f.AccountFactory(owner=f.UserFactory(role="kam")))


def test_probability_defaults_are_designs():
    table = probabilities.stage_probabilities()
    assert table["opportunity"] == {"idea": 10, "qualified": 25, "proposal": 50, "negotiation": 75}
    assert table["tender"] == {"identified": 10, "preparing": 25, "submitted": 50}


def test_head_changes_a_probability_and_it_applies(kam, head):
    services.stage_probabilities_set(user=head, kind="opportunity", percents={"proposal": 60})
    services.stage_probabilities_set(user=head, kind="tender", percents={"submitted": 40})
    table = probabilities.stage_probabilities()
    assert table["opportunity"]["proposal"] == 60
    assert table["tender"]["submitted"] == 40
    assert table["opportunity"]["idea"] == 10
    opp = _opp(kam, stage="proposal")
    assert probabilities.opportunity_percent(opp, table) == 60
    own = _opp(kam, stage="proposal", probability=30)
    assert probabilities.opportunity_percent(own, table) == 30
    row = StageProbability.objects.get(kind="opportunity", stage="proposal")
    assert row.updated_by == head


def test_kam_cannot_change_probabilities(kam):
    with pytest.raises(PermissionDenied):
        services.stage_probabilities_set(user=kam, kind="opportunity", percents={"idea": 50})


@pytest.mark.parametrize("percents", [{"idea": 101}, {"won": 50}, {"idea": -1}, {"identified": 10}])
def test_bad_probabilities_are_refused(head, percents):
    with pytest.raises(ValidationError):
        services.stage_probabilities_set(user=head, kind="opportunity", percents=percents)
    assert not StageProbability.objects.exists()


def test_expected_close_kept(kam):
    assert _opp(kam, expected_close=dt.date(2026, 3, 1)).expected_close == dt.date(2026, 3, 1)
