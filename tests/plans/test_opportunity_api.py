"""/api/v1/opportunities/ (scoped, filtered, stage moves by PATCH, won/lost need a reason),
/api/v1/stage-probabilities/ (heads change them) and /api/v1/forecast/ (a KAM's rows only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from plans.models import Opportunity
from tests import factories as f
from tests.conftest import field_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(kam_user):
    return f.AccountFactory(owner=kam_user, name="Mine")


@pytest.fixture
def theirs(other_kam):
    return f.AccountFactory(owner=other_kam, name="Theirs")


def test_create_and_read_back_with_weighted_value(kam_user, mine, api_client_for):
    category = f.ProductCategoryFactory(code="CAB", name="Cables")
    response = api_client_for(kam_user).post(
        "/api/v1/opportunities/",
        {
            "account": mine.pk,
            "title": "Cables for the new plant",
            "category": category.pk,
            "value": "200000.00",
            "stage": "proposal",
            "expected_close": "2027-03-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"] == "kam1"
    assert body["category_name"] == "Cables"
    assert body["probability"] is None
    assert body["effective_probability"] == 50
    assert body["weighted_value"] == "100000.00"
    assert body["currency"] == "RUB"


def test_unknown_category_is_a_400_naming_it(kam_user, mine, api_client_for):
    response = api_client_for(kam_user).post(
        "/api/v1/opportunities/",
        {"account": mine.pk, "title": "X", "value": "1", "category": 999999},
        format="json",
    )
    assert response.status_code == 400
    assert "category" in field_errors(response.json()) or "category_id" in field_errors(
        response.json()
    )


def test_won_needs_a_reason_through_patch(kam_user, mine, api_client_for):
    opp = f.OpportunityFactory(account=mine, stage="negotiation")
    client = api_client_for(kam_user)
    refused = client.patch(f"/api/v1/opportunities/{opp.pk}/", {"stage": "won"}, format="json")
    assert refused.status_code == 400
    assert "outcome_reason" in field_errors(refused.json())
    moved = client.patch(
        f"/api/v1/opportunities/{opp.pk}/",
        {"stage": "won", "outcome_reason": "Best service"},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["closed_on"] is not None
    assert moved.json()["effective_probability"] == 100
    history = client.get(f"/api/v1/opportunities/{opp.pk}/history/").json()
    assert history["results"][0]["user"] == "kam1"


def test_kam_cannot_see_or_change_another_kams_opportunity(kam_user, theirs, mine, api_client_for):
    other = f.OpportunityFactory(account=theirs)
    own = f.OpportunityFactory(account=mine)
    client = api_client_for(kam_user)
    assert client.get(f"/api/v1/opportunities/{other.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/opportunities/{other.pk}/", {"title": "x"}, format="json")
    ).status_code == 404
    assert [o["id"] for o in client.get("/api/v1/opportunities/").json()["results"]] == [own.pk]
    # Nor create one on their account (the account is looked up in the KAM's scope).
    response = client.post(
        "/api/v1/opportunities/",
        {"account": theirs.pk, "title": "X", "value": "1"},
        format="json",
    )
    assert response.status_code == 400 and "account" in field_errors(response.json())


def test_filters_stage_account_owner_and_close_dates(kam_user, mine, api_client_for):
    a = f.OpportunityFactory(
        account=mine, stage="idea", owner=kam_user, expected_close=dt.date(2027, 1, 10)
    )
    b = f.OpportunityFactory(account=mine, stage="proposal", expected_close=dt.date(2027, 5, 1))
    client = api_client_for(kam_user)

    def ids(query: str) -> list[int]:
        return [o["id"] for o in client.get(f"/api/v1/opportunities/?{query}").json()["results"]]

    assert ids("stage=proposal") == [b.pk]
    assert ids(f"account={mine.pk}") == [a.pk, b.pk]
    assert ids("owner=kam1") == [a.pk]
    assert ids("expected_close_after=2027-02-01") == [b.pk]
    assert ids("expected_close_before=2027-02-01") == [a.pk]
    assert ids("open=true") == [a.pk, b.pk]


def test_stage_probabilities_read_by_kam_changed_by_head(kam_user, head_user, api_client_for):
    kam, head = api_client_for(kam_user), api_client_for(head_user)
    assert kam.get("/api/v1/stage-probabilities/").json() == {
        "opportunity": {"idea": 10, "qualified": 25, "proposal": 50, "negotiation": 75},
        "tender": {"identified": 10, "preparing": 25, "submitted": 50},
    }
    refused = kam.patch(
        "/api/v1/stage-probabilities/", {"opportunity": {"idea": 20}}, format="json"
    )
    assert refused.status_code == 403
    changed = head.patch(
        "/api/v1/stage-probabilities/",
        {"opportunity": {"idea": 20}, "tender": {"submitted": 60}},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["opportunity"]["idea"] == 20
    assert changed.json()["tender"]["submitted"] == 60
    bad = head.patch("/api/v1/stage-probabilities/", {"opportunity": {"won": 20}}, format="json")
    assert bad.status_code == 400


def test_forecast_api_rows_are_the_kams_own(kam_user, other_kam, head_user, api_client_for):
    mine = f.AccountFactory(owner=kam_user, name="Mine")
    theirs = f.AccountFactory(owner=other_kam, name="Theirs")
    today = dt.date.today()
    f.OpportunityFactory(
        account=mine, stage="negotiation", value=Decimal(1000), expected_close=today
    )
    f.OpportunityFactory(
        account=theirs, stage="negotiation", value=Decimal(4000), expected_close=today
    )
    kam = api_client_for(kam_user).get("/api/v1/forecast/?level=account").json()
    assert [r["label"] for r in kam["results"]] == ["Mine"]
    assert kam["results"][0]["opportunities"] == "750.00"
    owners = api_client_for(kam_user).get("/api/v1/forecast/?level=owner").json()
    assert [r["label"] for r in owners["results"]] == ["kam1"]
    head = api_client_for(head_user).get("/api/v1/forecast/?level=company").json()
    assert head["total"]["opportunities"] == "3750.00"
    assert head["period"] == str(today.year)
    bad = api_client_for(head_user).get("/api/v1/forecast/?period=2026-07")
    assert bad.status_code == 400
    assert api_client_for(head_user).get("/api/v1/forecast/?level=planet").status_code == 400


def test_forecast_history_hides_company_rows_from_a_kam(kam_user, head_user, api_client_for):
    from reports.portfolio.forecast_history import forecast_snapshot_take

    f.RevenueLineFactory(account=f.AccountFactory(owner=kam_user), date=dt.date.today())
    forecast_snapshot_take()
    head = api_client_for(head_user).get("/api/v1/forecast/history/?level=company").json()
    assert len(head["series"]) == 1 and head["series"][0]["weeks"]
    kam = api_client_for(kam_user).get("/api/v1/forecast/history/?level=company").json()
    assert kam["series"] == []
    own = api_client_for(kam_user).get("/api/v1/forecast/history/?level=owner").json()
    assert [s["label"] for s in own["series"]] == ["kam1"]


def test_opportunity_model_constraint_backs_the_reason_rule(mine):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Opportunity.objects.create(account=mine, title="X", value=1, stage="lost")
