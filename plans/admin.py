"""Django admin for plans: scoped like the API (see accounts.admin), with history."""

from __future__ import annotations

from django.contrib import admin

from accounts.admin import SCOPED_CHOICES, ReadOnlyMixin, ScopedHistoryAdmin, ScopedInline

from . import selectors
from .models import (
    AccountPlan,
    Action,
    Contract,
    Objective,
    Opportunity,
    StageProbability,
    Target,
    Tender,
)

SCOPED_CHOICES["plan"] = lambda user: selectors.account_plan_list(user=user).order_by()
SCOPED_CHOICES["objective"] = lambda user: selectors.objective_list(user=user)


class ObjectiveInline(ScopedInline):
    model = Objective
    fields = ["description", "measure", "target", "current", "due", "status"]
    show_change_link = True


class ActionInline(ScopedInline):
    model = Action
    fields = ["description", "objective", "owner", "due", "status"]
    autocomplete_fields = ["objective", "owner"]
    show_change_link = True


@admin.register(AccountPlan)
class AccountPlanAdmin(ScopedHistoryAdmin):
    list_display = ["title", "account", "period_start", "period_end", "owner", "status"]
    list_filter = ["status"]
    list_select_related = ["account", "owner"]
    search_fields = ["title", "account__name"]
    autocomplete_fields = ["account", "owner"]
    date_hierarchy = "period_start"
    inlines = [ObjectiveInline, ActionInline]


@admin.register(Objective)
class ObjectiveAdmin(ScopedHistoryAdmin):
    scope_path = "plan__account"
    list_display = ["description", "plan", "target", "current", "due", "status"]
    list_filter = ["status"]
    list_select_related = ["plan"]
    search_fields = ["description", "plan__title", "plan__account__name"]
    autocomplete_fields = ["plan"]


@admin.register(Action)
class ActionAdmin(ScopedHistoryAdmin):
    scope_path = "plan__account"
    list_display = ["description", "plan", "owner", "due", "status", "completed_at"]
    list_filter = ["status"]
    list_select_related = ["plan", "owner"]
    search_fields = ["description", "plan__title"]
    autocomplete_fields = ["plan", "objective", "owner"]
    date_hierarchy = "due"


@admin.register(Tender)
class TenderAdmin(ScopedHistoryAdmin):
    list_display = [
        "title",
        "account",
        "stage",
        "submission_deadline",
        "estimated_value",
        "currency",
    ]
    list_filter = ["stage", "currency"]
    list_select_related = ["account"]
    search_fields = ["title", "reference", "platform", "account__name"]
    autocomplete_fields = ["account", "objective"]
    date_hierarchy = "submission_deadline"


@admin.register(Opportunity)
class OpportunityAdmin(ScopedHistoryAdmin):
    list_display = ["title", "account", "stage", "value", "currency", "expected_close", "owner"]
    list_filter = ["stage", "currency"]
    list_select_related = ["account", "owner"]
    search_fields = ["title", "account__name"]
    autocomplete_fields = ["account", "objective", "owner"]
    date_hierarchy = "expected_close"


@admin.register(StageProbability)
class StageProbabilityAdmin(ScopedHistoryAdmin):
    scope_path = None  # a company setting
    list_display = ["kind", "stage", "percent", "updated_by", "updated_at"]
    list_filter = ["kind"]
    readonly_fields = ["updated_by"]


@admin.register(Contract)
class ContractAdmin(ReadOnlyMixin, ScopedHistoryAdmin):
    """Read here; written on the contract pages (dates in order, documents checked)."""

    list_display = [
        "number",
        "title",
        "account",
        "kind",
        "status",
        "start_date",
        "end_date",
        "annual_value",
        "currency",
    ]
    list_filter = ["status", "kind", "currency"]
    list_select_related = ["account"]
    search_fields = ["number", "title", "account__name"]
    date_hierarchy = "end_date"


@admin.register(Target)
class TargetAdmin(ReadOnlyMixin, ScopedHistoryAdmin):
    """Read here, with every change in its history; set and approved on the targets pages."""

    list_display = [
        "account",
        "year",
        "quarter",
        "revenue_target",
        "margin_target",
        "status",
        "approved_by",
        "changed_after_approval",
    ]
    list_filter = ["status", "year", "changed_after_approval"]
    list_select_related = ["account", "approved_by"]
    search_fields = ["account__name"]
