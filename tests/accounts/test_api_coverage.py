"""Coverage and contact links through the API: shapes, scoping, validation errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import ContactLink
from tests import factories as f
from tests.conftest import field_errors

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 30)


def at(days_before: int) -> dt.datetime:
    day = AS_OF - dt.timedelta(days=days_before)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


@pytest.fixture
def world(kam_user, other_kam):
    kam_user.first_name, kam_user.last_name = "Anna", "Petrova"
    kam_user.save()
    mine = f.AccountFactory(owner=kam_user, name="Mine")
    boss = f.ContactFactory(account=mine, name="Boss", decision_role="decision_maker")
    buyer = f.ContactFactory(account=mine, name="Buyer", reports_to=boss)
    for days in (3, 10, 20):
        f.InteractionFactory(account=mine, author=kam_user, occurred_at=at(days)).contacts.add(
            buyer
        )
    theirs = f.AccountFactory(owner=other_kam, name="Theirs")
    stranger = f.ContactFactory(account=theirs, name="Stranger")
    return {"mine": mine, "boss": boss, "buyer": buyer, "theirs": theirs, "stranger": stranger}


def test_contact_coverage_names_who_covers_them(kam_user, world, api_client_for):
    buyer = world["buyer"]
    response = api_client_for(kam_user).get(
        f"/api/v1/contacts/{buyer.pk}/coverage/?as_of={AS_OF.isoformat()}"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "contact": buyer.pk,
        "name": "Buyer",
        "decision_role": "influencer",
        "last_met": "2026-06-27",
        "days_since": 3,
        "interactions_90d": 3,
        "as_of": "2026-06-30",
        "covered_by": [
            {
                "user": "kam1",
                "full_name": "Anna Petrova",
                "last_met": "2026-06-27",
                "days_since": 3,
                "interactions_90d": 3,
                # 100·(0.6·(1 − 3/180) + 0.4·3/6) = 79
                "strength": 79,
                "band": "strong",
            }
        ],
    }


def test_account_coverage_lists_people_gaps_and_links(kam_user, world, api_client_for):
    mine, boss, buyer = world["mine"], world["boss"], world["buyer"]
    ContactLink.objects.create(from_contact=buyer, to_contact=boss, kind="influences", note="n")
    body = (
        api_client_for(kam_user).get(f"/api/v1/accounts/{mine.pk}/coverage/?as_of=2026-06-30")
    ).json()
    assert body["account"] == mine.pk and body["interactions_90d"] == 3
    assert [c["name"] for c in body["contacts"]] == ["Boss", "Buyer"]
    assert body["contacts"][0]["covered_by"] == []
    kinds = {g["kind"]: g for g in body["gaps"]}
    assert set(kinds) == {"no_champion", "unmet_decider", "single_threaded"}
    assert kinds["unmet_decider"]["contacts"] == [boss.pk]
    assert "Boss (decision maker, never met)" in kinds["unmet_decider"]["message"]
    assert kinds["single_threaded"]["contacts"] == [buyer.pk]
    assert body["links"] == [
        {
            "id": ContactLink.objects.get().pk,
            "from_contact": buyer.pk,
            "to_contact": boss.pk,
            "kind": "influences",
            "note": "n",
        }
    ]


def test_a_kam_cannot_read_another_kams_coverage(other_kam, world, api_client_for):
    client = api_client_for(other_kam)
    assert client.get(f"/api/v1/accounts/{world['mine'].pk}/coverage/").status_code == 404
    assert client.get(f"/api/v1/contacts/{world['buyer'].pk}/coverage/").status_code == 404
    assert client.get(f"/api/v1/accounts/{world['theirs'].pk}/coverage/").status_code == 200


def test_the_erp_user_reads_accounts_but_not_coverage(integration_user, world, api_client_for):
    client = api_client_for(integration_user)
    assert client.get(f"/api/v1/accounts/{world['mine'].pk}/").status_code == 200
    assert client.get(f"/api/v1/accounts/{world['mine'].pk}/coverage/").status_code == 403


@pytest.mark.parametrize("as_of", ["yesterday", "0001-01-01", "9999-12-31"])
def test_a_bad_as_of_is_a_400_naming_it(kam_user, world, api_client_for, as_of):
    client = api_client_for(kam_user)
    for url in (
        f"/api/v1/accounts/{world['mine'].pk}/coverage/",
        f"/api/v1/contacts/{world['buyer'].pk}/coverage/",
    ):
        response = client.get(url, {"as_of": as_of})
        assert response.status_code == 400
        assert "as_of" in field_errors(response.json())


def test_link_crud_through_the_api(kam_user, world, api_client_for):
    client = api_client_for(kam_user)
    boss, buyer = world["boss"], world["buyer"]
    response = client.post(
        "/api/v1/contact-links/",
        {"from_contact": buyer.pk, "to_contact": boss.pk, "kind": "close_to"},
        format="json",
    )
    assert response.status_code == 201, response.content
    link = response.json()
    assert link["account"] == world["mine"].pk and link["note"] == ""
    listed = client.get(f"/api/v1/contact-links/?contact={boss.pk}").json()["results"]
    assert [row["id"] for row in listed] == [link["id"]]
    patched = client.patch(
        f"/api/v1/contact-links/{link['id']}/", {"note": "Play golf"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["note"] == "Play golf"
    moved = client.patch(
        f"/api/v1/contact-links/{link['id']}/", {"to_contact": buyer.pk}, format="json"
    )
    assert moved.status_code == 400 and "to_contact" in field_errors(moved.json())
    history = client.get(f"/api/v1/contact-links/{link['id']}/history/").json()["results"]
    assert [h["type"] for h in history] == ["changed", "created"]
    assert client.delete(f"/api/v1/contact-links/{link['id']}/").status_code == 204
    assert not ContactLink.objects.exists()


def test_link_validation_errors_are_clear(kam_user, world, api_client_for):
    client = api_client_for(kam_user)
    boss, buyer, stranger = world["boss"], world["buyer"], world["stranger"]

    def post(a, b, kind="rivals"):
        return client.post(
            "/api/v1/contact-links/",
            {"from_contact": a.pk, "to_contact": b.pk, "kind": kind},
            format="json",
        )

    self_link = post(boss, boss)
    assert self_link.status_code == 400
    assert field_errors(self_link.json()) == {
        "to_contact": ["A person cannot be linked to themself."]
    }
    # Another KAM's person is not in the caller's sight: the same 400 as an unknown id.
    other = post(boss, stranger)
    assert other.status_code == 400 and "to_contact" in field_errors(other.json())
    across = f.ContactFactory(account=f.AccountFactory(owner=kam_user), name="Elsewhere")
    two_accounts = post(boss, across)
    assert field_errors(two_accounts.json()) == {
        "to_contact": ["Both people must be contacts of the same account."]
    }
    assert post(boss, buyer).status_code == 201
    again = post(buyer, boss)  # rivals both ways is the same link
    assert field_errors(again.json()) == {
        "to_contact": ["Buyer and Boss are already linked: “Rivals”."]
    }


def test_another_kam_cannot_see_or_remove_my_links(kam_user, other_kam, world, api_client_for):
    link = ContactLink.objects.create(
        from_contact=world["buyer"], to_contact=world["boss"], kind="close_to"
    )
    client = api_client_for(other_kam)
    assert client.get("/api/v1/contact-links/").json()["results"] == []
    assert client.get(f"/api/v1/contact-links/{link.pk}/").status_code == 404
    assert client.delete(f"/api/v1/contact-links/{link.pk}/").status_code == 404
    assert ContactLink.objects.filter(pk=link.pk).exists()
