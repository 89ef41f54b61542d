"""The pipeline pages: list, board and its per-card move (plain POST and htmx), the
stage probabilities page, the account page's panel, and the forecast page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from plans.models import Opportunity, StageProbability
from tests import factories as f
from tests.account_page import account_page

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mine(kam_user):
    return f.AccountFactory(owner=kam_user, name="Mine")


def test_list_and_board_show_only_visible_opportunities(kam_user, other_kam, mine):
    f.OpportunityFactory(account=mine, title="Upsell cables")
    f.OpportunityFactory(account=f.AccountFactory(owner=other_kam), title="Their secret")
    client = _client(kam_user)
    for url in ("/opportunities/", "/opportunities/?view=board"):
        body = client.get(url).content.decode()
        assert "Upsell cables" in body and "Their secret" not in body


def test_moving_a_card_on_the_board(kam_user, mine):
    opp = f.OpportunityFactory(account=mine, stage="idea", title="Upsell")
    client = _client(kam_user)
    response = client.post(
        f"/opportunities/{opp.pk}/stage/", {"stage": "qualified", "from": "board"}
    )
    assert response.status_code == 302 and response["Location"].endswith("?view=board")
    opp.refresh_from_db()
    assert opp.stage == "qualified"
    # htmx: the board comes back, retargeted at the board.
    response = client.post(
        f"/opportunities/{opp.pk}/stage/",
        {"stage": "proposal", "from": "board"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#board"
    assert 'id="board"' in response.content.decode()
    opp.refresh_from_db()
    assert opp.stage == "proposal"


def test_won_without_reason_stays_on_the_card_with_the_error(kam_user, mine):
    opp = f.OpportunityFactory(account=mine, stage="negotiation")
    response = _client(kam_user).post(
        f"/opportunities/{opp.pk}/stage/",
        {"stage": "won", "from": "board"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="opp-{opp.pk}"' in body and 'role="alert"' in body
    opp.refresh_from_db()
    assert opp.stage == "negotiation"


def test_create_through_the_form(kam_user, mine):
    response = _client(kam_user).post(
        "/opportunities/new/",
        {
            "account": mine.pk,
            "title": "New site",
            "value": "5000",
            "currency": "rub",
            "expected_close": "2027-02-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    opp = Opportunity.objects.get(title="New site")
    assert (opp.owner, opp.currency, opp.stage) == (kam_user, "RUB", "idea")


def test_account_page_lists_its_opportunities(kam_user, mine):
    f.OpportunityFactory(account=mine, title="Renewal 2027", stage="proposal", value=Decimal(1000))
    body = account_page(_client(kam_user), mine.pk)
    assert "Renewal 2027" in body


def test_probabilities_page_head_changes_kam_reads(kam_user, head_user):
    assert _client(kam_user).get("/settings/stage-probabilities/").status_code == 200
    refused = _client(kam_user).post("/settings/stage-probabilities/", {"opportunity-idea": "30"})
    assert refused.status_code == 403
    data = {
        "opportunity-idea": "15",
        "opportunity-qualified": "25",
        "opportunity-proposal": "50",
        "opportunity-negotiation": "80",
        "tender-identified": "10",
        "tender-preparing": "25",
        "tender-submitted": "50",
    }
    assert _client(head_user).post("/settings/stage-probabilities/", data).status_code == 302
    stored = dict(StageProbability.objects.values_list("stage", "percent"))
    assert stored["idea"] == 15 and stored["negotiation"] == 80


def test_forecast_page_for_head_and_kam(kam_user, other_kam, head_user, mine):
    theirs = f.AccountFactory(owner=other_kam, name="Theirs")
    today = dt.date.today()
    f.OpportunityFactory(account=mine, stage="proposal", expected_close=today)
    f.OpportunityFactory(account=theirs, stage="proposal", expected_close=today)
    head = _client(head_user).get("/forecast/").content.decode()
    assert "kam1" in head and "kam2" in head
    kam = _client(kam_user).get("/forecast/").content.decode()
    assert "Mine" in kam and "Theirs" not in kam
    assert _client(head_user).get("/portfolio/opportunities/").status_code == 200
