"""Notifications are their recipient's alone (API and pages); the thresholds API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from reports.alerts import services
from reports.alerts.selectors import notification_unread_count
from reports.alerts.services import alerts_evaluate
from reports.models import Notification
from tests import factories as f

pytestmark = pytest.mark.django_db


def note(user, text="Something happened", **kw):
    return Notification.objects.create(recipient=user, rule="action_overdue", message=text, **kw)


@pytest.fixture
def people():
    kam = f.UserFactory(username="kam1")
    other = f.UserFactory(username="kam2")
    head = f.UserFactory(username="head", role=User.Role.HEAD)
    return kam, other, head


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_list_holds_only_the_callers_own(people):
    kam, other, head = people
    account = f.AccountFactory(owner=kam)
    mine = note(kam, "mine", account=account)
    note(other, "not mine")
    note(head, "the head's")
    body = api(kam).get("/api/v1/notifications/").json()
    assert [r["id"] for r in body["results"]] == [mine.pk]
    row = body["results"][0]
    assert row["message"] == "mine" and row["read"] is False and row["read_at"] is None
    assert row["rule_label"] == "Action overdue"
    assert row["url"] == reverse("accounts:detail", args=[account.pk])
    assert row["account"] == account.pk and row["account_name"] == account.name


def test_unread_filter(people):
    kam, _other, _head = people
    unread = note(kam, "new")
    read = note(kam, "seen")
    read.read_at = read.created_at
    read.save()
    client = api(kam)
    assert [
        r["id"] for r in client.get("/api/v1/notifications/?unread=true").json()["results"]
    ] == [unread.pk]
    assert [
        r["id"] for r in client.get("/api/v1/notifications/?unread=false").json()["results"]
    ] == [read.pk]


def test_mark_read_and_mark_all(people):
    kam, other, _head = people
    first, second = note(kam), note(kam)
    theirs = note(other)
    client = api(kam)
    response = client.post(f"/api/v1/notifications/{first.pk}/read/")
    assert response.status_code == 200 and response.json()["read"] is True
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    second.refresh_from_db()
    theirs.refresh_from_db()
    assert second.read_at is not None and theirs.read_at is None


@pytest.mark.parametrize("who", ["other", "head"])
def test_nobody_reads_or_marks_another_persons_notification(people, who):
    kam, other, head = people
    mine = note(kam)
    client = api(other if who == "other" else head)
    assert client.get(f"/api/v1/notifications/{mine.pk}/").status_code == 404
    assert client.post(f"/api/v1/notifications/{mine.pk}/read/").status_code == 404
    client.post("/api/v1/notifications/read-all/")
    mine.refresh_from_db()
    assert mine.read_at is None


def test_the_page_refuses_another_persons_notification(people, client):
    kam, other, _head = people
    mine = note(kam, "private matter")
    client.force_login(other)
    assert client.post(reverse("alerts:notification-read", args=[mine.pk])).status_code == 404
    page = client.get(reverse("alerts:notifications"))
    assert page.status_code == 200 and b"private matter" not in page.content
    mine.refresh_from_db()
    assert mine.read_at is None


def test_mark_read_with_htmx_swaps_the_row_and_the_bell(people, client):
    kam, _other, _head = people
    first = note(kam, "first")
    note(kam, "second")
    client.force_login(kam)
    response = client.post(
        reverse("alerts:notification-read", args=[first.pk]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert f'id="notification-{first.pk}"' in html and "Mark read" not in html
    assert 'id="bell"' in html and 'hx-swap-oob="true"' in html and ">1<" in html


def test_the_bell_costs_one_query(people):
    kam, _other, _head = people
    for _ in range(5):
        note(kam)
    with CaptureQueriesContext(connection) as queries:
        assert notification_unread_count(user=kam) == 5
    assert len(queries) == 1


def test_the_bell_count_is_kept_until_the_persons_notifications_change(
    people, django_capture_on_commit_callbacks
):
    """The bell is in the frame of every page: its count comes from the cache until a
    service changes the person's notifications (read, all read), then counts again."""
    kam, other, _head = people
    first = note(kam)
    note(kam)
    note(other)
    assert notification_unread_count(user=kam) == 2
    with CaptureQueriesContext(connection) as queries:
        assert notification_unread_count(user=kam) == 2
    assert len(queries) == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_mark_read(user=kam, notification_id=first.pk)
    assert notification_unread_count(user=kam) == 1
    assert notification_unread_count(user=other) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_mark_all_read(user=kam)
    assert notification_unread_count(user=kam) == 0
    assert notification_unread_count(user=other) == 1  # another person's bell is theirs


def test_new_notifications_ring_the_bell_at_once(people, django_capture_on_commit_callbacks):
    """The nightly rules write notifications in bulk: the bells of those told count again."""
    kam, other, _head = people
    f.ActionFactory(plan__account__owner=kam, due=dt.date(2026, 3, 1))
    assert notification_unread_count(user=kam) == 0
    assert notification_unread_count(user=other) == 0
    with django_capture_on_commit_callbacks(execute=True):
        alerts_evaluate(as_of=dt.date(2026, 3, 5), rules=["action_overdue"])
    assert notification_unread_count(user=kam) == 1
    assert notification_unread_count(user=other) == 0


def test_the_bell_is_on_every_page(people, client):
    kam, _other, _head = people
    note(kam)
    client.force_login(kam)
    html = client.get(reverse("accounts:home")).content.decode()
    assert 'id="bell"' in html and 'class="bell-count" aria-hidden="true">1<' in html


def test_thresholds_are_read_by_people_and_changed_by_heads(people):
    kam, _other, head = people
    assert api(kam).get("/api/v1/alerts/settings/").json()["health_drop_points"] == "15.0"
    assert api(kam).patch("/api/v1/alerts/settings/", {"tender_days": 3}).status_code == 403
    response = api(head).patch("/api/v1/alerts/settings/", {"tender_days": 3})
    assert response.status_code == 200
    assert response.json()["tender_days"] == 3 and response.json()["updated_by"] == "head"
    bad = api(head).patch("/api/v1/alerts/settings/", {"detractor_nps_max": 11})
    assert bad.status_code == 400


def test_preferences_page_saves_language_and_zone(people, client):
    kam, _other, _head = people
    client.force_login(kam)
    response = client.post(
        reverse("alerts:preferences"),
        {"digest_daily": "on", "language": "ru", "timezone": "Asia/Yekaterinburg"},
    )
    assert response.status_code == 302
    kam.refresh_from_db()
    assert (kam.language, kam.timezone, kam.digest_daily, kam.digest_weekly) == (
        "ru",
        "Asia/Yekaterinburg",
        True,
        False,
    )
