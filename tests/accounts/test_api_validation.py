"""Every rule of the model layer answers through the API as a 400 naming the field, with
nothing written; junk never produces a 500."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.conftest import field_errors

pytestmark = pytest.mark.django_db


def _mine(kam):
    return f.AccountFactory(owner=kam)


# (label, method, path(kam) -> (url, payload, model-to-count), field)
def _contact_cycle(kam):
    boss = f.ContactFactory(account=_mine(kam))
    clerk = f.ContactFactory(account=boss.account, reports_to=boss)
    return "patch", f"/api/v1/contacts/{boss.pk}/", {"reports_to": clerk.pk}


def _contact_foreign_manager(kam):
    contact = f.ContactFactory(account=_mine(kam))
    other = f.ContactFactory(account=_mine(kam))
    return "patch", f"/api/v1/contacts/{contact.pk}/", {"reports_to": other.pk}


def _interaction_due_before(kam):
    payload = {
        "account": _mine(kam).pk,
        "summary": "Visit",
        "occurred_at": "2026-03-01T10:00:00Z",
        "next_step_due": "2026-02-01",
    }
    return "post", "/api/v1/interactions/", payload


def _interaction_foreign_contact(kam):
    stranger = f.ContactFactory(account=_mine(kam))
    return (
        "post",
        "/api/v1/interactions/",
        {
            "account": _mine(kam).pk,
            "summary": "Call",
            "contacts": [stranger.pk],
        },
    )


def _survey(kam, **kw):
    return "post", "/api/v1/surveys/", {"account": _mine(kam).pk, "date": "2026-11-01", **kw}


def _link(kam, **kw):
    payload = {"account": _mine(kam).pk, "distributor": f.DistributorFactory().pk, **kw}
    return "post", "/api/v1/distributor-links/", payload


def _link_duplicate(kam):
    link = f.DistributorLinkFactory(account=_mine(kam))
    payload = {"account": link.account_id, "distributor": link.distributor_id}
    return "post", "/api/v1/distributor-links/", payload


def _event_invited_stranger(kam):
    account = _mine(kam)
    stranger = f.ContactFactory(account=_mine(kam))
    return (
        "post",
        "/api/v1/events/",
        {
            "name": "Expo",
            "starts_on": "2026-12-01",
            "accounts": [account.pk],
            "invited": [stranger.pk],
        },
    )


def _plan(kam, **kw):
    payload = {
        "account": _mine(kam).pk,
        "title": "Plan",
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        **kw,
    }
    return "post", "/api/v1/plans/", payload


def _action_foreign_objective(kam):
    plan = f.AccountPlanFactory(account=_mine(kam))
    objective = f.ObjectiveFactory(plan=f.AccountPlanFactory(account=plan.account))
    payload = {"plan": plan.pk, "objective": objective.pk, "description": "Do"}
    return "post", "/api/v1/actions/", payload


def _tender(kam, **kw):
    return "post", "/api/v1/tenders/", {"account": _mine(kam).pk, "title": "T", **kw}


def _tender_won_without_reason(kam):
    tender = f.TenderFactory(account=_mine(kam), stage="submitted")
    return "patch", f"/api/v1/tenders/{tender.pk}/", {"stage": "won"}


def _tender_foreign_objective(kam):
    objective = f.ObjectiveFactory(plan=f.AccountPlanFactory(account=_mine(kam)))
    return _tender(kam, objective=objective.pk)


def _objective_moved(kam):
    objective = f.ObjectiveFactory(plan=f.AccountPlanFactory(account=_mine(kam)))
    other_plan = f.AccountPlanFactory(account=objective.plan.account)
    return "patch", f"/api/v1/objectives/{objective.pk}/", {"plan": other_plan.pk}


def _contact_moved(kam):
    contact = f.ContactFactory(account=_mine(kam))
    return "patch", f"/api/v1/contacts/{contact.pk}/", {"account": _mine(kam).pk}


CASES = [
    ("contact influence 0", lambda k: _contact(k, influence=0), "influence"),
    ("contact influence 6", lambda k: _contact(k, influence=6), "influence"),
    ("contact bad email", lambda k: _contact(k, email="nope"), "email"),
    ("contact unknown role", lambda k: _contact(k, decision_role="king"), "decision_role"),
    ("contact reports_to cycle", _contact_cycle, "reports_to"),
    ("contact manager of another account", _contact_foreign_manager, "reports_to"),
    ("contact moved to another account", _contact_moved, "account"),
    ("interaction due before meeting", _interaction_due_before, "next_step_due"),
    ("interaction with another account's contact", _interaction_foreign_contact, "contacts"),
    ("interaction without summary", lambda k: _interaction(k, summary=""), "summary"),
    ("survey nps 11", lambda k: _survey(k, nps=11), "nps"),
    ("survey nps -1", lambda k: _survey(k, nps=-1), "nps"),
    ("survey satisfaction 0", lambda k: _survey(k, satisfaction=0), "satisfaction"),
    ("survey satisfaction 6", lambda k: _survey(k, satisfaction=6), "satisfaction"),
    ("link ends before start", lambda k: _link(k, since="2026-02-01", until="2026-01-01"), "until"),
    ("link share 101", lambda k: _link(k, share_of_volume="101"), "share_of_volume"),
    ("link duplicate pair", _link_duplicate, "distributor"),
    ("event ends before start", lambda k: _event(k, ends_on="2026-11-01"), "ends_on"),
    ("event invites a stranger", _event_invited_stranger, "invited"),
    ("plan period reversed", lambda k: _plan(k, period_end="2026-01-01"), "period_end"),
    ("action objective of another plan", _action_foreign_objective, "objective"),
    ("tender won without reason", _tender_won_without_reason, "outcome_reason"),
    ("tender lost without reason", lambda k: _tender(k, stage="lost"), "outcome_reason"),
    ("tender objective of another account", _tender_foreign_objective, "objective"),
    ("tender negative estimate", lambda k: _tender(k, estimated_value="-5"), "estimated_value"),
    ("tender bad currency", lambda k: _tender(k, currency="RUBLES"), "currency"),
    ("objective moved to another plan", _objective_moved, "plan"),
    (
        "account negative potential",
        lambda k: _account(k, potential_annual="-1"),
        "potential_annual",
    ),
    ("account blank external id", lambda k: _account(k, external_id=""), "external_id"),
]


def _contact(kam, **kw):
    return "post", "/api/v1/contacts/", {"account": _mine(kam).pk, "name": "P", **kw}


def _interaction(kam, **kw):
    return "post", "/api/v1/interactions/", {"account": _mine(kam).pk, "summary": "S", **kw}


def _event(kam, **kw):
    payload = {"name": "Expo", "starts_on": "2026-12-01", "accounts": [_mine(kam).pk], **kw}
    return "post", "/api/v1/events/", payload


def _account(kam, **kw):
    return "post", "/api/v1/accounts/", {"external_id": "NEW", "name": "New", **kw}


BOOKKEEPING = ("updated_at", "last_used_at")


def _snapshot() -> dict:
    """Every row of every model we serve, to prove a refused write changed nothing."""
    from django.apps import apps

    snapshot = {}
    for label in ("accounts", "plans"):
        for model in apps.get_app_config(label).get_models():
            rows = model._base_manager.values()
            snapshot[model._meta.label] = sorted(
                # Bookkeeping of any request: when a row was touched, a token last used.
                ({k: v for k, v in row.items() if k not in BOOKKEEPING} for row in rows),
                key=repr,
            )
    return snapshot


@pytest.mark.parametrize(("build", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_400_naming_the_field_and_writes_nothing(
    build, field, kam_user, api_client_for
):
    method, url, payload = build(kam_user)
    client = api_client_for(kam_user)
    before = _snapshot()
    response = getattr(client, method)(url, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert _snapshot() == before


CREATE_ENDPOINTS = [
    "accounts",
    "contacts",
    "interactions",
    "distributors",
    "distributor-links",
    "events",
    "surveys",
    "plans",
    "objectives",
    "actions",
    "tenders",
]
JUNK = [
    [],
    "x",
    123,
    None,
    {"account": "abc", "plan": [], "name": {"a": 1}},
    {"account": 10**30, "plan": -1, "date": "yesterday", "starts_on": "2026-13-45"},
    {"accounts": "1,2", "contacts": [None], "invited": ["x"], "nps": "ten", "influence": 1.5},
    {"external_id": "x" * 500, "name": "\x00", "potential_annual": "NaN", "strategic": "maybe"},
    {"occurred_at": "not a date", "period_start": 0, "estimated_value": "1e999", "due": []},
]


@pytest.mark.parametrize("name", CREATE_ENDPOINTS)
def test_junk_to_create_endpoints_is_a_400_never_a_500(name, head_user, api_client_for):
    client = api_client_for(head_user)
    for junk in JUNK:
        response = client.post(f"/api/v1/{name}/", junk, format="json")
        assert response.status_code == 400, (junk, response.content)
    response = client.post(f"/api/v1/{name}/", b"{not json", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("name", CREATE_ENDPOINTS)
def test_junk_query_strings_never_500(name, head_user, api_client_for):
    client = api_client_for(head_user)
    for query in (
        "?page=abc",
        "?page_size=-1",
        "?ordering=nonexistent",
        "?account=abc",
        "?status=zzz",
        "?updated_at_after=notadate",
        "?due_after=2026-99-99",
        "?search=%00",
        "?page=9202988112207105504",  # an OFFSET past 64 bits
        "?updated_at_before=1720-05-03T15:01:38%2B20:00",  # an offset PostgreSQL refuses
        "?occurred_at_after=8243-12-30T01:43:01.60%2B16:51",
        "?submission_deadline_after=9999-12-31T23:00-05:00",  # past year 9999 in UTC
    ):
        response = client.get(f"/api/v1/{name}/{query}")
        assert response.status_code in (200, 400, 404), (query, response.content)


@pytest.mark.parametrize(
    "query",
    [
        "region=99999999999999999999",
        "parent=-2.36531523040748e%2B114",
        "industry=0.4",
    ],
)
def test_ids_in_query_strings_must_be_whole_64_bit_numbers(query, head_user, api_client_for):
    # Found by the schemathesis run (tests/test_api_fuzz.py): on SQLite these overflowed.
    name = query.partition("=")[0]
    response = api_client_for(head_user).get(f"/api/v1/accounts/?{query}")
    assert response.status_code == 400
    assert list(field_errors(response.json())) == [name]


def test_date_time_filters_take_any_iso_offset(head_user, api_client_for):
    # +20:00 is valid ISO 8601 but beyond PostgreSQL's ±15:59: compared as the same instant.
    import datetime as dt

    from django.utils import timezone

    f.AccountFactory()
    minute_ago = (timezone.now() - dt.timedelta(minutes=1)).astimezone(
        dt.timezone(dt.timedelta(hours=20))
    )
    client = api_client_for(head_user)

    def count(**params) -> int:
        response = client.get("/api/v1/accounts/", params)
        assert response.status_code == 200, response.content
        return response.json()["count"]

    assert count(updated_at_after=minute_ago.isoformat()) == 1
    assert count(updated_at_before=minute_ago.isoformat()) == 0


def test_a_username_with_a_nul_byte_is_a_400(head_user, api_client_for):
    account = f.AccountFactory()
    response = api_client_for(head_user).patch(
        f"/api/v1/accounts/{account.pk}/", {"team": ["kam\x00"], "owner": "a\x00"}, format="json"
    )
    assert response.status_code == 400
    assert set(field_errors(response.json())) == {"team", "owner"}
