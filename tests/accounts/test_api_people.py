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
