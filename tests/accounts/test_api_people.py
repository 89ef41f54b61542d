"""Contacts, interactions, events and the people pickers, as a client sees them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_contact_carries_last_interaction_date(kam_user, api_client_for):
    account = f.AccountFactory(owner=kam_user)
    contact = f.ContactFactory(account=account)
    when = timezone.now() - dt.timedelta(days=3)
    f.InteractionFactory(account=account, occurred_at=when - dt.timedelta(days=30))
    f.InteractionFactory(account=account, occurred_at=when).contacts.add(contact)
    body = api_client_for(kam_user).get(f"/api/v1/contacts/{contact.pk}/").json()
    assert dt.datetime.fromisoformat(body["last_interaction_at"]) == when


def test_org_chart_filter_by_manager(kam_user, api_client_for):
    account = f.AccountFactory(owner=kam_user)
    boss = f.ContactFactory(account=account)
    deputy = f.ContactFactory(account=account, reports_to=boss)
    f.ContactFactory(account=account)
    rows = api_client_for(kam_user).get(f"/api/v1/contacts/?reports_to={boss.pk}").json()
    assert [r["id"] for r in rows["results"]] == [deputy.pk]


def test_interaction_author_is_the_caller_whatever_is_sent(kam_user, other_kam, api_client_for):
    account = f.AccountFactory(owner=kam_user)
    contact = f.ContactFactory(account=account)
    response = api_client_for(kam_user).post(
        "/api/v1/interactions/",
        {"account": account.pk, "summary": "Visit", "author": "kam2", "contacts": [contact.pk]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["author"] == "kam1"
    assert response.json()["contacts"] == [contact.pk]


def test_patching_an_event_keeps_its_lists(kam_user, api_client_for):
    account = f.AccountFactory(owner=kam_user)
    contact = f.ContactFactory(account=account)
    event = f.EventFactory(organizer=kam_user)
    event.accounts.add(account)
    event.invited.add(contact)
    response = api_client_for(kam_user).patch(
        f"/api/v1/events/{event.pk}/", {"attended": [contact.pk]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["accounts"], response.json()["invited"]) == ([account.pk], [contact.pk])
    assert response.json()["attended"] == [contact.pk]


def test_kam_sees_but_cannot_change_a_company_event(kam_user, head_user, api_client_for):
    event = f.EventFactory(organizer=head_user, name="Annual conference")
    client = api_client_for(kam_user)
    assert client.get(f"/api/v1/events/{event.pk}/").status_code == 200
    assert client.patch(f"/api/v1/events/{event.pk}/", {"name": "Mine"}).status_code == 403
    assert client.delete(f"/api/v1/events/{event.pk}/").status_code == 403
    event.refresh_from_db()
    assert event.name == "Annual conference"


def test_kam_cannot_change_an_event_shared_with_another_kams_account(
    kam_user, other_kam, api_client_for
):
    event = f.EventFactory(organizer=other_kam)
    event.accounts.add(f.AccountFactory(owner=kam_user), f.AccountFactory(owner=other_kam))
    client = api_client_for(kam_user)
    assert client.get(f"/api/v1/events/{event.pk}/").status_code == 200
    response = client.patch(f"/api/v1/events/{event.pk}/", {"accounts": []}, format="json")
    assert response.status_code == 403
    assert event.accounts.count() == 2


@pytest.fixture
def joint_event(kam_user, other_kam, head_user):
    """A head's event for a client of kam1 and a client of kam2, with a person of each."""
    mine, theirs = f.AccountFactory(owner=kam_user), f.AccountFactory(owner=other_kam)
    my_person, their_person = f.ContactFactory(account=mine), f.ContactFactory(account=theirs)
    event = f.EventFactory(organizer=head_user, name="Joint expo")
    event.accounts.add(mine, theirs)
    event.invited.add(my_person, their_person)
    event.attended.add(my_person, their_person)
    return event, (mine, my_person), (theirs, their_person)


def test_joint_event_names_only_the_accounts_and_people_the_kam_sees(
    joint_event, kam_user, head_user, api_client_for
):
    event, (mine, my_person), (theirs, their_person) = joint_event
    kam = api_client_for(kam_user)
    for body in (
        kam.get(f"/api/v1/events/{event.pk}/").json(),
        kam.get("/api/v1/events/").json()["results"][0],
    ):
        assert body["accounts"] == [mine.pk]
        assert body["invited"] == body["attended"] == [my_person.pk]
    # The head sees the whole event.
    body = api_client_for(head_user).get(f"/api/v1/events/{event.pk}/").json()
    assert set(body["accounts"]) == {mine.pk, theirs.pk}
    assert set(body["invited"]) == {my_person.pk, their_person.pk}


def test_event_filter_by_account_is_no_oracle_for_other_kams_accounts(
    joint_event, kam_user, api_client_for
):
    event, (mine, _), (theirs, _) = joint_event
    kam = api_client_for(kam_user)
    found = kam.get("/api/v1/events/", {"account": mine.pk}).json()["results"]
    assert [e["id"] for e in found] == [event.pk]
    # Another KAM's account on the same event finds nothing, as an id that does not exist.
    assert kam.get("/api/v1/events/", {"account": theirs.pk}).json()["results"] == []
    assert kam.get("/api/v1/events/", {"account": 10**12}).json()["results"] == []


def test_kam_editing_a_joint_event_keeps_what_they_cannot_see(
    joint_event, kam_user, head_user, api_client_for
):
    """The answer is scoped, the event is not: a head's accounts and people stay on it."""
    event, (mine, my_person), (theirs, their_person) = joint_event
    event.organizer = kam_user
    event.save()
    response = api_client_for(kam_user).patch(
        f"/api/v1/events/{event.pk}/", {"location": "Kazan", "attended": []}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["accounts"] == [mine.pk] and response.json()["attended"] == []
    assert set(event.accounts.values_list("pk", flat=True)) == {mine.pk, theirs.pk}
    assert list(event.attended.values_list("pk", flat=True)) == [their_person.pk]


def test_user_picker_shows_colleagues_on_shared_accounts_and_heads(
    kam_user, other_kam, head_user, integration_user, api_client_for
):
    mate = f.UserFactory(username="mate")
    f.AccountFactory(owner=kam_user).team.add(mate)
    f.UserFactory(username="stranger")
    names = {
        u["username"] for u in api_client_for(kam_user).get("/api/v1/users/").json()["results"]
    }
    assert names == {"kam1", "mate", "head"}
    head_sees = {
        u["username"] for u in api_client_for(head_user).get("/api/v1/users/").json()["results"]
    }
    assert {"kam1", "kam2", "mate", "stranger", "head"} <= head_sees
    assert "erp" not in head_sees
    kams = api_client_for(head_user).get("/api/v1/users/?role=kam").json()["results"]
    assert all(u["role"] == "kam" for u in kams)


@pytest.mark.parametrize("path", ["accounts", "contacts", "plans", "tenders", "events"])
def test_options_describes_the_endpoint(path, kam_user, api_client_for):
    response = api_client_for(kam_user).options(f"/api/v1/{path}/")
    assert response.status_code == 200
    assert "actions" in response.json()  # the fields a POST accepts
