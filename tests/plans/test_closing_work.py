"""Closing the loop on work: next steps and actions are marked done or cancelled from the
calendar, home and the timeline (htmx, with undo), leave the overdue lists and the .ics
feed, and overdue ones sit on today in both; dates that cannot be right are refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accounts import services as account_services
from accounts.models import Interaction
from plans import services as plan_services
from plans.calendar import calendar_items, feed_token
from plans.models import Action
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def overdue_step(kam_user, today):
    account = f.AccountFactory(owner=kam_user, name="Acme")
    return f.InteractionFactory(
        account=account,
        author=kam_user,
        occurred_at=timezone.now() - dt.timedelta(days=40),
        next_step="Send the price list",
        next_step_due=today - dt.timedelta(days=30),  # a month overdue, still on today
    )


@pytest.fixture
def overdue_action(kam_user, today):
    plan = f.AccountPlanFactory(account=f.AccountFactory(owner=kam_user))
    return f.ActionFactory(plan=plan, owner=kam_user, due=today - dt.timedelta(days=3))


def _feed(client, user) -> list:
    url = reverse("plans:calendar-feed", args=[user.pk, feed_token(user)])
    return list(Calendar.from_ical(client.get(url).content).walk("VEVENT"))


def test_an_overdue_next_step_stays_on_today_until_closed_in_page_and_feed(
    client, kam_user, overdue_step, today
):
    (item,) = calendar_items(user=kam_user, start=today, end=today + dt.timedelta(days=7))
    assert (item.kind, item.day, item.overdue, item.due) == (
        "next_step",
        today,
        True,
        overdue_step.next_step_due,
    )
    (event,) = _feed(client, kam_user)
    assert event.decoded("dtstart") == today  # not 30 days back, where the feed starts
    description = str(event.get("description"))
    assert "Acme" in description and "Overdue" in description


def test_closing_a_next_step_from_the_calendar_takes_it_off_page_and_feed_and_undo_brings_it_back(
    client, kam_user, overdue_step, today
):
    client.force_login(kam_user)
    page = client.get(reverse("plans:calendar")).content.decode()
    url = reverse("accounts:next-step", args=[overdue_step.pk])
    assert f'hx-post="{url}"' in page

    answer = client.post(url, {"status": "done", "fragment": "item"}, HTTP_HX_REQUEST="true")

    assert answer.status_code == 200 and "Undo" in answer.content.decode()
    overdue_step.refresh_from_db()
    assert overdue_step.next_step_status == "done" and overdue_step.next_step_closed_at
    assert calendar_items(user=kam_user, start=today, end=today) == []
    assert _feed(client, kam_user) == []

    client.post(url, {"status": "open"}, HTTP_HX_REQUEST="true")  # the undo
    overdue_step.refresh_from_db()
    assert (overdue_step.next_step_status, overdue_step.next_step_closed_at) == ("open", None)
    assert len(calendar_items(user=kam_user, start=today, end=today)) == 1


def test_an_action_cancelled_from_home_leaves_the_overdue_card(client, kam_user, overdue_action):
    client.force_login(kam_user)
    home = client.get(reverse("accounts:home")).content.decode()
    url = reverse("plans:action-toggle", args=[overdue_action.pk])
    assert f'hx-post="{url}"' in home and 'value="cancelled"' in home

    answer = client.post(url, {"status": "cancelled", "fragment": "item"}, HTTP_HX_REQUEST="true")

    assert "Cancelled" in answer.content.decode()
    overdue_action.refresh_from_db()
    assert overdue_action.status == Action.Status.CANCELLED
    assert "Nothing overdue." in client.get(reverse("accounts:home")).content.decode()


def test_a_plain_post_goes_back_to_the_page_it_came_from_and_only_ours(
    client, kam_user, overdue_step
):
    client.force_login(kam_user)
    url = reverse("accounts:next-step", args=[overdue_step.pk])
    back = client.post(url, {"status": "done", "next": "/calendar/?weeks=4"})
    assert back.status_code == 302 and back["Location"] == "/calendar/?weeks=4"
    away = client.post(url, {"status": "open", "next": "https://evil.example/"})
    assert away["Location"].startswith(reverse("accounts:detail", args=[overdue_step.account_id]))


def test_another_kams_next_step_or_action_cannot_be_closed(
    client, other_kam, overdue_step, overdue_action
):
    client.force_login(other_kam)
    for url in (
        reverse("accounts:next-step", args=[overdue_step.pk]),
        reverse("plans:action-toggle", args=[overdue_action.pk]),
    ):
        assert client.post(url, {"status": "done"}).status_code == 404
    overdue_step.refresh_from_db()
    assert overdue_step.next_step_status == "open"


def test_an_unknown_status_is_a_clear_400(client, kam_user, overdue_step, overdue_action):
    client.force_login(kam_user)
    bad = client.post(reverse("accounts:next-step", args=[overdue_step.pk]), {"status": "x"})
    assert bad.status_code == 400 and b"Unknown status" in bad.content
    bad = client.post(reverse("plans:action-toggle", args=[overdue_action.pk]), {"status": "x"})
    assert bad.status_code == 400


def test_the_service_refuses_to_close_what_is_not_a_next_step(kam_user):
    plain = f.InteractionFactory(account=f.AccountFactory(owner=kam_user), next_step="")
    with pytest.raises(ValidationError) as refused:
        account_services.next_step_close(user=kam_user, interaction=plain, status="done")
    assert "next_step" in refused.value.message_dict


# --- dates that cannot be right --------------------------------------------------------------
def test_a_meeting_in_the_future_is_refused_naming_the_field(client, kam_user):
    account = f.AccountFactory(owner=kam_user)
    with pytest.raises(ValidationError) as refused:
        account_services.interaction_log(
            user=kam_user,
            account=account,
            summary="Planned",
            occurred_at=timezone.now() + dt.timedelta(days=3),
        )
    assert "occurred_at" in refused.value.message_dict
    assert not Interaction.objects.exists()
    # a phone's clock a few minutes fast is not the future
    account_services.interaction_log(
        user=kam_user,
        account=account,
        summary="Just now",
        occurred_at=timezone.now() + dt.timedelta(minutes=5),
    )


def test_the_log_form_says_so_beside_the_date(client, kam_user):
    account = f.AccountFactory(owner=kam_user)
    client.force_login(kam_user)
    answer = client.post(
        reverse("accounts:log", args=[account.pk]),
        {"kind": "meeting", "occurred_at": "2030-01-15T10:00", "summary": "Far ahead"},
    )
    assert answer.status_code == 200
    assert "occurred_at" in answer.context["form"].errors
    assert not Interaction.objects.exists()


def test_a_tender_decided_before_its_submission_deadline_is_refused(kam_user):
    tender = f.TenderFactory(account=f.AccountFactory(owner=kam_user))
    deadline = timezone.localtime(tender.submission_deadline).date()
    with pytest.raises(ValidationError) as refused:
        plan_services.tender_update(
            user=kam_user, tender=tender, decision_date=deadline - dt.timedelta(days=1)
        )
    assert "decision_date" in refused.value.message_dict
    plan_services.tender_update(user=kam_user, tender=tender, decision_date=deadline)
