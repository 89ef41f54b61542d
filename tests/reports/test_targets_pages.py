"""The targets page (set, edit, approve), the home card, the account panel, the accounts
table's attainment column and the dashboard's roll-up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from plans import services
from plans.models import Target
from tests import factories as f
from tests.account_page import account_page

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def world(kam_user, other_kam, head_user):
    today = timezone.localdate()
    north = f.RegionFactory(name="North")
    mine = f.AccountFactory(owner=kam_user, name="Mine", is_key=True, region=north)
    theirs = f.AccountFactory(owner=other_kam, name="Theirs", region=north)
    # This year's revenue: January (or, in January, today).
    day = dt.date(today.year, 1, 1)
    f.RevenueLineFactory(account=mine, date=day, amount=D(250000))
    f.RevenueLineFactory(account=theirs, date=day, amount=D(100000))
    return {"today": today, "mine": mine, "theirs": theirs, "north": north}


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_kam_sets_a_target_and_sees_attainment_on_home(client, kam_user, world):
    client.force_login(kam_user)
    year = world["today"].year
    assert "No target set for" in _html(client.get("/"))
    response = client.post(
        reverse("reports:targets"),
        {"account": world["mine"].pk, "year": year, "quarter": "", "revenue_target": "1000000"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target = Target.objects.get(account=world["mine"])
    assert target.status == "draft" and target.set_by == kam_user
    home = _html(client.get("/"))
    card = home[home.index('id="target-card"') :]
    card = card[: card.index("</div>")]
    assert "25.0 %" in card and "1,000,000" in card and "250,000" in card
    page = _html(client.get(reverse("reports:targets")))
    assert "Mine" in page and "25.0 %" in page and "Draft" in page
    assert "/approve/" not in page  # no approve button for a KAM
    # Nor may they post it.
    approve = reverse("reports:target-approve", args=[target.pk])
    assert client.post(approve).status_code == 403
    target.refresh_from_db()
    assert target.status == "draft"


def test_the_set_form_refuses_both_kinds_in_one_year(client, kam_user, world):
    client.force_login(kam_user)
    year = world["today"].year
    f.TargetFactory(account=world["mine"], year=year, quarter=1)
    response = client.post(
        reverse("reports:targets"),
        {"account": world["mine"].pk, "year": year, "revenue_target": "5"},
    )
    assert response.status_code == 400
    assert "quarterly targets" in response.content.decode()


def test_head_approves_and_a_later_change_is_marked(client, kam_user, head_user, world):
    year = world["today"].year
    target = services.target_set(
        user=kam_user, account=world["mine"], year=year, revenue_target=D(1000000)
    )
    client.force_login(head_user)
    page = _html(client.get(reverse("reports:targets")))
    assert reverse("reports:target-approve", args=[target.pk]) in page
    response = client.post(reverse("reports:target-approve", args=[target.pk]))
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status == "approved" and target.approved_by == head_user
    client.force_login(kam_user)
    response = client.post(
        reverse("reports:target", args=[target.pk]),
        {"year": year, "quarter": "", "revenue_target": "1200000"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.changed_after_approval and target.status == "approved"
    page = _html(client.get(reverse("reports:targets"), {"status": "changed"}))
    assert "changed after approval" in page and "Mine" in page


def test_account_page_shows_target_against_actual_with_quarters(client, kam_user, world):
    year = world["today"].year
    for quarter, amount in [(1, 500000), (2, 500000), (3, 500000), (4, 500000)]:
        f.TargetFactory(account=world["mine"], year=year, quarter=quarter, revenue_target=amount)
    client.force_login(kam_user)
    html = account_page(client, world["mine"].pk)
    panel = html[html.index('id="account-targets"') :]
    panel = panel[: panel.index("</section>")]
    assert "2,000,000" in panel and "250,000" in panel
    assert "Q1" in panel and "Q4" in panel and "50.0 %" in panel  # Q1: 250 000 / 500 000


def test_accounts_table_sorts_by_attainment(client, head_user, kam_user, other_kam, world):
    year = world["today"].year
    f.TargetFactory(account=world["mine"], year=year, revenue_target=D(500000))  # 50 %
    f.TargetFactory(account=world["theirs"], year=year, revenue_target=D(1000000))  # 10 %
    f.AccountFactory(owner=kam_user, name="No target")
    client.force_login(head_user)
    html = _html(client.get(reverse("reports:accounts"), {"sort": "attainment"}))
    table = html[html.index('id="accounts-table"') :]
    assert table.index("Theirs") < table.index("Mine") < table.index("No target")
    html = _html(client.get(reverse("reports:accounts"), {"sort": "-attainment"}))
    table = html[html.index('id="accounts-table"') :]
    assert table.index("Mine") < table.index("Theirs") < table.index("No target")
    assert "50.0 %" in table and "10.0 %" in table


def test_dashboard_rolls_up_by_kam_and_region_with_links(
    client, head_user, kam_user, other_kam, world
):
    year = world["today"].year
    f.TargetFactory(account=world["mine"], year=year, revenue_target=D(500000))
    f.TargetFactory(account=world["theirs"], year=year, revenue_target=D(1000000))
    client.force_login(head_user)
    html = _html(client.get(reverse("reports:dashboard")))
    section = html[html.index('id="targets-rollup"') :]
    section = section[: section.index("</section>")]
    by_kam = section[section.index('id="targets-by-kam"') : section.index('id="targets-by-region"')]
    assert f"?owner={kam_user.pk}&amp;sort=attainment" in by_kam
    assert "50.0 %" in by_kam and "10.0 %" in by_kam
    by_region = section[section.index('id="targets-by-region"') :]
    assert f"?region={world['north'].pk}&amp;sort=attainment" in by_region
    assert "1,500,000" in by_region and "23.3 %" in by_region  # 350 000 / 1 500 000


@pytest.mark.parametrize("n", [5, 40])
def test_targets_page_runs_a_bounded_number_of_queries(
    client, kam_user, head_user, n, django_assert_max_num_queries
):
    year = timezone.localdate().year
    for i in range(n):
        account = f.AccountFactory(owner=kam_user, name=f"Client {i:03d}", is_key=True)
        f.RevenueLineFactory(account=account, date=dt.date(year, 1, 1))
        if i % 2:
            f.TargetFactory(account=account, year=year, quarter=1, status="approved")
            f.TargetFactory(account=account, year=year, quarter=2, approved_by=head_user)
        else:
            f.TargetFactory(account=account, year=year)
    for user in (kam_user, head_user):
        client.force_login(user)
        with django_assert_max_num_queries(14):
            response = client.get(reverse("reports:targets"))
        assert response.status_code == 200
        assert len(response.context["targets"]) == min(50, n + n // 2)
        with django_assert_max_num_queries(16):
            response = client.get(reverse("reports:accounts"), {"sort": "-attainment"})
        assert response.status_code == 200


def test_accounts_export_sorts_by_attainment_too(client, head_user, world):
    year = world["today"].year
    f.TargetFactory(account=world["mine"], year=year, revenue_target=D(500000))
    client.force_login(head_user)
    response = client.get(
        reverse("reports:export", args=["accounts", "csv"]), {"sort": "-attainment"}
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    text = body.decode("utf-8-sig")
    assert text.index("Mine") < text.index("Theirs")


def test_ids_past_64_bits_are_not_found_or_ignored_not_a_500(client, kam_user, world):
    client.force_login(kam_user)
    huge = 2**64
    assert client.get(reverse("reports:target", args=[huge])).status_code == 404
    assert client.get(reverse("reports:targets"), {"account": huge}).status_code == 200
