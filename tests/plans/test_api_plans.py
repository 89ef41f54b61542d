"""Plans read nested (objectives, actions, completeness); actions and tenders move through
their states via the API; changes keep a history of who did what."""

from __future__ import annotations

import pytest

from accounts.models import Account, Contact
from plans.models import AccountPlan, Action, Tender
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_plan_reads_with_objectives_actions_and_completeness(kam_user, api_client_for):
    plan = f.AccountPlanFactory(account=f.AccountFactory(owner=kam_user), our_strategy="Grow")
    objective = f.ObjectiveFactory(plan=plan, target=200, current=50)
    action = f.ActionFactory(plan=plan, objective=objective)
    body = api_client_for(kam_user).get(f"/api/v1/plans/{plan.pk}/").json()
    assert [o["id"] for o in body["objectives"]] == [objective.pk]
    assert body["objectives"][0]["progress"] == 0.25
    assert [(a["id"], a["objective"], a["owner"]) for a in body["actions"]] == [
        (action.pk, objective.pk, "kam1")
    ]
    assert body["completeness"]["filled"]["our_strategy"] is True
    assert "client_goals" in body["completeness"]["missing"]


def test_plan_owner_defaults_to_creator(kam_user, api_client_for):
    account = f.AccountFactory(owner=kam_user)
    response = api_client_for(kam_user).post(
        "/api/v1/plans/",
        {
            "account": account.pk,
            "title": "P",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["owner"] == "kam1"
    assert response.json()["objectives"] == []


def test_plan_owner_must_be_someone_the_kam_can_see(kam_user, other_kam, api_client_for):
    plan = f.AccountPlanFactory(account=f.AccountFactory(owner=kam_user))
    response = api_client_for(kam_user).patch(f"/api/v1/plans/{plan.pk}/", {"owner": "kam2"})
    assert response.status_code == 400 and "owner" in response.json()


def test_action_done_stamps_completion_and_overdue_filter(kam_user, api_client_for):
    plan = f.AccountPlanFactory(account=f.AccountFactory(owner=kam_user))
    late = f.ActionFactory(plan=plan, due="2020-01-01")
    f.ActionFactory(plan=plan)
    client = api_client_for(kam_user)
    overdue = client.get("/api/v1/actions/?overdue=true").json()["results"]
    assert [a["id"] for a in overdue] == [late.pk] and overdue[0]["overdue"] is True
    response = client.patch(f"/api/v1/actions/{late.pk}/", {"status": "done"})
    assert response.status_code == 200
    assert response.json()["completed_at"] is not None
    assert client.get("/api/v1/actions/?overdue=true").json()["count"] == 0


def test_tender_won_with_reason_and_stage_filter(kam_user, api_client_for):
    tender = f.TenderFactory(account=f.AccountFactory(owner=kam_user), stage="submitted")
    client = api_client_for(kam_user)
    response = client.patch(
        f"/api/v1/tenders/{tender.pk}/", {"stage": "won", "outcome_reason": "Best terms"}
    )
    assert response.status_code == 200, response.content
    assert [t["id"] for t in client.get("/api/v1/tenders/?stage=won").json()["results"]] == [
        tender.pk
    ]
    assert client.get("/api/v1/tenders/?stage=lost").json()["count"] == 0


@pytest.mark.parametrize(
    ("model", "url", "payload"),
    [
        (Account, "/api/v1/accounts/{account}/", {"notes": "Prefers mornings"}),
        (Contact, "/api/v1/contacts/{contact}/", {"position": "CFO"}),
        (AccountPlan, "/api/v1/plans/{plan}/", {"our_strategy": "Bundle"}),
        (Action, "/api/v1/actions/{action}/", {"description": "Call the CEO"}),
        (Tender, "/api/v1/tenders/{tender}/", {"platform": "Sberbank-AST"}),
    ],
)
def test_changes_keep_history_of_who_and_what(model, url, payload, kam_user, api_client_for):
    account = f.AccountFactory(owner=kam_user)
    plan = f.AccountPlanFactory(account=account)
    ids = {
        "account": account.pk,
        "contact": f.ContactFactory(account=account).pk,
        "plan": plan.pk,
        "action": f.ActionFactory(plan=plan).pk,
        "tender": f.TenderFactory(account=account).pk,
    }
    response = api_client_for(kam_user).patch(url.format(**ids), payload, format="json")
    assert response.status_code == 200, response.content
    obj = model.objects.get(pk=response.json()["id"])
    latest = obj.history.latest()
    field, value = next(iter(payload.items()))
    assert latest.history_type == "~"
    assert latest.history_user == kam_user
    assert getattr(latest, field) == value
    delta = latest.diff_against(latest.prev_record)
    assert [change.field for change in delta.changes] == [field]


def test_deleting_a_tender_keeps_its_history(kam_user, api_client_for):
    tender = f.TenderFactory(account=f.AccountFactory(owner=kam_user))
    assert api_client_for(kam_user).delete(f"/api/v1/tenders/{tender.pk}/").status_code == 204
    deleted = Tender.history.filter(id=tender.pk, history_type="-").get()
    assert deleted.history_user == kam_user


def test_a_plans_revenue_target_is_the_sum_of_its_years_targets_and_read_only(
    kam_user, api_client_for
):
    from decimal import Decimal

    from plans.models import AccountPlan
    from tests.factories import AccountFactory, TargetFactory

    account = AccountFactory(owner=kam_user)
    client = api_client_for(kam_user)
    response = client.post(
        "/api/v1/plans/",
        {
            "account": account.pk,
            "title": "2027",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "revenue_target": "999.00",  # read-only: ignored
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["revenue_target"] is None
    plan = AccountPlan.objects.get(pk=response.json()["id"])
    TargetFactory(account=account, year=2027, revenue_target=Decimal("1200000"))
    TargetFactory(account=account, year=2028, revenue_target=Decimal("7"))
    body = client.get(f"/api/v1/plans/{plan.pk}/").json()
    assert body["revenue_target"] == "1200000.00"
    listed = client.get("/api/v1/plans/", {"account": account.pk}).json()["results"]
    assert [row["revenue_target"] for row in listed] == ["1200000.00"]
    client.patch(f"/api/v1/plans/{plan.pk}/", {"revenue_target": "5.00"}, format="json")
    assert client.get(f"/api/v1/plans/{plan.pk}/").json()["revenue_target"] == "1200000.00"
    schema = client.get("/api/schema/", {"format": "json"}).json()
    field = schema["components"]["schemas"]["AccountPlan"]["properties"]["revenue_target"]
    assert field.get("readOnly") is True and "targets" in field["description"]
