"""ERP endpoints (DESIGN.md, "ERP contract") and the import log.

The bulk views read the raw body themselves instead of `request.data`: DRF's parsing and
Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) are made for forms, a 10 000-line batch is
bigger and must be decoded exactly (decimals, not floats). Everything else — validation,
writes, retries, the log — is the `reports.erp` service.
"""

from __future__ import annotations

import time

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kam.api.throttling import ErpThrottle
from reports.erp.batches import MAX_BODY_BYTES, erp_batch_import, import_batch_record
from reports.models import ImportBatch


class IsErpClient(permissions.BasePermission):
    """ERP writes: the integration role and admins (a KAM or a sales head gets 403)."""

    message = "ERP imports are for the integration role and admins."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_integration or user.is_admin_role))


class IsHeadOrAdmin(permissions.BasePermission):
    message = "The import log is for sales heads and admins."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_head_or_admin)


# --- schema-only serializers (the views validate with reports.erp.validation) -------
class ErpAccountItemSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=255)
    legal_name = serializers.CharField(
        max_length=255, required=False, allow_blank=True, allow_null=True
    )
    tax_id = serializers.CharField(max_length=32, required=False, allow_blank=True, allow_null=True)
    parent = serializers.CharField(
        max_length=64,
        required=False,
        allow_null=True,
        help_text="external_id of the parent account (may come "
        "later in the same batch); null clears it",
    )
    region = serializers.CharField(
        max_length=32,
        required=False,
        allow_null=True,
        help_text="region code; an unknown code is created",
    )
    industry = serializers.CharField(
        max_length=32,
        required=False,
        allow_null=True,
        help_text="industry code; an unknown code is created",
    )


class ErpAccountsSerializer(serializers.Serializer):
    accounts = ErpAccountItemSerializer(many=True, max_length=10_000)


class ErpCategoryItemSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=255)
    active = serializers.BooleanField(required=False, help_text="default true on create")


class ErpCategoriesSerializer(serializers.Serializer):
    categories = ErpCategoryItemSerializer(many=True, max_length=10_000)


class ErpRateItemSerializer(serializers.Serializer):
    currency = serializers.CharField(min_length=3, max_length=3)
    date = serializers.DateField()
    rate = serializers.DecimalField(
        max_digits=20, decimal_places=8, help_text="base-currency units per 1 unit of currency"
    )


class ErpRatesSerializer(serializers.Serializer):
    rates = ErpRateItemSerializer(many=True, max_length=10_000)


class ErpDistributorItemSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=255)
    region = serializers.CharField(max_length=32, required=False, allow_null=True)


class ErpDistributorsSerializer(serializers.Serializer):
    distributors = ErpDistributorItemSerializer(many=True, max_length=10_000)


class ErpLineItemSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64)
    account = serializers.CharField(max_length=64, help_text="account external_id")
    category = serializers.CharField(max_length=64, help_text="category code")
    date = serializers.DateField()
    amount = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        help_text="in the line's currency; negative for credit notes",
    )
    currency = serializers.CharField(
        min_length=3, max_length=3, required=False, help_text="ISO 4217; default: the base currency"
    )
    cost = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True
    )
    quantity = serializers.DecimalField(
        max_digits=16, decimal_places=4, required=False, allow_null=True
    )
    distributor = serializers.CharField(
        max_length=64, required=False, allow_null=True, help_text="distributor external_id"
    )


class ErpLinesSerializer(serializers.Serializer):
    lines = ErpLineItemSerializer(many=True, max_length=10_000)


class ErpDeleteSerializer(serializers.Serializer):
    external_ids = serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=10_000
    )


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
    errors = ErpErrorSerializer(many=True)


