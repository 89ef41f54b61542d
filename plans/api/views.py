"""Viewsets of the plans API: thin, scoped by plans.selectors, writing through plans.services."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import RolePermission, StageProbabilitiesPermission
from accounts.api.history import HistoryMixin
from kam.api.base import ServiceModelViewSet
from kam.http import AuthenticatedRequest
from plans import documents, probabilities, selectors, services
from plans.models import Contract, ContractDocument

from . import filters, serializers


class AccountPlanViewSet(HistoryMixin, ServiceModelViewSet):
    """Account plans, each read with its objectives, actions and completeness."""

    selector = staticmethod(selectors.account_plan_list)
    serializer_class = serializers.AccountPlanSerializer
    filterset_class = filters.AccountPlanFilter
    search_fields = ["title", "account__name", "client_goals", "our_strategy"]
    ordering_fields = ["period_start", "period_end", "status", "title", "created_at"]
    ordering = ["-period_start"]

    def create_object(self, data):
        return services.account_plan_create(user=self.request.user, **data)

    def update_object(self, instance, data):
        return services.account_plan_update(user=self.request.user, plan=instance, **data)


class ObjectiveViewSet(HistoryMixin, ServiceModelViewSet):
    selector = staticmethod(selectors.objective_list)
    serializer_class = serializers.ObjectiveSerializer
    filterset_class = filters.ObjectiveFilter
    search_fields = ["description", "measure"]
    ordering_fields = ["due", "status", "created_at"]
    ordering = ["due"]

    def create_object(self, data):
        return services.objective_save(user=self.request.user, **data)

    def update_object(self, instance, data):
        return services.objective_save(
            user=self.request.user, plan=instance.plan, objective=instance, **data
        )

    account_path = "plan.account"


class ActionViewSet(HistoryMixin, ServiceModelViewSet):
    """Plan actions; `status: done` stamps `completed_at`."""

    selector = staticmethod(selectors.action_list)
    serializer_class = serializers.ActionSerializer
    filterset_class = filters.ActionFilter
    search_fields = ["description"]
    ordering_fields = ["due", "status", "created_at", "completed_at"]
    ordering = ["due"]

    def create_object(self, data):
        return services.action_save(user=self.request.user, **data)

    def update_object(self, instance, data):
        return services.action_save(
            user=self.request.user, plan=instance.plan, action=instance, **data
        )

    account_path = "plan.account"


class TenderViewSet(HistoryMixin, ServiceModelViewSet):
    """Tenders through their stages; won or lost needs `outcome_reason`."""

    selector = staticmethod(selectors.tender_list)
    serializer_class = serializers.TenderSerializer
    filterset_class = filters.TenderFilter
    search_fields = ["title", "reference", "platform", "account__name", "competitors"]
    ordering_fields = [
        "submission_deadline",
        "decision_date",
        "estimated_value",
        "stage",
        "created_at",
    ]
    ordering = ["submission_deadline"]

    def create_object(self, data):
        return services.tender_create(user=self.request.user, **data)

    def update_object(self, instance, data):
        return services.tender_update(user=self.request.user, tender=instance, **data)


class OpportunityViewSet(HistoryMixin, ServiceModelViewSet):
    """Opportunities (deals that are not public tenders). Move a stage with PATCH
    `{"stage": …}`; won or lost needs `outcome_reason`."""

    selector = staticmethod(selectors.opportunity_list)
    serializer_class = serializers.OpportunitySerializer
    filterset_class = filters.OpportunityFilter
    search_fields = ["title", "account__name", "outcome_reason"]
    ordering_fields = ["expected_close", "value", "stage", "created_at", "updated_at"]
    ordering = ["expected_close"]

    def create_object(self, data):
        return services.opportunity_create(user=self.request.user, **data)

    def update_object(self, instance, data):
        return services.opportunity_update(user=self.request.user, opportunity=instance, **data)


class StageProbabilitiesView(APIView):
    """Probability (percent) of each open pipeline stage, used by the weighted pipeline and
    the forecast: DESIGN's defaults until a sales head changes them."""

    permission_classes = [StageProbabilitiesPermission]

    @extend_schema(responses=serializers.StageProbabilitiesSerializer)
    def get(self, request):
        return Response(probabilities.stage_probabilities())

    @extend_schema(
        request=serializers.StageProbabilitiesUpdateSerializer,
        responses=serializers.StageProbabilitiesSerializer,
    )
    def patch(self, request):
        data = serializers.StageProbabilitiesUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # A refusal is a Django ValidationError naming the stage: kam.api makes it a 400.
        with transaction.atomic():
            for kind, percents in data.validated_data.items():
                services.stage_probabilities_set(user=request.user, kind=kind, percents=percents)
        return Response(probabilities.stage_probabilities())


