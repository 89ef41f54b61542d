"""Shapes of the plans API: a plan reads with its objectives and actions nested."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.access import user_scope
from accounts.api.serializers import _account_field
from accounts.models import User
from kam.api.base import (
    KamModelSerializer,
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
)
from plans import selectors
from plans.models import AccountPlan, Action, Objective, Tender
from plans.services import account_plan_completeness

TIMESTAMPS = ["created_at", "updated_at"]


def _owner_field() -> ScopedSlugRelatedField:
    # Plan and action owners are people the user may see (colleagues on shared accounts).
    return ScopedSlugRelatedField(
        scope=user_scope,
        queryset=User.objects.all(),
        slug_field="username",
        required=False,
        allow_null=True,
    )


class ObjectiveSerializer(KamModelSerializer):
    plan = ScopedPrimaryKeyRelatedField(
        scope=selectors.plan_scope, queryset=AccountPlan.objects.all()
    )
    progress = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Objective
        fields = [
            "id",
            "plan",
            "description",
            "measure",
            "target",
            "current",
            "progress",
            "due",
            "status",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS
        create_only_fields = ["plan"]


class ActionSerializer(KamModelSerializer):
    plan = ScopedPrimaryKeyRelatedField(
        scope=selectors.plan_scope, queryset=AccountPlan.objects.all()
    )
    objective = ScopedPrimaryKeyRelatedField(
        scope=selectors.objective_scope,
        queryset=Objective.objects.all(),
        required=False,
        allow_null=True,
    )
    owner = _owner_field()
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Action
        fields = [
            "id",
            "plan",
            "objective",
            "description",
            "owner",
            "due",
            "status",
            "completed_at",
            "overdue",
            *TIMESTAMPS,
        ]
        read_only_fields = ["completed_at", *TIMESTAMPS]
        create_only_fields = ["plan"]


class PlanCompletenessSerializer(serializers.Serializer):
    filled = serializers.DictField(child=serializers.BooleanField())
    missing = serializers.ListField(child=serializers.CharField())
    ratio = serializers.FloatField()


class AccountPlanSerializer(KamModelSerializer):
    """A plan with its objectives and actions (read-only here: they have their own
    endpoints) and how complete it is."""

    account = _account_field()
    owner = _owner_field()
    objectives = ObjectiveSerializer(many=True, read_only=True)
    actions = ActionSerializer(many=True, read_only=True)
    completeness = serializers.SerializerMethodField()

    class Meta:
        model = AccountPlan
        fields = [
            "id",
            "account",
            "title",
            "period_start",
            "period_end",
            "owner",
            "status",
            "revenue_target",
            "client_goals",
            "our_strategy",
            "mutual_value",
            "completeness",
            "objectives",
            "actions",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS
        create_only_fields = ["account"]

    @extend_schema_field(PlanCompletenessSerializer)
    def get_completeness(self, plan: AccountPlan) -> dict:
        return account_plan_completeness(plan=plan)


class TenderSerializer(KamModelSerializer):
    account = _account_field()
    objective = ScopedPrimaryKeyRelatedField(
        scope=selectors.objective_scope,
        queryset=Objective.objects.all(),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = Tender
        fields = [
            "id",
            "account",
            "title",
            "reference",
            "platform",
            "stage",
            "submission_deadline",
            "estimated_value",
            "our_bid",
            "currency",
            "competitors",
            "decision_date",
            "outcome_reason",
            "objective",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS
        create_only_fields = ["account"]

    def validate_currency(self, value: str) -> str:
        value = value.upper()
        if len(value) != 3 or not value.isalpha():
            raise serializers.ValidationError("Use a three-letter ISO 4217 code, e.g. RUB.")
        return value
