"""DRF permission classes: the API's side of accounts.access."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import permissions

from .rules import (
    can_approve_targets,
    can_change_distributors,
    can_change_health_settings,
    can_change_matrix_criteria,
    can_change_stage_probabilities,
    can_import_erp,
    can_manage_webhooks,
    can_read_logs,
    can_read_records,
    can_tune_alerts,
    is_signed_in,
)


class RolePermission(permissions.BasePermission):
    """Signed in; the integration user only reads the views that say
    `integration_can_read = True` (accounts, master data, metrics). The project's default."""

    message = gettext_lazy("The integration user cannot use this endpoint.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not is_signed_in(user):
            return False
        if user.is_integration:
            return request.method in permissions.SAFE_METHODS and getattr(
                view, "integration_can_read", False
            )
        return True


class CanReadRecords(permissions.BasePermission):
    """The KAMs' records and their history (`…/{id}/history/`): not the ERP user."""

    message = RolePermission.message

    def has_permission(self, request, view) -> bool:
        return can_read_records(request.user)


class IsErpClient(permissions.BasePermission):
    """ERP writes: the integration role and admins (a KAM or a sales head gets 403)."""

    message = "ERP imports are for the integration role and admins."

    def has_permission(self, request, view) -> bool:
        return can_import_erp(request.user)


class IsHeadOrAdmin(permissions.BasePermission):
    """The logs of the ERP imports and metric runs: sales heads and admins."""

    message = "Only sales heads and admins may read this log."

    def has_permission(self, request, view) -> bool:
        return can_read_logs(request.user)


class HeadsWritePermission(RolePermission):
    """Master data (distributors): read as RolePermission says; changed by those who may
    change distributors — refused before the body is read, so a KAM gets 403."""

    message = gettext_lazy("Only a sales head or an admin can change this.")

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or can_change_distributors(request.user)


class CanManageWebhooks(permissions.BasePermission):
    """Webhook endpoints and their deliveries: the admin role only."""

    message = "Webhooks are managed by administrators."

    def has_permission(self, request, view) -> bool:
        return can_manage_webhooks(request.user)


class StageProbabilitiesPermission(permissions.BasePermission):
    """The pipeline's stage probabilities: read by the KAMs and heads, changed by heads
    and admins (a KAM's write is refused with 403 before the body is read)."""

    message = gettext_lazy("Only a sales head or an admin can change this.")

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return can_read_records(request.user)
        return can_change_stage_probabilities(request.user)


class CanTuneAlerts(permissions.BasePermission):
    """The alert thresholds: people read them (not the ERP user); heads and admins
    change them."""

    message = gettext_lazy("Only a sales head or an admin can change this.")

    def has_permission(self, request, view) -> bool:
        if not can_read_records(request.user):
            return False
        return request.method in permissions.SAFE_METHODS or can_tune_alerts(request.user)


class HealthSettingsPermission(RolePermission):
    """Health settings: read by everyone the API admits; written by heads and admins (a KAM
    gets 403 before the body is read)."""

    message = gettext_lazy("Only a sales head or an admin can change the health settings.")

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or can_change_health_settings(
            request.user
        )


class MatrixCriteriaPermission(permissions.BasePermission):
    """The portfolio matrix's criteria: read by whoever reads the KAMs' records; changed by
    sales heads and admins (a KAM's write is refused with 403 before the body is read)."""

    message = gettext_lazy("Only a sales head or an admin can change the matrix criteria.")

    def has_permission(self, request, view) -> bool:
        if not can_read_records(request.user):
            return False
        return request.method in permissions.SAFE_METHODS or can_change_matrix_criteria(
            request.user
        )


class CanApproveTargets(permissions.BasePermission):
    """Approving a target: sales heads and admins (a KAM gets 403 before anything is read)."""

    message = gettext_lazy("Only a sales head or an admin can approve targets.")

    def has_permission(self, request, view) -> bool:
        return can_approve_targets(request.user)
