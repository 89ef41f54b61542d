"""Each list endpoint runs a bounded number of queries whatever the row count: the same
bound holds with 5 and with 50 rows (rows carry their related records, so an N+1 shows)."""

from __future__ import annotations

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def _accounts(kam, n):
    mate = f.UserFactory(username="mate")
    for _ in range(n):
        f.AccountFactory(owner=kam, parent=None).team.add(mate)


def _contacts(kam, n):
    account = f.AccountFactory(owner=kam)
    boss = f.ContactFactory(account=account)
    for _ in range(n):
        contact = f.ContactFactory(account=account, reports_to=boss)
        f.InteractionFactory(account=account).contacts.add(contact)


def _interactions(kam, n):
    account = f.AccountFactory(owner=kam)
    people = f.ContactFactory.create_batch(2, account=account)
    for _ in range(n):
        f.InteractionFactory(account=account).contacts.add(*people)


def _links(kam, n):
    for _ in range(n):
        f.DistributorLinkFactory(account=f.AccountFactory(owner=kam))


def _distributors(kam, n):
    f.DistributorFactory.create_batch(n, region=f.RegionFactory())


def _events(kam, n):
    account = f.AccountFactory(owner=kam)
    contact = f.ContactFactory(account=account)
    for _ in range(n):
        event = f.EventFactory(organizer=kam)
        event.accounts.add(account)
        event.invited.add(contact)
        event.attended.add(contact)


def _surveys(kam, n):
    account = f.AccountFactory(owner=kam)
    for _ in range(n):
        f.SurveyFactory(account=account, contact=f.ContactFactory(account=account))


def _plans(kam, n):
    for _ in range(n):
        plan = f.AccountPlanFactory(account=f.AccountFactory(owner=kam))
        objective = f.ObjectiveFactory(plan=plan)
        f.ActionFactory.create_batch(2, plan=plan, objective=objective)


def _objectives(kam, n):
    for _ in range(n):
        f.ObjectiveFactory(plan=f.AccountPlanFactory(account=f.AccountFactory(owner=kam)))


def _actions(kam, n):
    plan = f.AccountPlanFactory(account=f.AccountFactory(owner=kam))
    for _ in range(n):
        f.ActionFactory(plan=plan, objective=f.ObjectiveFactory(plan=plan), owner=kam)


def _tenders(kam, n):
    plan = f.AccountPlanFactory(account=f.AccountFactory(owner=kam))
    for _ in range(n):
        f.TenderFactory(account=plan.account, objective=f.ObjectiveFactory(plan=plan))


def _regions(kam, n):
    f.RegionFactory.create_batch(n)


def _industries(kam, n):
    f.IndustryFactory.create_batch(n)


def _users(kam, n):
    for _ in range(n):
        f.AccountFactory(owner=kam).team.add(f.UserFactory())


# endpoint: (build(kam, n), max queries incl. token auth, count and page)
LISTS = {
    "accounts": (_accounts, 4),
    "contacts": (_contacts, 3),
    "interactions": (_interactions, 4),
    "distributor-links": (_links, 3),
    "distributors": (_distributors, 3),
    "events": (_events, 6),
    "surveys": (_surveys, 3),
    "plans": (_plans, 5),
    "objectives": (_objectives, 3),
    "actions": (_actions, 3),
    "tenders": (_tenders, 3),
    "regions": (_regions, 3),
    "industries": (_industries, 3),
    "users": (_users, 3),
}


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("name", list(LISTS))
def test_list_queries_are_bounded(
    name, rows, kam_user, api_client_for, django_assert_max_num_queries
):
    build, bound = LISTS[name]
    build(kam_user, rows)
    client = api_client_for(kam_user)
    with django_assert_max_num_queries(bound):
        response = client.get(f"/api/v1/{name}/", {"page_size": 100})
    assert response.status_code == 200
    assert response.json()["count"] >= rows
