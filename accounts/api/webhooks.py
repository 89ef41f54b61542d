"""/api/v1/webhooks/: endpoints the ERP (or anything) receives events on. Admins only.

The secret is write-only: the answer to the POST that creates an endpoint carries it once
(generated when not sent); no later read shows it.
"""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import access, webhooks
from accounts.models import User, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEventType


class WebhookEndpointSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices),
        allow_empty=False,
        help_text="the events this endpoint receives",
    )
    secret = serializers.CharField(
        write_only=True,
        required=False,
        min_length=16,
        max_length=200,
        help_text="HMAC key of X-KAM-Signature; generated when omitted and shown once in "
        "the answer to the POST; sending one on PATCH rotates it",
    )
    created_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "active",
            "secret",
            "failure_count",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "failure_count",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "created_by",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "active": {
                "help_text": "off when paused by an admin or switched off after repeated "
                "failures (then disabled_at and disabled_reason say why); switching it on "
                "resets the failure streak"
            }
        }


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="shown this once")


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "number",
            "attempted_at",
            "http_status",
            "error",
            "response_excerpt",
            "duration_ms",
        ]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="event.id")
    event_type = serializers.CharField(source="event.event_type")
    attempt_log = WebhookAttemptSerializer(many=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status",
            "last_error",
            "delivered_at",
            "created_at",
            "attempt_log",
        ]


@extend_schema(tags=["webhooks"])
class WebhookEndpointViewSet(viewsets.ModelViewSet):
    """Webhook endpoints (admins). Deliveries are listed under each endpoint."""

    serializer_class = WebhookEndpointSerializer
    permission_classes = [access.CanManageWebhooks]
    queryset = WebhookEndpoint.objects.select_related("created_by").order_by("id")
    filterset_fields = ["active"]
    search_fields = ["url", "description"]
    ordering_fields = ["id", "url", "failure_count"]

    @extend_schema(responses={201: WebhookEndpointCreatedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint, secret = webhooks.webhook_endpoint_create(
            user=cast(User, request.user), **serializer.validated_data
        )
        data = WebhookEndpointSerializer(endpoint, context=self.get_serializer_context()).data
        return Response({**data, "secret": secret}, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer) -> None:
        serializer.instance = webhooks.webhook_endpoint_update(
            user=cast(User, self.request.user),
            endpoint=serializer.instance,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance: WebhookEndpoint) -> None:
        webhooks.webhook_endpoint_delete(user=cast(User, self.request.user), endpoint=instance)

    @extend_schema(
        responses=WebhookDeliverySerializer(many=True),
        summary="Deliveries to this endpoint, newest first, with every attempt",
    )
    @action(detail=True, methods=["get"])
    def deliveries(
        self, request: Request, pk: str | None = None, **kwargs: Any
    ) -> Response:  # kwargs: `format` (deliveries.json)
        endpoint = self.get_object()
        rows = (
            WebhookDelivery.objects.filter(endpoint=endpoint)
            .select_related("event")
            .prefetch_related("attempt_log")
            .order_by("-created_at", "-pk")
        )
        status_filter = request.query_params.get("status")
        if status_filter in WebhookDelivery.Status.values:
            rows = rows.filter(status=status_filter)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
