"""ERP endpoints (DESIGN.md, "ERP contract") and the import log.

The bulk views read the raw body themselves instead of `request.data`: DRF's parsing and
Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) are made for forms, a 10 000-line batch is
bigger and must be decoded exactly (decimals, not floats). Everything else — validation,
writes, retries, the log — is the `reports.erp` service; a rejected batch comes back from it
as `BatchRejected`, answered here with its errors and status.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NoReturn, cast

import django_filters as df
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from accounts.access import IsErpClient, IsHeadOrAdmin
from accounts.models import Account, User
from kam.api.base import DateTimeRangeFilter, KamFilterSet
from kam.api.filters import StableOrderingFilter
from kam.api.problems import problem_response
from kam.api.throttling import ErpThrottle
from kam.http import AuthenticatedRequest
from reports import selectors
from reports.erp.batches import (
    MAX_BODY_BYTES,
    erp_request_handle,
    error_body,
    import_batch_record,
)
from reports.erp.link import LinkRefused, account_link_external_id
from reports.erp.schema import (
    COUNTS_EXAMPLE,
    ERROR_EXAMPLE,
    IDEMPOTENCY_KEY_PARAM,
    TOO_LARGE_EXAMPLE,
    ErpAccountsSerializer,
    ErpCategoriesSerializer,
    ErpCountsSerializer,
    ErpDeleteCountsSerializer,
    ErpDeleteSerializer,
    ErpDistributorsSerializer,
    ErpErrorsSerializer,
    ErpLinesSerializer,
    ErpRatesSerializer,
    responses,
)
from reports.erp.validation import NOT_BLANK_PATTERN
from reports.models import ImportBatch

_error = error_body


class ErpImportView(APIView):
    """Base of the bulk endpoints: HTTP-level checks, then `erp_batch_import`."""

    permission_classes = [IsErpClient]
    endpoint = ""
    # Larger than the API's cap: kam.middleware lets these bodies through, and `_read_body`
    # bounds them itself, answering a larger one as a logged, rejected import.
    max_body_bytes = MAX_BODY_BYTES

    def get_throttles(self) -> list[BaseThrottle]:
        # Each batch is up to 10 000 items and a second of work: a stricter rate of its own
        # (THROTTLE_ERP_RATE) on top of the token's.
        return [*super().get_throttles(), ErpThrottle()]

    def post(self, request: AuthenticatedRequest) -> Response:
        started = time.monotonic()
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        problem: tuple[int, dict] | None = None
        body: bytes | None = None
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
        key = request.headers.get("Idempotency-Key", "")
        request_id = str(getattr(request, "request_id", "") or "")  # kam.middleware
        if problem:
            import_batch_record(
                endpoint=self.endpoint,
                user=request.user,
                status=problem[0],
                items=0,
                started=started,
                errors=problem[1]["errors"],
                idempotency_key=key,
                request_id=request_id,
            )
            return problem_response(problem[0], request=request, data=problem[1])
        assert body is not None
        answer = erp_request_handle(
            endpoint=self.endpoint,
            body=body,
            user=request.user,
            idempotency_key=key,
            request_id=request_id,
        )
        if answer.status >= 400:
            response = problem_response(answer.status, request=request, data=answer.body)
            if answer.replayed and answer.batch is not None and answer.batch.request_id:
                # The first answer, as it was: it names the request that produced it.
                response.data["request_id"] = answer.batch.request_id
        else:
            response = Response(answer.body, status=answer.status)
        if answer.replayed:
            response["Idempotent-Replayed"] = "true"
        if answer.status == 409:
            response["Retry-After"] = "5"
        return response

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

    def permission_denied(
        self, request: Request, message: str | None = None, code: str | None = None
    ) -> NoReturn:
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
                idempotency_key=request.headers.get("Idempotency-Key", ""),
                request_id=str(getattr(request, "request_id", "") or ""),
            )
        super().permission_denied(request, message=message, code=code)


_UPSERT_DOC = (
    "Upsert by key, all-or-nothing, idempotent (the same batch twice: the second answers "
    "created 0, updated 0, unchanged N and changes nothing). At most 10 000 items. "
    "Integration role or admin. See docs/erp.md."
)


def _bulk_schema(
    name: str,
    request: type[serializers.Serializer],
    summary: str,
    description: str,
    example: dict,
    ok: type[serializers.Serializer] = ErpCountsSerializer,
    ok_example: OpenApiExample = COUNTS_EXAMPLE,
) -> Callable[[type[ErpImportView]], type[ErpImportView]]:
    return extend_schema_view(
        post=extend_schema(
            operation_id=f"erp_{name}",
            tags=["erp"],
            parameters=[IDEMPOTENCY_KEY_PARAM],
            request=request,
            responses=responses(ok),
            summary=summary,
            description=description,
            examples=[
                OpenApiExample("Request", request_only=True, value=example),
                ok_example,
                ERROR_EXAMPLE,
                TOO_LARGE_EXAMPLE,
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
    user: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "received_at",
            "finished_at",
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
            "request_id",
            "idempotency_key",
        ]
        read_only_fields = fields


class ErpAccountLinkSerializer(serializers.Serializer):
    account = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="KAM's id of the prospect (no external id)"
    )
    external_id = serializers.RegexField(NOT_BLANK_PATTERN, max_length=64)


class ErpAccountLinkedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    changed = serializers.BooleanField(help_text="false: it was linked already")


@extend_schema_view(
    post=extend_schema(
        operation_id="erp_accounts_link",
        tags=["erp"],
        request=ErpAccountLinkSerializer,
        responses={
            200: ErpAccountLinkedSerializer,
            404: OpenApiResponse(description="No account with that id."),
            409: OpenApiResponse(
                ErpErrorsSerializer,
                "The account carries another key, or the key belongs to another account.",
            ),
        },
        summary="Claim a prospect created in KAM (give it the ERP's key)",
        description="A KAM or a sales head may create an account before the ERP knows it "
        "(a prospect, `external_id` null). When the ERP creates the customer, it links the "
        "two here instead of pushing a duplicate; afterwards its pushes update that "
        "account. Linking the same pair again changes nothing. Logged in the import log "
        "(endpoint `accounts/link`). Integration role or admin.",
    )
)
class ErpAccountLinkView(APIView):
    permission_classes = [IsErpClient]

    def post(self, request: AuthenticatedRequest) -> Response:
        data = ErpAccountLinkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = get_object_or_404(Account, pk=data.validated_data["account"])
        try:
            changed = account_link_external_id(
                user=request.user, account=account, external_id=data.validated_data["external_id"]
            )
        except LinkRefused as refused:
            return problem_response(
                refused.status,
                request=request,
                detail=refused.message,
                data=_error(refused.field, refused.message),
            )
        account.refresh_from_db(fields=["external_id"])
        return Response({"id": account.pk, "external_id": account.external_id, "changed": changed})


class ImportBatchFilter(KamFilterSet):
    endpoint = df.ChoiceFilter(
        choices=[
            (e, e)
            for e in (
                "accounts",
                "categories",
                "exchange-rates",
                "distributors",
                "revenue-lines",
                "revenue-lines/delete",
            )
        ],
        help_text="the kind of import",
    )
    status = df.ChoiceFilter(choices=ImportBatch.Status.choices)
    received = DateTimeRangeFilter(
        field_name="received_at",
        help_text="`received_after` / `received_before`: ISO 8601 date or date-time",
    )

    class Meta:
        model = ImportBatch
        fields = ["endpoint", "status", "http_status", "idempotency_key", "request_id"]


@extend_schema(tags=["erp"])
class ImportBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What the ERP sent: one row per ERP request, newest first. The integration role reads
    its own requests; sales heads and admins read all."""

    serializer_class = ImportBatchSerializer
    permission_classes = [IsErpClient | IsHeadOrAdmin]
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = ImportBatchFilter
    ordering_fields = ["received_at", "duration_ms", "items"]

    def get_queryset(self) -> QuerySet[ImportBatch]:
        if getattr(self, "swagger_fake_view", False):
            return ImportBatch.objects.none()
        return selectors.import_batch_list(user=cast(User, self.request.user))


erp_urlpatterns = [
    path("erp/accounts/", ErpAccountsView.as_view(), name="erp-accounts"),
    path("erp/accounts/link/", ErpAccountLinkView.as_view(), name="erp-accounts-link"),
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


def register_erp(router: BaseRouter) -> None:
    router.register("erp/import-batches", ImportBatchViewSet, basename="erp-import-batch")
