from __future__ import annotations

from django.urls import path

from . import targets, views

urlpatterns: list = [
    path(
        "stage-probabilities/",
        views.StageProbabilitiesView.as_view(),
        name="stage-probabilities",
    ),
    path(
        "contracts/<int:pk>/documents/",
        views.ContractDocumentsView.as_view(),
        name="contract-documents",
    ),
    path(
        "contracts/<int:pk>/documents/<int:doc_id>/",
        views.ContractDocumentView.as_view(),
        name="contract-document",
    ),
]


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    router.register("plans", views.AccountPlanViewSet, basename="plan")
    router.register("objectives", views.ObjectiveViewSet, basename="objective")
    router.register("actions", views.ActionViewSet, basename="action")
    router.register("tenders", views.TenderViewSet, basename="tender")
    router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
    router.register("targets", targets.TargetViewSet, basename="target")
    router.register("contracts", views.ContractViewSet, basename="contract")
