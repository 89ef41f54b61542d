from __future__ import annotations

from django.urls import path

from . import deleted, views, webhooks

urlpatterns: list = [
    path("deleted/", deleted.DeletedList.as_view(), name="deleted-list"),
    path(
        "deleted/<slug:kind>/<int:pk>/restore/",
        deleted.DeletedRestore.as_view(),
        name="deleted-restore",
    ),
]


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    router.register("accounts", views.AccountViewSet, basename="account")
    router.register("contacts", views.ContactViewSet, basename="contact")
    router.register("contact-links", views.ContactLinkViewSet, basename="contact-link")
    router.register("interactions", views.InteractionViewSet, basename="interaction")
    router.register("distributors", views.DistributorViewSet, basename="distributor")
    router.register("distributor-links", views.DistributorLinkViewSet, basename="distributor-link")
    router.register("events", views.EventViewSet, basename="event")
    router.register("surveys", views.SurveyViewSet, basename="survey")
    router.register("regions", views.RegionViewSet, basename="region")
    router.register("industries", views.IndustryViewSet, basename="industry")
    router.register("users", views.UserViewSet, basename="user")
    router.register("webhooks", webhooks.WebhookEndpointViewSet, basename="webhook")
