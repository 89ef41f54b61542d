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


# endpoint: (build(kam, n), max queries). Every list pays the token lookup and one query
# for the page with its total (COUNT(*) OVER ()); the rest are prefetches.
LISTS = {
    "accounts": (_accounts, 3),  # + teams (on PostgreSQL they ride in the page query)
    "contacts": (_contacts, 2),
    "interactions": (_interactions, 3),  # + who was there
    "distributor-links": (_links, 2),
    "distributors": (_distributors, 2),
    "events": (_events, 5),  # + accounts, invited, attended
    "surveys": (_surveys, 2),
    "plans": (_plans, 4),  # + objectives, actions
    "objectives": (_objectives, 2),
    "actions": (_actions, 2),
    "tenders": (_tenders, 2),
    "regions": (_regions, 2),
    "industries": (_industries, 2),
    "users": (_users, 2),
}


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("name", list(LISTS))
def test_list_queries_are_bounded(
    name, rows, kam_user, api_client_for, django_assert_max_num_queries
):
    build, bound = LISTS[name]
    build(kam_user, rows)
    client = api_client_for(kam_user)
    client.get("/api/v1/regions/")  # a token's first use writes last_used_at (once a minute)
    with django_assert_max_num_queries(bound):
        response = client.get(f"/api/v1/{name}/", {"page_size": 100})
    assert response.status_code == 200
    assert response.json()["count"] >= rows
