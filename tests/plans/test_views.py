"""Plans pages: account plans, tenders, the calendar and its .ics feed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from plans.calendar import feed_token
from plans.models import AccountPlan, Action, Objective, Tender
from tests.accounts.workspace_data import build_portfolio
from tests.factories import (
    AccountFactory,
    AccountPlanFactory,
    ActionFactory,
    EventFactory,
    InteractionFactory,
    TargetFactory,
    TenderFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def kam_client(client, kam_user):
    client.force_login(kam_user)
    return client


def test_new_plan_starts_from_the_template(kam_client, kam_user):
    account = AccountFactory(owner=kam_user, name="Acme")
    response = kam_client.get(reverse("plans:plan-create", args=[account.pk]))
    form = response.context["form"]
    assert form.initial["title"].startswith("Acme — account plan")
    assert "business goals" in form.initial["client_goals"]
    assert form.initial["period_end"] > form.initial["period_start"]


def test_plan_created_and_untouched_template_sections_count_as_empty(kam_client, kam_user):
    account = AccountFactory(owner=kam_user)
    initial = (
        kam_client.get(reverse("plans:plan-create", args=[account.pk])).context["form"].initial
    )
    response = kam_client.post(
        reverse("plans:plan-create", args=[account.pk]),
        {
            "title": "Plan 2027",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "status": "draft",
            "revenue_target": "2500000",
            "client_goals": "Cut logistics cost by 10 %",
            "our_strategy": initial["our_strategy"],
            "mutual_value": initial["mutual_value"],
        },
    )
    plan = AccountPlan.objects.get()
    assert response.url == reverse("plans:plan", args=[plan.pk])
    # The plan's revenue target is its account's targets for 2027: the posted figure is
    # not a field of the form (nor a column of the plan) any more.
    assert plan.owner == kam_user and plan.year_revenue_target is None
    page = kam_client.get(response.url)
    missing = page.context["completeness"]["missing"]
    assert set(missing) == {
        "our_strategy",
        "mutual_value",
        "objectives",
        "actions",
        "revenue_target",
    }
    TargetFactory(account=account, year=2027, quarter=1, revenue_target=Decimal("1000000"))
    TargetFactory(account=account, year=2027, quarter=2, revenue_target=Decimal("1500000"))
    TargetFactory(account=account, year=2026, revenue_target=Decimal("9"))  # another year
    page = kam_client.get(response.url)
    assert "revenue_target" not in page.context["completeness"]["missing"]
    html = page.content.decode()
    shown = html[html.index('id="plan-revenue-target"') :]
    assert shown.split("<", 1)[0].split(">", 1)[1].strip() == "2,500,000\xa0₽"


def test_plan_period_error_beside_the_field_keeps_input(kam_client, kam_user):
    account = AccountFactory(owner=kam_user)
    response = kam_client.post(
        reverse("plans:plan-create", args=[account.pk]),
        {
            "title": "Backwards",
            "period_start": "2027-12-31",
            "period_end": "2027-01-01",
            "status": "draft",
            "client_goals": "Keep me",
        },
    )
    assert "period_end" in response.context["form"].errors
    assert "Keep me" in response.content.decode()
    assert not AccountPlan.objects.exists()


def test_objective_and_action_added_then_action_ticked_done_with_htmx(kam_client, kam_user):
    plan = AccountPlanFactory(account=AccountFactory(owner=kam_user))
    kam_client.post(
        reverse("plans:objective-add", args=[plan.pk]),
        {
            "objective-description": "Win packaging",
            "objective-status": "open",
            "objective-target": "100",
            "objective-current": "25",
        },
    )
    objective = Objective.objects.get(plan=plan)
    kam_client.post(
        reverse("plans:action-add", args=[plan.pk]),
        {
            "action-description": "Present the line",
            "action-objective": objective.pk,
            "action-owner": kam_user.pk,
            "action-due": "2027-02-01",
        },
    )
    action = Action.objects.get(plan=plan)
    assert action.objective == objective and action.owner == kam_user
    response = kam_client.post(
        reverse("plans:action-toggle", args=[action.pk]), {"done": "1"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert f'id="action-{action.pk}" class="done"' in html
    assert 'id="completeness" hx-swap-oob="true"' in html
    action.refresh_from_db()
    assert action.status == "done" and action.completed_at is not None
    # Without JS the same button posts and comes back to the plan.
    response = kam_client.post(reverse("plans:action-toggle", args=[action.pk]), {"done": "0"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "open" and action.completed_at is None


def test_action_errors_re_render_the_plan_with_the_input(kam_client, kam_user):
    plan = AccountPlanFactory(account=AccountFactory(owner=kam_user))
    response = kam_client.post(
        reverse("plans:action-add", args=[plan.pk]),
        {"action-description": "", "action-due": "not a date"},
    )
    assert response.status_code == 200
    errors = response.context["action_form"].errors
    assert "description" in errors and "due" in errors
    assert "not a date" in response.content.decode()


@pytest.mark.parametrize("n", [5, 50])
def test_plan_page_runs_a_bounded_number_of_queries(
    kam_client, kam_user, n, django_assert_max_num_queries
):
    plan = AccountPlanFactory(account=AccountFactory(owner=kam_user))
    for _ in range(n):
        ActionFactory(plan=plan)
    with django_assert_max_num_queries(16):
        response = kam_client.get(reverse("plans:plan", args=[plan.pk]))
    assert response.content.decode().count('class="tick"') == n


def test_other_kams_plan_action_and_tender_are_404(kam_client, other_kam):
    account = AccountFactory(owner=other_kam)
    plan = AccountPlanFactory(account=account)
    action = ActionFactory(plan=plan)
    tender = TenderFactory(account=account)
    assert kam_client.get(reverse("plans:plan", args=[plan.pk])).status_code == 404
    assert kam_client.get(reverse("plans:plan-create", args=[account.pk])).status_code == 404
    assert kam_client.post(reverse("plans:action-toggle", args=[action.pk])).status_code == 404
    assert kam_client.get(reverse("plans:tender", args=[tender.pk])).status_code == 404
    assert (
        kam_client.post(
            reverse("plans:tender-stage", args=[tender.pk]), {"stage": "won", "reason": "x"}
        ).status_code
        == 404
    )
    action.refresh_from_db()
    assert action.status == "open"


@pytest.mark.parametrize("n", [5, 50])
def test_tenders_list_scoped_and_bounded(
    kam_client, kam_user, other_kam, n, django_assert_max_num_queries
):
    for i in range(n):
        TenderFactory(account=AccountFactory(owner=kam_user), title=f"Mine {i}")
    TenderFactory(account=AccountFactory(owner=other_kam), title="Not mine")
    with django_assert_max_num_queries(8):
        response = kam_client.get(reverse("plans:tenders"))
    html = response.content.decode()
    assert html.count('class="lead"') == min(n, 50) and "Not mine" not in html


def test_tenders_list_by_stage_and_deadline(kam_client, kam_user):
    account = AccountFactory(owner=kam_user)
    now = timezone.now()
    TenderFactory(account=account, title="Later", submission_deadline=now + dt.timedelta(days=9))
    TenderFactory(account=account, title="Sooner", submission_deadline=now + dt.timedelta(days=2))
    TenderFactory(account=account, title="Gone", stage="lost", outcome_reason="Price")
    response = kam_client.get(reverse("plans:tenders"))
    html = response.content.decode()
    assert html.index("Sooner") < html.index("Later") and "Gone" not in html
    counts = {stage: n for stage, _label, n in response.context["stage_counts"]}
    assert counts["identified"] == 2 and counts["lost"] == 1 and counts["won"] == 0
    html = kam_client.get(reverse("plans:tenders"), {"stage": "lost"}).content.decode()
    assert "Gone" in html and "Sooner" not in html


def test_tender_to_lost_needs_a_reason_beside_the_field(kam_client, kam_user):
    tender = TenderFactory(account=AccountFactory(owner=kam_user))
    url = reverse("plans:tender-stage", args=[tender.pk])
    response = kam_client.post(url, {"stage": "lost", "reason": "  "})
    assert response.status_code == 200
    assert "reason" in response.context["stage_form"].errors
    assert 'id="id_reason_error"' in response.content.decode()
    tender.refresh_from_db()
    assert tender.stage == "identified"
    response = kam_client.post(url, {"stage": "lost", "reason": "Price 8 % above"})
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.stage == "lost" and tender.outcome_reason == "Price 8 % above"
    assert tender.decision_date == timezone.localdate()
    assert tender.history.count() == 2  # who moved it, and when, is kept


def test_tender_created_for_my_account_only(kam_client, kam_user, other_kam):
    mine = AccountFactory(owner=kam_user)
    theirs = AccountFactory(owner=other_kam)
    data = {
        "title": "Supply 2027",
        "submission_deadline": "2027-03-01T12:00",
        "currency": "RUB",
        "estimated_value": "900000",
    }
    response = kam_client.post(reverse("plans:tender-create"), {**data, "account": theirs.pk})
    assert "account" in response.context["form"].errors
    assert 'value="Supply 2027"' in response.content.decode()
    response = kam_client.post(reverse("plans:tender-create"), {**data, "account": mine.pk})
    tender = Tender.objects.get()
    assert response.url == reverse("plans:tender", args=[tender.pk]) and tender.account == mine


def test_tender_edit_errors_beside_fields(kam_client, kam_user):
    tender = TenderFactory(account=AccountFactory(owner=kam_user), title="Old")
    response = kam_client.post(
        reverse("plans:tender", args=[tender.pk]),
        {"title": "New", "estimated_value": "-5", "currency": "RUB"},
    )
    assert "estimated_value" in response.context["form"].errors
    tender.refresh_from_db()
    assert tender.title == "Old"


def _calendar_data(kam_user):
    account = AccountFactory(owner=kam_user, name="Acme")
    today = timezone.localdate()
    ActionFactory(
        plan=AccountPlanFactory(account=account),
        owner=kam_user,
        description="Send proposal",
        due=today + dt.timedelta(days=3),
    )
    ActionFactory(
        plan=AccountPlanFactory(account=account),
        owner=kam_user,
        description="Late thing",
        due=today - dt.timedelta(days=3),
    )
    InteractionFactory(
        account=account,
        author=kam_user,
        next_step="Call the CFO",
        next_step_due=today + dt.timedelta(days=5),
    )
    TenderFactory(
        account=account,
        title="Big tender",
        submission_deadline=timezone.now() + dt.timedelta(days=10),
    )
    EventFactory(
        name="Expo", starts_on=today + dt.timedelta(days=12), ends_on=today + dt.timedelta(days=14)
    ).accounts.add(account)
    return account


@pytest.mark.parametrize("n", [5, 50])
def test_calendar_lists_my_weeks_in_bounded_queries(
    kam_client, kam_user, n, django_assert_max_num_queries
):
    _calendar_data(kam_user)
    build_portfolio(kam_user, n)
    with django_assert_max_num_queries(10):
        response = kam_client.get(reverse("plans:calendar"))
    html = response.content.decode()
    for text in ("Send proposal", "Late thing", "Call the CFO", "Big tender", "Expo"):
        assert text in html
    assert "overdue" in html
    expo = [i for _, items in response.context["days"] for i in items if i.kind == "event"]
    assert [i.title for i in expo] == ["Expo"]
    assert f'<a href="{expo[0].url}">Expo</a>' in html
    assert kam_client.get(expo[0].url).status_code == 200  # the event's page


def test_ics_feed_is_valid_icalendar_by_secret_url(client, kam_user, other_kam):
    _calendar_data(kam_user)
    url = reverse("plans:calendar-feed", args=[kam_user.pk, feed_token(kam_user)])
    response = client.get(url)  # no session: calendar apps have none
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert any("Send proposal" in s for s in summaries)
    assert any("Big tender" in s for s in summaries)
    assert any("Expo" in s for s in summaries)
    assert all(e.get("UID") and e.get("DTSTAMP") for e in cal.walk("VEVENT"))
    expo = next(e for e in cal.walk("VEVENT") if "Expo" in str(e["SUMMARY"]))
    assert (expo.decoded("DTEND") - expo.decoded("DTSTART")).days == 3
    wrong = reverse("plans:calendar-feed", args=[kam_user.pk, feed_token(other_kam)])
    assert client.get(wrong).status_code == 404


def test_ics_feed_of_the_integration_user_is_refused(client, integration_user):
    url = reverse("plans:calendar-feed", args=[integration_user.pk, feed_token(integration_user)])
    assert client.get(url).status_code == 403


def test_ics_feed_token_changes_with_the_password(kam_user):
    before = feed_token(kam_user)
    kam_user.set_password("another-pass-123")
    kam_user.save()
    assert feed_token(kam_user) != before
