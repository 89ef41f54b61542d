"""/api/v1/notifications/ (a person's own, read and marked) and /api/v1/alerts/settings/
(the rules' thresholds: read by people, changed by heads and admins)."""

from __future__ import annotations

from typing import cast

import django_filters as df
from django.urls import path, reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import CanReadRecords, CanTuneAlerts
from accounts.models import User
from kam.api.base import KamFilterSet
from reports.models import AlertSettings, Notification

from . import selectors, services
from .forms import AlertSettingsForm


class NotificationSerializer(serializers.ModelSerializer):
    rule_label = serializers.CharField(read_only=True)
    account_name = serializers.CharField(
        source="account.name", read_only=True, default=None, allow_null=True
    )
    url = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "rule",
            "rule_label",
            "message",
            "account",
            "account_name",
            "url",
            "created_at",
            "read_at",
            "read",
        ]
        read_only_fields = fields

    def get_url(self, obj: Notification) -> str | None:
        """The account's page, where the KAM acts on it."""
        return reverse("accounts:detail", args=[obj.account_id]) if obj.account_id else None

    def get_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class NotificationFilter(KamFilterSet):
    unread = df.BooleanFilter(method="filter_unread", label="Only unread (true) or read (false)")

    class Meta:
        model = Notification
        fields: list[str] = []

    def filter_unread(self, queryset, name, value):
        return queryset if value is None else queryset.filter(read_at__isnull=value)


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's own notifications, newest first (another person's is a 404)."""

    serializer_class = NotificationSerializer
    permission_classes = [CanReadRecords]
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilter
    queryset = Notification.objects.none()  # the schema's model; rows: get_queryset

    def get_queryset(self):
        return selectors.notification_list(user=cast(User, self.request.user))

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"], url_path="read")
    def read(self, request, pk=None, **kwargs):
        """Mark this notification read."""
        notification = self.get_object()
        services.notification_mark_read(user=request.user, notification_id=notification.pk)
        notification.refresh_from_db(fields=["read_at"])
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("NotificationsMarked", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request, **kwargs):
        """Mark every unread notification of the caller read."""
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})


class AlertSettingsSerializer(serializers.ModelSerializer):
    updated_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = AlertSettings
        fields = [*AlertSettingsForm.Meta.fields, "updated_at", "updated_by"]
        read_only_fields = ["updated_at", "updated_by"]


class AlertSettingsView(APIView):
    """The alert rules' thresholds (one object); PATCH by a sales head or an admin."""

    permission_classes = [CanTuneAlerts]

    @extend_schema(responses=AlertSettingsSerializer)
    def get(self, request):
        return Response(AlertSettingsSerializer(services.alert_settings_get()).data)

    @extend_schema(request=AlertSettingsSerializer, responses=AlertSettingsSerializer)
    def patch(self, request):
        serializer = AlertSettingsSerializer(
            services.alert_settings_get(), data=request.data, partial=True
        )
        serializer.is_valid(raise_exception=True)
        cfg = services.alert_settings_update(user=request.user, **serializer.validated_data)
        return Response(AlertSettingsSerializer(cfg).data)


urlpatterns: list = [
    path("alerts/settings/", AlertSettingsView.as_view(), name="alert-settings"),
]


def register(router) -> None:
    router.register("notifications", NotificationViewSet, basename="notification")
