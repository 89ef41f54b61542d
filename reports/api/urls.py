from __future__ import annotations

from reports.api.erp import erp_urlpatterns, register_erp

urlpatterns: list = []
urlpatterns += erp_urlpatterns


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    register_erp(router)
