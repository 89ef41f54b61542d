"""Viewsets of the plans API: thin, scoped by plans.selectors, writing through plans.services."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import StageProbabilitiesPermission
from accounts.api.history import HistoryMixin
from kam.api.base import ServiceModelViewSet
from plans import probabilities, selectors, services

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
