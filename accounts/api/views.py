"""Viewsets of the accounts API: thin, scoped by the selectors, writing through the services."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import DateTimeField, Func, OuterRef, QuerySet
from django.db.models.expressions import BaseExpression
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import access, coverage, selectors, services
from accounts.access import CanReadRecords, HeadsWritePermission, RolePermission
from accounts.models import Account, Contact, ContactLink, Industry, Region
from kam.api.base import ServiceModelViewSet
from kam.http import AuthenticatedRequest

from . import filters, serializers
from .history import HistoryMixin


class _UTCWallTime(Func):
    """A `timestamptz` column read as its UTC wall time (a `timestamp`). Django loads
    `timestamptz` values through a Python loader, about 2.5 µs each (a tenth of the account
    list's CPU); psycopg loads `timestamp` values in C. SQLite: the column as it is."""

    template = "(%(expressions)s AT TIME ZONE 'UTC')"
    output_field = DateTimeField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])


@functools.cache
def _account_rows() -> QuerySet:
    """Plain rows for the hot list (see AccountListSerializer), prepared once and cloned per
    request (never evaluated itself); filters, search and ordering compose on the clones.
    On PostgreSQL the team rides along as an array, evaluated for the page's rows only."""
    extra: dict[str, BaseExpression] = {
        column: _UTCWallTime(field) for column, field in serializers.ACCOUNT_TIMESTAMPS.items()
    }
    if connection.vendor == "postgresql":
        members = Account.team.through.objects.filter(account_id=OuterRef("pk"))
        extra["team_usernames"] = ArraySubquery(
            members.order_by("user__username").values("user__username")
        )
    columns = [column for column in serializers.ACCOUNT_ROW.values() if column not in extra]
    return Account.objects.values(*columns, **extra)


AS_OF = OpenApiParameter(
    "as_of", type=dt.date, description="Coverage as of this date (default: today)"
)


def _as_of(request: Request) -> dt.date | None:
    params = serializers.AsOfSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data.get("as_of")


