"""The pages work under the strict Content-Security-Policy, in a real browser (Chromium).

Chromium reports each blocked inline script, handler, style or eval both as a console error
("… violates the following Content Security Policy directive …") and as a
`securitypolicyviolation` event; the test collects both on every page and requires none,
and checks that what used to be inline still works: charts draw, selects submit, the
select-all box ticks, the event form's filter narrows the list, Swagger UI renders.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.factories import (
    AccountFactory,
    AccountPlanFactory,
    ObjectiveFactory,
    TenderFactory,
)
from tests.reports.portfolio_builders import build_period
from tests.ui.browser import sign_in

pytestmark = [pytest.mark.ui, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def watched(page: Page):
    """The page, recording console errors, page errors and CSP violations."""
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error":
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.add_init_script(RECORD_VIOLATIONS)
    page.csp_errors = errors
    return page


def assert_no_violation(page: Page, what: str) -> None:
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__cspViolations")
    csp_console = [e for e in page.csp_errors if "Content Security Policy" in e]
    assert (violations, csp_console) == ([], []), what
    # Nothing else broke either (the browser's own favicon request may 404: no icon is set).
    others = [e for e in page.csp_errors if "favicon.ico" not in e]
    assert others == [], what


# Chart.js keeps the chart it drew on a canvas: none when its script was blocked.
CHART_DRAWN = """(id) => { const c = document.getElementById(id);
  return !!(c && window.Chart && Chart.getChart(c)); }"""


@pytest.fixture
def portfolio(head_user, kam_user):
    accounts = [
        AccountFactory(owner=kam_user, name=f"Client {i}", potential_annual=Decimal(3_000_000))
        for i in range(6)
    ]
    revenues = {a: 1_000_000 // (i + 1) for i, a in enumerate(accounts)}
    today = timezone.localdate()
    build_period("ttm", "ttm", today - dt.timedelta(days=365), today, revenues)
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    build_period(month.strftime("%Y-%m"), "month", month, month_end, revenues)
    plan = AccountPlanFactory(
        account=accounts[0],
        period_start=dt.date(today.year, 1, 1),
        period_end=dt.date(today.year, 12, 31),
    )
    ObjectiveFactory(plan=plan, target=Decimal(100), current=Decimal(40))
    TenderFactory(account=accounts[0])
    return accounts


def test_kam_pages_work_without_violations(
    watched: Page, live_server, kam_user, portfolio, screenshot_dir
):
    page = watched
    sign_in(page, live_server, kam_user)

    page.goto(f"{live_server.url}/")
    assert_no_violation(page, "home")

    page.goto(f"{live_server.url}/accounts/{portfolio[0].pk}/")
    expect(page.locator("#revenue-chart")).to_be_visible()
    page.wait_for_function(CHART_DRAWN, arg="revenue-chart")
    expect(page.locator('progress.progress[value="40"]')).to_be_visible()  # the objective
    page.screenshot(path=str(screenshot_dir / "csp-account.png"), full_page=True)
    assert_no_violation(page, "account page")

    page.goto(f"{live_server.url}/tenders/new/?account={portfolio[0].pk}")
    expect(page.locator("form")).not_to_have_count(0)
    assert_no_violation(page, "tender form")

    # The language select submits itself (was an onchange= attribute).
    page.goto(f"{live_server.url}/")
    with page.expect_navigation():
        page.select_option("#lang-select", "ru")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    assert_no_violation(page, "language switch")


def test_head_pages_work_without_violations(
    watched: Page, live_server, head_user, portfolio, screenshot_dir
):
    page = watched
    sign_in(page, live_server, head_user)

    page.goto(f"{live_server.url}/portfolio/")
    page.wait_for_function(CHART_DRAWN, arg="pareto-chart")
    assert page.evaluate(CHART_DRAWN, "penetration-chart")
    expect(page.locator("#tier-table")).to_be_visible()  # the panel htmx loads
    page.screenshot(path=str(screenshot_dir / "csp-dashboard.png"), full_page=True)
    assert_no_violation(page, "dashboard")

    # The period picker submits itself.
    with page.expect_navigation():
        page.select_option("#id_period", "ttm")
    assert "period=ttm" in page.url
    assert_no_violation(page, "period picker")

    # The select-all box ticks every account on the page; per-page submits itself.
    page.goto(f"{live_server.url}/portfolio/accounts/")
    page.check("#select-page")
    boxes = page.locator('input[name="reassign-accounts"]')
    assert boxes.count() == len(portfolio)
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    with page.expect_navigation():
        page.select_option("#per-page", index=1)
    assert "per_page=" in page.url
    assert_no_violation(page, "accounts table")

    # The event form's search box narrows the long account list.
    page.goto(f"{live_server.url}/events/new/")
    search = page.locator("input.select-filter")
    expect(search).to_be_visible()
    search.fill("Client 3")
    visible = page.locator("#id_accounts option:not([hidden])")
    expect(visible).to_have_count(1)
    expect(visible.first).to_have_text("Client 3")
    page.screenshot(path=str(screenshot_dir / "csp-event-form.png"), full_page=True)
    assert_no_violation(page, "event form")

    page.goto(f"{live_server.url}/tenders/new/")
    assert_no_violation(page, "tender form (head)")


def test_api_docs_and_admin_render_without_violations(
    watched: Page, live_server, admin_user_, portfolio
):
    page = watched
    sign_in(page, live_server, admin_user_)
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("KAM API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert_no_violation(page, "Swagger UI")

    page.goto(f"{live_server.url}/admin/accounts/account/")
    expect(page.locator("#result_list")).to_be_visible()
    assert_no_violation(page, "admin list")
    page.goto(f"{live_server.url}/admin/accounts/account/{portfolio[0].pk}/change/")
    expect(page.locator("#account_form")).to_be_visible()
    assert_no_violation(page, "admin change form")
