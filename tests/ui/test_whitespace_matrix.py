"""The white-space matrix in a real browser (Chromium), at 1280 and 375 px: a KAM fills
one cell in place and turns another into an opportunity with one click."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from plans.models import Opportunity
from reports.models import WhiteSpaceCell
from tests.factories import (
    AccountFactory,
    ProductCategoryFactory,
    RevenueLineFactory,
    UserFactory,
)
from tests.ui.browser import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.ui, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def holding(transactional_db):
    anna = UserFactory(username="anna", first_name="Anna", last_name="Petrova", role="kam")
    root = AccountFactory(owner=anna, name="Volga Holding")
    plant = AccountFactory(owner=anna, name="Volga Steel Plant", parent=root)
    mill = AccountFactory(owner=anna, name="Kama Rolling Mill", parent=plant)
    depot = AccountFactory(owner=anna, name="Oka Depot", parent=mill)
    cats = [
        ProductCategoryFactory(code=code, name=name)
        for code, name in [
            ("BRG", "Bearings"),
            ("HYD", "Hydraulics"),
            ("LUB", "Lubricants"),
            ("SEAL", "Seals"),
            ("VALV", "Valves"),
        ]
    ]
    day = timezone.localdate().replace(day=1) - dt.timedelta(days=40)
    RevenueLineFactory(account=root, category=cats[0], amount=Decimal("1250000"), date=day)
    RevenueLineFactory(account=mill, category=cats[2], amount=Decimal("430000"), date=day)
    WhiteSpaceCell.objects.create(
        account=plant, category=cats[1], status="competitor", competitor="Bosch Rexroth",
        potential=Decimal("900000"),
    )  # fmt: skip
    WhiteSpaceCell.objects.create(account=depot, category=cats[4], status="not_relevant")
    return {"anna": anna, "root": root, "plant": plant, "mill": mill, "depot": depot, "cats": cats}


def _fill_and_convert(page: Page, h: dict, *, fill: tuple, convert: tuple, shot) -> None:
    unit, cat = fill
    cell = page.locator(f"#ws-{unit.pk}-{cat.pk}")
    cell.get_by_role("link", name="Edit").click()
    form = page.locator(f"#ws-{unit.pk}-{cat.pk} form")
    expect(form).to_be_visible()
    # First a mistake: a competitor without a name, refused beside the field.
    form.get_by_label("Status").select_option("competitor")
    form.get_by_label("Potential a year").fill("750000")
    form.get_by_role("button", name="Save").click()
    expect(form).to_contain_text("Name the competitor who supplies it.")
    form.scroll_into_view_if_needed()
    page.screenshot(path=shot)
    form.get_by_label("Competitor").fill("SKF")
    form.get_by_role("button", name="Save").click()
    expect(cell).to_contain_text("SKF")
    expect(cell).to_contain_text("750")
    unit2, cat2 = convert
    other = page.locator(f"#ws-{unit2.pk}-{cat2.pk}")
    other.get_by_role("button", name=re.compile("Make an opportunity")).click()
    expect(other).to_contain_text(f"{cat2.name} for {unit2.name}")
    expect(other).to_contain_text("Idea")
    # The holding's potential took the new estimate: 900 000 (Hydraulics) + 750 000.
    expect(page.locator("#ws-summary")).to_contain_text("1,650,000")


def test_kam_fills_a_cell_and_makes_an_opportunity_at_1280(
    page: Page, live_server, holding, screenshot_dir
):
    h = holding
    sign_in(page, live_server, h["anna"])
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/accounts/{h['root'].pk}/")
    page.get_by_role("link", name="White-space matrix (with subsidiaries)").click()
    expect(page.get_by_role("heading", name="White space of Volga Holding")).to_be_visible()
    expect(page.locator(".ws-table tbody tr")).to_have_count(4)
    page.screenshot(path=screenshot_dir / "whitespace-desktop-before.png", full_page=True)
    _fill_and_convert(
        page,
        h,
        fill=(h["mill"], h["cats"][3]),
        convert=(h["depot"], h["cats"][0]),
        shot=screenshot_dir / "whitespace-desktop-error.png",
    )
    page.screenshot(path=screenshot_dir / "whitespace-desktop-after.png", full_page=True)
    cell = WhiteSpaceCell.objects.get(account=h["mill"], category=h["cats"][3])
    assert (cell.status, cell.competitor, cell.potential) == ("competitor", "SKF", 750000)
    assert Opportunity.objects.filter(account=h["depot"], category_id=h["cats"][0].pk).count() == 1


def test_kam_fills_a_cell_and_makes_an_opportunity_on_a_phone(
    page: Page, live_server, holding, screenshot_dir
):
    h = holding
    sign_in(page, live_server, h["anna"])
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/{h['root'].pk}/whitespace/")
    # The page does not scroll sideways; the matrix scrolls inside its focusable box.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    wrap = page.locator(".ws-wrap")
    assert wrap.get_attribute("tabindex") == "0"
    assert page.evaluate(
        "(() => { const w = document.querySelector('.ws-wrap'); "
        "return w.scrollWidth > w.clientWidth; })()"
    )
    page.screenshot(path=screenshot_dir / "whitespace-375-before.png", full_page=True)
    target = page.locator(f"#ws-{h['plant'].pk}-{h['cats'][4].pk}")
    target.scroll_into_view_if_needed()
    # The unit column stays in view while the matrix scrolls.
    unit = page.locator("th.ws-unit", has_text="Volga Steel Plant")
    box = unit.bounding_box()
    assert box is not None and box["x"] < 60
    _fill_and_convert(
        page,
        h,
        fill=(h["plant"], h["cats"][4]),
        convert=(h["mill"], h["cats"][1]),
        shot=screenshot_dir / "whitespace-375-error.png",
    )
    page.screenshot(path=screenshot_dir / "whitespace-375-after.png", full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert Opportunity.objects.filter(account=h["mill"]).count() == 1
