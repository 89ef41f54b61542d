"""Pages show each thing one way (README "Formats"): people, money, dates, percentages,
partial periods, and the links where the eye goes."""

from __future__ import annotations

import pytest

from accounts.models import Account
from tests.reports.test_views import _fresh_cache, page, panel, portfolio  # noqa: F401

pytestmark = pytest.mark.django_db


def test_head_pages_name_owners_by_full_name(client, head_user, kam_user, portfolio):  # noqa: F811
    kam_user.first_name, kam_user.last_name = "Anna", "Kuznetsova"
    kam_user.save()
    html = page(client, head_user, "accounts").content.decode()
    assert "Anna Kuznetsova" in html
    assert '<td class="owner">kam1</td>' not in html
    # The room-left table reads owners with .values(): the same name.
    Account.objects.filter(pk=portfolio["mid"].pk).update(potential_annual=2_000_000)
    html = page(client, head_user, "dashboard", period="2025").content.decode()
    assert "<td>Anna Kuznetsova</td>" in html and "<td>kam1</td>" not in html


def test_penetration_reads_the_same_on_home_and_the_account_page(client, kam_user, portfolio):  # noqa: F811
    big = portfolio["big"]
    Account.objects.filter(pk=big.pk).update(ttm_penetration=0.6814)
    client.force_login(kam_user)
    for url in ("/", f"/accounts/{big.pk}/"):
        html = client.get(url).content.decode()
        assert "68.1 %" in html and "68 %<" not in html, url


def test_the_dashboard_marks_a_year_with_fewer_months_of_data(client, head_user, portfolio):  # noqa: F811
    import datetime as dt

    from tests.reports.portfolio_builders import build_period

    oct24 = ("2024-10", "month", dt.date(2024, 10, 1), dt.date(2024, 10, 31))
    build_period(*oct24, {portfolio["big"]: 1000})
    html = page(client, head_user, "dashboard", period="2024").content.decode()
    assert '<span class="period-label">2024 (3 months of data)</span>' in html
    assert ">2025-Q3<" in html  # a complete period keeps its plain name in the picker


def test_dashboard_rows_open_their_account(client, head_user, portfolio):  # noqa: F811
    big = portfolio["big"]
    Account.objects.filter(pk=big.pk).update(potential_annual=5_000_000)
    html = page(client, head_user, "dashboard", period="2025").content.decode()
    link = f'<a href="/accounts/{big.pk}/">Big Buyer</a>'
    assert link in html.split('id="risk-table"')[1].split("</table>")[0]  # dependency risks
    client.force_login(head_user)
    for name in ("tiers", "heatmap"):
        html = client.get(f"/portfolio/panels/{name}/", {"period": "2025"}).content.decode()
        assert 'href="/accounts/' in html, name


def test_pipeline_deadline_rows_open_their_tender(client, head_user, portfolio):  # noqa: F811
    import datetime as dt

    from django.utils import timezone

    from tests.factories import TenderFactory

    soon = timezone.now() + dt.timedelta(hours=1)  # a deadline of this month
    tender = TenderFactory(account=portfolio["big"], title="Pumps 2027", submission_deadline=soon)
    html = page(client, head_user, "pipeline").content.decode()
    assert f'<a href="/tenders/{tender.pk}/">Pumps 2027</a>' in html


def test_a_kam_finds_the_portfolio_pages_in_the_menu(client, kam_user):
    client.force_login(kam_user)
    nav = client.get("/").content.decode().split('id="mainnav"')[1].split("</nav>")[0]
    for url in ("/portfolio/", "/portfolio/accounts/"):
        assert f'href="{url}"' in nav, url


def test_a_truncated_no_contact_list_links_to_all_of_them(client, kam_user):
    from tests.factories import AccountFactory

    for i in range(7):
        AccountFactory(owner=kam_user, name=f"Quiet {i}", is_key=True)
    client.force_login(kam_user)
    html = client.get("/").content.decode()
    assert 'href="/portfolio/accounts/?key=true&amp;quiet_days=30"' in html
    assert "See all 7 accounts" in html
    listed = client.get("/portfolio/accounts/", {"key": "true", "quiet_days": 30})
    assert len(listed.context["rows"]) == 7
