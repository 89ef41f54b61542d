"""Each health component's formula on hand-built accounts (DESIGN.md "Health"), as of a
fixed day, read through the same queries the nightly run uses; and the weighted mean."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Contact
from plans.models import AccountPlan, Action, Objective, Tender
from reports.health.compute import account_health_compute, score_facts
from reports.health.inputs import gather
from reports.models import AccountHealth, HealthSettings
from tests.factories import (
    AccountFactory,
    AccountPlanFactory,
    ActionFactory,
    ContactFactory,
    InteractionFactory,
    ObjectiveFactory,
    RevenueLineFactory,
    SurveyFactory,
    TenderFactory,
)

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 15)  # ttm = 2025-06 … 2026-05, previous = 2024-06 … 2025-05


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def parts(account):
    facts = gather(as_of=AS_OF, account_ids=[account.pk])[account.pk]
    return score_facts(facts, hs=HealthSettings.load()).parts


def meet(account, contacts, day):
    i = InteractionFactory(account=account, occurred_at=at(day))
    i.contacts.set(contacts)
    return i


def test_an_account_with_no_data_leaves_out_all_but_coverage_and_activity():
    a = AccountFactory(potential_annual=None)
    p = parts(a)
    assert {k for k, v in p.items() if v.score is None} == {
        "revenue_trend",
        "margin_trend",
        "penetration",
        "decision_makers",
        "attitude",
        "satisfaction",
        "plan_execution",
        "tenders",
    }
    assert p["role_coverage"].score == 0 and p["activity"].score == 0


def test_revenue_trend_margin_trend_and_penetration():
    a = AccountFactory(potential_annual=Decimal("1000"))
    # previous ttm: 1000 at 30 % margin; ttm: 900 (−10 %) at 20 % margin
    RevenueLineFactory(
        account=a,
        date=dt.date(2024, 8, 1),
        amount=Decimal("1000"),
        cost=Decimal("700"),
        cost_base=Decimal("700"),
    )
    RevenueLineFactory(
        account=a,
        date=dt.date(2025, 9, 1),
        amount=Decimal("900"),
        cost=Decimal("648"),
        cost_base=Decimal("648"),
    )
    RevenueLineFactory(
        account=a, date=dt.date(2026, 6, 1), amount=Decimal("5000")
    )  # as-of month: out
    RevenueLineFactory(account=a, date=dt.date(2024, 5, 31), amount=Decimal("5000"))  # too old
    p = parts(a)
    assert p["revenue_trend"].score == pytest.approx(50 + 250 * -0.1)  # 25
    assert p["margin_trend"].score == pytest.approx(50 + 10 * -2)  # 30 % → 28 %: Δ −2 points
    assert p["penetration"].score == pytest.approx(90)


def test_revenue_trend_is_out_without_previous_revenue_and_zero_when_revenue_stops():
    grew = AccountFactory()
    RevenueLineFactory(account=grew, date=dt.date(2025, 9, 1))
    assert parts(grew)["revenue_trend"].score is None
    stopped = AccountFactory()
    RevenueLineFactory(account=stopped, date=dt.date(2024, 9, 1))
    assert parts(stopped)["revenue_trend"].score == 0


def test_decision_makers_linear_between_30_and_180_days():
    a = AccountFactory()
    dm = ContactFactory(account=a, decision_role=Contact.DecisionRole.DECISION_MAKER)
    assert parts(a)["decision_makers"].score == 0  # such a contact, never met
    meet(a, [dm], AS_OF - dt.timedelta(days=105))
    assert parts(a)["decision_makers"].score == pytest.approx(50)  # (180−105)/150
    meet(a, [dm], AS_OF - dt.timedelta(days=20))
    assert parts(a)["decision_makers"].score == 100
    meet(a, [dm], AS_OF + dt.timedelta(days=3))  # after the as-of day: not seen
    assert parts(a)["decision_makers"].value == 20


def test_role_coverage_counts_key_roles_met_in_90_days():
    a = AccountFactory()
    dm = ContactFactory(account=a, decision_role=Contact.DecisionRole.DECISION_MAKER)
    eb = ContactFactory(account=a, decision_role=Contact.DecisionRole.ECONOMIC_BUYER)
    ch = ContactFactory(account=a, decision_role=Contact.DecisionRole.CHAMPION)
    user = ContactFactory(account=a, decision_role=Contact.DecisionRole.USER)
    meet(a, [dm, user], AS_OF - dt.timedelta(days=10))
    meet(a, [eb], AS_OF - dt.timedelta(days=89))  # day 90 counting the as-of day: in
    meet(a, [ch], AS_OF - dt.timedelta(days=90))  # out
    p = parts(a)
    assert p["role_coverage"].score == pytest.approx(200 / 3)
    assert p["activity"].score == pytest.approx(100 * 2 / 6)


def test_attitude_weights_supporters_and_detractors_by_influence():
    a = AccountFactory()
    ContactFactory(account=a, influence=5, attitude=Contact.Attitude.SUPPORTER)
    ContactFactory(account=a, influence=3, attitude=Contact.Attitude.DETRACTOR)
    ContactFactory(account=a, influence=2, attitude=Contact.Attitude.NEUTRAL)
    assert parts(a)["attitude"].score == pytest.approx(50 + 50 * (5 - 3) / 10)  # 60


def test_satisfaction_is_ten_times_mean_nps_of_last_12_months():
    a = AccountFactory()
    SurveyFactory(account=a, date=AS_OF - dt.timedelta(days=30), nps=9)
    SurveyFactory(account=a, date=AS_OF - dt.timedelta(days=200), nps=6)
    SurveyFactory(account=a, date=AS_OF - dt.timedelta(days=400), nps=0)  # too old
    SurveyFactory(account=a, date=AS_OF - dt.timedelta(days=10), nps=None)  # no NPS
    assert parts(a)["satisfaction"].score == pytest.approx(75)


def test_plan_execution_counts_what_is_due_in_the_active_plan():
    a = AccountFactory()
    plan = AccountPlanFactory(
        account=a,
        status=AccountPlan.Status.ACTIVE,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
    )
    ObjectiveFactory(plan=plan, due=dt.date(2026, 3, 1), status=Objective.Status.ACHIEVED)
    ObjectiveFactory(plan=plan, due=dt.date(2026, 4, 1), status=Objective.Status.MISSED)
    ObjectiveFactory(
        plan=plan, due=dt.date(2026, 9, 1), status=Objective.Status.ACHIEVED
    )  # not due
    ActionFactory(
        plan=plan,
        due=dt.date(2026, 5, 1),
        status=Action.Status.DONE,
        completed_at=at(dt.date(2026, 4, 30)),
    )
    ActionFactory(
        plan=plan,
        due=dt.date(2026, 5, 1),
        status=Action.Status.DONE,
        completed_at=at(dt.date(2026, 5, 9)),
    )  # late
    ActionFactory(plan=plan, due=dt.date(2026, 5, 1), status=Action.Status.CANCELLED)
    draft = AccountPlanFactory(account=a, status=AccountPlan.Status.DRAFT)
    ObjectiveFactory(plan=draft, due=dt.date(2026, 3, 1))
    p = parts(a)["plan_execution"]
    assert (p.facts["done"], p.facts["due"]) == (2, 4)
    assert p.score == 50


def test_tenders_won_over_decided_in_24_months():
    a = AccountFactory()
    TenderFactory(
        account=a,
        stage=Tender.Stage.WON,
        decision_date=dt.date(2026, 1, 10),
        outcome_reason="price",
    )
    TenderFactory(
        account=a,
        stage=Tender.Stage.LOST,
        decision_date=dt.date(2025, 1, 10),
        outcome_reason="price",
    )
    TenderFactory(
        account=a,
        stage=Tender.Stage.LOST,
        decision_date=dt.date(2026, 2, 10),
        outcome_reason="price",
    )
    TenderFactory(
        account=a,
        stage=Tender.Stage.WON,
        decision_date=dt.date(2024, 1, 10),
        outcome_reason="price",
    )  # too old
    TenderFactory(account=a, stage=Tender.Stage.SUBMITTED)
    assert parts(a)["tenders"].score == pytest.approx(100 / 3)


def test_activity_saturates_at_six_and_ignores_deleted():
    a = AccountFactory()
    for d in range(7):
        meet(a, [], AS_OF - dt.timedelta(days=d))
    assert parts(a)["activity"].score == 100
    b = AccountFactory()
    gone = meet(b, [], AS_OF)
    gone.deleted_at = timezone.now()
    gone.save(update_fields=["deleted_at"])
    assert parts(b)["activity"].score == 0


def test_score_is_the_weighted_mean_of_included_components_and_weights_change_it():
    a = AccountFactory(potential_annual=None)
    for d in range(3):
        meet(a, [], AS_OF - dt.timedelta(days=d))  # activity 50, role coverage 0
    account_health_compute(as_of=AS_OF, account_ids=[a.pk])
    row = AccountHealth.objects.get(account=a, date=AS_OF)
    assert row.score == Decimal("16.7")  # (10·0 + 5·50) / 15
    assert row.band == "at_risk"
    by_key = {c["key"]: c for c in row.components}
    assert by_key["tenders"]["score"] is None and by_key["tenders"]["weight"] is None
    assert "Left out" in by_key["tenders"]["explanation"]
    assert by_key["activity"]["weight"] == pytest.approx(33.3)
    assert sum(c["points"] or 0 for c in row.components) == pytest.approx(16.7, abs=0.1)

    hs = HealthSettings.load()
    hs.weights = {**hs.weights, "role_coverage": 0}
    hs.save()
    account_health_compute(as_of=AS_OF, account_ids=[a.pk])  # the next run: the same day replaced
    row = AccountHealth.objects.get(account=a, date=AS_OF)
    assert row.score == Decimal("50.0") and row.band == "watch"


def test_nightly_run_covers_accounts_with_an_owner_and_is_idempotent():
    owned = AccountFactory()
    AccountFactory(owner=None)
    assert account_health_compute(as_of=AS_OF) == 1
    first = list(AccountHealth.objects.values_list("account_id", "score", "band"))
    assert account_health_compute(as_of=AS_OF) == 1
    assert list(AccountHealth.objects.values_list("account_id", "score", "band")) == first
    assert first[0][0] == owned.pk
