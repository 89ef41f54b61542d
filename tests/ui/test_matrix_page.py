"""The portfolio matrix in a real browser (Chromium): the bubble chart drawn by the vendored
Chart.js beside its table, the quadrant filter, the KAM's strategic-fit form, at 1280 and
375 px. Screenshots go to the screenshot_dir folder."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from reports.metrics.periods import ttm_period
from reports.models import AccountHealth, AccountMetric
from reports.portfolio.matrix import portfolio_matrix_compute
from tests.factories import AccountFactory, InteractionFactory
from tests.reports.matrix_criteria import matrix_criteria  # noqa: F401  (autouse)
from tests.ui.browser import sign_in

pytestmark = [pytest.mark.ui, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
NAMES = [
    "Северсталь-Снаб",
    "Uralchem Trading",
    "Baltic Pumps",
    "Volga Foods",
    "Kama Tyres",
    "Siberian Timber",
    "Don Agro",
    "Oka Glass",
    "Neva Pharma",
    "Azov Steel",
    "Altai Dairy",
    "Irtysh Oil Service",
]


@pytest.fixture
def portfolio(kam_user, other_kam):
    """Twelve accounts of two KAMs across the four quadrants, with health and ttm numbers."""
    rnd = random.Random(5)
    window = ttm_period(timezone.localdate())
    bands = [("healthy", "82.0"), ("watch", "55.0"), ("at_risk", "28.0")]
    accounts = []
    for i, name in enumerate(NAMES):
        account = AccountFactory(
            name=name,
            owner=kam_user if i % 3 else other_kam,
            potential_annual=Decimal(rnd.randint(2, 90) * 1_000_000),
        )
        revenue = Decimal(rnd.randint(2, 60) * 100_000)
        AccountMetric.objects.create(
            account=account,
            period="ttm",
            period_kind="ttm",
            period_start=window.start,
            period_end=window.end,
            revenue=revenue,
            growth=rnd.uniform(-0.3, 0.4),
            margin_pct=rnd.uniform(0.1, 0.4),
            penetration=float(revenue / account.potential_annual),
            tier="A",
        )
        band, score = bands[i % 3]
        AccountHealth.objects.create(
            account=account,
            date=timezone.localdate(),
            score=Decimal(score),
            band=band,
            components=[
                {"key": "role_coverage", "score": rnd.choice([0.0, 66.7, 100.0])},
                {"key": "satisfaction", "score": rnd.choice([None, 40.0, 90.0])},
            ],
        )
        accounts.append(account)
    for account in accounts[:4]:
        for _ in range(3):
            InteractionFactory(account=account, occurred_at=timezone.now() - dt.timedelta(days=20))
    portfolio_matrix_compute(as_of=dt.date(timezone.localdate().year - 1, 12, 31))
    portfolio_matrix_compute()
    return accounts


def _chart_drawn(page: Page) -> None:
    # Chart.js drew the bubbles: the canvas has its chart and the chart one point per row.
    drawn = page.evaluate(
        "() => { const c = Chart.getChart('matrix-chart');"
        " return c ? c.data.datasets[0].data.length : 0 }"
    )
    assert drawn == 12


def test_head_sees_the_matrix_with_its_table(
    page: Page, live_server, head_user, portfolio, screenshot_dir
):
    sign_in(page, live_server, head_user)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/portfolio/matrix/")
    expect(page.get_by_role("heading", name="Portfolio matrix", exact=False)).to_be_visible()
    expect(page.locator("#matrix-table tbody tr")).to_have_count(12)
    expect(page.locator("#matrix-legend")).to_contain_text("health band")
    page.wait_for_function("() => window.Chart && Chart.getChart('matrix-chart')")
    _chart_drawn(page)
    # Chart and table side by side at 1280 px.
    chart = page.locator("#matrix-chart").bounding_box()
    table = page.locator("#matrix-table").bounding_box()
    assert chart and table and table["x"] > chart["x"] + chart["width"] - 5
    page.screenshot(path=screenshot_dir / "matrix-1280.png", full_page=True)

    # Filter by a quadrant from its card.
    first = page.locator(".quadrant-card").filter(has_text="Streamline")
    count = int(first.locator(".kpi-value").inner_text())
    first.click()
    expect(page.locator("#matrix-table tbody tr[data-quadrant]")).to_have_count(count)
    for q in page.locator("#matrix-table tbody tr[data-quadrant]").all():
        assert q.get_attribute("data-quadrant") == "streamline"


def test_kam_on_a_phone_sets_strategic_fit(
    page: Page, live_server, kam_user, portfolio, screenshot_dir
):
    sign_in(page, live_server, kam_user)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/portfolio/matrix/")
    mine = [a for a in portfolio if a.owner_id == kam_user.pk]
    expect(page.locator("#matrix-table tbody tr")).to_have_count(len(mine))
    expect(page.locator("#matrix-table")).not_to_contain_text("Северсталь-Снаб")  # other KAM's
    page.wait_for_function("() => window.Chart && Chart.getChart('matrix-chart')")
    # Nothing overflows sideways: the table scrolls inside its own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "matrix-375.png", full_page=True)

    row = page.locator(f"#matrix-table tr[data-account='{mine[0].pk}']")
    row.get_by_label(f"Strategic fit of {mine[0].name}").select_option("5")
    row.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Strategic fit")
    assert mine[0].matrix_scores.get().score == 5

    page.goto(f"{live_server.url}/portfolio/matrix/resources/")
    expect(page.locator("#resources-rule")).to_contain_text("Strategic 4")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "matrix-resources-375.png", full_page=True)
