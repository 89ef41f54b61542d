"""Metrics read API: shapes, money/ratio formats, filters, ordering, scoping, bounded queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reports.metrics.run import recompute_metrics
from tests.factories import (
    AccountFactory,
    ProductCategoryFactory,
    RegionFactory,
    RevenueLineFactory,
)

AS_OF = dt.date(2025, 11, 26)
ROW_FIELDS = {
    "computed_at",
    "run",
    "account",
    "period",
    "period_start",
    "period_end",
    "revenue",
    "revenue_share",
    "cumulative_share",
    "rank",
    "tier",
    "penetration",
    "category_penetration",
    "growth",
    "margin_pct",
    "margin_change",
}
PORTFOLIO_FIELDS = {
    "computed_at",
    "run",
    "period",
    "period_start",
    "period_end",
    "total_revenue",
    "accounts_with_revenue",
    "tier_counts",
    "top10_share",
    "hhi",
    "concentration_risk",
}


def line(account, day, amount, category):
    return RevenueLineFactory(
        account=account,
        category=category,
        date=day,
        amount=Decimal(amount),
        amount_base=Decimal(amount),
    )


@pytest.fixture
def world(db, kam_user, other_kam):
    north, south = RegionFactory(code="NORTH"), RegionFactory(code="SOUTH")
    pipes = ProductCategoryFactory(code="PIPES", name="Pipes")
    valves = ProductCategoryFactory(code="VALVES", name="Valves")
    ProductCategoryFactory(code="OLD", name="Old", active=False)
    mine = AccountFactory(external_id="MINE", owner=kam_user, region=north)
    team = AccountFactory(external_id="TEAM", owner=other_kam, region=south)
    team.team.add(kam_user)
    theirs = AccountFactory(external_id="THEIRS", owner=other_kam, region=north)
    line(mine, dt.date(2025, 6, 5), "600.00", pipes)
    line(mine, dt.date(2025, 7, 5), "700.00", pipes)
    line(team, dt.date(2025, 7, 6), "200.00", valves)
    line(theirs, dt.date(2025, 7, 7), "100.00", pipes)
    line(theirs, dt.date(2025, 7, 8), "-100.00", pipes)  # nets to 0: tier C, no rank
    recompute_metrics(as_of=AS_OF)
    return {"mine": mine, "team": team, "theirs": theirs}


def get(client, url, **params):
    return client.get(url, params)


def test_kam_sees_rows_of_own_and_team_accounts_only(world, kam_user, api_client_for):
    resp = get(api_client_for(kam_user), "/api/v1/metrics/accounts/", period="2025-07")
    assert resp.status_code == 200
    assert [r["account"] for r in resp.json()["results"]] == ["MINE", "TEAM"]


@pytest.mark.parametrize("who", ["head_user", "integration_user", "admin_user_"])
def test_head_integration_and_admin_see_every_row(world, who, request, api_client_for):
    user = request.getfixturevalue(who)
    resp = get(api_client_for(user), "/api/v1/metrics/accounts/", period="2025-07")
    assert [r["account"] for r in resp.json()["results"]] == ["MINE", "TEAM", "THEIRS"]


def test_anonymous_gets_401(world, api_client_for):
    assert get(api_client_for(None), "/api/v1/metrics/accounts/", period="2025").status_code == 401


def test_row_shape_money_as_strings_ratios_as_numbers(world, head_user, api_client_for):
    resp = get(api_client_for(head_user), "/api/v1/metrics/accounts/", period="2025-07")
    rows = {r["account"]: r for r in resp.json()["results"]}
    mine = rows["MINE"]
    assert set(mine) == ROW_FIELDS
    assert mine["revenue"] == "700.00"
    assert mine["period"] == "2025-07"
    assert (mine["period_start"], mine["period_end"]) == ("2025-07-01", "2025-07-31")
    assert mine["revenue_share"] == pytest.approx(700 / 900)
    assert isinstance(mine["revenue_share"], float)
    assert mine["rank"] == 1 and mine["tier"] == "A"
    assert mine["growth"] == pytest.approx(700 / 600 - 1)
    assert mine["penetration"] == pytest.approx(700 / 100000)  # 1 200 000 a year
    assert rows["THEIRS"]["revenue"] == "0.00"
    assert rows["THEIRS"]["rank"] is None and rows["THEIRS"]["tier"] == "C"
    assert rows["THEIRS"]["margin_pct"] is None


def test_ttm_quarter_and_year_periods(world, head_user, api_client_for):
    client = api_client_for(head_user)
    for period, revenue in (("ttm", "1300.00"), ("2025-Q3", "700.00"), ("2025", "1300.00")):
        resp = get(client, "/api/v1/metrics/accounts/", period=period, account="MINE")
        (row,) = resp.json()["results"]
        assert (row["period"], row["revenue"]) == (period, revenue)
    (row,) = get(client, "/api/v1/metrics/accounts/", period="ttm", account="MINE").json()[
        "results"
    ]
    assert (row["period_start"], row["period_end"]) == ("2024-11-01", "2025-10-31")


@pytest.mark.parametrize(
    "params,field",
    [({}, "period"), ({"period": "2025-13"}, "period"), ({"period": "2025", "tier": "D"}, "tier")],
)
def test_bad_input_is_a_400_naming_the_field(world, head_user, api_client_for, params, field):
    resp = get(api_client_for(head_user), "/api/v1/metrics/accounts/", **params)
    assert resp.status_code == 400
    assert field in resp.json()


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"tier": "A"}, ["MINE", "TEAM"]),  # TEAM: 7/9 before it, < 0.80
        ({"tier": "B"}, []),
        ({"tier": "C"}, ["THEIRS"]),
        ({"account": "TEAM"}, ["TEAM"]),
        ({"owner": "kam2"}, ["TEAM", "THEIRS"]),
        ({"region": "NORTH"}, ["MINE", "THEIRS"]),
        ({"ordering": "revenue"}, ["THEIRS", "TEAM", "MINE"]),
        ({"ordering": "-revenue_share"}, ["MINE", "TEAM", "THEIRS"]),
        # TEAM and THEIRS have no June revenue: null growth sorts last either way.
        ({"ordering": "-growth"}, ["MINE", "TEAM", "THEIRS"]),
        ({"ordering": "growth"}, ["MINE", "TEAM", "THEIRS"]),
        ({"ordering": "-penetration"}, ["MINE", "TEAM", "THEIRS"]),
    ],
)
def test_filters_and_ordering(world, head_user, api_client_for, params, expected):
    resp = get(api_client_for(head_user), "/api/v1/metrics/accounts/", period="2025-07", **params)
    assert resp.status_code == 200
    assert [r["account"] for r in resp.json()["results"]] == expected


def test_portfolio_is_company_wide_for_a_kam(world, kam_user, api_client_for):
    resp = get(api_client_for(kam_user), "/api/v1/metrics/portfolio/", period="2025-07")
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == PORTFOLIO_FIELDS
    assert body["total_revenue"] == "900.00"
    assert body["accounts_with_revenue"] == 2
    assert body["tier_counts"] == {"A": 2, "B": 0, "C": 1}
    assert body["concentration_risk"] == ["MINE", "TEAM"]
    assert body["top10_share"] == pytest.approx(1.0)
    assert body["hhi"] == pytest.approx((7 / 9) ** 2 + (2 / 9) ** 2)


def test_portfolio_of_a_period_without_metrics_is_404_and_bad_period_400(
    world, head_user, api_client_for
):
    client = api_client_for(head_user)
    assert get(client, "/api/v1/metrics/portfolio/", period="2019").status_code == 404
    resp = get(client, "/api/v1/metrics/portfolio/", period="last-year")
    assert resp.status_code == 400 and "period" in resp.json()


def test_account_history_is_scoped(world, kam_user, api_client_for):
    client = api_client_for(kam_user)
    resp = client.get(f"/api/v1/accounts/{world['mine'].pk}/metrics/")
    assert resp.status_code == 200
    periods = [r["period"] for r in resp.json()["results"]]
    assert sorted(periods) == sorted(["2025-06", "2025-07", "2025-Q2", "2025-Q3", "2025", "ttm"])
    months = client.get(f"/api/v1/accounts/{world['mine'].pk}/metrics/", {"kind": "month"})
    assert [r["period"] for r in months.json()["results"]] == ["2025-06", "2025-07"]
    assert client.get(f"/api/v1/accounts/{world['theirs'].pk}/metrics/").status_code == 404


def test_whitespace_lists_every_active_category(world, kam_user, api_client_for):
    client = api_client_for(kam_user)
    resp = client.get(f"/api/v1/accounts/{world['mine'].pk}/whitespace/", {"period": "2025"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["account"] == "MINE" and body["period"] == "2025"
    assert body["categories"] == [
        {"code": "PIPES", "name": "Pipes", "revenue": "1300.00", "bought": True},
        {"code": "VALVES", "name": "Valves", "revenue": "0.00", "bought": False},
    ]
    assert body["category_penetration"] == pytest.approx(0.5)
    default = client.get(f"/api/v1/accounts/{world['mine'].pk}/whitespace/").json()
    assert (default["period"], default["period_start"]) == ("ttm", "2024-11-01")
    assert client.get(f"/api/v1/accounts/{world['theirs'].pk}/whitespace/").status_code == 404
    bad = client.get(f"/api/v1/accounts/{world['mine'].pk}/whitespace/", {"period": "x"})
    assert bad.status_code == 400 and "period" in bad.json()


def test_runs_are_for_heads_and_admins(world, head_user, kam_user, api_client_for):
    resp = api_client_for(head_user).get("/api/v1/metrics/runs/")
    assert resp.status_code == 200
    (run,) = resp.json()["results"]
    assert run["status"] == "success" and run["rows"] > 0 and "ttm" in run["periods_recomputed"]
    assert api_client_for(kam_user).get("/api/v1/metrics/runs/").status_code == 403


@pytest.mark.parametrize("n", [5, 50])
def test_lists_run_a_bounded_number_of_queries(
    db, n, head_user, kam_user, api_client_for, django_assert_max_num_queries
):
    category = ProductCategoryFactory()
    for i in range(n):
        account = AccountFactory(external_id=f"A{i:03d}", owner=kam_user)
        line(account, dt.date(2025, 7, 1), f"{100 + i}.00", category)
    recompute_metrics(as_of=AS_OF)
    for user in (head_user, kam_user):
        client = api_client_for(user)
        client.get("/api/v1/metrics/runs/")  # authenticate once outside the count
        with django_assert_max_num_queries(6):
            resp = client.get("/api/v1/metrics/accounts/", {"period": "2025-07", "page_size": 100})
        assert len(resp.json()["results"]) == n
        pk = account.pk
        with django_assert_max_num_queries(6):
            assert client.get(f"/api/v1/accounts/{pk}/metrics/").status_code == 200
        with django_assert_max_num_queries(6):
            assert client.get(f"/api/v1/accounts/{pk}/whitespace/").status_code == 200
