"""Pieces every KAM viewset shares: scoped related fields, filters, writes via services.

The rule of the API layer: a serializer checks the shape of the input, a selector gives the
rows the user may see, a service applies the business rules and writes. Foreign keys sent
by id are looked up in the *user's* scope, so an id outside it answers the same 400 naming
the field as an id that does not exist (nothing leaks about other KAMs' records); an object
outside the scope addressed by URL is a 404.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from collections.abc import Callable
from operator import attrgetter
from typing import Any

import django_filters as df
from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.db.models import Model, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers, viewsets

from accounts.access import RolePermission, can_write_erp_keys
from accounts.services import account_record_delete
from kam.http import AuthenticatedRequest

from .filters import SearchFilter, StableOrderingFilter

CONFLICT = _("This conflicts with a record saved at the same moment; try again.")


class KamFilterSet(df.FilterSet):
    """A FilterSet that costs little per request (it was a third of the accounts list's CPU).

    django-filter deep-copies every filter and builds a form class (labels, translated
    lookups) with a field per filter on every request. Here only the filters the query
    string mentions take part — the others would not filter anyway — shallow-copied, and
    their form class is built once per combination and reused. Nothing request-specific
    goes into either (no ModelChoiceFilter querysets), so results and errors are the same.
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None) -> None:
        # django-filter's own __init__, but with shallow copies of the filters that were
        # sent: their only per-request state is `model` and `parent`, set right here.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        names = list(self.base_filters)
        if data is not None:
            sent = set(data.keys())  # range filters read `<name>_after`, `<name>_min`…
            names = [n for n in names if n in sent or any(k.startswith(f"{n}_") for k in sent)]
        self.filters = {name: copy.copy(self.base_filters[name]) for name in names}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self
            if filter_.method is not None:
                filter_.method = filter_.method  # rebinds the FilterMethod to this copy

    def get_form_class(self):
        # A class is hashable; django-filter has no type information, whence the ignore.
        return _filter_form_class(type(self), tuple(self.filters))  # type: ignore[arg-type]


class IntegerFilter(df.NumberFilter):
    """An id or a count in the query string: a whole number within the database's 64-bit
    range, else a 400 naming the parameter (`region=1e40` or a 20-digit id would otherwise
    reach the database and fail there)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", -(2**63))
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class _UTCIsoDateTimeField(df.fields.IsoDateTimeField):
    """An ISO 8601 date-time, moved to UTC. Python takes offsets up to ±23:59, PostgreSQL
    only to ±15:59: `…T01:43+16:51` must be a date-time like any other, not a 500."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except OverflowError as exc:  # year 9999 with a negative offset
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc


class _UTCIsoDateTimeRangeField(df.fields.RangeField):
    widget = df.widgets.DateRangeWidget

    def __init__(self, *args, **kwargs) -> None:
        super().__init__((_UTCIsoDateTimeField(), _UTCIsoDateTimeField()), *args, **kwargs)


class DateTimeRangeFilter(df.IsoDateTimeFromToRangeFilter):
    """`<name>_after` / `<name>_before` in ISO 8601, any offset (compared in UTC)."""

    field_class = _UTCIsoDateTimeRangeField


class _SharedFields(dict):
    """A form's base fields that each form instance shares instead of deep-copying.

    Django copies a form's fields per instance so a view may tweak them; filter forms never
    do, and their fields keep no state between `clean()` calls.
    """

    def __deepcopy__(self, memo) -> dict:
        return dict(self)


@functools.lru_cache(maxsize=512)
def _filter_form_class(filterset_class: type[df.FilterSet], names: tuple[str, ...]) -> type:
    fields = {name: filterset_class.base_filters[name].field for name in names}
    form_class = type(f"{filterset_class.__name__}Form", (filterset_class._meta.form,), fields)
    # Built with type(): the checker sees a bare `type`, Django's metaclass set base_fields.
    form_class.base_fields = _SharedFields(form_class.base_fields)  # type: ignore[attr-defined]
    return form_class


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
    """A foreign key by a unique name (a username…), looked up in the user's scope."""

    def __init__(self, *, scope: Callable[..., QuerySet], **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # PostgreSQL text cannot hold NUL: no such name, rather than an error in the lookup.
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)

    def get_queryset(self) -> QuerySet:
        return self.scope(user=self.context["request"].user)


class StrictCharField(serializers.CharField):
    """A string as sent: DRF's CharField turns `0` or `1.5` into "0" and "1.5"; the schema
    says string, so a number is refused like `true` is."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField, StrictCharField):
    pass


@extend_schema_field(
    {
        "anyOf": [
            {"type": "string", "format": "email", "maxLength": 254},
            {"type": "string", "maxLength": 0},
        ],
        "description": "An e-mail address, or empty.",
    }
)
class EmailOrBlankField(StrictEmailField):
    """An optional e-mail stored as "" when there is none: the schema says so (a plain
    `format: email` would make every contact without one invalid)."""


class KamModelSerializer(serializers.ModelSerializer):
    """Strict strings (see StrictCharField); fields in `Meta.create_only_fields` are set
    when creating and never moved later."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
    }

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_class is StrictEmailField and kwargs.get("allow_blank"):
            field_class = EmailOrBlankField
        return field_class, kwargs

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        self._refuse_erp_keys(attrs)
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

    def _refuse_erp_keys(self, attrs: dict[str, Any]) -> None:
        """The ERP's keys (`Meta.erp_key_fields`, e.g. `external_id`) are written by the ERP
        and admins only: a KAM's or a head's change would make the ERP's next push create a
        duplicate or reject a whole batch. Repeating the stored value (a full PUT) is fine."""
        request = self.context.get("request")
        if request is None or can_write_erp_keys(request.user):
            return
        errors = {
            name: _("Written by the ERP and admins only; it cannot be set here.")
            for name in getattr(self.Meta, "erp_key_fields", ())
            if name in attrs and attrs[name] != getattr(self.instance, name, None)
        }
        if errors:
            raise serializers.ValidationError(errors)


class ServiceModelViewSet(viewsets.ModelViewSet):
    """Reads from `selector(user=…)`, writes through `create_object`/`update_object`/
    `delete_object`, which call services (deleting defaults to the account's rule). After
    a write the object is re-read through the selector, so the answer has the same shape
    (and annotations) as a GET."""

    selector: Callable[..., QuerySet]
    request: AuthenticatedRequest  # RolePermission admits signed-in users only
    permission_classes = [RolePermission]
    filter_backends = [DjangoFilterBackend, SearchFilter, StableOrderingFilter]
    integration_can_read = False

    def get_queryset(self) -> QuerySet:
        return self.selector(user=self.request.user)

    # --- hooks the concrete viewsets implement with services ---------------------------
    def create_object(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    # `instance`: the viewset's own model (Any, so each viewset may name it).
    def update_object(self, instance: Any, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    # Records that hang under an account are deleted by whoever may change that account.
    account_path = "account"

    def delete_object(self, instance: Any) -> None:
        account = attrgetter(self.account_path)(instance)
        account_record_delete(user=self.request.user, record=instance, account=account)

    # --- DRF plumbing ---------------------------------------------------------------------
    def _reread(self, obj: Model) -> Model:
        # A write may take the object out of the caller's sight; then answer with it as saved.
        return self.get_queryset().filter(pk=obj.pk).first() or obj

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
