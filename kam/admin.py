"""The Django admin site, with access decided by accounts.access like every other page."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from accounts import access


class KamAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        # Active staff, never the integration user (an API client) even if made staff.
        return access.can_use_admin(request.user)
