from __future__ import annotations

from . import views

urlpatterns: list = []


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    router.register("plans", views.AccountPlanViewSet, basename="plan")
    router.register("objectives", views.ObjectiveViewSet, basename="objective")
    router.register("actions", views.ActionViewSet, basename="action")
    router.register("tenders", views.TenderViewSet, basename="tender")
