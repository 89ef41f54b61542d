"""/api/v1/: one router; each app registers its own viewsets and extra paths."""

from __future__ import annotations

from importlib import import_module

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import DefaultRouter

APP_API_MODULES = (
    "accounts.api.urls",
    "plans.api.urls",
    "reports.api.urls",
    "reports.alerts.api",
)

router = DefaultRouter()
extra_patterns: list[URLPattern | URLResolver] = []
for module_name in APP_API_MODULES:
    module = import_module(module_name)
    module.register(router)
    extra_patterns += getattr(module, "urlpatterns", [])

urlpatterns = [*extra_patterns, path("", include(router.urls))]
