"""`…/{id}/history/`: who changed what and when, scoped like the record itself."""

from __future__ import annotations

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_account_history_names_who_and_what(kam_user, other_kam, head_user, api_client_for):
    created = api_client_for(kam_user).post("/api/v1/accounts/", {"name": "Hist", "notes": "first"})
    pk = created.json()["id"]
    api_client_for(kam_user).patch(f"/api/v1/accounts/{pk}/", {"notes": "second"})
    api_client_for(head_user).patch(
        f"/api/v1/accounts/{pk}/", {"owner": "kam2", "team": ["kam1"]}, format="json"
    )
    entries = api_client_for(head_user).get(f"/api/v1/accounts/{pk}/history/").json()["results"]
    # Newest first. The head's PATCH saves the row, then sets the team (two records).
    latest_changes = [c for e in entries[:2] for c in e["changes"]]
    assert {"field": "owner", "old": "kam1", "new": "kam2"} in latest_changes
    assert {"field": "team", "old": [], "new": ["kam1"]} in latest_changes
    assert {e["user"] for e in entries[:2]} == {"head"}
    notes = next(e for e in entries if any(c["field"] == "notes" for c in e["changes"]))
    assert notes["user"] == "kam1" and notes["type"] == "changed"
    assert {"field": "notes", "old": "first", "new": "second"} in notes["changes"]
    assert entries[-1]["type"] == "created" and entries[-1]["user"] == "kam1"


def test_history_pages_diff_against_the_record_before_the_page(kam_user, api_client_for):
    tender = f.TenderFactory(account=f.AccountFactory(owner=kam_user), platform="A")
    client = api_client_for(kam_user)
    for platform in ("B", "C"):
        client.patch(f"/api/v1/tenders/{tender.pk}/", {"platform": platform})
    second = client.get(f"/api/v1/tenders/{tender.pk}/history/", {"page_size": 1, "page": 2})
    entry = second.json()["results"][0]
    assert entry["changes"] == [{"field": "platform", "old": "A", "new": "B"}]
    assert second.json()["count"] == 3


def test_history_is_scoped_and_closed_to_the_erp(
    kam_user, other_kam, integration_user, api_client_for
):
    account = f.AccountFactory(owner=other_kam)
    contact = f.ContactFactory(account=account)
    assert (
        api_client_for(kam_user).get(f"/api/v1/accounts/{account.pk}/history/").status_code == 404
    )
    assert (
        api_client_for(kam_user).get(f"/api/v1/contacts/{contact.pk}/history/").status_code == 404
    )
    erp = api_client_for(integration_user)
    assert erp.get(f"/api/v1/accounts/{account.pk}/history/").status_code == 403
    assert erp.get(f"/api/v1/accounts/{account.pk}/").status_code == 200


@pytest.mark.parametrize("changes", [5, 50])
def test_history_queries_are_bounded(
    changes, kam_user, other_kam, head_user, api_client_for, django_assert_max_num_queries
):
    account = f.AccountFactory(owner=kam_user)
    client = api_client_for(head_user)
    for i in range(changes):
        client.patch(
            f"/api/v1/accounts/{account.pk}/",
            {"notes": f"n{i}", "team": ["kam2"] if i % 2 else []},
            format="json",
        )
    # token, account, count, page, predecessor, team snapshots, usernames
    with django_assert_max_num_queries(7):
        response = client.get(f"/api/v1/accounts/{account.pk}/history/", {"page_size": 100})
    assert response.status_code == 200
    assert response.json()["count"] > changes
