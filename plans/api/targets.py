"""The targets API: `/api/v1/targets/` (CRUD, filters, history) and
`POST /api/v1/targets/{id}/approve/` (sales heads and admins).

Kept apart from the other plans endpoints: a target is set by the KAM and approved by
the head (plans.services.target_set / target_approve), and its attainment is the reports
app's (`/api/v1/forecast/` and the pages)."""

from __future__ import annotations

from typing import Any

import django_filters as df
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.access import CanApproveTargets
from accounts.api.history import HistoryMixin
from accounts.api.serializers import _account_field
from kam.api.base import IntegerFilter, KamFilterSet, KamModelSerializer, ServiceModelViewSet
from plans import selectors, services
from plans.models import Target

TIMESTAMPS = ["created_at", "updated_at"]


class TargetSerializer(KamModelSerializer):
    """A revenue (and margin) target of an account's year, or of one quarter of it (an
    account's year has one annual target or quarterly ones, not both). `status` moves to
    approved only through `…/approve/`; a later change of the numbers keeps it approved
    and sets `changed_after_approval` (the history says what changed)."""

    account = _account_field()
    year = serializers.IntegerField(
        min_value=services.TARGET_YEARS[0], max_value=services.TARGET_YEARS[1]
    )
    quarter = serializers.IntegerField(
        min_value=1,
        max_value=4,
        required=False,
        allow_null=True,
        help_text="1 … 4; null (or left out) for the whole year",
    )
    set_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    approved_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = Target
        fields = [
            "id",
            "account",
            "year",
            "quarter",
            "revenue_target",
            "margin_target",
            "status",
            "set_by",
            "approved_by",
            "approved_at",
            "changed_after_approval",
            *TIMESTAMPS,
        ]
        read_only_fields = ["status", "approved_at", "changed_after_approval", *TIMESTAMPS]
        create_only_fields = ["account"]
        # The one-per-period rule is the service's (with the annual-or-quarterly one and a
        # message naming `quarter`); DRF's validator of the conditional constraints would
        # need every field in each request.
        validators: list = []


class TargetFilter(KamFilterSet):
    account = IntegerFilter(field_name="account_id")
    year = IntegerFilter(field_name="year")
    quarter = IntegerFilter(field_name="quarter", help_text="1 … 4")
    annual = df.BooleanFilter(
        field_name="quarter", lookup_expr="isnull", help_text="The whole year's targets"
    )
    status = df.MultipleChoiceFilter(choices=Target.Status.choices, distinct=False)
    owner = df.CharFilter(field_name="account__owner__username", help_text="Account owner")
    region = IntegerFilter(field_name="account__region_id")
    changed_after_approval = df.BooleanFilter()

    class Meta:
        model = Target
        fields: list[str] = []


class TargetViewSet(HistoryMixin, ServiceModelViewSet):
    """Targets set by the KAMs; heads and admins approve them (`…/approve/`). A KAM
    deletes a draft target, not an approved one."""

    selector = staticmethod(selectors.target_list)
    serializer_class = TargetSerializer
    filterset_class = TargetFilter
    search_fields = ["account__name"]
    ordering_fields = ["year", "quarter", "revenue_target", "status", "created_at", "updated_at"]
    ordering = ["-year"]

    def create_object(self, data: dict[str, Any]) -> Target:
        return services.target_set(user=self.request.user, **data)

    def update_object(self, instance: Target, data: dict[str, Any]) -> Target:
        return services.target_set(user=self.request.user, target=instance, **data)

    def delete_object(self, instance: Target) -> None:
        services.target_delete(user=self.request.user, target=instance)

    @extend_schema(request=None, responses=TargetSerializer)
    @action(detail=True, methods=["post"], permission_classes=[CanApproveTargets])
    def approve(self, request, pk: str | None = None, **kwargs: Any) -> Response:
        """Approve the target (sales heads and admins; a KAM gets 403)."""
        target = self.get_object()
        target = services.target_approve(user=request.user, target=target)
        return Response(self.get_serializer(self._reread(target)).data)
