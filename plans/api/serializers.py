"""Shapes of the plans API: a plan reads with its objectives and actions nested."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.access import contact_scope, user_scope
from accounts.api.serializers import _account_field
from accounts.models import Contact, User
from kam.api.base import (
    KamModelSerializer,
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
)
from plans import categories, probabilities, selectors
from plans.models import (
    AccountPlan,
    Action,
    Contract,
    ContractDocument,
    Objective,
    Opportunity,
    Tender,
)
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
    revenue_target = serializers.DecimalField(
        source="year_revenue_target",
        max_digits=18,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=(
            "Read-only: the sum of the account's targets (/api/v1/targets/) for the year "
            "the plan starts in; null when it has none. Set targets there, not here."
        ),
    )

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


def _currency(value: str) -> str:
    value = value.upper()
    if len(value) != 3 or not value.isalpha():
        raise serializers.ValidationError("Use a three-letter ISO 4217 code, e.g. RUB.")
    return value


class OpportunitySerializer(KamModelSerializer):
    """An opportunity; `probability` null means its stage's (see `effective_probability`),
    `weighted_value` = value × effective probability, in the opportunity's currency."""

    account = _account_field()
    owner = _owner_field()
    objective = ScopedPrimaryKeyRelatedField(
        scope=selectors.objective_scope,
        queryset=Objective.objects.all(),
        required=False,
        allow_null=True,
    )
    category = serializers.IntegerField(
        source="category_id",
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Id of a product category (GET /api/v1/metrics/… list categories by code)",
    )
    category_name = serializers.SerializerMethodField()
    probability = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100
    )
    effective_probability = serializers.SerializerMethodField()
    weighted_value = serializers.SerializerMethodField()

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "account",
            "category",
            "category_name",
            "title",
            "value",
            "currency",
            "probability",
            "effective_probability",
            "weighted_value",
            "stage",
            "expected_close",
            "closed_on",
            "outcome_reason",
            "objective",
            "owner",
            *TIMESTAMPS,
        ]
        read_only_fields = ["closed_on", *TIMESTAMPS]
        create_only_fields = ["account"]

    def validate_currency(self, value: str) -> str:
        return _currency(value)

    def _table(self) -> dict:
        if "_probabilities" not in self.context:
            self.context["_probabilities"] = probabilities.stage_probabilities()
        return self.context["_probabilities"]

    def _names(self) -> dict[int, str]:
        # Names of the whole page's categories in one query (the page is the parent
        # ListSerializer's instance), not one per row.
        if "_category_names" not in self.context:
            parent = getattr(self, "parent", None)
            rows = getattr(parent, "instance", None) if parent is not None else None
            rows = list(rows) if rows is not None else [self.instance]
            self.context["_category_names"] = categories.names(
                getattr(o, "category_id", None) for o in rows
            )
        return self.context["_category_names"]

    def get_category_name(self, opportunity: Opportunity) -> str | None:
        if opportunity.category_id is None:
            return None
        names = self._names()
        if opportunity.category_id not in names:  # a row outside the prefetched page
            names.update(categories.names([opportunity.category_id]))
        return names.get(opportunity.category_id)

    def get_effective_probability(self, opportunity: Opportunity) -> int:
        return probabilities.opportunity_percent(opportunity, self._table())

    @extend_schema_field(serializers.DecimalField(max_digits=16, decimal_places=2))
    def get_weighted_value(self, opportunity: Opportunity) -> str:
        percent = probabilities.opportunity_percent(opportunity, self._table())
        return str(probabilities.weighted(opportunity.value, percent))


class StageProbabilitiesSerializer(serializers.Serializer):
    """Probability, in percent, of each open stage: the head's settings over the defaults."""

    opportunity = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100),
        help_text="idea, qualified, proposal, negotiation",
    )
    tender = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100),
        help_text="identified, preparing, submitted",
    )


class StageProbabilitiesUpdateSerializer(serializers.Serializer):
    opportunity = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100), required=False
    )
    tender = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100), required=False
    )


class ContractDocumentSerializer(serializers.ModelSerializer):
    """A stored document; `url` downloads it (served only to whoever sees the account)."""

    uploaded_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = ContractDocument
        fields = ["id", "name", "content_type", "size", "uploaded_by", "url", "created_at"]
        read_only_fields = fields

    def get_url(self, document: ContractDocument) -> str:
        return reverse("api:contract-document", args=[document.contract_id, document.pk])


class ContractDocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A PDF, DOCX or XLSX file (checked by its name and its content), "
        "at most CONTRACT_DOCUMENT_MAX_BYTES (20 MB by default)"
    )


class ContractSerializer(KamModelSerializer):
    """A contract; `notice_date` = end − notice days; `renewing`: live and from 60 days
    before the notice date until the end (DESIGN)."""

    account = _account_field()
    client_signatory = ScopedPrimaryKeyRelatedField(
        scope=contact_scope, queryset=Contact.objects.all(), required=False, allow_null=True
    )
    our_signatory = _owner_field()
    tender = ScopedPrimaryKeyRelatedField(
        scope=selectors.tender_scope, queryset=Tender.objects.all(), required=False, allow_null=True
    )
    notice_days = serializers.IntegerField(required=False, min_value=0, max_value=36500)
    notice_date = serializers.DateField(read_only=True)
    renewing = serializers.SerializerMethodField()
    documents = ContractDocumentSerializer(many=True, read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "account",
            "number",
            "title",
            "kind",
            "status",
            "start_date",
            "end_date",
            "notice_days",
            "notice_date",
            "renewing",
            "auto_renewal",
            "annual_value",
            "currency",
            "payment_terms",
            "client_signatory",
            "our_signatory",
            "tender",
            "notes",
            "documents",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS
        create_only_fields = ["account"]

    def validate_currency(self, value: str) -> str:
        return _currency(value)

    def get_renewing(self, contract: Contract) -> bool:
        return contract.is_renewing()
