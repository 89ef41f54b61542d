"""Django admin for the numbers. What the ERP sends and what the nightly jobs compute
(metrics, health, the matrix, alerts, forecast snapshots) is read-only here: editing an
amount would bypass its conversion, a score its formula. Categories are editable; health
weights, alert thresholds and matrix criteria are changed on their settings pages, which
validate them."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.admin import ReadOnlyMixin, ScopedAdmin, ScopedHistoryAdmin

from .models import (
    AccountHealth,
    AccountMetric,
    AlertFiring,
    AlertSettings,
    DigestDelivery,
    ExchangeRate,
    ForecastSnapshot,
    HealthSettings,
    ImportBatch,
    MatrixCriterion,
    MatrixPosition,
    MatrixScore,
    MetricRun,
    Notification,
    PortfolioMetric,
    ProductCategory,
    RevenueLine,
    WhiteSpaceCell,
)


class ReadOnlyAdmin(ReadOnlyMixin, ScopedAdmin):
    pass


@admin.register(ProductCategory)
class ProductCategoryAdmin(ScopedAdmin):
    scope_path = None
    list_display = ["code", "name", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    scope_path = None
    list_display = ["currency", "date", "rate"]
    list_filter = ["currency"]
    search_fields = ["currency"]
    date_hierarchy = "date"


@admin.register(RevenueLine)
class RevenueLineAdmin(ReadOnlyAdmin):
    list_display = [
        "external_id",
        "date",
        "account",
        "category",
        "amount",
        "currency",
        "amount_base",
        "distributor",
    ]
    list_filter = ["currency", "category"]
    list_select_related = ["account", "category", "distributor"]
    search_fields = ["external_id", "account__name", "account__external_id"]
    raw_id_fields = ["account", "category", "distributor"]
    date_hierarchy = "date"
    show_full_result_count = False  # millions of lines: skip the second COUNT(*)


@admin.register(AccountMetric)
class AccountMetricAdmin(ReadOnlyAdmin):
    list_display = [
        "period",
        "account",
        "revenue",
        "revenue_share",
        "rank",
        "tier",
        "penetration",
        "growth",
        "margin_pct",
    ]
    list_filter = ["period_kind", "tier"]
    list_select_related = ["account"]
    search_fields = ["period", "account__name", "account__external_id"]
    show_full_result_count = False


@admin.register(PortfolioMetric)
class PortfolioMetricAdmin(ReadOnlyAdmin):
    scope_path = None  # KAMs see the portfolio's totals (DESIGN.md)
    list_display = ["period", "total_revenue", "accounts_with_revenue", "top10_share", "hhi"]
    list_filter = ["period_kind"]
    search_fields = ["period"]


@admin.register(MetricRun)
class MetricRunAdmin(ReadOnlyAdmin):
    scope_path = None
    list_display = ["started_at", "as_of", "status", "full", "rows", "duration_s"]
    list_filter = ["status"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    """What did the ERP send last night: every request, its counts and why it was refused."""

    list_display = [
        "received_at",
        "endpoint",
        "status",
        "http_status",
        "user",
        "items",
        "created",
        "updated",
        "unchanged",
        "deleted",
        "not_found",
        "duration_ms",
    ]
    list_filter = ["endpoint", "status", "http_status"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    date_hierarchy = "received_at"
    exclude = ["errors"]
    readonly_fields = ["errors_pretty"]

    @admin.display(description=_("errors"))
    def errors_pretty(self, obj: ImportBatch) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.errors, indent=2, ensure_ascii=False))

    def scope_queryset(self, qs, user):
        # ERP traffic is for heads and admins, not for a KAM on staff.
        return qs if access.can_read_logs(user) else qs.none()


@admin.register(WhiteSpaceCell)
class WhiteSpaceCellAdmin(ScopedHistoryAdmin):
    """The KAMs' white-space entries (edited on the matrix page; here for admins)."""

    list_display = ["account", "category", "status", "competitor", "potential", "updated_at"]
    list_filter = ["status", "category"]
    list_select_related = ["account", "category"]
    search_fields = ["account__name", "competitor", "note"]
    autocomplete_fields = ["account"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(AccountHealth)
class AccountHealthAdmin(ReadOnlyAdmin):
    """The nightly health snapshots (the explanation is on the account page)."""

    list_display = ["account", "date", "score", "band"]
    list_filter = ["band", "date"]
    list_select_related = ["account"]
    search_fields = ["account__name"]
    date_hierarchy = "date"


@admin.register(HealthSettings, AlertSettings, MatrixCriterion)
class SettingsReadOnlyAdmin(ReadOnlyAdmin):
    """Weights, bands, thresholds and criteria: shown here, changed on their pages."""

    scope_path = None


@admin.register(MatrixScore)
class MatrixScoreAdmin(ReadOnlyAdmin):
    list_display = ["account", "year", "criterion", "score", "scored_by", "scored_at"]
    list_filter = ["year", "criterion"]
    list_select_related = ["account", "criterion", "scored_by"]
    search_fields = ["account__name"]


@admin.register(MatrixPosition)
class MatrixPositionAdmin(ReadOnlyAdmin):
    list_display = ["account", "year", "quadrant", "attractiveness", "strength", "computed_at"]
    list_filter = ["year", "quadrant"]
    list_select_related = ["account"]
    search_fields = ["account__name"]


@admin.register(AlertFiring)
class AlertFiringAdmin(ReadOnlyAdmin):
    """Every rule that fired, when it was first and last seen, and when it cleared."""

    list_display = ["rule", "account", "first_seen", "last_seen", "cleared_at"]
    list_filter = ["rule", "cleared_at"]
    list_select_related = ["account"]
    search_fields = ["account__name", "message"]
    date_hierarchy = "created_at"


class OwnRowsAdmin(ReadOnlyAdmin):
    """A person's own rows; an admin sees everyone's."""

    scope_path = None
    owner_field = "recipient"

    def scope_queryset(self, qs, user):
        if access.reads_everyones_inbox(user):
            return qs
        return qs.filter(**{self.owner_field: user})


@admin.register(Notification)
class NotificationAdmin(OwnRowsAdmin):
    list_display = ["created_at", "recipient", "rule", "account", "read_at"]
    list_filter = ["rule", "read_at"]
    list_select_related = ["recipient", "account"]
    search_fields = ["recipient__username", "message"]


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(OwnRowsAdmin):
    owner_field = "user"
    list_display = ["day", "kind", "user", "items", "claimed_at", "sent_at"]
    list_filter = ["kind", "day"]
    list_select_related = ["user"]


@admin.register(ForecastSnapshot)
class ForecastSnapshotAdmin(ReadOnlyAdmin):
    """The weekly forecast snapshots (company, region, KAM and account rows): for heads."""

    scope_path = None
    list_display = ["week", "period", "level", "label", "actual", "forecast", "target"]
    list_filter = ["level", "period", "week"]

    def scope_queryset(self, qs, user):
        return qs if access.sees_every_account(user) else qs.none()
