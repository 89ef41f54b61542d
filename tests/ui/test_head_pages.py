"""The sales head's pages in a real browser (Chromium): numbers, filters, reassignment,
downloads and the Russian UI. Screenshots go to the screenshot_dir folder."""

from __future__ import annotations

import datetime as dt
import io
import random
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import Account, Contact
from plans.models import Tender
from reports.models import PortfolioMetric
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


@pytest.fixture
def eager_celery(settings):
    """Run queued exports in-process, as the embedded default does (CI sets REDIS_URL).

    Celery reads its CELERY_* settings from Django's live settings, so this is enough.
    """
    settings.CELERY_TASK_ALWAYS_EAGER = True


pytestmark = [pytest.mark.ui, pytest.mark.django_db(transaction=True)]

NAMES = [
    "Северсталь-Снаб",
    "Uralchem Trading",
    "Baltic Pumps",
    "Volga Foods",
    "Nord Stream Metals",
    "Kama Tyres",
    "Siberian Timber",
    "Don Agro",
    "Oka Glass",
    "Neva Pharma",
    "Azov Steel",
    "Altai Dairy",
    "Irtysh Oil Service",
    "Ladoga Paper",
    "Onega Chemicals",
    "Pechora Mining",
    "Sura Textiles",
    "Tver Bakeries",
    "Vyatka Machines",
    "Yenisei Energy",
]


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()  # dashboard panels are cached by metric row id


def login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


