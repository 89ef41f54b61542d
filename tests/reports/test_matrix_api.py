"""The portfolio matrix through the API and the pages: shapes, scoping and who may write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Account
from reports.models import MatrixCriterion, MatrixPosition
from reports.portfolio import matrix
from tests.factories import AccountFactory
from tests.reports.matrix_criteria import matrix_criteria  # noqa: F401  (autouse)

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def _place(account, quadrant, *, year=YEAR, attractiveness=3.5, strength=3.5, revenue="1000"):
    return MatrixPosition.objects.create(
        account=account,
        year=year,
        attractiveness=attractiveness,
        strength=strength,
        quadrant=quadrant,
        revenue=Decimal(revenue),
        health_score=72.5,
        health_band="healthy",
        criteria=[
            {"key": "growth", "axis": "attractiveness", "value": 0.3, "score": 5, "weight": 20}
        ],
    )


@pytest.fixture
def world(kam_user, other_kam):
    mine = AccountFactory(owner=kam_user, name="Mine")
    theirs = AccountFactory(owner=other_kam, name="Theirs")
    _place(mine, "star", revenue="5000")
    _place(mine, "streamline", year=YEAR - 1)
    _place(theirs, "strategic", revenue="9000")
    return mine, theirs


def test_rows_have_the_documented_shape_and_last_years_quadrant(api_client_for, head_user, world):
    mine, theirs = world
    response = api_client_for(head_user).get("/api/v1/portfolio-matrix/", {"year": YEAR})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["name"] for r in rows] == ["Theirs", "Mine"]  # biggest revenue first
    row = rows[1]
    assert {"account", "attractiveness", "strength", "quadrant", "revenue", "health"} <= set(row)
    assert row["account"] == mine.pk and row["external_id"] == mine.external_id
    assert row["quadrant"] == "star" and row["previous_quadrant"] == "streamline"
    assert row["revenue"] == "5000.00"
    assert row["health"] == {"score": 72.5, "band": "healthy"}
    assert rows[0]["previous_quadrant"] is None
    only = api_client_for(head_user).get("/api/v1/portfolio-matrix/", {"quadrant": "strategic"})
    assert [r["name"] for r in only.json()["results"]] == ["Theirs"]
    bad = api_client_for(head_user).get("/api/v1/portfolio-matrix/", {"quadrant": "cash-cow"})
    assert bad.status_code == 400


def test_a_kam_reads_only_their_own_rows(api_client_for, kam_user, world):
    mine, theirs = world
    client = api_client_for(kam_user)
    rows = client.get("/api/v1/portfolio-matrix/").json()["results"]
    assert [r["account"] for r in rows] == [mine.pk]
    detail = client.get(f"/api/v1/portfolio-matrix/{mine.pk}/")
    assert detail.status_code == 200
    assert detail.json()["criteria"][0]["key"] == "growth"
    assert client.get(f"/api/v1/portfolio-matrix/{theirs.pk}/").status_code == 404
    assert client.get(f"/api/v1/portfolio-matrix/{theirs.pk}/scores/").status_code == 404
    post = client.post(
        f"/api/v1/portfolio-matrix/{theirs.pk}/scores/",
        {"criterion": "strategic_fit", "score": 5},
        format="json",
    )
    assert post.status_code == 404


def test_the_erp_user_has_no_matrix(api_client_for, integration_user, world):
    assert api_client_for(integration_user).get("/api/v1/portfolio-matrix/").status_code == 403
    response = api_client_for(integration_user).get("/api/v1/portfolio-matrix/criteria/")
    assert response.status_code == 403


def test_a_kam_sets_strategic_fit_and_reads_its_history(api_client_for, kam_user, world):
    mine, _theirs = world
    client = api_client_for(kam_user)
    url = f"/api/v1/portfolio-matrix/{mine.pk}/scores/"
    response = client.post(url, {"criterion": "strategic_fit", "score": 4}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["score"] == 4 and response.json()["year"] == YEAR
    assert response.json()["scored_by"] == kam_user.username
    client.post(
        url, {"criterion": "strategic_fit", "score": 2, "note": "less central"}, format="json"
    )
    rows = client.get(url).json()
    assert [(r["year"], r["score"]) for r in rows] == [(YEAR, 2)]
    bad = client.post(url, {"criterion": "growth", "score": 3}, format="json")
    assert bad.status_code == 400 and "criterion" in bad.json()
    bad = client.post(url, {"criterion": "strategic_fit", "score": 9}, format="json")
    assert bad.status_code == 400 and "score" in bad.json()


def test_criteria_are_read_by_all_and_written_by_heads(api_client_for, kam_user, head_user):
    growth = MatrixCriterion.objects.get(key="growth")
    kam = api_client_for(kam_user)
    listed = kam.get("/api/v1/portfolio-matrix/criteria/").json()
    assert [c["key"] for c in listed][:4] == ["potential_size", "growth", "margin", "strategic_fit"]
    assert {"label", "rule", "weight", "axis", "source"} <= set(listed[0])
    url = f"/api/v1/portfolio-matrix/criteria/{growth.pk}/"
    assert kam.patch(url, {"weight": 40}, format="json").status_code == 403
    head = api_client_for(head_user)
    response = head.patch(url, {"weight": 40}, format="json")
    assert response.status_code == 200 and response.json()["weight"] == 40
    assert response.json()["updated_by"] == head_user.username
    assert head.patch(url, {"weight": 140}, format="json").status_code == 400
    assert head.patch(url, {"key": "other"}, format="json").json()["key"] == "growth"


def test_accounts_api_filters_by_quadrant(api_client_for, head_user, world):
    mine, theirs = world
    Account.objects.filter(pk=mine.pk).update(quadrant="star")
    response = api_client_for(head_user).get("/api/v1/accounts/", {"quadrant": "star"})
    assert [a["id"] for a in response.json()["results"]] == [mine.pk]


# --- pages ------------------------------------------------------------------------------
def test_matrix_page_lists_a_kams_own_accounts_with_the_move(client, kam_user, world):
    mine, theirs = world
    client.force_login(kam_user)
    response = client.get("/portfolio/matrix/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mine" in html and "Theirs" not in html
    assert f'data-account="{mine.pk}" data-quadrant="star"' in html
    assert "Streamline</span> →" in html
    assert 'id="matrix-data"' in html and "<script>" not in html  # data, no inline script


def test_matrix_page_filters_by_quadrant(client, head_user, world):
    client.force_login(head_user)
    html = client.get("/portfolio/matrix/", {"quadrant": "strategic"}).content.decode()
    assert "Theirs" in html and ">Mine<" not in html


def test_strategic_fit_form_on_the_page(client, kam_user, world):
    mine, theirs = world
    client.force_login(kam_user)
    response = client.post(
        f"/portfolio/matrix/{mine.pk}/fit/", {"score": "4", "next": "/portfolio/matrix/?page=1"}
    )
    assert response.status_code == 302 and response["Location"] == "/portfolio/matrix/?page=1"
    assert mine.matrix_scores.get().score == 4
    off_site = client.post(
        f"/portfolio/matrix/{mine.pk}/fit/", {"score": "3", "next": "https://evil.example/"}
    )
    assert off_site["Location"] == "/portfolio/matrix/"
    assert client.post(f"/portfolio/matrix/{theirs.pk}/fit/", {"score": "4"}).status_code == 404


def test_criteria_page_saves_weights_for_heads_only(client, kam_user, head_user):
    data = {f"weight_{k}": w for k, w in MatrixCriterion.objects.values_list("key", "weight")}
    client.force_login(kam_user)
    assert client.get("/portfolio/matrix/criteria/").status_code == 200
    assert client.post("/portfolio/matrix/criteria/", data).status_code == 403
    client.force_login(head_user)
    response = client.post(
        "/portfolio/matrix/criteria/", {**data, "weight_margin": "0", "weight_growth": "40"}
    )
    assert response.status_code == 302
    assert MatrixCriterion.objects.get(key="margin").weight == 0
    assert MatrixCriterion.objects.get(key="growth").weight == 40


def test_accounts_table_and_dashboard_offer_the_quadrant(client, head_user, world):
    mine, theirs = world
    Account.objects.filter(pk=theirs.pk).update(quadrant="strategic")
    client.force_login(head_user)
    html = client.get("/portfolio/accounts/", {"quadrant": "strategic"}).content.decode()
    assert "Theirs" in html and ">Mine<" not in html
    html = client.get("/portfolio/").content.decode()
    assert 'id="matrix-summary"' in html and "/portfolio/accounts/?quadrant=strategic" in html


def test_resources_page_states_its_rule(client, head_user, world):
    client.force_login(head_user)
    response = client.get("/portfolio/matrix/resources/")
    assert response.status_code == 200
    assert 'id="resources-rule"' in response.content.decode()


def test_previous_year_can_be_shown(client, head_user, world):
    client.force_login(head_user)
    html = client.get("/portfolio/matrix/", {"year": YEAR - 1}).content.decode()
    assert f"Portfolio matrix · {YEAR - 1}" in html
    assert matrix.matrix_years() == [YEAR, YEAR - 1]
    assert dt.date.today().year >= YEAR - 1


def test_an_account_id_past_64_bits_is_a_404_not_a_500(api_client_for, head_user):
    client = api_client_for(head_user)
    huge = "240417977979070351776674399532"
    assert client.get(f"/api/v1/portfolio-matrix/{huge}/").status_code == 404
    assert client.get(f"/api/v1/portfolio-matrix/{huge}/scores/").status_code == 404
