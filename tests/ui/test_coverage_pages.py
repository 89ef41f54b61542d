"""Relationship coverage in a real browser: the org chart with who covers whom and the
gaps, and the relationship map (SVG with its table), at 1280 and 375 px."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import ContactLink
from tests.factories import AccountFactory, ContactFactory, InteractionFactory, UserFactory
from tests.ui.browser import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.ui, pytest.mark.django_db(transaction=True)]


def met(account, author, *people, days: int) -> None:
    interaction = InteractionFactory(
        account=account, author=author, occurred_at=timezone.now() - dt.timedelta(days=days)
    )
    interaction.contacts.set(people)


@pytest.fixture
def story(transactional_db):
    anna = UserFactory(username="anna", first_name="Anna", last_name="Petrova", role="kam")
    ivan = UserFactory(username="ivan", first_name="Ivan", last_name="Orlov", role="kam")
    account = AccountFactory(owner=anna, name="Volga Foods")
    account.team.add(ivan)
    ceo = ContactFactory(
        account=account, name="Olga Smirnova", position="CEO", decision_role="decision_maker"
    )
    cfo = ContactFactory(
        account=account,
        name="Pavel Volkov",
        position="CFO",
        decision_role="economic_buyer",
        reports_to=ceo,
    )
    buyer = ContactFactory(
        account=account,
        name="Maria Sokolova",
        position="Head of procurement",
        decision_role="gatekeeper",
        reports_to=cfo,
        attitude="supporter",
    )
    engineer = ContactFactory(
        account=account,
        name="Dmitry Kozlov",
        position="Chief engineer",
        decision_role="technical_evaluator",
        reports_to=ceo,
        attitude="detractor",
    )
    for days in (2, 9, 16, 23, 30, 41, 55):
        met(account, anna, buyer, days=days)
    met(account, ivan, engineer, days=70)
    met(account, anna, cfo, days=130)
    ContactLink.objects.create(from_contact=engineer, to_contact=ceo, kind="influences")
    ContactLink.objects.create(from_contact=buyer, to_contact=engineer, kind="rivals")
    ContactLink.objects.create(from_contact=cfo, to_contact=buyer, kind="close_to")
    return {"anna": anna, "account": account}


def test_org_chart_shows_coverage_and_gaps_then_the_map(
    page: Page, live_server, story, screenshot_dir
):
    account = story["account"]
    sign_in(page, live_server, story["anna"])
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    chart = page.locator("#org-chart")
    gaps = chart.get_by_role("region", name="Relationship gaps")
    expect(gaps).to_contain_text("Maria Sokolova was in 7 of the 8 interactions")
    expect(gaps).to_contain_text("Olga Smirnova (decision maker, never met)")
    expect(gaps).to_contain_text("Pavel Volkov (economic buyer, last met 130 days ago)")
    expect(gaps).to_contain_text("No champion")
    maria = chart.locator(".person", has_text="Maria Sokolova")
    expect(maria.locator(".cover")).to_contain_text("Anna Petrova")
    expect(maria.locator(".cover .badge")).to_have_text(re.compile(r"^\d+ · strong$"))
    expect(chart.locator(".person", has_text="Olga Smirnova")).to_contain_text("nobody on our side")
    page.locator("#org-chart-card").screenshot(path=screenshot_dir / "coverage-org-chart-1280.png")

    page.get_by_role("link", name="Relationship map").first.click()
    expect(page.get_by_role("heading", name="Relationship map of Volga Foods")).to_be_visible()
    svg = page.locator("svg.relmap-svg")
    expect(svg).to_be_visible()
    expect(svg.locator("g.node")).to_have_count(6)  # four of theirs, two of ours
    table = page.locator("table.responsive")
    expect(table).to_contain_text("Dmitry Kozlov")
    expect(table.locator("tr", has_text="influences")).to_contain_text("Olga Smirnova")
    page.screenshot(path=screenshot_dir / "coverage-relationship-map-1280.png", full_page=True)

    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.locator(".relmap-scroll")).to_be_visible()
    page.screenshot(path=screenshot_dir / "coverage-relationship-map-375.png", full_page=True)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#org-chart-card").screenshot(path=screenshot_dir / "coverage-org-chart-375.png")
