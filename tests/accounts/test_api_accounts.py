"""The accounts endpoint: shapes, filters, who may write which field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import Account
from tests.conftest import field_errors
from tests.factories import AccountFactory, RegionFactory, RevenueLineFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/accounts/"


def test_detail_carries_key_numbers(kam_user, api_client_for):
    account = AccountFactory(
        owner=kam_user,
        tier="A",
        is_key=True,
        ttm_revenue=Decimal("1234.50"),
        ttm_share=0.25,
        ttm_penetration=0.5,
        ttm_growth=-0.1,
    )
    body = api_client_for(kam_user).get(f"{URL}{account.pk}/").json()
    assert body["owner"] == "kam1"
    assert body["team"] == []
    assert (body["tier"], body["is_key"], body["ttm_revenue"]) == ("A", True, "1234.50")
    assert (body["ttm_share"], body["ttm_penetration"], body["ttm_growth"]) == (0.25, 0.5, -0.1)


def test_list_filters_by_external_id_owner_tier_and_orders(kam_user, head_user, api_client_for):
    region = RegionFactory(code="NW")
    AccountFactory(external_id="E-1", owner=kam_user, tier="A", ttm_revenue=10, region=region)
    AccountFactory(external_id="E-2", owner=kam_user, tier="B", ttm_revenue=30)
    AccountFactory(external_id="E-3", tier="A", ttm_revenue=20)
    client = api_client_for(head_user)

    def ids(query: str) -> list[str]:
        response = client.get(URL + query)
        assert response.status_code == 200, response.content
        return [row["external_id"] for row in response.json()["results"]]

    assert ids("?external_id=E-2") == ["E-2"]
    assert ids("?owner=kam1&ordering=-ttm_revenue") == ["E-2", "E-1"]
    assert ids("?tier=A&ordering=ttm_revenue") == ["E-1", "E-3"]
    assert ids("?region_code=NW") == ["E-1"]
    assert ids(f"?region={region.pk}") == ["E-1"]
    assert ids("?search=E-3") == ["E-3"]
    assert client.get(URL + "?tier=Z").status_code == 400


def test_kam_edits_kam_fields_but_not_derived_ones(kam_user, api_client_for):
    account = AccountFactory(owner=kam_user, tier="C")
    response = api_client_for(kam_user).patch(
        f"{URL}{account.pk}/",
        {"potential_annual": "5000000.00", "strategic": True, "notes": "Ally", "tier": "A"},
    )
    assert response.status_code == 200, response.content
    account.refresh_from_db()
    assert (account.potential_annual, account.strategic, account.notes) == (
        Decimal("5000000.00"),
        True,
        "Ally",
    )
    assert account.tier == "C"  # derived: ignored from clients


def test_marking_strategic_through_the_api_answers_with_the_account_now_key(
    kam_user, api_client_for
):
    account = AccountFactory(owner=kam_user, tier="C", is_key=False)
    response = api_client_for(kam_user).patch(f"{URL}{account.pk}/", {"strategic": True})
    assert response.status_code == 200, response.content
    assert (response.json()["strategic"], response.json()["is_key"]) == (True, True)


def test_kam_cannot_reassign_owner_or_team(kam_user, other_kam, api_client_for):
    account = AccountFactory(owner=kam_user)
    client = api_client_for(kam_user)
    for payload in ({"owner": "kam2"}, {"team": ["kam2"]}):
        response = client.patch(f"{URL}{account.pk}/", payload, format="json")
        assert response.status_code == 403
        assert "owner" in response.json()["detail"]
    account.refresh_from_db()
    assert account.owner == kam_user and not account.team.exists()


def test_kam_full_put_repeating_owner_and_team_is_fine(kam_user, api_client_for):
    account = AccountFactory(owner=kam_user)
    client = api_client_for(kam_user)
    body = client.get(f"{URL}{account.pk}/").json()
    body["notes"] = "Updated"
    response = client.put(f"{URL}{account.pk}/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["notes"] == "Updated"


def test_head_assigns_owner_and_team_by_username(head_user, kam_user, other_kam, api_client_for):
    account = AccountFactory(owner=kam_user)
    response = api_client_for(head_user).patch(
        f"{URL}{account.pk}/", {"owner": "kam2", "team": ["kam1"]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["owner"] == "kam2" and response.json()["team"] == ["kam1"]
    assert api_client_for(kam_user).get(f"{URL}{account.pk}/").status_code == 200  # on team


def test_owner_must_be_an_active_kam_or_head(head_user, integration_user, api_client_for):
    account = AccountFactory()
    response = api_client_for(head_user).patch(f"{URL}{account.pk}/", {"owner": "erp"})
    assert response.status_code == 400
    assert "owner" in response.json()


def test_kam_creates_account_and_owns_it(kam_user, api_client_for):
    response = api_client_for(kam_user).post(URL, {"name": "Prospect", "status": "prospect"})
    assert response.status_code == 201, response.content
    assert response.json()["owner"] == "kam1"


def test_duplicate_external_id_is_400_naming_field(admin_user_, api_client_for):
    AccountFactory(external_id="DUP")
    response = api_client_for(admin_user_).post(URL, {"external_id": "DUP", "name": "X"})
    assert response.status_code == 400
    assert "external_id" in response.json()
    assert Account.objects.filter(external_id="DUP").count() == 1


def test_parent_cycle_is_400_naming_parent(kam_user, api_client_for):
    top = AccountFactory(owner=kam_user)
    child = AccountFactory(owner=kam_user, parent=top)
    client = api_client_for(kam_user)
    response = client.patch(f"{URL}{top.pk}/", {"parent": child.pk})
    assert response.status_code == 400
    assert "parent" in response.json()
    response = client.patch(f"{URL}{top.pk}/", {"parent": top.pk})
    assert response.status_code == 400 and "parent" in response.json()
    top.refresh_from_db()
    assert top.parent is None


def test_parent_outside_scope_is_400_like_an_unknown_id(kam_user, other_kam, api_client_for):
    mine = AccountFactory(owner=kam_user)
    theirs = AccountFactory(owner=other_kam)
    client = api_client_for(kam_user)
    foreign = client.patch(f"{URL}{mine.pk}/", {"parent": theirs.pk}).json()
    unknown = client.patch(f"{URL}{mine.pk}/", {"parent": 999_999}).json()
    assert list(field_errors(foreign)) == ["parent"] == list(field_errors(unknown))


def test_account_with_revenue_cannot_be_deleted(head_user, api_client_for):
    line = RevenueLineFactory()
    response = api_client_for(head_user).delete(f"{URL}{line.account_id}/")
    assert response.status_code == 400
    assert Account.objects.filter(pk=line.account_id).exists()


def test_kam_cannot_delete_an_account(kam_user, api_client_for):
    account = AccountFactory(owner=kam_user)
    assert api_client_for(kam_user).delete(f"{URL}{account.pk}/").status_code == 403
    assert Account.objects.filter(pk=account.pk).exists()


def test_integration_reads_accounts_but_cannot_write(integration_user, api_client_for):
    account = AccountFactory()
    client = api_client_for(integration_user)
    assert client.get(f"{URL}?external_id={account.external_id}").json()["count"] == 1
    assert client.patch(f"{URL}{account.pk}/", {"notes": "x"}).status_code == 403
    assert client.post(URL, {"external_id": "I-1", "name": "X"}).status_code == 403


def test_team_member_sees_account(kam_user, api_client_for):
    account = AccountFactory(owner=UserFactory(username="someone"))
    account.team.add(kam_user)
    response = api_client_for(kam_user).get(URL)
    assert [row["id"] for row in response.json()["results"]] == [account.pk]


def test_list_rows_have_the_detail_shape_and_modelserializer_formatting(
    kam_user, other_kam, api_client_for
):
    from rest_framework import serializers

    from accounts.api.serializers import AccountSerializer

    account = AccountFactory(
        owner=kam_user, potential_annual=Decimal("10.5"), ttm_revenue=Decimal("7"), tier="B"
    )
    account.team.add(other_kam)
    client = api_client_for(kam_user)
    listed = client.get(URL).json()["results"]
    detail = client.get(f"{URL}{account.pk}/").json()
    assert listed == [detail]
    # The hand-built representation equals DRF's generic one, field by field.
    request = client.get(f"{URL}{account.pk}/").wsgi_request
    generic = serializers.ModelSerializer.to_representation(
        AccountSerializer(context={"request": request}), account
    )
    assert list(detail.items()) == list(generic.items())  # same keys, order and values
    assert (detail["potential_annual"], detail["ttm_revenue"]) == ("10.50", "7.00")


def test_pages_carry_total_and_links(kam_user, api_client_for):
    for _ in range(3):
        AccountFactory(owner=kam_user)
    client = api_client_for(kam_user)
    first = client.get(URL, {"page_size": 2}).json()
    assert first["count"] == 3 and first["next"] and first["previous"] is None
    second = client.get(URL, {"page_size": 2, "page": 2}).json()
    assert second["count"] == 3 and len(second["results"]) == 1 and second["next"] is None
    names = [r["name"] for r in first["results"] + second["results"]]
    assert names == sorted(names)
    assert client.get(URL, {"page_size": 2, "page": 3}).status_code == 404
    empty = client.get(URL, {"external_id": "nope"}).json()
    assert empty["count"] == 0 and empty["results"] == []


def test_range_and_boolean_filters_and_their_errors(head_user, api_client_for):
    from django.utils import timezone

    old = AccountFactory(external_id="OLD", is_key=True)
    Account.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timezone.timedelta(days=9))
    AccountFactory(external_id="NEW", ttm_revenue=Decimal("500"))
    client = api_client_for(head_user)
    since = (timezone.now() - timezone.timedelta(days=1)).isoformat()

    def ids(params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return [r["external_id"] for r in response.json()["results"]]

    assert ids({"updated_at_after": since}) == ["NEW"]
    assert ids({"updated_at_before": since}) == ["OLD"]
    assert ids({"is_key": "true"}) == ["OLD"]
    assert ids({"ttm_revenue_min": "100"}) == ["NEW"]
    bad = client.get(URL, {"updated_at_after": "soon", "ttm_revenue_min": "lots"})
    assert bad.status_code == 400
    assert set(field_errors(bad.json())) == {"updated_at", "ttm_revenue_min"}
