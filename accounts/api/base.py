"""Pieces every KAM viewset shares: role permission, scoped related fields, writes via services.

The rule of the API layer: a serializer checks the shape of the input, a selector gives the
rows the user may see, a service applies the business rules and writes. Foreign keys sent
by id are looked up in the *user's* scope, so an id outside it answers the same 400 naming
the field as an id that does not exist (nothing leaks about other KAMs' records); an object
outside the scope addressed by URL is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, filters, permissions, serializers, viewsets

CONFLICT = _("This conflicts with a record saved at the same moment; try again.")


class RolePermission(permissions.BasePermission):
    """Signed in; the ERP (integration) user only reads the views that allow it."""

    message = _("The integration user cannot use this endpoint.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if user.is_integration:
            return request.method in permissions.SAFE_METHODS and getattr(
                view, "integration_can_read", False
            )
        return True


class StableOrderingFilter(filters.OrderingFilter):
    """Ordering that always ends with the primary key, so pages never repeat or skip rows."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or queryset.query.order_by)
        if not any(o.lstrip("-") in ("pk", "id") for o in ordering):
            ordering.append("pk")
        return ordering


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key by id, looked up among the rows the requesting user may see.

    `queryset` stays the unscoped model manager for the schema; lookups use `scope(user=…)`.
    """

    def __init__(self, *, scope: Callable[..., QuerySet], **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        return self.scope(user=self.context["request"].user)


class ScopedSlugRelatedField(serializers.SlugRelatedField):
    def __init__(self, *, scope: Callable[..., QuerySet], **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        return self.scope(user=self.context["request"].user)


class KamModelSerializer(serializers.ModelSerializer):
    """Fields in `Meta.create_only_fields` are set when creating and never moved later."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if self.instance is not None:
            errors = {
                name: _("This cannot be changed; create a new record instead.")
                for name in getattr(self.Meta, "create_only_fields", ())
                if name in attrs and attrs[name] != getattr(self.instance, name)
            }
            if errors:
                raise serializers.ValidationError(errors)
            for name in getattr(self.Meta, "create_only_fields", ()):
                attrs.pop(name, None)
        return attrs


class ServiceModelViewSet(viewsets.ModelViewSet):
    """Reads from `selector(user=…)`, writes through `create_object`/`update_object`/
    `delete_object` (which call services). After a write the object is re-read through
    the selector, so the answer has the same shape (and annotations) as a GET."""

    selector: Callable[..., QuerySet]
    permission_classes = [RolePermission]
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, StableOrderingFilter]
    integration_can_read = False

    def get_queryset(self) -> QuerySet:
        return self.selector(user=self.request.user)

    # --- hooks the concrete viewsets implement with services ---------------------------
    def create_object(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def update_object(self, instance: Model, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def delete_object(self, instance: Model) -> None:
        raise NotImplementedError

    # --- DRF plumbing ---------------------------------------------------------------------
    def _reread(self, obj: Model) -> Model:
        return self.get_queryset().get(pk=obj.pk)

    def perform_create(self, serializer) -> None:
        try:
            obj = self.create_object(dict(serializer.validated_data))
        except IntegrityError as exc:  # a concurrent duplicate slipped past validation
            raise exceptions.ValidationError({"non_field_errors": [CONFLICT]}) from exc
        serializer.instance = self._reread(obj)

    def perform_update(self, serializer) -> None:
        try:
            obj = self.update_object(serializer.instance, dict(serializer.validated_data))
        except IntegrityError as exc:
            raise exceptions.ValidationError({"non_field_errors": [CONFLICT]}) from exc
        serializer.instance = self._reread(obj)

    def perform_destroy(self, instance: Model) -> None:
        self.delete_object(instance)
