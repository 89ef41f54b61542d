from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class KamAdminConfig(AdminConfig):
    """django.contrib.admin with our site (kam.admin.KamAdminSite) as `admin.site`."""

    default_site = "kam.admin.KamAdminSite"
