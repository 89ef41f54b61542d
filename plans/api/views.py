"""Viewsets of the plans API: thin, scoped by plans.selectors, writing through plans.services."""

from __future__ import annotations

from accounts.api.history import HistoryMixin
from kam.api.base import ServiceModelViewSet
from plans import selectors, services

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
