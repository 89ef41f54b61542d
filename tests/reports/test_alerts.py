"""The alert rules on hand-built data, and the evaluator's once-per-condition firing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from plans.models import AccountPlan, Action, Tender
from reports.alerts import rules
from reports.alerts.services import (
    alert_settings_get,
    alert_settings_update,
    alerts_evaluate,
)
from reports.models import AlertFiring, Notification
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 26)


def hits(rule_key: str, as_of: dt.date = AS_OF) -> set[tuple[int, str]]:
    rule = rules.RULES[rule_key]
    return {(h.account_id, h.key) for h in rule.evaluate(as_of, alert_settings_get())}


def ttm_row(account, **fields):
    defaults = {
        "period": "ttm",
        "period_kind": "ttm",
        "period_start": dt.date(2025, 11, 1),
        "period_end": dt.date(2026, 10, 31),
        "revenue": Decimal("100.00"),
    }
    return f.AccountMetricFactory(account=account, **{**defaults, **fields})


# --- each rule --------------------------------------------------------------------------


def test_margin_erosion_needs_a_key_account_that_grew_and_lost_two_points():
    eroding = f.AccountFactory(is_key=True)
    ttm_row(eroding, growth=0.10, margin_change=-0.025)
    at_limit = f.AccountFactory(is_key=True)
    ttm_row(at_limit, growth=0.05, margin_change=-0.02)  # exactly −2 points: flagged
    shrinking = f.AccountFactory(is_key=True)
    ttm_row(shrinking, growth=-0.10, margin_change=-0.05)  # revenue fell: not a squeeze
    small = f.AccountFactory(is_key=False)
    ttm_row(small, growth=0.10, margin_change=-0.05)  # not key
    mild = f.AccountFactory(is_key=True)
    ttm_row(mild, growth=0.10, margin_change=-0.01)
    assert hits("margin_erosion") == {(eroding.pk, ""), (at_limit.pk, "")}
    (hit,) = [
        h for h in rules.margin_erosion(AS_OF, alert_settings_get()) if h.account_id == eroding.pk
    ]
    assert hit.params == {"points": "2.5"}  # "fell by 2.5 points", not by −2.5


def test_margin_erosion_threshold_is_the_heads():
    head = f.UserFactory(role=User.Role.HEAD)
    account = f.AccountFactory(is_key=True)
    ttm_row(account, growth=0.10, margin_change=-0.015)
    assert hits("margin_erosion") == set()
    alert_settings_update(user=head, margin_erosion_points=Decimal("1.0"))
    assert hits("margin_erosion") == {(account.pk, "")}


def test_a_kam_cannot_change_the_thresholds():
    with pytest.raises(ValidationError):
        alert_settings_update(user=f.UserFactory(), margin_erosion_points=Decimal("1.0"))


def test_detractor_survey_is_recent_and_at_most_six():
    account = f.AccountFactory()
    six = f.SurveyFactory(account=account, nps=6, date=AS_OF - dt.timedelta(days=3))
    f.SurveyFactory(account=account, nps=7, date=AS_OF - dt.timedelta(days=3))  # passive
    f.SurveyFactory(account=account, nps=2, date=AS_OF - dt.timedelta(days=30))  # too old
    f.SurveyFactory(account=account, nps=None, date=AS_OF)  # no score
    assert hits("detractor_survey") == {(account.pk, f"survey:{six.pk}")}


def test_tier_moved_down_compares_with_the_previous_twelve_months():
    f.PortfolioMetricFactory(
        period="ttm",
        period_kind="ttm",
        period_start=dt.date(2025, 11, 1),
        period_end=dt.date(2026, 10, 31),
        total_revenue=Decimal("1000"),
    )
    big, rising, steady = f.AccountFactory(), f.AccountFactory(), f.AccountFactory()
    # The 12 months before the window (2024-11 … 2025-10): big 900 (A), rising 50, steady 50.
    for account, revenue in ((big, "900"), (rising, "50"), (steady, "50")):
        f.AccountMetricFactory(
            account=account,
            period="2025-03",
            period_kind="month",
            period_start=dt.date(2025, 3, 1),
            period_end=dt.date(2025, 3, 31),
            revenue=Decimal(revenue),
        )
    ttm_row(big, tier="B", revenue=Decimal("200"))
    ttm_row(rising, tier="A", revenue=Decimal("700"))
    ttm_row(steady, tier="C", revenue=Decimal("10"))
    # Before: big A (0 before it), rising B (900/1000 before), steady C (950/1000 before).
    assert hits("tier_moved_down") == {(big.pk, "A>B")}


def test_revenue_share_at_or_above_ten_percent():
    over, exact, under = f.AccountFactory(), f.AccountFactory(), f.AccountFactory()
    ttm_row(over, revenue_share=0.25)
    ttm_row(exact, revenue_share=0.10)
    ttm_row(under, revenue_share=0.099)
    f.AccountMetricFactory(account=under, revenue_share=0.5)  # the year 2025: not ttm
    assert hits("revenue_share") == {(over.pk, ""), (exact.pk, "")}


def test_tender_deadline_within_seven_days_and_open():
    tz = timezone.get_current_timezone()
    noon = dt.datetime.combine(AS_OF, dt.time(12), tzinfo=tz)
    soon = f.TenderFactory(submission_deadline=noon + dt.timedelta(days=7))
    f.TenderFactory(submission_deadline=noon + dt.timedelta(days=8))
    f.TenderFactory(submission_deadline=noon - dt.timedelta(days=1))  # passed
    f.TenderFactory(
        submission_deadline=noon + dt.timedelta(days=2),
        stage=Tender.Stage.CANCELLED,
    )
    assert hits("tender_deadline") == {(soon.account_id, f"tender:{soon.pk}")}


def test_action_overdue_is_open_and_past_due():
    late = f.ActionFactory(due=AS_OF - dt.timedelta(days=1))
    f.ActionFactory(due=AS_OF)  # due today: not overdue yet
    f.ActionFactory(due=AS_OF - dt.timedelta(days=5), status=Action.Status.DONE)
    f.ActionFactory(due=None)
    assert hits("action_overdue") == {(late.plan.account_id, f"action:{late.pk}")}


# --- firing once ------------------------------------------------------------------------


def _detractor_setup():
    kam = f.UserFactory(username="kam-a", language="ru")
    account = f.AccountFactory(owner=kam, name="Omega")
    plan = f.AccountPlanFactory(account=account, status=AccountPlan.Status.ACTIVE)
    survey = f.SurveyFactory(account=account, nps=3, date=AS_OF - dt.timedelta(days=1))
    return kam, account, plan, survey


def test_same_condition_on_two_nights_makes_one_notification_and_one_action():
    kam, account, plan, _survey = _detractor_setup()
    alerts_evaluate(as_of=AS_OF)
    alerts_evaluate(as_of=AS_OF + dt.timedelta(days=1))
    alerts_evaluate(as_of=AS_OF + dt.timedelta(days=1))  # and twice the same night
    firing = AlertFiring.objects.get(rule="detractor_survey")
    assert (firing.first_seen, firing.last_seen) == (AS_OF, AS_OF + dt.timedelta(days=1))
    assert firing.cleared_at is None
    notes = Notification.objects.filter(rule="detractor_survey")
    assert [n.recipient for n in notes] == [kam]
    # In the KAM's language (Russian), with the account named.
    assert "Omega" in notes[0].message and "NPS 3" in notes[0].message
    assert notes[0].message != firing.message  # the firing keeps the site's language
    actions = Action.objects.filter(plan=plan)
    assert actions.count() == 1
    action = actions.get()
    assert action.owner == kam and action.due == AS_OF + dt.timedelta(days=3)
    assert (
        action.description == "Перезвонить недовольному респонденту и договориться об исправлении"
    )
    assert action.history.count() == 1  # added with its history, like any action


def test_a_cleared_condition_that_comes_back_fires_again():
    kam = f.UserFactory()
    account = f.AccountFactory(owner=kam, is_key=True)
    row = ttm_row(account, growth=0.1, margin_change=-0.05)
    alerts_evaluate(as_of=AS_OF, rules=["margin_erosion"])
    row.margin_change = 0.01
    row.save()
    alerts_evaluate(as_of=AS_OF + dt.timedelta(days=1), rules=["margin_erosion"])
    first = AlertFiring.objects.get(rule="margin_erosion")
    assert first.cleared_at is not None
    row.margin_change = -0.04
    row.save()
    alerts_evaluate(as_of=AS_OF + dt.timedelta(days=2), rules=["margin_erosion"])
    firings = AlertFiring.objects.filter(rule="margin_erosion").order_by("pk")
    assert firings.count() == 2 and firings[1].cleared_at is None
    assert Notification.objects.filter(recipient=kam, rule="margin_erosion").count() == 2


def test_portfolio_rules_tell_the_heads_too_and_no_plan_means_no_action():
    head = f.UserFactory(role=User.Role.HEAD)
    f.UserFactory(role=User.Role.HEAD, is_active=False)
    kam = f.UserFactory()
    account = f.AccountFactory(owner=kam, is_key=True)
    ttm_row(account, growth=0.1, margin_change=-0.05)
    alerts_evaluate(as_of=AS_OF)
    assert set(Notification.objects.values_list("recipient", flat=True)) == {kam.pk, head.pk}
    assert not Action.objects.exists()  # the account has no active plan


def test_kam_only_rules_do_not_tell_heads():
    f.UserFactory(role=User.Role.HEAD)
    late = f.ActionFactory(due=AS_OF - dt.timedelta(days=2))
    alerts_evaluate(as_of=AS_OF)
    assert list(Notification.objects.values_list("recipient", flat=True)) == [
        late.plan.account.owner_id
    ]


def test_the_open_firing_is_unique_in_the_database():
    from django.db import IntegrityError, transaction

    account = f.AccountFactory()
    AlertFiring.objects.create(
        rule="x", account=account, condition_key="", message="m", first_seen=AS_OF, last_seen=AS_OF
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AlertFiring.objects.create(
            rule="x",
            account=account,
            condition_key="",
            message="m",
            first_seen=AS_OF,
            last_seen=AS_OF,
        )


def test_a_new_rule_is_one_function_and_one_registry_entry(monkeypatch):
    account = f.AccountFactory()

    def always(as_of, cfg):
        yield rules.Hit(account.pk, "k", {})

    rule = rules.Rule("always", "Always", "%(account)s holds", always)
    monkeypatch.setitem(rules.RULES, "always", rule)
    alerts_evaluate(as_of=AS_OF, rules=["always"])
    assert Notification.objects.get(rule="always").message == f"{account.name} holds"


# --- the health rules (read the snapshots reports.health writes) -------------------------


def snapshot(account, day, score, *, band=None, decision_days="absent"):
    from reports.models import AccountHealth

    components = []
    if decision_days != "absent":
        components.append(
            {
                "key": "decision_makers",
                "label": "Decision makers",
                "value": decision_days,
                "score": 50.0,
                "weight": 15,
                "points": 7.5,
                "explanation": "",
            }
        )
    band = band or ("healthy" if score >= 70 else "watch" if score >= 40 else "at_risk")
    return AccountHealth.objects.create(
        account=account, date=day, score=Decimal(str(score)), band=band, components=components
    )


def test_health_drop_of_fifteen_points_within_thirty_days():
    fell, slid, old_fall = f.AccountFactory(), f.AccountFactory(), f.AccountFactory()
    snapshot(fell, AS_OF - dt.timedelta(days=20), 80)
    snapshot(fell, AS_OF, 65)  # 15 points: fires
    snapshot(slid, AS_OF - dt.timedelta(days=20), 80)
    snapshot(slid, AS_OF, 65.1)  # 14.9: does not
    snapshot(old_fall, AS_OF - dt.timedelta(days=31), 90)  # outside the window
    snapshot(old_fall, AS_OF - dt.timedelta(days=10), 70)
    snapshot(old_fall, AS_OF, 60)
    assert hits("health_drop") == {(fell.pk, "")}


def test_health_at_risk_uses_the_newest_snapshot():
    now_at_risk, recovered = f.AccountFactory(), f.AccountFactory()
    snapshot(now_at_risk, AS_OF - dt.timedelta(days=1), 45)
    snapshot(now_at_risk, AS_OF, 39.9)
    snapshot(recovered, AS_OF - dt.timedelta(days=1), 30)
    snapshot(recovered, AS_OF, 41)
    snapshot(recovered, AS_OF + dt.timedelta(days=1), 10)  # after as_of: not seen yet
    assert hits("health_at_risk") == {(now_at_risk.pk, "")}


def test_decision_maker_not_met_reads_the_health_component():
    stale, never, fresh, none = (f.AccountFactory() for _ in range(4))
    snapshot(stale, AS_OF, 50, decision_days=91)
    snapshot(never, AS_OF, 50, decision_days=None)  # a decider nobody ever met
    snapshot(fresh, AS_OF, 50, decision_days=90)
    snapshot(none, AS_OF, 50)  # no decider: the component is left out
    assert hits("decision_maker_unmet") == {(stale.pk, ""), (never.pk, "")}


def test_entering_at_risk_tells_kam_and_head_once_and_adds_one_action():
    head = f.UserFactory(role=User.Role.HEAD)
    kam = f.UserFactory()
    account = f.AccountFactory(owner=kam, is_key=True)
    plan = f.AccountPlanFactory(account=account, status=AccountPlan.Status.ACTIVE)
    small = f.AccountFactory(owner=kam)  # not key: the KAM's business alone
    snapshot(small, AS_OF, 20)
    snapshot(account, AS_OF, 35)
    snapshot(account, AS_OF + dt.timedelta(days=1), 33)
    alerts_evaluate(as_of=AS_OF, rules=["health_at_risk"])
    alerts_evaluate(as_of=AS_OF + dt.timedelta(days=1), rules=["health_at_risk"])
    assert sorted(
        Notification.objects.filter(account=account).values_list("recipient", flat=True)
    ) == sorted([kam.pk, head.pk])
    assert list(Notification.objects.filter(account=small).values_list("recipient", flat=True)) == [
        kam.pk
    ]
    assert Action.objects.filter(plan=plan).count() == 1


def test_a_firing_opened_meanwhile_by_another_run_is_skipped_the_others_fire(monkeypatch):
    """Two evaluations at once: the other run opened one of our firings between our read of
    the open firings and our insert. The bulk insert fails on the unique constraint; the
    firings are then opened one by one and that one is skipped (no second notification)."""
    from reports.alerts import services

    first, second = (
        f.ActionFactory(due=AS_OF - dt.timedelta(days=1)),
        f.ActionFactory(due=AS_OF - dt.timedelta(days=2)),
    )
    real = services._fire_all

    def racing(*, rule, hits, as_of, heads):
        hit, account = hits[0]  # the other run gets there first with this one
        services._firing(rule=rule, hit=hit, account=account, as_of=as_of).save()
        Notification.objects.create(recipient=account.owner, message="by the other run")
        return real(rule=rule, hits=hits, as_of=as_of, heads=heads)

    monkeypatch.setattr(services, "_fire_all", racing)
    result = alerts_evaluate(as_of=AS_OF, rules=["action_overdue"])
    assert result["rules"]["action_overdue"]["fired"] == 1
    assert AlertFiring.objects.filter(rule="action_overdue", cleared_at__isnull=True).count() == 2
    for action in (first, second):
        owner = action.plan.account.owner
        assert Notification.objects.filter(recipient=owner).count() == 1


def test_the_nightly_task_runs_the_rules_after_the_recompute(settings):
    """reports.tasks.recompute_metrics (eager here) queues alerts_evaluate when done; the
    task run again changes nothing."""
    from reports.alerts.tasks import alerts_evaluate as alerts_task
    from reports.tasks import recompute_metrics

    settings.CELERY_TASK_ALWAYS_EAGER = True
    late = f.ActionFactory(due=timezone.localdate() - dt.timedelta(days=1))
    recompute_metrics.delay()
    owner = late.plan.account.owner
    assert Notification.objects.filter(recipient=owner, rule="action_overdue").count() == 1
    # The health the chain computed for the account (no activity at all: at risk) too.
    assert Notification.objects.filter(recipient=owner, rule="health_at_risk").count() == 1
    before = Notification.objects.count()
    result = alerts_task.delay().get()
    assert result["rules"]["action_overdue"] == {"fired": 0, "holding": 1, "cleared": 0}
    assert Notification.objects.count() == before
