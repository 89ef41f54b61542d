"""One way to show each thing (README "Formats"): the kam_ui filters in English and Russian."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override

from accounts.templatetags import kam_ui

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", f"1,234,568{NBSP}₽"), ("ru", f"1{NBSP}234{NBSP}568{NBSP}₽")],
)
def test_money_has_its_currency_and_the_languages_separators(language, shown):
    with override(language):
        assert kam_ui.money(Decimal("1234567.50")) == shown


def test_money_in_another_currency_shows_its_sign_or_code():
    with override("en"):
        assert kam_ui.money(Decimal("10"), "usd") == f"10{NBSP}$"
        assert kam_ui.money(Decimal("10"), "CHF") == f"10{NBSP}CHF"
        assert kam_ui.money(None) == "—"


def test_a_measure_that_is_not_money_has_no_currency():
    with override("ru"):
        assert kam_ui.number(Decimal("1200.00")) == f"1{NBSP}200"


@pytest.mark.parametrize(
    ("language", "shown", "alone"),
    [("en", "3 Dec 2026", "May 2026"), ("ru", "3 дек. 2026", "май 2026")],
)
def test_one_date_format_per_language(language, shown, alone):
    with override(language):
        assert kam_ui.day(dt.date(2026, 12, 3)) == shown
        assert kam_ui.month(dt.date(2026, 5, 1)) == alone
    with override("ru"):
        assert kam_ui.day(dt.date(2026, 5, 9)) == "9 мая 2026"


@pytest.mark.parametrize(
    ("offset", "en", "ru"),
    [
        (0, "today", "сегодня"),
        (-1, "yesterday", "вчера"),
        (1, "tomorrow", "завтра"),
        (3, "in 3 days", "через 3 дня"),
        (5, "in 5 days", "через 5 дней"),
        (-21, "21 days ago", "21 день назад"),
        (-3, "3 days ago", "3 дня назад"),
        (-11, "11 days ago", "11 дней назад"),
    ],
)
def test_relative_days_never_say_zero_days(offset, en, ru):
    when = timezone.localdate() + dt.timedelta(days=offset)
    with override("en"):
        assert kam_ui.relday(when) == en
    with override("ru"):
        assert kam_ui.relday(when) == ru


def test_no_change_is_said_in_words_not_plus_zero_points():
    with override("en"):
        assert kam_ui.points(0.0001) == "no change"
        assert kam_ui.points(0.012) == "+1.2 pp"
    with override("ru"):
        assert kam_ui.points(0) == "без изменений"


@pytest.mark.django_db
def test_a_person_is_shown_by_full_name_or_username():
    from tests.factories import UserFactory

    named = UserFactory(username="ivanov", first_name="Ivan", last_name="Ivanov")
    bare = UserFactory(username="petrov", first_name="", last_name="")
    assert kam_ui.person(named) == "Ivan Ivanov"
    assert kam_ui.person(bare) == "petrov"
    assert kam_ui.person(None) == "—"


@pytest.mark.parametrize(("language", "shown"), [("en", "68.1 %"), ("ru", "68,1 %")])
def test_percentages_have_one_decimal(language, shown):
    with override(language):
        assert kam_ui.pct(0.6814) == shown


def test_a_period_in_progress_and_one_before_the_data_are_marked(settings):
    from reports.metrics.periods import parse_period, period_of

    today = timezone.localdate()
    with override("en"):
        now = period_of("month", today)
        assert now.shown == f"{now.key} (to date)"
        year = parse_period("2024").with_data_start(dt.date(2024, 10, 1))
        assert year.shown == "2024 (3 months of data)"
        assert parse_period("2023").with_data_start(dt.date(2023, 1, 1)).shown == "2023"
        assert parse_period("2024").with_data_start(dt.date(2024, 10, 1)) == parse_period("2024")
    with override("ru"):
        assert year.shown == "2024 (данные за 3 месяца)"
        assert now.title_shown.endswith("(на сегодня)")
