from __future__ import annotations

urlpatterns: list = []


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
