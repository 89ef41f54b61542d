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
