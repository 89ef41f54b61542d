"""The sales head's pages: numbers against the metric rows, scoping, bounded queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, Contact
from plans.models import Action, Tender
from reports.models import AccountMetric, PortfolioMetric
from tests.factories import (
    AccountFactory,
    AccountPlanFactory,
    ActionFactory,
    ContactFactory,
    DistributorFactory,
    DistributorLinkFactory,
    InteractionFactory,
    ProductCategoryFactory,
    RegionFactory,
    RevenueLineFactory,
    TenderFactory,
)
from tests.reports.portfolio_builders import build_period

pytestmark = pytest.mark.django_db

Y2025 = ("2025", "year", dt.date(2025, 1, 1), dt.date(2025, 12, 31))
Y2024 = ("2024", "year", dt.date(2024, 1, 1), dt.date(2024, 12, 31))
Q3 = ("2025-Q3", "quarter", dt.date(2025, 7, 1), dt.date(2025, 9, 30))
Q2 = ("2025-Q2", "quarter", dt.date(2025, 4, 1), dt.date(2025, 6, 30))


@pytest.fixture
def portfolio(kam_user, other_kam):
    north = RegionFactory(code="N", name="North")
    big = AccountFactory(external_id="A-BIG", name="Big Buyer", owner=kam_user, region=north)
    mid = AccountFactory(external_id="A-MID", name="Mid Co", owner=kam_user)
    small = AccountFactory(external_id="A-SMALL", name="Small Shop", owner=kam_user)
    rival = AccountFactory(external_id="B-RIVAL", name="Rival Holding", owner=other_kam)
    tiny = AccountFactory(external_id="B-TINY", name="Tiny Ltd", owner=other_kam)
    y25 = {big: 600_000, mid: 200_000, small: 100_000, rival: 80_000, tiny: 20_000}
    y24 = {big: 400_000, mid: 100_000, small: 300_000, rival: 150_000, tiny: 50_000}
    build_period(*Y2024, y24)
    build_period(*Y2025, y25, growth={big: 0.5}, margin_change={big: -0.05}, write_accounts=True)
    build_period(*Q2, {big: 100_000, rival: 100_000})
    build_period(*Q3, {big: 150_000, mid: 50_000, tiny: 10_000})
    c1 = ProductCategoryFactory(code="C1", name="Pumps")
    ProductCategoryFactory(code="C2", name="Valves")
    RevenueLineFactory(account=big, category=c1, date=dt.date(2025, 3, 1), amount=600_000)
    return {"big": big, "mid": mid, "small": small, "rival": rival, "tiny": tiny}


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Dashboard panels are cached by metric row id; ids come back after a rollback.
    cache.clear()


def page(client, user, name, **params):
    client.force_login(user)
    return client.get(reverse(f"reports:{name}"), params)


def panel(client, user, name, **params):
    client.force_login(user)
    response = client.get(reverse("reports:dashboard-panel", args=[name]), params)
    assert response.status_code == 200
    return response.context["dash"]


# --- dashboard ------------------------------------------------------------------------
def test_dashboard_shows_year_totals_and_growth(client, head_user, portfolio):
    response = page(client, head_user, "dashboard", period="2025")
    assert response.status_code == 200
    dash = response.context["dash"]
    assert dash.metric.total_revenue == Decimal("1000000.00")
    assert dash.previous_total == Decimal("1000000.00")
    assert dash.growth == 0
    html = response.content.decode()
    assert 'id="total-revenue" data-value="1000000.00"' in html


def test_dashboard_quarter_compares_with_previous_quarter(client, head_user, portfolio):
    dash = page(client, head_user, "dashboard", period="2025-Q3").context["dash"]
    assert dash.metric.total_revenue == Decimal("210000.00")
    assert dash.previous.key == "2025-Q2"
    assert dash.growth == pytest.approx(210_000 / 200_000 - 1)


def test_dashboard_lists_accounts_that_moved_tier(client, head_user, portfolio):
    dash = panel(client, head_user, "tiers", period="2025")
    # 2024: big A (40 %), small A (70 %), rival B… 2025: big A, mid A, small B, …
    assert {m["external_id"] for m in dash.moved_up} == {"A-MID"}
    assert {m["external_id"] for m in dash.moved_down} >= {"A-SMALL"}
    assert dash.moved_up_count == 1


def test_dashboard_flags_dependency_risk_and_margin_erosion(client, head_user, portfolio):
    response = page(client, head_user, "dashboard", period="2025")
    dash = response.context["dash"]
    assert [r["account__external_id"] for r in dash.risks] == ["A-BIG", "A-MID", "A-SMALL"]
    assert [r["account__name"] for r in dash.margin_erosion] == ["Big Buyer"]
    assert dash.metric.hhi == pytest.approx(0.6**2 + 0.2**2 + 0.1**2 + 0.08**2 + 0.02**2)


def test_dashboard_heat_map_shows_gaps(client, head_user, portfolio):
    dash = panel(client, head_user, "heatmap", period="2025")
    big = next(r for r in dash.heat_rows if r["name"] == "Big Buyer")
    assert [c["value"] for c in big["cells"]] == [Decimal("600000.00"), None]
    assert big["gaps"] == 1


def test_dashboard_room_left_ranks_key_accounts_by_potential_minus_revenue(
    client, head_user, portfolio
):
    Account.objects.filter(pk=portfolio["mid"].pk).update(potential_annual=2_000_000)
    dash = page(client, head_user, "dashboard", period="2025").context["dash"]
    assert dash.room[0]["account__name"] == "Mid Co"
    assert dash.room[0]["room"] == Decimal("1800000.00")


def test_ttm_dashboard_compares_with_the_twelve_months_before(client, head_user, kam_user):
    a, b = AccountFactory(owner=kam_user), AccountFactory(owner=kam_user)
    build_period("ttm", "ttm", dt.date(2025, 11, 1), dt.date(2026, 10, 31), {a: 300, b: 100})
    build_period("2025-10", "month", dt.date(2025, 10, 1), dt.date(2025, 10, 31), {b: 450})
    build_period("2024-11", "month", dt.date(2024, 11, 1), dt.date(2024, 11, 30), {a: 50})
    dash = page(client, head_user, "dashboard").context["dash"]
    assert dash.period.key == "ttm"
    assert dash.previous_total == Decimal("500")
    assert dash.growth == pytest.approx(400 / 500 - 1)
    dash = panel(client, head_user, "tiers")
    # The previous 12 months, ranked from monthly rows: b 90 % → A, a after 90 % → B.
    assert dash.previous_tier_counts == {"A": 1, "B": 1, "C": 0}
    assert [m["pk"] for m in dash.moved_up] == [a.pk] and dash.moved_down_count == 0


def test_dashboard_without_metrics_says_so(client, head_user):
    response = page(client, head_user, "dashboard", period="2025")
    assert response.status_code == 200
    assert "No metrics for 2025 yet" in response.content.decode()


def test_dashboard_bad_period_is_a_form_error_not_a_crash(client, head_user):
    response = page(client, head_user, "dashboard", period="2025-13")
    assert response.status_code == 400
    assert "Use a month (2025-07)" in response.content.decode()


def test_kam_sees_totals_but_only_their_own_accounts_named(client, other_kam, portfolio):
    response = page(client, other_kam, "dashboard", period="2025")
    dash = response.context["dash"]
    assert dash.metric.total_revenue == Decimal("1000000.00")
    assert dash.risks == [] and dash.hidden_risks == 3
    assert "Big Buyer" not in response.content.decode()


def test_integration_user_has_no_report_pages(client, integration_user):
    assert page(client, integration_user, "dashboard").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def _many_accounts(n, owner):
    accounts = AccountFactory.create_batch(n, owner=owner)
    revenues = {a: 1000 + i for i, a in enumerate(accounts)}
    build_period(*Y2024, revenues)
    build_period(*Y2025, {a: 2000 - i for i, a in enumerate(accounts)}, write_accounts=True)
    category = ProductCategoryFactory()
    for a in accounts:
        RevenueLineFactory(account=a, category=category, date=dt.date(2025, 5, 5))
        InteractionFactory(account=a)
        ActionFactory(plan=AccountPlanFactory(account=a))
        TenderFactory(account=a)
    return accounts


@pytest.mark.parametrize("n", [5, 50])
def test_dashboard_queries_are_bounded(
    client, head_user, kam_user, n, django_assert_max_num_queries
):
    _many_accounts(n, kam_user)
    client.force_login(head_user)
    # 14 before targets; + 4 for the roll-up by KAM and region (revenue and target sums,
    # the KAMs' and the regions' names).
    with django_assert_max_num_queries(18):
        response = client.get(reverse("reports:dashboard"), {"period": "2025"})
    assert response.status_code == 200
    assert len(response.context["dash"].room) == min(n, 15)
    for name, limit in (("tiers", 9), ("heatmap", 9)):
        with django_assert_max_num_queries(limit):
            response = client.get(
                reverse("reports:dashboard-panel", args=[name]), {"period": "2025"}
            )
        assert response.status_code == 200
    assert len(response.context["dash"].heat_rows) == min(n, 25)


def test_dashboard_panels_come_from_the_cache_until_a_recompute(client, head_user, portfolio):
    first = panel(client, head_user, "heatmap", period="2025")
    RevenueLineFactory(
        account=portfolio["big"],
        category=ProductCategoryFactory(code="C2"),
        date=dt.date(2025, 5, 1),
        amount=5,
    )
    assert panel(client, head_user, "heatmap", period="2025").heat_rows == first.heat_rows
    # A recompute replaces the period's rows: the panel follows at once.
    PortfolioMetric.objects.filter(period="2025").delete()
    AccountMetric.objects.filter(period="2025").delete()
    build_period(*Y2025, {portfolio["big"]: 1})
    big = panel(client, head_user, "heatmap", period="2025").heat_rows[0]
    assert [c["value"] for c in big["cells"]] == [Decimal("600000.00"), Decimal("5.00")]


def test_the_nightly_run_leaves_the_heads_heavy_pages_warm(client, head_user, portfolio):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.tasks import recompute_metrics

    result = recompute_metrics(as_of="2026-01-15")
    assert result["status"] == "success"
    assert result["panels_warmed"] == ["tiers", "heatmap", "distributors"]
    client.force_login(head_user)
    with CaptureQueriesContext(connection) as warm:
        served = client.get(reverse("reports:distributors"))  # the default period, ttm
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        computed = client.get(reverse("reports:distributors"))
    assert served.context["report"] == computed.context["report"]
    assert len(warm) < len(cold)


def test_a_panel_that_fails_to_warm_does_not_fail_the_run(head_user, portfolio, monkeypatch):
    from reports.portfolio import cache as panel_cache
    from reports.tasks import recompute_metrics

    def broken(user, period):
        raise RuntimeError("heat map down")

    monkeypatch.setitem(panel_cache.HEAVY_PANELS, "heatmap", broken)
    result = recompute_metrics(as_of="2026-01-15")
    assert result["status"] == "success"
    assert result["panels_warmed"] == ["tiers", "distributors"]


def test_unknown_panel_is_a_404(client, head_user):
    client.force_login(head_user)
    assert client.get(reverse("reports:dashboard-panel", args=["secrets"])).status_code == 404


def test_panel_without_javascript_opens_as_a_page(client, head_user, portfolio):
    client.force_login(head_user)
    response = client.get(reverse("reports:dashboard-panel", args=["tiers"]), {"period": "2025"})
    assert "<html" in response.content.decode() and 'id="tier-table"' in response.content.decode()


# --- accounts table -------------------------------------------------------------------
def test_accounts_table_filters_by_owner_tier_and_key(client, head_user, kam_user, portfolio):
    response = page(client, head_user, "accounts", owner=kam_user.pk, tier="A")
    assert [a.external_id for a in response.context["rows"]] == ["A-BIG", "A-MID"]
    response = page(client, head_user, "accounts", key="false")
    # Key: tier A (big, mid) or a share of 10 % or more (small has exactly 10 %).
    assert {a.external_id for a in response.context["rows"]} == {"B-RIVAL", "B-TINY"}


def test_accounts_table_sorts_and_paginates_in_the_url(client, head_user, portfolio):
    response = page(client, head_user, "accounts", sort="name", per_page=25)
    names = [a.name for a in response.context["rows"]]
    assert names == sorted(names)
    response = page(client, head_user, "accounts", sort="-revenue")
    assert response.context["rows"][0].external_id == "A-BIG"
    html = response.content.decode()
    assert "sort=revenue" in html  # clicking the sorted column reverses it


def test_accounts_table_no_interaction_and_no_plan_filters(client, head_user, portfolio):
    InteractionFactory(account=portfolio["big"])
    InteractionFactory(
        account=portfolio["mid"], occurred_at=timezone.now() - dt.timedelta(days=100)
    )
    year = timezone.localdate().year
    AccountPlanFactory(
        account=portfolio["big"],
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
    )
    quiet = page(client, head_user, "accounts", quiet_days=30).context["rows"]
    assert "A-BIG" not in {a.external_id for a in quiet}
    assert "A-MID" in {a.external_id for a in quiet}
    no_plan = page(client, head_user, "accounts", no_plan="on").context["rows"]
    assert {a.external_id for a in no_plan} == {"A-MID", "A-SMALL", "B-RIVAL", "B-TINY"}


def test_accounts_table_bad_filter_is_a_form_error(client, head_user, portfolio):
    response = page(client, head_user, "accounts", quiet_days="-3", tier="Z")
    assert response.status_code == 400
    errors = response.context["filter"].errors
    assert "quiet_days" in errors and "tier" in errors


def test_kam_sees_only_their_accounts_and_no_reassign_controls(client, kam_user, portfolio):
    response = page(client, kam_user, "accounts")
    assert {a.external_id for a in response.context["rows"]} == {"A-BIG", "A-MID", "A-SMALL"}
    assert 'id="reassign-form"' not in response.content.decode()


def test_head_reassigns_in_bulk_with_history(client, head_user, other_kam, portfolio):
    client.force_login(head_user)
    ids = [portfolio["big"].pk, portfolio["mid"].pk]
    url = reverse("reports:accounts") + "?tier=A"
    response = client.post(
        url,
        {
            "reassign-accounts": ids,
            "reassign-owner": other_kam.pk,
            "reassign-add_to_team": head_user.pk,
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    for account in Account.objects.filter(pk__in=ids):
        assert account.owner == other_kam
        assert head_user in account.team.all()
        last = account.history.filter(owner=other_kam).latest("history_date")
        assert last.history_user == head_user


def test_kam_cannot_reassign(client, kam_user, other_kam, portfolio):
    client.force_login(kam_user)
    response = client.post(
        reverse("reports:accounts"),
        {"reassign-accounts": [portfolio["big"].pk], "reassign-owner": other_kam.pk},
    )
    assert response.status_code == 403
    assert Account.objects.get(pk=portfolio["big"].pk).owner == kam_user


def test_reassign_without_a_change_shows_the_error(client, head_user, portfolio):
    client.force_login(head_user)
    response = client.post(
        reverse("reports:accounts"), {"reassign-accounts": [portfolio["big"].pk]}
    )
    assert response.status_code == 400
    assert "Choose a new owner or a team change." in response.content.decode()


def test_reassign_to_the_integration_user_is_refused(
    client, head_user, integration_user, portfolio
):
    client.force_login(head_user)
    response = client.post(
        reverse("reports:accounts"),
        {"reassign-accounts": [portfolio["big"].pk], "reassign-owner": integration_user.pk},
    )
    assert response.status_code == 400
    assert Account.objects.get(pk=portfolio["big"].pk).owner.role == "kam"


@pytest.mark.parametrize("n", [5, 50])
def test_accounts_table_queries_are_bounded(
    client, head_user, kam_user, n, django_assert_max_num_queries
):
    _many_accounts(n, kam_user)
    client.force_login(head_user)
    with django_assert_max_num_queries(14):
        response = client.get(
            reverse("reports:accounts"), {"per_page": 50, "sort": "last_interaction"}
        )
    assert len(response.context["rows"]) == n
    assert all(
        a.extra["open_actions"] == 1 and a.extra["open_tenders"] == 1
        for a in response.context["rows"]
    )


# --- workload, pipeline, distributors -------------------------------------------------
def test_workload_counts_coverage_per_kam(client, head_user, kam_user, other_kam, portfolio):
    big = portfolio["big"]
    boss = ContactFactory(account=big, decision_role=Contact.DecisionRole.DECISION_MAKER)
    ContactFactory(account=big, decision_role=Contact.DecisionRole.ECONOMIC_BUYER)
    met = InteractionFactory(account=big, occurred_at=timezone.now() - dt.timedelta(days=40))
    met.contacts.add(boss)
    InteractionFactory(account=big)
    plan = AccountPlanFactory(
        account=big,
        period_start=dt.date(timezone.localdate().year, 1, 1),
        period_end=dt.date(timezone.localdate().year, 12, 31),
    )
    ActionFactory(plan=plan, due=timezone.localdate() - dt.timedelta(days=1))
    ActionFactory(
        plan=plan, due=timezone.localdate() - dt.timedelta(days=1), status=Action.Status.DONE
    )
    rows = {r["owner"].username: r for r in page(client, head_user, "workload").context["rows"]}
    mine = rows["kam1"]
    assert mine["accounts"] == 3 and mine["revenue"] == Decimal("900000.00")
    assert mine["interactions_30"] == 1 and mine["interactions_90"] == 2
    assert mine["key_people_not_met"] == 1  # the economic buyer nobody met
    assert mine["overdue_actions"] == 1
    assert mine["without_plan"] == 2
    assert rows["kam2"]["accounts"] == 2


def test_kam_sees_only_their_own_workload(client, kam_user, portfolio):
    rows = page(client, kam_user, "workload").context["rows"]
    assert [r["owner"] for r in rows] == [kam_user]


def test_pipeline_by_stage_quarter_and_loss_reasons(client, head_user, portfolio):
    big = portfolio["big"]
    TenderFactory(account=big, stage=Tender.Stage.PREPARING, estimated_value=100)
    TenderFactory(
        account=big,
        stage=Tender.Stage.WON,
        outcome_reason="Best price",
        decision_date=dt.date(2025, 8, 1),
        our_bid=300,
        estimated_value=400,
    )
    TenderFactory(
        account=big,
        stage=Tender.Stage.LOST,
        outcome_reason="Price too high",
        decision_date=dt.date(2025, 9, 1),
        estimated_value=200,
    )
    TenderFactory(
        account=portfolio["rival"],
        stage=Tender.Stage.LOST,
        outcome_reason=" price too high",
        decision_date=dt.date(2025, 7, 2),
        estimated_value=50,
    )
    context = page(client, head_user, "pipeline").context
    preparing = next(s for s in context["stages"] if s["stage"] == "preparing")
    assert preparing["count"] == 1 and preparing["values"] == [("RUB", Decimal("100.00"))]
    q3 = next(q for q in context["quarters"] if q["quarter"] == "2025-Q3")
    assert (q3["won"], q3["lost"], q3["value_won"], q3["value_lost"]) == (1, 2, 300, 250)
    assert q3["win_rate"] == pytest.approx(1 / 3)
    assert context["loss_reasons"][0]["reason"] == "price too high"
    assert context["loss_reasons"][0]["n"] == 2


def test_pipeline_deadlines_this_month(client, head_user, portfolio):
    soon = timezone.localtime().replace(
        day=28 if timezone.localdate().day < 28 else timezone.localdate().day
    )
    t = TenderFactory(account=portfolio["big"], submission_deadline=soon)
    TenderFactory(account=portfolio["big"], submission_deadline=soon + dt.timedelta(days=40))
    assert page(client, head_user, "pipeline").context["deadlines"] == [t]


def test_distributors_revenue_and_share_of_key_accounts(client, head_user, portfolio):
    big = portfolio["big"]
    dist = DistributorFactory(name="Volga Trade")
    other = DistributorFactory(name="Unused")
    DistributorLinkFactory(distributor=other, account=portfolio["mid"])
    category = ProductCategoryFactory(code="C9")
    RevenueLineFactory(
        account=big, category=category, date=dt.date(2025, 4, 1), amount=150_000, distributor=dist
    )
    RevenueLineFactory(
        account=portfolio["tiny"],
        category=category,
        date=dt.date(2025, 4, 1),
        amount=5_000,
        distributor=dist,
    )
    report = page(client, head_user, "distributors", period="2025").context["report"]
    volga = next(d for d in report if d["distributor"] == dist)
    assert volga["revenue"] == Decimal("155000.00")
    assert volga["other_revenue"] == Decimal("5000.00")
    [row] = volga["accounts"]
    assert row["external_id"] == "A-BIG" and row["share"] == pytest.approx(0.25)
    unused = next(d for d in report if d["distributor"] == other)
    assert unused["accounts"][0]["external_id"] == "A-MID" and unused["revenue"] == 0


@pytest.mark.parametrize("n", [5, 50])
@pytest.mark.parametrize(
    ("name", "params", "limit"),
    [("workload", {}, 11), ("pipeline", {}, 10), ("distributors", {"period": "2025"}, 12)],
)
def test_other_pages_queries_are_bounded(
    client, head_user, kam_user, other_kam, n, name, params, limit, django_assert_max_num_queries
):
    accounts = _many_accounts(n, kam_user)
    Account.objects.filter(pk__in=[a.pk for a in accounts[::2]]).update(owner=other_kam)
    dist = DistributorFactory()
    for a in accounts:
        DistributorLinkFactory(distributor=dist, account=a)
        ContactFactory(account=a, decision_role=Contact.DecisionRole.DECISION_MAKER)
    client.force_login(head_user)
    with django_assert_max_num_queries(limit):
        response = client.get(reverse(f"reports:{name}"), params)
    assert response.status_code == 200


# --- one rule for each number, whichever page shows it ----------------------------------
@pytest.mark.parametrize(
    "revenues,expected",
    [
        # 80 % exactly above the second 10: B (floating-point shares said A).
        (
            {"E-70": "70", "E-10c": "10", "E-10a": "10", "E-10b": "10"},
            {"E-70": "A", "E-10a": "A", "E-10b": "B", "E-10c": "B"},
        ),
        # Ties go to the smaller external id; exactly 95 % above U-2: C.
        (
            {"T-B": "40", "T-A": "40", "Z": "10", "U-2": "5", "U-1": "5"},
            {"T-A": "A", "T-B": "A", "Z": "B", "U-1": "B", "U-2": "C"},
        ),
    ],
    ids=["70-10-10-10", "ties"],
)
def test_tiers_agree_on_the_dashboard_the_metrics_api_and_the_exports(
    client, head_user, kam_user, api_client_for, revenues, expected
):
    from reports.metrics.run import recompute_metrics

    category = ProductCategoryFactory()
    for external_id, amount in revenues.items():
        account = AccountFactory(external_id=external_id, owner=kam_user)
        # The same revenue in this ttm window and in the 12 months before it.
        for day in (dt.date(2024, 3, 15), dt.date(2025, 3, 15)):
            RevenueLineFactory(
                account=account, category=category, date=day, amount=amount, amount_base=amount
            )
    recompute_metrics(as_of=dt.date(2025, 11, 26))

    api = api_client_for(head_user).get("/api/v1/metrics/accounts/", {"period": "ttm"}).json()
    assert {r["account"]: r["tier"] for r in api["results"]} == expected

    client.force_login(head_user)
    export = client.get(reverse("reports:export", args=["portfolio", "csv"]), {"period": "ttm"})
    lines = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    header = next(i for i, row in enumerate(lines) if row[:2] == ["Rank", "External id"])
    assert {row[1]: row[7] for row in lines[header + 1 :] if row} == expected
    accounts = client.get(reverse("reports:export", args=["accounts", "csv"]))
    rows = list(csv.reader(io.StringIO(accounts.content.decode("utf-8-sig"))))[1:]
    assert {row[0]: row[5] for row in rows} == expected  # the tier written onto accounts

    # The dashboard ranks the previous 12 months itself: same revenues, same tiers, so
    # nobody moved.
    dash = panel(client, head_user, "tiers")
    counts = {t: list(expected.values()).count(t) for t in "ABC"}
    assert dash.tier_counts == counts and dash.previous_tier_counts == counts
    assert (dash.moved_up_count, dash.moved_down_count) == (0, 0)


def test_cached_heat_map_and_tier_movers_show_current_account_names(client, head_user, portfolio):
    from accounts.services import account_update

    first = panel(client, head_user, "heatmap", period="2025")
    assert any(r["name"] == "Big Buyer" for r in first.heat_rows)
    movers = panel(client, head_user, "tiers", period="2025")
    assert [m["name"] for m in movers.moved_up] == ["Mid Co"]
    account_update(user=head_user, account=portfolio["big"], name="Big Buyer Holding")
    account_update(user=head_user, account=portfolio["mid"], name="Mid Co Group")

    # Same metrics run, so the panels come from the cache: the numbers may be as old as
    # the run, the names are today's (as in the accounts table).
    heat = panel(client, head_user, "heatmap", period="2025")
    names = [r["name"] for r in heat.heat_rows]
    assert "Big Buyer Holding" in names and "Big Buyer" not in names
    assert [m["name"] for m in panel(client, head_user, "tiers", period="2025").moved_up] == [
        "Mid Co Group"
    ]
    client.force_login(head_user)
    table = client.get(reverse("reports:accounts"), {"q": "Big Buyer"}).content.decode()
    assert "Big Buyer Holding" in table


def test_workload_counts_what_each_kams_home_page_lists_on_the_demo_data(client):
    from django.core.management import call_command

    from accounts.models import User

    call_command("seed_demo", "--accounts", "60", stdout=io.StringIO())
    call_command("recompute_metrics", stdout=io.StringIO())
    head = User.objects.get(username="s.volkov")
    workload = {
        r["owner"].username: r for r in page(client, head, "workload").context["rows"] if r["owner"]
    }
    kams = list(User.objects.filter(role=User.Role.KAM))
    assert len(kams) == 4
    on_a_team_only = 0
    for kam in kams:
        client.force_login(kam)
        home = client.get(reverse("accounts:home"))
        listed = home.context["page"].paginator.count
        key_listed = (
            client.get(reverse("accounts:home"), {"key": "on"}).context["page"].paginator.count
        )
        row = workload[kam.username]
        assert (row["accounts"], row["key_accounts"]) == (listed, key_listed), kam.username
        # Her own workload page says the same.
        (own,) = page(client, kam, "workload").context["rows"]
        assert own["accounts"] == listed
        # The workload's link lists the same accounts in the accounts table.
        client.force_login(head)
        table = client.get(reverse("reports:accounts"), {"member": kam.pk})
        assert table.context["page"].paginator.count == listed
        on_a_team_only += listed - Account.objects.filter(owner=kam).count()
    assert on_a_team_only > 0  # the demo puts KAMs on teams of accounts others own