class AccountViewSet(HistoryMixin, ServiceModelViewSet):
    """Accounts the user may see. KAMs change their own; heads assign `owner` and `team`;
    the integration user reads only."""

    serializer_class = serializers.AccountSerializer
    filterset_class = filters.AccountFilter
    search_fields = ["name", "legal_name", "external_id", "tax_id"]
    ordering_fields = [
        "name",
        "external_id",
        "status",
        "tier",
        "ttm_revenue",
        "ttm_share",
        "ttm_growth",
        "ttm_penetration",
        "potential_annual",
        "created_at",
        "updated_at",
    ]
    ordering = ["name"]
    integration_can_read = True

    def get_queryset(self) -> QuerySet[Account]:
        if self.action == "list":
            return access.account_scope(user=self.request.user, queryset=_account_rows())
        return access.account_scope(user=self.request.user).select_related("owner")

    def create_object(self, data: dict[str, Any]) -> Account:
        return services.account_create(user=self.request.user, **data)

    def update_object(self, instance: Account, data: dict[str, Any]) -> Account:
        # A full PUT repeats the owner and team as they are: only real changes are
        # assignments (which only heads and admins may make).
        if "owner" in data and data["owner"] == instance.owner:
            del data["owner"]
        if "team" in data and {u.pk for u in data["team"]} == {u.pk for u in instance.team.all()}:
            del data["team"]
        return services.account_update(user=self.request.user, account=instance, **data)

    def delete_object(self, instance: Account) -> None:
        services.account_delete(user=self.request.user, account=instance)

    @extend_schema(
        responses=serializers.AccountCoverageSerializer, parameters=[AS_OF], filters=False
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        permission_classes=[CanReadRecords],  # who met whom: the KAMs' records, not the ERP's
    )
    def coverage(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        """Who on our side covers each of the account's people, how strongly, the
        relationship gaps and the links between the people (accounts.coverage)."""
        account = self.get_object()  # scoped: another KAM's account is a 404
        found = coverage.account_coverage(
            user=self.request.user, account=account, as_of=_as_of(request)
        )
        return Response(serializers.AccountCoverageSerializer(found).data)


class ContactViewSet(HistoryMixin, ServiceModelViewSet):
    """The client's people: the org chart (`reports_to`), decision roles, influence."""

    selector = staticmethod(selectors.contact_list)
    serializer_class = serializers.ContactSerializer
    filterset_class = filters.ContactFilter
    search_fields = ["name", "position", "department", "email"]
    ordering_fields = ["name", "influence", "decision_role", "created_at", "last_interaction_at"]
    ordering = ["name"]

    def create_object(self, data: dict[str, Any]) -> Contact:
        return services.contact_create(user=self.request.user, **data)

    def update_object(self, instance, data):
        return services.contact_update(user=self.request.user, contact=instance, **data)

    @extend_schema(
        responses=serializers.ContactCoverageAnswerSerializer, parameters=[AS_OF], filters=False
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def coverage(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        """Who on our side covers this person: each with their last meeting, interactions
        together in 90 days and the strength (accounts.coverage)."""
        contact = self.get_object()
        as_of = _as_of(request)
        found = coverage.contact_coverage(user=self.request.user, contact=contact, as_of=as_of)
        data = serializers.ContactCoverageSerializer(found).data
        return Response({**data, "as_of": as_of or timezone.localdate()})


class ContactLinkViewSet(HistoryMixin, ServiceModelViewSet):
    """Links between two people of one account beyond `reports_to`: influences (from → to),
    is close to, rivals. Made and removed by whoever may change the account."""

    selector = staticmethod(selectors.contact_link_list)
    serializer_class = serializers.ContactLinkSerializer
    filterset_class = filters.ContactLinkFilter
    search_fields = ["note", "from_contact__name", "to_contact__name"]
    ordering_fields = ["created_at", "kind"]
    ordering = ["from_contact__name", "kind", "to_contact__name"]
    account_path = "from_contact.account"

    def create_object(self, data):
        return services.contact_link_create(user=self.request.user, **data)

    def update_object(self, instance: ContactLink, data):
        return services.contact_link_update(user=self.request.user, link=instance, **data)

    def delete_object(self, instance: ContactLink) -> None:
        services.contact_link_delete(user=self.request.user, link=instance)


class InteractionViewSet(HistoryMixin, ServiceModelViewSet):
    """Meetings, calls, visits… logged against an account, with who was there."""

    selector = staticmethod(selectors.interaction_list)
    serializer_class = serializers.InteractionSerializer
    filterset_class = filters.InteractionFilter
    search_fields = ["subject", "summary", "outcome"]
    ordering_fields = ["occurred_at", "next_step_due", "created_at"]
    ordering = ["-occurred_at"]

    def create_object(self, data):
        return services.interaction_log(user=self.request.user, **data)

    def update_object(self, instance, data):
        return services.interaction_update(user=self.request.user, interaction=instance, **data)


class DistributorViewSet(ServiceModelViewSet):
    """Company master data: everyone reads, heads and admins (and the ERP import) write."""

    selector = staticmethod(selectors.distributor_list)
    permission_classes = [HeadsWritePermission]
    serializer_class = serializers.DistributorSerializer
    filterset_class = filters.DistributorFilter
    search_fields = ["name", "external_id"]
    ordering_fields = ["name", "external_id", "created_at"]
    ordering = ["name"]
    integration_can_read = True

    def create_object(self, data):
        return services.distributor_save(user=self.request.user, **data)

    def update_object(self, instance, data):
        return services.distributor_save(user=self.request.user, distributor=instance, **data)

    def delete_object(self, instance) -> None:
        services.distributor_delete(user=self.request.user, distributor=instance)


class DistributorLinkViewSet(HistoryMixin, ServiceModelViewSet):
    """Which distributor serves which account, in what role and share."""

    selector = staticmethod(selectors.distributor_link_list)
    serializer_class = serializers.DistributorLinkSerializer
    filterset_class = filters.DistributorLinkFilter
    search_fields = ["distributor__name", "account__name"]
    ordering_fields = ["since", "until", "share_of_volume", "created_at"]
    ordering = ["account__name", "distributor__name"]

    def create_object(self, data):
        return services.distributor_link_save(user=self.request.user, **data)

    def update_object(self, instance, data):
        return services.distributor_link_save(
            user=self.request.user,
            account=instance.account,
            distributor=instance.distributor,
            link=instance,
            **data,
        )


class EventViewSet(HistoryMixin, ServiceModelViewSet):
    """Conferences, presentations, exhibitions: the accounts concerned, who was invited/came."""

    serializer_class = serializers.EventSerializer
    filterset_class = filters.EventFilter
    search_fields = ["name", "location", "description"]
    ordering_fields = ["starts_on", "name", "created_at"]
    ordering = ["-starts_on"]

    selector = staticmethod(selectors.event_api_list)

    def create_object(self, data):
        return services.event_save(user=self.request.user, **data)

    def update_object(self, instance, data):
        # The service sets the three lists: a PATCH that leaves one out sends it as the
        # user sees it, and the service keeps what they cannot see (another KAM's account
        # a head put on a joint event, with its people) whatever is sent.
        for name in ("accounts", "invited", "attended"):
            data.setdefault(name, list(getattr(instance, f"visible_{name}")))
        return services.event_save(user=self.request.user, event=instance, **data)

    def delete_object(self, instance) -> None:
        services.event_delete(user=self.request.user, event=instance)


class SurveyViewSet(HistoryMixin, ServiceModelViewSet):
    """Needs research: NPS (0–10), satisfaction (1–5), needs and comments."""

    selector = staticmethod(selectors.survey_list)
    serializer_class = serializers.SurveySerializer
    filterset_class = filters.SurveyFilter
    search_fields = ["needs", "comments"]
    ordering_fields = ["date", "nps", "satisfaction", "created_at"]
    ordering = ["-date"]

    def create_object(self, data):
        return services.survey_create(user=self.request.user, **data)

    def update_object(self, instance, data):
        return services.survey_update(user=self.request.user, survey=instance, **data)


class _ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    request: AuthenticatedRequest  # RolePermission admits signed-in users only
    permission_classes = [RolePermission]
    filter_backends = ServiceModelViewSet.filter_backends


class RegionViewSet(_ReadOnlyViewSet):
    """Sales regions (read-only here; maintained in the admin and by the ERP import)."""

    queryset = Region.objects.all()
    serializer_class = serializers.RegionSerializer
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    filterset_fields = ["code"]
    integration_can_read = True


class IndustryViewSet(_ReadOnlyViewSet):
    queryset = Industry.objects.all()
    serializer_class = serializers.IndustrySerializer
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    filterset_fields = ["code"]
    integration_can_read = True


class UserViewSet(_ReadOnlyViewSet):
    """People for pickers: heads see everyone; a KAM their colleagues on shared accounts
    and the heads."""

    serializer_class = serializers.UserSerializer
    filterset_class = filters.UserFilter
    search_fields = ["username", "first_name", "last_name"]
    ordering_fields = ["username", "last_name"]
    ordering = ["username"]

    def get_queryset(self):
        return access.user_scope(user=self.request.user)
