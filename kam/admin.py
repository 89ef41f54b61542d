"""The Django admin site, with access decided by accounts.access like every other page."""

from __future__ import annotations

from typing import cast

from django.contrib import admin
from django.http import HttpRequest

from accounts import access
from accounts.models import User


class KamAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        # Active staff, never the integration user (an API client) even if made staff.
        # Anonymous visitors too: the rule answers False for them (access.is_signed_in).
        return access.can_use_admin(cast(User, request.user))