@pytest.fixture
def board(kam_user, other_kam, head_user):
    """Twenty accounts of two KAMs with metrics for 2024, 2025, two quarters and ttm."""
    rnd = random.Random(7)
    regions = [RegionFactory(code="NW", name="North-West"), RegionFactory(code="UR", name="Urals")]
    categories = [
        ProductCategoryFactory(code=f"C{i}", name=n)
        for i, n in enumerate(["Pumps", "Valves", "Seals", "Service", "Spare parts"], 1)
    ]
    accounts = [
        AccountFactory(
            external_id=f"ACC-{i:03d}",
            name=name,
            owner=kam_user if i % 3 else other_kam,
            region=regions[i % 2],
            potential_annual=Decimal(rnd.randint(5, 60) * 100_000),
        )
        for i, name in enumerate(NAMES)
    ]
    weights = [int(2_000_000 / (i + 1) ** 1.3) for i in range(len(accounts))]
    y25 = dict(zip(accounts, weights, strict=True))
    y24 = {a: int(w * rnd.uniform(0.6, 1.3)) for a, w in y25.items()}
    build_period("2024", "year", dt.date(2024, 1, 1), dt.date(2024, 12, 31), y24)
    growth = {a: y25[a] / y24[a] - 1 for a in accounts}
    build_period(
        "2025",
        "year",
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
        y25,
        growth=growth,
        margin_change={accounts[1]: -0.04},
    )
    build_period(
        "2025-Q2",
        "quarter",
        dt.date(2025, 4, 1),
        dt.date(2025, 6, 30),
        {a: w // 4 for a, w in y24.items()},
    )
    build_period(
        "2025-Q3",
        "quarter",
        dt.date(2025, 7, 1),
        dt.date(2025, 9, 30),
        {a: w // 4 for a, w in y25.items()},
    )
    ttm = {a: int(w * 1.1) for a, w in y25.items()}
    build_period(
        "ttm",
        "ttm",
        dt.date(2025, 11, 1),
        dt.date(2026, 10, 31),
        ttm,
        growth=growth,
        write_accounts=True,
    )
    for a in accounts[:8]:
        for c in rnd.sample(categories, rnd.randint(2, 5)):
            RevenueLineFactory(
                account=a,
                category=c,
                date=dt.date(2025, rnd.randint(1, 12), 10),
                amount=Decimal(rnd.randint(10, 300) * 1000),
            )
    dist = DistributorFactory(name="Volga Trade House")
    DistributorLinkFactory(distributor=dist, account=accounts[0])
    RevenueLineFactory(
        account=accounts[0],
        category=categories[0],
        date=dt.date(2025, 6, 1),
        amount=Decimal(400_000),
        distributor=dist,
    )
    now = timezone.now()
    for a in accounts[:12]:
        InteractionFactory(account=a, occurred_at=now - dt.timedelta(days=rnd.randint(1, 120)))
        ContactFactory(account=a, decision_role=Contact.DecisionRole.DECISION_MAKER)
    year = timezone.localdate().year
    for a in accounts[:6]:
        plan = AccountPlanFactory(
            account=a, period_start=dt.date(year, 1, 1), period_end=dt.date(year, 12, 31)
        )
        ActionFactory(plan=plan, due=timezone.localdate() - dt.timedelta(days=3))
    TenderFactory(
        account=accounts[0],
        stage=Tender.Stage.SUBMITTED,
        submission_deadline=now.replace(day=28) if now.day < 28 else now,
    )
    TenderFactory(account=accounts[2], stage=Tender.Stage.PREPARING)
    TenderFactory(
        account=accounts[3],
        stage=Tender.Stage.WON,
        outcome_reason="Best delivery terms",
        decision_date=dt.date(2025, 8, 20),
    )
    TenderFactory(
        account=accounts[4],
        stage=Tender.Stage.LOST,
        outcome_reason="Price too high",
        decision_date=dt.date(2025, 9, 2),
    )
    return accounts


def _xlsx_rows(download) -> list[tuple]:
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as fh:
        return list(load_workbook(io.BytesIO(fh.read())).active.values)


def _money(value: Decimal) -> str:
    return f"{value:,.0f},₽"  # the page's no-break spaces read as ","


@pytest.mark.parametrize("period", ["2025", "2025-Q3", "ttm"])
def test_dashboard_totals_match_the_portfolio_rows(
    page, live_server, head_user, board, period, screenshot_dir
):
    login(page, live_server, head_user)
    page.goto(f"{live_server.url}/portfolio/")
    if period != "ttm":
        page.select_option("#id_period", period)  # the picker submits on change
        page.wait_for_url(re.compile(rf"period={period}"))
    row = PortfolioMetric.objects.get(period=period)
    total = page.locator("#total-revenue")
    assert total.get_attribute("data-value") == f"{row.total_revenue:.2f}"
    assert total.inner_text().replace("\u00a0", ",") == _money(row.total_revenue)
    for tier in "ABC":
        assert page.locator(f'#tier-table [data-tier="{tier}"]').inner_text() == str(
            row.tier_counts[tier]
        )
    # The chart drew, and its text equivalent lists the bands.
    page.wait_for_function("document.getElementById('pareto-chart').width > 0")
    assert page.locator("#pareto-table tbody tr").count() >= 2
    page.wait_for_selector("#heatmap")  # the heat map panel loads after the page
    page.screenshot(path=screenshot_dir / f"head-dashboard-{period}.png", full_page=True)


def test_accounts_table_filters_and_the_shared_url(
    page, live_server, head_user, kam_user, board, screenshot_dir
):
    login(page, live_server, head_user)
    page.goto(f"{live_server.url}/portfolio/accounts/")
    page.select_option("#id_owner", str(kam_user.pk))
    page.select_option("#id_tier", "A")
    page.click("#filters button[type=submit]")
    page.wait_for_url(re.compile(r"owner="))
    expected = Account.objects.filter(owner=kam_user, tier="A").count()
    assert page.locator("#accounts-table tbody tr[data-external-id]").count() == expected
    page.click("th a.sort:has-text('Account')")
    page.wait_for_url(re.compile(r"sort=name"))
    shared = page.url
    first = page.locator("#accounts-table tbody tr").first.get_attribute("data-external-id")
    page.screenshot(path=screenshot_dir / "head-accounts-filtered.png", full_page=True)
    other = page.context.new_page()
    other.goto(shared)
    assert other.locator("#id_owner").input_value() == str(kam_user.pk)
    assert (
        other.locator("#accounts-table tbody tr").first.get_attribute("data-external-id") == first
    )
    assert other.locator("#accounts-table tbody tr[data-external-id]").count() == expected


def test_head_reassigns_accounts_in_bulk(
    page, live_server, head_user, other_kam, board, screenshot_dir
):
    login(page, live_server, head_user)
    page.goto(f"{live_server.url}/portfolio/accounts/?sort=name&q=a")
    ticked = ["ACC-001", "ACC-002"]
    for ext in ticked:
        page.check(f'tr[data-external-id="{ext}"] input[name="reassign-accounts"]')
    page.locator("#id_reassign-owner").select_option(str(other_kam.pk))
    page.click("#reassign-submit")
    page.wait_for_selector(".messages")
    assert "2 account(s) reassigned" in page.locator(".messages").inner_text()
    for ext in ticked:
        assert page.locator(f'tr[data-external-id="{ext}"] td.owner').inner_text() == "kam2"
        account = Account.objects.get(external_id=ext)
        assert account.history.latest("history_date").history_user == head_user
    page.screenshot(path=screenshot_dir / "head-accounts-reassigned.png", full_page=True)


def test_kam_gets_no_reassign_controls_and_a_403(page, live_server, kam_user, other_kam, board):
    login(page, live_server, kam_user)
    page.goto(f"{live_server.url}/portfolio/accounts/")
    assert page.locator("#reassign-form").count() == 0
    assert page.locator("#accounts-table tbody tr[data-external-id]").count() == (
        Account.objects.filter(owner=kam_user).count()
    )
    token = page.context.cookies()
    csrf = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    response = page.request.post(
        f"{live_server.url}/portfolio/accounts/",
        form={"reassign-accounts": str(board[1].pk), "reassign-owner": str(other_kam.pk)},
        headers={"X-CSRFToken": csrf, "Referer": live_server.url},
    )
    assert token and response.status == 403
    assert Account.objects.get(pk=board[1].pk).owner == kam_user


def test_xlsx_and_pdf_exports_download_and_open(
    eager_celery, page, live_server, head_user, board, settings, screenshot_dir, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    login(page, live_server, head_user)
    page.goto(f"{live_server.url}/portfolio/accounts/?tier=A")
    with page.expect_download() as info:
        page.click("#export-accounts-xlsx")
    rows = _xlsx_rows(info.value)
    tier_a = Account.objects.filter(tier="A")
    assert len(rows) - 1 == tier_a.count()
    assert sum(r[7] for r in rows[1:]) == sum(a.ttm_revenue for a in tier_a)

    page.goto(f"{live_server.url}/portfolio/?period=2025")
    with page.expect_download() as info:
        page.click("#export-pdf")
    assert info.value.suggested_filename.startswith("portfolio-2025")
    reader = PdfReader(info.value.path())
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    total = PortfolioMetric.objects.get(period="2025").total_revenue
    assert "Portfolio report, year 2025" in text
    assert f"{total:,.0f}".replace(",", "") in text.replace(",", "").replace("\u00a0", "")
    assert "Северсталь-Снаб" in text

    # A large portfolio: the export becomes a job with a progress page and a link.
    settings.REPORTS_EXPORT_SYNC_MAX_ROWS = 5
    page.goto(f"{live_server.url}/portfolio/accounts/")
    page.click("#export-accounts-xlsx")
    page.wait_for_selector("#export-download")
    page.screenshot(path=screenshot_dir / "head-export-job.png", full_page=True)
    with page.expect_download() as info:
        page.click("#export-download")
    rows = _xlsx_rows(info.value)
    assert len(rows) - 1 == Account.objects.count()


def test_workload_pipeline_and_distributors_pages(
    page, live_server, head_user, kam_user, other_kam, board, screenshot_dir
):
    login(page, live_server, head_user)
    page.goto(f"{live_server.url}/portfolio/workload/")
    # Her accounts: those she owns and those whose team she is on, as her home page lists.
    AccountFactory(external_id="TEAM-1", name="Team Account", owner=other_kam).team.add(kam_user)
    page.goto(f"{live_server.url}/portfolio/workload/")
    row = page.locator('#workload-table tr[data-owner="kam1"]')
    hers = Account.objects.filter(owner=kam_user).count() + 1
    assert row.locator("td").first.inner_text() == str(hers)
    page.screenshot(path=screenshot_dir / "head-workload.png", full_page=True)
    row.locator("th a").click()
    page.wait_for_url(re.compile(rf"member={kam_user.pk}"))
    assert page.locator("#id_member").input_value() == str(kam_user.pk)
    assert page.locator("#accounts-table tbody tr[data-external-id]").count() == hers
    assert page.locator('#accounts-table tr[data-external-id="TEAM-1"]').count() == 1

    page.goto(f"{live_server.url}/portfolio/tenders/")
    assert page.locator('#stage-table tr[data-stage="won"] td').nth(1).inner_text() == "1"
    page.wait_for_function("document.getElementById('stage-chart').width > 0")
    page.screenshot(path=screenshot_dir / "head-pipeline.png", full_page=True)

    page.goto(f"{live_server.url}/portfolio/distributors/?period=2025")
    assert "400,000" in page.locator(".distributor .dist-revenue").first.inner_text().replace(
        "\u00a0", ","
    )
    page.screenshot(path=screenshot_dir / "head-distributors.png", full_page=True)


def test_russian_ui(page, live_server, head_user, board, screenshot_dir):
    login(page, live_server, head_user)
    page.context.add_cookies([{"name": "django_language", "value": "ru", "url": live_server.url}])
    page.goto(f"{live_server.url}/portfolio/?period=2025")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("#lang-select").input_value() == "ru"
    # Translated headings and nav, and numbers in the Russian format (space groups, comma).
    assert page.locator("h1").inner_text().startswith("Портфель")
    assert page.get_by_role("link", name="Портфель").is_visible()
    assert "Выручка всего" in page.locator("main").inner_text()
    page.screenshot(path=screenshot_dir / "head-dashboard-ru.png", full_page=True)
