"""The roles matrix: every endpoint × every role × own/other's object × list/detail/create/
update/delete, with no leak (a refused write changes nothing, a hidden row never lists).

"own" objects hang under an account of kam1 (the KAM role below); "other" ones under an
account of kam2. Heads and admins own neither; the integration user is the ERP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db.models import Model

from accounts.models import SoftDeletable, WebhookEndpoint
from tests.factories import (
    AccountFactory,
    AccountPlanFactory,
    ActionFactory,
    ContactFactory,
    ContractFactory,
    DistributorFactory,
    DistributorLinkFactory,
    EventFactory,
    IndustryFactory,
    InteractionFactory,
    ObjectiveFactory,
    OpportunityFactory,
    RegionFactory,
    SurveyFactory,
    TargetFactory,
    TenderFactory,
)

pytestmark = pytest.mark.django_db

SEEN, HIDDEN = "seen", "hidden"  # list outcomes (both 200)


@dataclass
class Endpoint:
    path: str
    make: Callable[[Any], Model]  # make(owner) -> object under an account of owner
    create: Callable[[Any], dict]  # create(owner) -> payload pointing into owner's scope
    update: dict
    # The field a KAM's create into another KAM's scope is refused on (400 naming it).
    scope_field: str = "account"
    matrix: dict = field(default_factory=dict)  # overrides of OWNED below


def _account(owner):
    return AccountFactory(owner=owner)


def _event(owner):
    event = EventFactory(organizer=owner)
    event.accounts.add(_account(owner))
    return event


ALL = (200, 200, 201, 200, 204)
#                     list    detail create update delete
OWNED = {
    ("kam", "own"): (SEEN, 200, 201, 200, 204),
    ("kam", "other"): (HIDDEN, 404, 400, 404, 404),
    ("head", "own"): (SEEN, 200, 201, 200, 204),
    ("head", "other"): (SEEN, 200, 201, 200, 204),
    ("admin", "own"): (SEEN, 200, 201, 200, 204),
    ("admin", "other"): (SEEN, 200, 201, 200, 204),
    ("integration", "own"): (403, 403, 403, 403, 403),
    ("integration", "other"): (403, 403, 403, 403, 403),
    ("anonymous", "own"): (401, 401, 401, 401, 401),
    ("anonymous", "other"): (401, 401, 401, 401, 401),
}
READ_ONLY = {
    **{
        (r, s): (SEEN, 200, 405, 405, 405)
        for r in ("kam", "head", "admin")
        for s in ("own", "other")
    },
    ("integration", "own"): (SEEN, 200, 403, 403, 403),
    ("integration", "other"): (SEEN, 200, 403, 403, 403),
}


def _contact_pair(owner) -> dict:
    account = _account(owner)
    first, second = ContactFactory(account=account), ContactFactory(account=account)
    return {"from_contact": first.pk, "to_contact": second.pk, "kind": "influences"}


def _contact_link(owner):
    from accounts.models import ContactLink

    pair = _contact_pair(owner)
    return ContactLink.objects.create(
        from_contact_id=pair["from_contact"], to_contact_id=pair["to_contact"], kind="influences"
    )


ENDPOINTS = {
    "accounts": Endpoint(
        "/api/v1/accounts/",
        make=_account,
        # A KAM creating an account "for" another KAM is an assignment: heads only. No
        # external id: that is the ERP's (tests/accounts/test_api_erp_keys.py).
        create=lambda owner: {"name": "N", "owner": owner.username},
        update={"notes": "changed"},
        matrix={
            ("kam", "own"): (SEEN, 200, 201, 200, 403),
            ("kam", "other"): (HIDDEN, 404, 403, 404, 404),
            ("integration", "own"): (SEEN, 200, 403, 403, 403),
            ("integration", "other"): (SEEN, 200, 403, 403, 403),
        },
    ),
    "contacts": Endpoint(
        "/api/v1/contacts/",
        make=lambda owner: ContactFactory(account=_account(owner)),
        create=lambda owner: {"account": _account(owner).pk, "name": "New person"},
        update={"position": "CFO"},
    ),
    "interactions": Endpoint(
        "/api/v1/interactions/",
        make=lambda owner: InteractionFactory(account=_account(owner)),
        create=lambda owner: {"account": _account(owner).pk, "summary": "Call", "kind": "call"},
        update={"outcome": "Agreed"},
    ),
    "contact-links": Endpoint(
        "/api/v1/contact-links/",
        make=lambda owner: _contact_link(owner),
        create=lambda owner: _contact_pair(owner),
        update={"note": "Old classmates"},
        scope_field="from_contact",
    ),
    "opportunities": Endpoint(
        "/api/v1/opportunities/",
        make=lambda owner: OpportunityFactory(account=_account(owner), owner=owner),
        create=lambda owner: {"account": _account(owner).pk, "title": "Upsell", "value": "1000.00"},
        update={"title": "Upsell, second site"},
    ),
    "contracts": Endpoint(
        "/api/v1/contracts/",
        make=lambda owner: ContractFactory(account=_account(owner)),
        create=lambda owner: {
            "account": _account(owner).pk,
            "number": "C-1",
            "title": "Supply",
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
        },
        update={"title": "Supply, renewed"},
    ),
    "distributor-links": Endpoint(
        "/api/v1/distributor-links/",
        make=lambda owner: DistributorLinkFactory(account=_account(owner)),
        create=lambda owner: {
            "account": _account(owner).pk,
            "distributor": DistributorFactory().pk,
        },
        update={"terms": "Net 30"},
    ),
    "events": Endpoint(
        "/api/v1/events/",
        make=_event,
        create=lambda owner: {
            "name": "Expo",
            "starts_on": "2026-12-01",
            "accounts": [_account(owner).pk],
        },
        update={"location": "Kazan"},
        scope_field="accounts",
    ),
    "surveys": Endpoint(
        "/api/v1/surveys/",
        make=lambda owner: SurveyFactory(account=_account(owner)),
        create=lambda owner: {"account": _account(owner).pk, "date": "2026-11-01", "nps": 9},
        update={"comments": "Happy"},
    ),
    "plans": Endpoint(
        "/api/v1/plans/",
        make=lambda owner: AccountPlanFactory(account=_account(owner)),
        create=lambda owner: {
            "account": _account(owner).pk,
            "title": "2027",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
        },
        update={"our_strategy": "Grow"},
    ),
    "objectives": Endpoint(
        "/api/v1/objectives/",
        make=lambda owner: ObjectiveFactory(plan=AccountPlanFactory(account=_account(owner))),
        create=lambda owner: {
            "plan": AccountPlanFactory(account=_account(owner)).pk,
            "description": "Win the tender",
        },
        update={"measure": "RUB"},
        scope_field="plan",
    ),
    "actions": Endpoint(
        "/api/v1/actions/",
        make=lambda owner: ActionFactory(plan=AccountPlanFactory(account=_account(owner))),
        create=lambda owner: {
            "plan": AccountPlanFactory(account=_account(owner)).pk,
            "description": "Call the CFO",
        },
        update={"description": "Call the CEO"},
        scope_field="plan",
    ),
    "tenders": Endpoint(
        "/api/v1/tenders/",
        make=lambda owner: TenderFactory(account=_account(owner)),
        create=lambda owner: {"account": _account(owner).pk, "title": "Supply 2027"},
        update={"platform": "B2B-Center"},
    ),
    "targets": Endpoint(
        "/api/v1/targets/",
        make=lambda owner: TargetFactory(account=_account(owner)),  # a draft
        create=lambda owner: {
            "account": _account(owner).pk,
            "year": 2027,
            "revenue_target": "1000000.00",
        },
        update={"revenue_target": "1500000.00"},
    ),
    "distributors": Endpoint(
        "/api/v1/distributors/",
        make=lambda owner: DistributorFactory(),
        create=lambda owner: {"external_id": f"D-{owner.username}", "name": "Dist"},
        update={"contacts": "+7 000"},
        matrix={
            # A distributor's external id is the ERP's: a head cannot create one with it.
            **{("head", s): (SEEN, 200, 400, 200, 204) for s in ("own", "other")},
            **{("admin", s): ALL for s in ("own", "other")},
            ("kam", "own"): (SEEN, 200, 403, 403, 403),
            ("kam", "other"): (SEEN, 200, 403, 403, 403),
            ("integration", "own"): (SEEN, 200, 403, 403, 403),
            ("integration", "other"): (SEEN, 200, 403, 403, 403),
        },
    ),
    "regions": Endpoint(
        "/api/v1/regions/",
        make=lambda owner: RegionFactory(),
        create=lambda owner: {"code": "X", "name": "X"},
        update={"name": "Y"},
        matrix=READ_ONLY,
    ),
    "industries": Endpoint(
        "/api/v1/industries/",
        make=lambda owner: IndustryFactory(),
        create=lambda owner: {"code": "X", "name": "X"},
        update={"name": "Y"},
        matrix=READ_ONLY,
    ),
    "users": Endpoint(
        "/api/v1/users/",
        make=lambda owner: owner,  # "own" = the KAM themself, "other" = the other KAM
        create=lambda owner: {"username": "x"},
        update={"first_name": "Y"},
        matrix={
            **READ_ONLY,
            ("kam", "other"): (HIDDEN, 404, 405, 405, 405),
            ("integration", "own"): (403, 403, 403, 403, 403),
            ("integration", "other"): (403, 403, 403, 403, 403),
        },
    ),
    "webhooks": Endpoint(
        "/api/v1/webhooks/",
        make=lambda owner: WebhookEndpoint.objects.create(
            url="https://erp.example.com/hook", secret="s" * 20, event_types=["import.applied"]
        ),
        create=lambda owner: {
            "url": "https://erp.example.com/other",
            "event_types": ["tender.stage_changed"],
        },
        update={"description": "ERP"},
        # Company-wide integration settings: the admin role only.
        matrix={
            **{
                (r, s): (403,) * 5 for r in ("kam", "head", "integration") for s in ("own", "other")
            },
            **{("admin", s): ALL for s in ("own", "other")},
        },
    ),
}

ROLES = ("kam", "head", "admin", "integration", "anonymous")
CASES = [(e, r, s) for e in ENDPOINTS for r in ROLES for s in ("own", "other")]


def _fingerprint(obj: Model) -> dict:
    obj = type(obj)._base_manager.filter(pk=obj.pk).values().first()
    return {k: v for k, v in (obj or {}).items() if k != "updated_at"}


@pytest.mark.parametrize(("name", "role", "scope"), CASES, ids=["-".join(c) for c in CASES])
def test_roles_matrix(
    name,
    role,
    scope,
    kam_user,
    other_kam,
    head_user,
    admin_user_,
    integration_user,
    api_client_for,
):
    endpoint = ENDPOINTS[name]
    users = {
        "kam": kam_user,
        "head": head_user,
        "admin": admin_user_,
        "integration": integration_user,
        "anonymous": None,
    }
    owner = kam_user if scope == "own" else other_kam
    obj = endpoint.make(owner)
    expected = {**OWNED, **endpoint.matrix}[(role, scope)]
    client = api_client_for(users[role])
    url = f"{endpoint.path}{obj.pk}/"
    want_list, want_detail, want_create, want_update, want_delete = expected

    # list
    response = client.get(endpoint.path, {"page_size": 1000})
    if want_list in (SEEN, HIDDEN):
        assert response.status_code == 200, response.content
        listed = {row["id"] for row in response.json()["results"]}
        assert (obj.pk in listed) == (want_list == SEEN), f"list {want_list}"
    else:
        assert response.status_code == want_list, response.content

    # detail
    response = client.get(url)
    assert response.status_code == want_detail, f"detail: {response.content!r}"

    # update: a refused one changes nothing
    before = _fingerprint(obj)
    response = client.patch(url, endpoint.update, format="json")
    assert response.status_code == want_update, f"update: {response.content!r}"
    if want_update != 200:
        assert _fingerprint(obj) == before

    # create
    model = type(obj)
    payload = endpoint.create(owner)  # may create the account it points to
    count = model._base_manager.count()
    response = client.post(endpoint.path, payload, format="json")
    assert response.status_code == want_create, f"create: {response.content!r}"
    assert model._base_manager.count() == count + (want_create == 201)
    if want_create == 400:
        field = "external_id" if name == "distributors" else endpoint.scope_field
        assert field in response.json(), response.json()

    # delete
    response = client.delete(url)
    assert response.status_code == want_delete, f"delete: {response.content!r}"
    # Deleted means gone from every read; interactions, surveys, events and distributor
    # links stay behind, marked, restorable ("Recently deleted").
    assert model._default_manager.filter(pk=obj.pk).exists() == (want_delete != 204)
    if want_delete == 204 and issubclass(model, SoftDeletable):
        assert model._base_manager.get(pk=obj.pk).deleted_by is not None


def test_matrix_covers_every_registered_endpoint():
    from kam.api.urls import router

    ours = {
        prefix
        for prefix, viewset, _basename in router.registry
        if viewset.__module__.startswith(("accounts.", "plans."))  # reports has its own tests
    }
    assert ours <= set(ENDPOINTS), ours - set(ENDPOINTS)


# Approving a target: heads and admins on any account; a KAM on none (not even their own:
# 403, nothing changed); the ERP none; anonymous must sign in.
APPROVE = {
    ("kam", "own"): 403,
    ("kam", "other"): 403,
    ("head", "own"): 200,
    ("head", "other"): 200,
    ("admin", "own"): 200,
    ("admin", "other"): 200,
    ("integration", "own"): 403,
    ("integration", "other"): 403,
    ("anonymous", "own"): 401,
    ("anonymous", "other"): 401,
}


@pytest.mark.parametrize(("role", "scope"), list(APPROVE), ids=["-".join(k) for k in APPROVE])
def test_target_approval_matrix(
    role, scope, kam_user, other_kam, head_user, admin_user_, integration_user, api_client_for
):
    users = {
        "kam": kam_user,
        "head": head_user,
        "admin": admin_user_,
        "integration": integration_user,
        "anonymous": None,
    }
    target = TargetFactory(account=_account(kam_user if scope == "own" else other_kam))
    response = api_client_for(users[role]).post(f"/api/v1/targets/{target.pk}/approve/")
    assert response.status_code == APPROVE[(role, scope)], response.content
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/problem+json")
    target.refresh_from_db()
    assert (target.status == "approved") == (response.status_code == 200)
