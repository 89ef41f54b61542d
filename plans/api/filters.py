"""Query-string filters of the plans API (django-filter)."""

from __future__ import annotations

import django_filters as df
from django.utils import timezone

from kam.api.base import DateTimeRangeFilter, IntegerFilter, KamFilterSet
from plans.models import AccountPlan, Action, Contract, Objective, Opportunity, Tender
from plans.selectors import renewing_ids


class AccountPlanFilter(KamFilterSet):
    account = IntegerFilter(field_name="account_id")
    owner = df.CharFilter(field_name="owner__username")
    account_owner = df.CharFilter(field_name="account__owner__username")
    region = IntegerFilter(field_name="account__region_id")
    status = df.MultipleChoiceFilter(choices=AccountPlan.Status.choices, distinct=False)
    period_start = df.DateFromToRangeFilter()
    period_end = df.DateFromToRangeFilter()

    class Meta:
        model = AccountPlan
        fields: list[str] = []


class ObjectiveFilter(KamFilterSet):
    plan = IntegerFilter(field_name="plan_id")
    account = IntegerFilter(field_name="plan__account_id")
    status = df.MultipleChoiceFilter(choices=Objective.Status.choices, distinct=False)
    due = df.DateFromToRangeFilter()

    class Meta:
        model = Objective
        fields: list[str] = []


class ActionFilter(KamFilterSet):
    plan = IntegerFilter(field_name="plan_id")
    objective = IntegerFilter(field_name="objective_id")
    account = IntegerFilter(field_name="plan__account_id")
    owner = df.CharFilter(field_name="owner__username")
    status = df.MultipleChoiceFilter(choices=Action.Status.choices, distinct=False)
    due = df.DateFromToRangeFilter()
    overdue = df.BooleanFilter(method="filter_overdue", help_text="Open and past due")

    class Meta:
        model = Action
        fields: list[str] = []

    def filter_overdue(self, queryset, name, value):
        overdue = {"status": Action.Status.OPEN, "due__lt": timezone.localdate()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class TenderFilter(KamFilterSet):
    account = IntegerFilter(field_name="account_id")
    owner = df.CharFilter(field_name="account__owner__username", help_text="Account owner")
    region = IntegerFilter(field_name="account__region_id")
    is_key = df.BooleanFilter(field_name="account__is_key")
    objective = IntegerFilter(field_name="objective_id")
    stage = df.MultipleChoiceFilter(choices=Tender.Stage.choices, distinct=False)
    submission_deadline = DateTimeRangeFilter()
    decision_date = df.DateFromToRangeFilter()

    class Meta:
        model = Tender
        fields: list[str] = []


class OpportunityFilter(KamFilterSet):
    account = IntegerFilter(field_name="account_id")
    owner = df.CharFilter(field_name="owner__username", help_text="The opportunity's owner")
    account_owner = df.CharFilter(field_name="account__owner__username")
    region = IntegerFilter(field_name="account__region_id")
    category = IntegerFilter(field_name="category_id")
    objective = IntegerFilter(field_name="objective_id")
    stage = df.MultipleChoiceFilter(choices=Opportunity.Stage.choices, distinct=False)
    open = df.BooleanFilter(method="filter_open", help_text="In an open stage (not won or lost)")
    expected_close = df.DateFromToRangeFilter()

    class Meta:
        model = Opportunity
        fields: list[str] = []

    def filter_open(self, queryset, name, value):
        open_stages = {"stage__in": Opportunity.OPEN_STAGES}
        return queryset.filter(**open_stages) if value else queryset.exclude(**open_stages)


class ContractFilter(KamFilterSet):
    account = IntegerFilter(field_name="account_id")
    account_owner = df.CharFilter(field_name="account__owner__username")
    status = df.MultipleChoiceFilter(choices=Contract.Status.choices, distinct=False)
    kind = df.MultipleChoiceFilter(choices=Contract.Kind.choices, distinct=False)
    ends_after = df.DateFilter(
        field_name="end_date", lookup_expr="gte", help_text="End on or after"
    )
    ends_before = df.DateFilter(
        field_name="end_date", lookup_expr="lte", help_text="End on or before"
    )
    renewing = df.BooleanFilter(
        method="filter_renewing",
        help_text="Live and within 60 days before its notice date (end − notice days) "
        "until its end (true), or not (false)",
    )

    class Meta:
        model = Contract
        fields: list[str] = []

    def filter_renewing(self, queryset, name, value):
        ids = renewing_ids(queryset, on=timezone.localdate())
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)
