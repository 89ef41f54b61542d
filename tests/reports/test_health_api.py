"""The health API: shapes, the weighted mean, scoping and who may change the settings."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Contact, User
from reports.health.compute import account_health_compute
from reports.models import AccountHealth, HealthSettings
from tests.factories import (
    AccountFactory,
    ContactFactory,
    InteractionFactory,
    SurveyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def kam():
    return UserFactory(role=User.Role.KAM)


@pytest.fixture
def head():
    return UserFactory(role=User.Role.HEAD)


@pytest.fixture
def api_client():
    return APIClient()


def client_for(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def rich_account(owner):
    a = AccountFactory(owner=owner)
    dm = ContactFactory(
        account=a,
        decision_role=Contact.DecisionRole.DECISION_MAKER,
        influence=5,
        attitude=Contact.Attitude.SUPPORTER,
    )
    ContactFactory(account=a, influence=2, attitude=Contact.Attitude.DETRACTOR)
    i = InteractionFactory(account=a, occurred_at=timezone.now() - timezone.timedelta(days=40))
    i.contacts.set([dm])
    SurveyFactory(account=a, nps=7)
    return a


def test_account_health_shape_and_score_is_the_weighted_mean(api_client, kam):
    a = rich_account(kam)
    r = client_for(api_client, kam).get(f"/api/v1/accounts/{a.pk}/health/")
    assert r.status_code == 200, r.content
    body = r.json()
    assert set(body) >= {"score", "band", "computed_at", "components", "history"}
    assert [c["key"] for c in body["components"]][:2] == ["revenue_trend", "margin_trend"]
    for c in body["components"]:
        assert set(c) == {"key", "label", "value", "score", "weight", "points", "explanation"}
        assert c["explanation"]
    included = [c for c in body["components"] if c["score"] is not None]
    out = [c for c in body["components"] if c["score"] is None]
    assert out and all(c["explanation"].startswith("Left out") for c in out)
    mean = sum(c["weight"] * c["score"] for c in included) / sum(c["weight"] for c in included)
    assert abs(body["score"] - mean) <= 0.5
    # The same mean from the head's raw weights, recomputed here independently.
    hs = HealthSettings.load()
    raw = sum(hs.weight_of(c["key"]) * c["score"] for c in included) / sum(
        hs.weight_of(c["key"]) for c in included
    )
    assert abs(body["score"] - raw) <= 0.5
    assert body["history"][-1]["score"] == body["score"]


def test_kam_cannot_read_another_kams_health(api_client, kam):
    other = AccountFactory()
    account_health_compute(account_ids=[other.pk])
    c = client_for(api_client, kam)
    assert c.get(f"/api/v1/accounts/{other.pk}/health/").status_code == 404
    assert c.get("/api/v1/health/").json()["results"] == []


def test_health_list_filters_by_band_and_owner(api_client, head, kam):
    mine, theirs = AccountFactory(owner=kam), AccountFactory()
    account_health_compute()
    c = client_for(api_client, head)
    rows = c.get("/api/v1/health/").json()["results"]
    assert {r["account"] for r in rows} == {mine.pk, theirs.pk}
    assert [
        r["account"] for r in c.get(f"/api/v1/health/?owner={kam.username}").json()["results"]
    ] == [mine.pk]
    band = AccountHealth.objects.get(account=mine).band
    assert mine.pk in {
        r["account"] for r in c.get(f"/api/v1/health/?band={band}").json()["results"]
    }
    assert c.get("/api/v1/health/?band=purple").status_code == 400
    today = timezone.localdate().isoformat()
    assert len(c.get(f"/api/v1/health/?date={today}").json()["results"]) == 2
    assert c.get("/api/v1/health/?date=2001-01-01").json()["results"] == []


def test_kam_reads_settings_but_cannot_change_them(api_client, kam):
    c = client_for(api_client, kam)
    r = c.get("/api/v1/health/settings/")
    assert r.status_code == 200 and r.json()["weights"]["revenue_trend"] == 20
    r = c.put("/api/v1/health/settings/", {"weights": {"activity": 50}}, format="json")
    assert r.status_code == 403
    assert HealthSettings.load().weight_of("activity") == 5


def test_head_changes_weights_and_the_next_run_uses_them(api_client, head):
    a = AccountFactory(potential_annual=None)
    InteractionFactory(account=a)  # activity 1/6 → 16.7, role coverage 0
    account_health_compute(account_ids=[a.pk])
    score = float(AccountHealth.objects.get(account=a).score)
    assert score == pytest.approx(16.7 * 5 / 15, abs=0.1)
    c = client_for(api_client, head)
    r = c.put(
        "/api/v1/health/settings/",
        {"weights": {"role_coverage": 0}, "healthy_from": "60"},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["weights"]["role_coverage"] == 0 and r.json()["healthy_from"] == "60.0"
    account_health_compute(account_ids=[a.pk])
    assert float(AccountHealth.objects.get(account=a).score) == pytest.approx(16.7, abs=0.05)


def test_settings_refuse_bad_values(api_client, head):
    c = client_for(api_client, head)
    zero = dict.fromkeys(HealthSettings.load().weights, 0)
    assert c.put("/api/v1/health/settings/", {"weights": zero}, format="json").status_code == 400
    r = c.put("/api/v1/health/settings/", {"healthy_from": "30", "watch_from": "50"}, format="json")
    assert r.status_code == 400
    assert (
        c.put("/api/v1/health/settings/", {"weights": {"activity": 101}}, format="json").status_code
        == 400
    )


def test_logging_an_interaction_through_the_api_updates_health_in_the_same_request(api_client, kam):
    a = AccountFactory(owner=kam)
    c = client_for(api_client, kam)
    before = c.get(f"/api/v1/accounts/{a.pk}/health/").json()
    act = {x["key"]: x for x in before["components"]}["activity"]
    assert act["value"] == 0
    r = c.post(
        "/api/v1/interactions/",
        {"account": a.pk, "summary": "Visit", "kind": "visit"},
        format="json",
    )
    assert r.status_code == 201, r.content
    after = c.get(f"/api/v1/accounts/{a.pk}/health/").json()
    assert {x["key"]: x for x in after["components"]}["activity"]["value"] == 1
    assert after["score"] > before["score"]