class ContractViewSet(HistoryMixin, ServiceModelViewSet):
    """Contracts of the accounts the caller sees, each with its documents (uploaded at
    `…/{id}/documents/`). Deleting one deletes its documents too."""

    selector = staticmethod(selectors.contract_list)
    serializer_class = serializers.ContractSerializer
    filterset_class = filters.ContractFilter
    search_fields = ["number", "title", "account__name", "notes"]
    ordering_fields = ["end_date", "start_date", "annual_value", "status", "created_at"]
    ordering = ["end_date"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("documents__uploaded_by")

    def create_object(self, data):
        return services.contract_create(user=self.request.user, **data)

    def update_object(self, instance, data):
        return services.contract_update(user=self.request.user, contract=instance, **data)

    def delete_object(self, instance):
        services.contract_delete(user=self.request.user, contract=instance)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class _ContractDocumentsBase(GenericAPIView):
    request: AuthenticatedRequest  # RolePermission admits signed-in users only
    permission_classes = [RolePermission]  # signed in; not the ERP user
    queryset = ContractDocument.objects.none()  # the schema's model; rows: the scopes
    filter_backends: list = []
    pagination_class = None

    def contract(self, pk: int) -> Contract:
        if pk >= 2**63:  # past 64 bits: no such row (the database would fail on it)
            raise Http404
        try:
            return selectors.contract_scope(user=self.request.user).get(pk=pk)
        except Contract.DoesNotExist as missing:  # another KAM's: as if it did not exist
            raise Http404 from missing


class ContractDocumentsView(_ContractDocumentsBase):
    """A contract's documents: the list, and uploading one. The one endpoint of the API
    that takes `multipart/form-data` (a `file` part); everything else speaks JSON."""

    parser_classes = [MultiPartParser]
    serializer_class = serializers.ContractDocumentSerializer
    # Reads and bounds its own body (kam.middleware): a file is larger than a JSON body.
    max_body_bytes = "CONTRACT_DOCUMENT_MAX_BYTES"

    @extend_schema(
        operation_id="v1_contracts_documents_list",
        responses=serializers.ContractDocumentSerializer(many=True),
    )
    def get(self, request, pk: int):
        """The contract's documents, newest first (a contract has a handful: one list)."""
        contract = self.contract(pk)
        rows = (
            selectors.document_scope(user=self.request.user)
            .filter(contract=contract)
            .select_related("uploaded_by")
            .order_by("-created_at", "-id")
        )
        return Response(serializers.ContractDocumentSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="v1_contracts_documents_create",
        request={"multipart/form-data": serializers.ContractDocumentUploadSerializer},
        responses={201: serializers.ContractDocumentSerializer},
    )
    def post(self, request, pk: int):
        contract = self.contract(pk)
        try:
            documents.upload_length_check(request.META.get("CONTENT_LENGTH"))
        except ValidationError as error:
            raise PayloadTooLarge(error.message_dict["file"][0]) from None
        upload = serializers.ContractDocumentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        document = services.document_add(
            user=request.user, contract=contract, file=upload.validated_data["file"]
        )
        return Response(
            serializers.ContractDocumentSerializer(document).data, status=status.HTTP_201_CREATED
        )


class ContractDocumentView(_ContractDocumentsBase):
    """One document: GET downloads the file (an attachment), DELETE removes it."""

    def perform_content_negotiation(self, request, force=False):
        # The answer is the file, whatever the client says it accepts (errors stay JSON).
        return super().perform_content_negotiation(request, force=True)

    def document(self, pk: int, doc_id: int) -> ContractDocument:
        contract = self.contract(pk)
        if doc_id >= 2**63:
            raise Http404
        try:
            return (
                selectors.document_scope(user=self.request.user)
                .select_related("contract__account")
                .get(contract=contract, pk=doc_id)
            )
        except ContractDocument.DoesNotExist as missing:
            raise Http404 from missing

    @extend_schema(
        operation_id="v1_contracts_documents_download",
        responses={
            (200, content_type): OpenApiTypes.BINARY for content_type in documents.TYPES.values()
        },
    )
    def get(self, request, pk: int, doc_id: int):
        return documents.document_response(self.document(pk, doc_id))

    @extend_schema(operation_id="v1_contracts_documents_destroy", responses={204: None})
    def delete(self, request, pk: int, doc_id: int):
        services.document_delete(user=request.user, document=self.document(pk, doc_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