_ERROR_EXAMPLE = OpenApiExample(
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
_TOO_LARGE_EXAMPLE = OpenApiExample(
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
_COUNTS_EXAMPLE = OpenApiExample(
    "Applied",
    value={"created": 2, "updated": 1, "unchanged": 9997},
    response_only=True,
    status_codes=["200"],
)


def _responses(ok=ErpCountsSerializer) -> dict:
    return {
        200: ok,
        400: OpenApiResponse(ErpErrorsSerializer, "Every bad item; nothing was written."),
        401: OpenApiResponse(OpenApiTypes.OBJECT, "No or invalid token."),
        403: OpenApiResponse(OpenApiTypes.OBJECT, "Not the integration role or an admin."),
        413: OpenApiResponse(ErpErrorsSerializer, "More than 10 000 items; nothing written."),
        415: OpenApiResponse(ErpErrorsSerializer, "Content type is not application/json."),
    }


def _error(field: str | None, message: str) -> dict:
    return {"errors": [{"index": None, "external_id": None, "field": field, "message": message}]}


class ErpImportView(APIView):
    """Base of the bulk endpoints: HTTP-level checks, then `erp_batch_import`."""

    permission_classes = [IsErpClient]
    endpoint = ""

    def get_throttles(self):
        # Each batch is up to 10 000 items and a second of work: a stricter rate of its own
        # (THROTTLE_ERP_RATE) on top of the token's.
        return [*super().get_throttles(), ErpThrottle()]

    def post(self, request: Request) -> Response:
        started = time.monotonic()
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        problem: tuple[int, dict] | None = None
        if media_type != "application/json":
            problem = (
                415,
                _error(
                    None, f"Send Content-Type: application/json, not '{media_type or 'nothing'}'."
                ),
            )
        else:
            body = self._read_body(request)
            if body is None:
                problem = 413, _error(None, f"The body is larger than {MAX_BODY_BYTES} bytes.")
        if problem:
            import_batch_record(
                endpoint=self.endpoint,
                user=request.user,
                status=problem[0],
                items=0,
                started=started,
                errors=problem[1]["errors"],
            )
            return Response(problem[1], status=problem[0])
        status, data = erp_batch_import(endpoint=self.endpoint, body=body, user=request.user)
        return Response(data, status=status)

    @staticmethod
    def _read_body(request: Request) -> bytes | None:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > MAX_BODY_BYTES:
            return None
        stream = request.stream
        body = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        return None if len(body) > MAX_BODY_BYTES else body

    def permission_denied(self, request, message=None, code=None):
        # A wrong-role token is worth a line in the log ("who tried to import?");
        # anonymous requests are not, or anyone could fill it.
        if request.user and request.user.is_authenticated:
            import_batch_record(
                endpoint=self.endpoint,
                user=request.user,
                status=403,
                items=0,
                started=time.monotonic(),
                errors=[{"message": str(message or IsErpClient.message)}],
            )
        super().permission_denied(request, message=message, code=code)


_UPSERT_DOC = (
    "Upsert by key, all-or-nothing, idempotent (the same batch twice: the second answers "
    "created 0, updated 0, unchanged N and changes nothing). At most 10 000 items. "
    "Integration role or admin. See docs/erp.md."
)


def _bulk_schema(
    name: str,
    request,
    summary: str,
    description: str,
    example: dict,
    ok=ErpCountsSerializer,
    ok_example: OpenApiExample = _COUNTS_EXAMPLE,
):
    return extend_schema_view(
        post=extend_schema(
            operation_id=f"erp_{name}",
            tags=["erp"],
            request=request,
            responses=_responses(ok),
            summary=summary,
            description=description,
            examples=[
                OpenApiExample("Request", request_only=True, value=example),
                ok_example,
                _ERROR_EXAMPLE,
                _TOO_LARGE_EXAMPLE,
            ],
        )
    )


@_bulk_schema(
    "accounts_upsert",
    ErpAccountsSerializer,
    "Upsert the customer master (key: external_id)",
    _UPSERT_DOC + " Fields omitted from an item keep their stored value; KAM fields (owner, "
    "team, potential, strategic, notes, status) are never touched. `parent` may name an "
    "account later in the batch; cycles are rejected. Unknown region/industry codes are "
    "created.",
    {
        "accounts": [
            {
                "external_id": "C-1002",
                "name": "Nord Steel Kola",
                "parent": "C-1001",
                "region": "NW",
                "industry": "METAL",
            },
            {
                "external_id": "C-1001",
                "name": "Nord Steel",
                "legal_name": "PJSC Nord Steel",
                "tax_id": "7701234567",
                "region": "NW",
                "industry": "METAL",
            },
        ]
    },
)
class ErpAccountsView(ErpImportView):
    endpoint = "accounts"


@_bulk_schema(
    "categories_upsert",
    ErpCategoriesSerializer,
    "Upsert product categories (key: code)",
    _UPSERT_DOC,
    {
        "categories": [
            {"code": "PIPE", "name": "Pipes"},
            {"code": "VALVE", "name": "Valves", "active": False},
        ]
    },
)
class ErpCategoriesView(ErpImportView):
    endpoint = "categories"


@_bulk_schema(
    "exchange_rates_upsert",
    ErpRatesSerializer,
    "Upsert exchange rates (key: currency + date)",
    _UPSERT_DOC + " `rate` = base-currency units per 1 unit of the currency. A new or "
    "corrected rate re-converts, in the same transaction, the base amounts of every line it "
    "governs (lines of that currency from its date to the next rate).",
    {
        "rates": [
            {"currency": "USD", "date": "2025-01-01", "rate": "101.6797"},
            {"currency": "EUR", "date": "2025-01-01", "rate": "106.1028"},
        ]
    },
)
class ErpRatesView(ErpImportView):
    endpoint = "exchange-rates"


@_bulk_schema(
    "distributors_upsert",
    ErpDistributorsSerializer,
    "Upsert distributors (key: external_id)",
    _UPSERT_DOC,
    {"distributors": [{"external_id": "D-01", "name": "Volga Trade", "region": "VOLGA"}]},
)
class ErpDistributorsView(ErpImportView):
    endpoint = "distributors"


@_bulk_schema(
    "revenue_lines_upsert",
    ErpLinesSerializer,
    "Upsert revenue lines (key: external_id)",
    _UPSERT_DOC + " A line is replaced whole (an omitted cost, quantity or distributor is "
    "stored as empty). Lines in another currency are converted with the rate on the latest "
    "date on or before the line's date, half-up to 2 places; a line without such a rate is "
    "rejected.",
    {
        "lines": [
            {
                "external_id": "INV-1001/1",
                "account": "C-1001",
                "category": "PIPE",
                "date": "2025-01-15",
                "amount": "125000.00",
                "cost": "98000.00",
                "quantity": "12.5",
            },
            {
                "external_id": "INV-1002/1",
                "account": "C-1002",
                "category": "VALVE",
                "date": "2025-01-20",
                "amount": "1500.00",
                "currency": "USD",
                "distributor": "D-01",
            },
            {
                "external_id": "CN-0007/1",
                "account": "C-1001",
                "category": "PIPE",
                "date": "2025-01-31",
                "amount": "-5000.00",
            },
        ]
    },
)
class ErpRevenueLinesView(ErpImportView):
    endpoint = "revenue-lines"


@_bulk_schema(
    "revenue_lines_delete",
    ErpDeleteSerializer,
    "Delete revenue lines (cancelled invoices)",
    "All-or-nothing; unknown ids are not an error (they count as not_found), a repeated id "
    "counts once. At most 10 000 ids.",
    {"external_ids": ["INV-1001/1", "INV-0999/3"]},
    ok=ErpDeleteCountsSerializer,
    ok_example=OpenApiExample(
        "Deleted", response_only=True, status_codes=["200"], value={"deleted": 1, "not_found": 1}
    ),
)
class ErpRevenueLinesDeleteView(ErpImportView):
    endpoint = "revenue-lines/delete"


# --- import log --------------------------------------------------------------------------
class ImportBatchSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "received_at",
            "user",
            "endpoint",
            "status",
            "http_status",
            "items",
            "created",
            "updated",
            "unchanged",
            "deleted",
            "not_found",
            "duration_ms",
            "errors",
        ]
        read_only_fields = fields


@extend_schema(tags=["erp"])
class ImportBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What the ERP sent: one row per ERP request, newest first (sales heads and admins)."""

    serializer_class = ImportBatchSerializer
    permission_classes = [IsHeadOrAdmin]
    queryset = ImportBatch.objects.select_related("user").order_by("-received_at", "-id")
    filterset_fields = ["endpoint", "status", "http_status"]
    search_fields = []
    ordering_fields = ["received_at", "duration_ms", "items"]


erp_urlpatterns = [
    path("erp/accounts/", ErpAccountsView.as_view(), name="erp-accounts"),
    path("erp/categories/", ErpCategoriesView.as_view(), name="erp-categories"),
    path("erp/exchange-rates/", ErpRatesView.as_view(), name="erp-exchange-rates"),
    path("erp/distributors/", ErpDistributorsView.as_view(), name="erp-distributors"),
    path("erp/revenue-lines/", ErpRevenueLinesView.as_view(), name="erp-revenue-lines"),
    path(
        "erp/revenue-lines/delete/",
        ErpRevenueLinesDeleteView.as_view(),
        name="erp-revenue-lines-delete",
    ),
]


def register_erp(router) -> None:
    router.register("erp/import-batches", ImportBatchViewSet, basename="erp-import-batch")
