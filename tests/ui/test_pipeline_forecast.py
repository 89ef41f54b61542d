"""The forward look in Chromium at 375 and 1280 px: a KAM moves an opportunity on the board
(htmx brings the board back with the card in its new column), and the head reads the
forecast page, whose totals are the forecast API's. Screenshots of each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from rest_framework.test import APIClient

from accounts.templatetags.kam_ui import money
from plans.models import Opportunity
from tests.factories import (
    AccountFactory,
    OpportunityFactory,
    RevenueLineFactory,
    TargetFactory,
    UserFactory,
)
from tests.ui.browser import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.ui, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pipeline():
    anna = UserFactory(username="anna", first_name="Anna", last_name="Petrova", role="kam")
    head = UserFactory(username="sergey", first_name="Sergey", last_name="Volkov", role="head")
    account = AccountFactory(owner=anna, name="Uralkhim Trade", is_key=True)
    today = timezone.localdate()
    RevenueLineFactory(account=account, date=dt.date(today.year, 1, 15), amount=Decimal(400000))
    TargetFactory(account=account, year=today.year, revenue_target=Decimal(2000000))
    deal = OpportunityFactory(
        account=account,
        owner=anna,
        title="Second plant",
        value=Decimal(600000),
        stage="idea",
        expected_close=dt.date(today.year, 12, 31),
    )
    return {"anna": anna, "head": head, "account": account, "deal": deal}


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["375", "1280"])
def test_kam_moves_an_opportunity_on_the_board(
    page: Page, live_server, pipeline, size, screenshot_dir
):
    deal: Opportunity = pipeline["deal"]
    sign_in(page, live_server, pipeline["anna"])
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}/opportunities/?view=board")
    expect(page.locator('.board-col[data-stage="idea"] .opp-card')).to_contain_text("Second plant")

    card = page.locator(f"#opp-{deal.pk}")
    card.locator("select[name=stage]").select_option("negotiation")
    card.get_by_role("button", name="Move").click()

    moved = page.locator(f'.board-col[data-stage="negotiation"] #opp-{deal.pk}')
    expect(moved).to_contain_text("Second plant")
    expect(page.locator('.board-col[data-stage="idea"]')).not_to_contain_text("Second plant")
    expect(page.get_by_role("status")).to_contain_text("moved to Negotiation")
    deal.refresh_from_db()
    assert deal.stage == "negotiation"
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.screenshot(path=screenshot_dir / f"opportunity-board-{size['width']}.png", full_page=True)


def test_a_lost_deal_on_the_board_asks_for_its_reason(page: Page, live_server, pipeline):
    deal: Opportunity = pipeline["deal"]
    sign_in(page, live_server, pipeline["anna"])
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/opportunities/?view=board")
    card = page.locator(f"#opp-{deal.pk}")
    card.locator("select[name=stage]").select_option("lost")
    card.get_by_role("button", name="Move").click()
    expect(page.locator(f"#opp-{deal.pk} [role=alert]")).to_be_visible()
    deal.refresh_from_db()
    assert deal.stage == "idea"  # nothing moved without the reason


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["375", "1280"])
def test_the_heads_forecast_page_shows_the_apis_figures(
    page: Page, live_server, pipeline, size, screenshot_dir
):
    api = APIClient()
    api.force_authenticate(pipeline["head"])
    company = api.get("/api/v1/forecast/", {"level": "company"}).json()["total"]
    assert Decimal(company["opportunities"]) == Decimal(60000)  # 600 000 × idea's 10 %

    sign_in(page, live_server, pipeline["head"])
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}/forecast/?level=account")
    expect(page.locator("#kpi-forecast")).to_have_text(money(company["forecast"]))
    row = page.locator("#forecast-table tbody tr").first
    expect(row).to_contain_text("Uralkhim Trade")
    expect(page.locator("#forecast-table tfoot")).to_contain_text(money(company["forecast"]))
    expect(page.locator("#forecast-table tfoot")).to_contain_text(money(company["target"]))
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.screenshot(path=screenshot_dir / f"forecast-head-{size['width']}.png", full_page=True)
