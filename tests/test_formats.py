"""One way to show each thing (README "Formats"): the kam_ui filters in English and Russian."""

from __future__ import annotations

from decimal import Decimal

import pytest
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
