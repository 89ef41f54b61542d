"""The ERP's OpenAPI patterns accept exactly what the validator accepts (one source: the
specs in reports.erp.validation), and the batch objects are closed and bounded."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.erp.validation import (
    CURRENCY_PATTERN,
    MONEY,
    NOT_BLANK_PATTERN,
    QUANTITY,
    RATE,
    FieldError,
    currency_value,
    key_value,
)

NUMBERISH = st.text(alphabet="0123456789.-+ e", max_size=24)


def _accepts(parse, value) -> bool:
    try:
        parse(value)
    except (FieldError, ArithmeticError):
        return False
    return True


@pytest.mark.parametrize("spec", [MONEY, QUANTITY, RATE], ids=["money", "quantity", "rate"])
@settings(max_examples=200, derandomize=True, database=None)
@given(text=NUMBERISH | st.from_regex(r"-?0{0,3}[0-9]{0,22}(\.[0-9]{0,10})?", fullmatch=True))
def test_decimal_pattern_accepts_what_the_validator_accepts(spec, text):
    assert bool(re.fullmatch(spec.pattern, text)) == _accepts(spec.parse, text)


@pytest.mark.parametrize(
    "spec, text, ok",
    [
        (MONEY, "1.500", True),  # trailing zeros: the server accepts them
        (MONEY, "", False),
        (MONEY, "-", False),
        (MONEY, ".", False),
        (MONEY, "-12345678901234.99", True),
        (MONEY, "123456789012345", False),
        (RATE, "0", False),
        (RATE, "-1", False),
        (RATE, "0.00000001", True),
        (RATE, "0.000000001", False),
    ],
)
def test_decimal_pattern_cases_the_contract_names(spec, text, ok):
    assert bool(re.fullmatch(spec.pattern, text)) is ok is _accepts(spec.parse, text)


@settings(max_examples=200, derandomize=True, database=None)
@given(text=st.text(max_size=4))
def test_currency_pattern_matches_the_validator(text):
    assert bool(re.fullmatch(CURRENCY_PATTERN, text)) == _accepts(currency_value, text)


@settings(max_examples=200, derandomize=True, database=None)
@given(text=st.text(alphabet=st.sampled_from(" \t\n\u00a0\u2003ab"), max_size=66))
def test_key_pattern_matches_the_validator(text):
    schema_ok = bool(re.search(NOT_BLANK_PATTERN, text)) and 1 <= len(text) <= 64
    assert schema_ok == _accepts(key_value, text)


@pytest.mark.django_db
def test_batch_objects_are_closed_and_bounded(client, integration_user):
    client.force_login(integration_user)
    schemas = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    for name, items in [
        ("ErpAccountsRequest", "accounts"),
        ("ErpCategoriesRequest", "categories"),
        ("ErpRatesRequest", "rates"),
        ("ErpDistributorsRequest", "distributors"),
        ("ErpLinesRequest", "lines"),
        ("ErpDeleteRequest", "external_ids"),
    ]:
        batch = schemas[name]
        assert batch["additionalProperties"] is False
        assert batch["properties"][items]["minItems"] == 1
        assert batch["properties"][items]["maxItems"] == 10_000
    for item in ("ErpAccountItemRequest", "ErpLineItemRequest", "ErpRateItemRequest"):
        assert schemas[item]["additionalProperties"] is False
    line = schemas["ErpLineItemRequest"]["properties"]
    assert line["amount"]["pattern"] == MONEY.pattern
    assert schemas["ErpRateItemRequest"]["properties"]["rate"]["pattern"] == RATE.pattern


@pytest.mark.django_db
def test_an_item_error_echoes_only_a_string_key(api_client_for, integration_user):
    # Found by the schema-conformance fuzz: `"external_id": false` came back as `false`.
    response = api_client_for(integration_user).post(
        "/api/v1/erp/accounts/",
        {"accounts": [{"external_id": False, "name": "x"}, {"external_id": 7, "name": "y"}]},
        format="json",
    )
    assert response.status_code == 400
    assert {e["external_id"] for e in response.json()["errors"]} == {None}
