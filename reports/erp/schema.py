"""The ERP contract as OpenAPI: request shapes, answers, examples, and the hook that makes
the batch objects as strict as the validator (reports.erp.validation) is.

These serializers describe; they never validate (the views hand the raw body to
`erp_batch_import`). Their patterns come from the validator's own specs, and
tests/reports/test_erp_schema.py proves both accept the same strings.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from .validation import CURRENCY_PATTERN, MONEY, NOT_BLANK_PATTERN, QUANTITY, RATE


# --- schema-only serializers (the views validate with reports.erp.validation) -------
def _key(**kwargs: Any) -> serializers.RegexField:
    """An external id or code: a non-blank string of at most 64 characters."""
    return serializers.RegexField(NOT_BLANK_PATTERN, max_length=64, **kwargs)


def _name() -> serializers.RegexField:
    return serializers.RegexField(NOT_BLANK_PATTERN, max_length=255)


def _ref(max_length: int, help_text: str) -> serializers.CharField:
    """A reference by external id or code; null or "" means none."""
    return serializers.CharField(
        max_length=max_length,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=help_text,
    )


def _text(max_length: int) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, allow_null=True
    )


def _decimal(spec: Any, help_text: str = "", **kwargs: Any) -> serializers.RegexField:
    return serializers.RegexField(spec.pattern, help_text=help_text, **kwargs)


def _batch(child: serializers.Serializer) -> serializers.ListSerializer:
    return serializers.ListSerializer(child=child, min_length=1, max_length=settings.ERP_MAX_BATCH)


class ErpAccountItemSerializer(serializers.Serializer):
    external_id = _key()
    name = _name()
    legal_name = _text(255)
    tax_id = _text(32)
    parent = _ref(  # type: ignore[assignment]  # a field named like Field.parent
        64,
        "external_id of the parent account (may come later in the same batch); null clears it",
    )
    region = _ref(32, "region code; an unknown code is created")
    industry = _ref(32, "industry code; an unknown code is created")


class ErpAccountsSerializer(serializers.Serializer):
    accounts = _batch(ErpAccountItemSerializer())


class ErpCategoryItemSerializer(serializers.Serializer):
    code = _key()
    name = _name()
    active = serializers.BooleanField(required=False, help_text="default true on create")


class ErpCategoriesSerializer(serializers.Serializer):
    categories = _batch(ErpCategoryItemSerializer())


class ErpRateItemSerializer(serializers.Serializer):
    currency = serializers.RegexField(
        CURRENCY_PATTERN, help_text="ISO 4217, not the base currency (its rate is always 1)"
    )
    date = serializers.DateField()
    rate = _decimal(RATE, "base-currency units per 1 unit of currency; greater than 0")


class ErpRatesSerializer(serializers.Serializer):
    rates = _batch(ErpRateItemSerializer())


class ErpDistributorItemSerializer(serializers.Serializer):
    external_id = _key()
    name = _name()
    region = _ref(32, "region code; an unknown code is created")


class ErpDistributorsSerializer(serializers.Serializer):
    distributors = _batch(ErpDistributorItemSerializer())


class ErpLineItemSerializer(serializers.Serializer):
    external_id = _key()
    account = _key(help_text="account external_id")
    category = _key(help_text="category code")
    date = serializers.DateField()
    amount = _decimal(MONEY, "in the line's currency; negative for credit notes")
    currency = serializers.RegexField(
        CURRENCY_PATTERN,
        required=False,
        allow_null=True,
        help_text="ISO 4217; default (or null): the base currency",
    )
    cost = _decimal(MONEY, "in the line's currency", required=False, allow_null=True)
    quantity = _decimal(QUANTITY, required=False, allow_null=True)
    distributor = _ref(64, "distributor external_id")
    contract = _ref(64, "number of a contract of the line's account (revenue under contract)")


class ErpLinesSerializer(serializers.Serializer):
    lines = _batch(ErpLineItemSerializer())


class ErpDeleteSerializer(serializers.Serializer):
    external_ids = serializers.ListField(
        child=_key(), min_length=1, max_length=settings.ERP_MAX_BATCH
    )


# The request objects above are closed: the validator refuses a key it does not know.
CLOSED = {
    f"{serializer.__name__.removesuffix('Serializer')}Request"
    for serializer in (
        ErpAccountItemSerializer,
        ErpAccountsSerializer,
        ErpCategoryItemSerializer,
        ErpCategoriesSerializer,
        ErpRateItemSerializer,
        ErpRatesSerializer,
        ErpDistributorItemSerializer,
        ErpDistributorsSerializer,
        ErpLineItemSerializer,
        ErpLinesSerializer,
        ErpDeleteSerializer,
    )
}


def close_erp_objects(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular hook: `additionalProperties: false` on the ERP's request objects, and
    each batch's item count (drf-spectacular leaves a nested list's length out)."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in CLOSED & set(schemas):
        schemas[name]["additionalProperties"] = False
        for prop in schemas[name].get("properties", {}).values():
            if prop.get("type") == "array":
                prop.update(minItems=1, maxItems=settings.ERP_MAX_BATCH)
    return result


class ErpCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ErpDeleteCountsSerializer(serializers.Serializer):
    deleted = serializers.IntegerField()
    not_found = serializers.IntegerField()


class ErpErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        allow_null=True,
        help_text="position in the batch; null when the request as a whole is wrong",
    )
    external_id = serializers.CharField(allow_null=True)
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ErpErrorsSerializer(serializers.Serializer):
    errors = ErpErrorSerializer(many=True)  # type: ignore[assignment]  # named like .errors


ERROR_EXAMPLE = OpenApiExample(
    "Rejected batch (nothing written)",
    value={
        "errors": [
            {
                "index": 3,
                "external_id": "INV-1004",
                "field": "amount",
                "message": "must have at most 2 decimal places",
            },
            {
                "index": 7,
                "external_id": "INV-1008",
                "field": "currency",
                "message": "no USD exchange rate on or before 2025-01-03",
            },
        ]
    },
    response_only=True,
    status_codes=["400"],
)
TOO_LARGE_EXAMPLE = OpenApiExample(
    "More than 10 000 items",
    value={
        "errors": [
            {
                "index": None,
                "external_id": None,
                "field": "lines",
                "message": "10001 items: at most 10000 a request; split the batch.",
            }
        ]
    },
    response_only=True,
    status_codes=["413"],
)
COUNTS_EXAMPLE = OpenApiExample(
    "Applied",
    value={"created": 2, "updated": 1, "unchanged": 9997},
    response_only=True,
    status_codes=["200"],
)


def responses(ok: type[serializers.Serializer] = ErpCountsSerializer) -> dict[int, Any]:
    return {
        200: ok,
        400: OpenApiResponse(ErpErrorsSerializer, "Every bad item; nothing was written."),
        401: OpenApiResponse(OpenApiTypes.OBJECT, "No or invalid token."),
        403: OpenApiResponse(OpenApiTypes.OBJECT, "Not the integration role or an admin."),
        409: OpenApiResponse(
            ErpErrorsSerializer,
            "The first request with this Idempotency-Key is still running; retry shortly.",
        ),
        413: OpenApiResponse(ErpErrorsSerializer, "More than 10 000 items; nothing written."),
        415: OpenApiResponse(ErpErrorsSerializer, "Content type is not application/json."),
        422: OpenApiResponse(
            ErpErrorsSerializer,
            "This Idempotency-Key was used with a different request in the last 24 h.",
        ),
    }


IDEMPOTENCY_KEY_PARAM = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID) per batch. A retry with the same key and the "
    "same body within 24 h answers the first result (same status and body, header "
    "`Idempotent-Replayed: true`) without importing again; the same key with another body "
    "is 422; while the first request still runs, 409. See docs/erp.md.",
)
