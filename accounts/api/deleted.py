"""`GET /api/v1/deleted/` and `POST /api/v1/deleted/{kind}/{id}/restore/`.

What the user deleted lately (interactions, surveys, events, distributor links: deleting
them only marks them) and may restore: heads and admins anything, a KAM what they authored
or deleted on accounts they still see (accounts.access.restorable_records decides). Anything
else, like a record past retention, is a 404.
"""

from __future__ import annotations

from typing import cast

from django.core.paginator import Paginator
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from accounts import access, selectors, services
from accounts.access import RolePermission
from accounts.models import DistributorLink, User
from kam.api.pagination import Pagination
from kam.forms import parse_id
from kam.http import AuthenticatedRequest

KINDS = list(selectors.SOFT_DELETED_KINDS)
# The regular resource of each kind, where a restored record is found again.
RESOURCE = {
    "interaction": "api:interaction-detail",
    "survey": "api:survey-detail",
    "event": "api:event-detail",
    "distributor-link": "api:distributor-link-detail",
}


class DeletedEntrySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS)
    id = serializers.IntegerField()
    label = serializers.CharField(help_text="What it was, in a line")  # type: ignore[assignment]  # a field named like Field.label
    account = serializers.IntegerField(
        allow_null=True, help_text="The account's id (null for events: see their accounts)"
    )
    deleted_at = serializers.DateTimeField()
    deleted_by = serializers.CharField(allow_null=True, help_text="Username of who deleted it")


class RestoredSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS)
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="The restored record in its own resource")


class DeletedQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS, required=False)
    account = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class _PlainPagination(Pagination):
    # The list is a UNION over four tables: a window count cannot ride on it.
    django_paginator_class = Paginator  # type: ignore[assignment]


def _entry(entry: selectors.DeletedEntry) -> dict:
    record = entry.record
    return {
        "kind": entry.kind,
        "id": record.pk,
        "label": (
            str(record) if not isinstance(record, DistributorLink) else record.distributor.name
        ),
        "account": entry.account.pk if entry.account is not None else None,
        "deleted_at": record.deleted_at,
        "deleted_by": record.deleted_by.username if record.deleted_by else None,
    }


class DeletedList(generics.GenericAPIView):
    """Deleted in the last SOFT_DELETE_RETENTION_DAYS days and restorable by you, newest
    deletion first; `kind` and `account` narrow it."""

    permission_classes = [RolePermission]
    filter_backends: list = []  # `kind` and `account` only (below)
    pagination_class = _PlainPagination
    serializer_class = DeletedEntrySerializer

    def get_queryset(self):
        query = DeletedQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.deleted_record_ids(
            user=cast(User, self.request.user),  # RolePermission: signed in
            kind=query.validated_data.get("kind", ""),
            account_id=query.validated_data.get("account"),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=KINDS, required=False),
            OpenApiParameter("account", int, required=False, description="An account's id"),
        ],
        responses=DeletedEntrySerializer(many=True),
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        entries = [_entry(e) for e in selectors.deleted_entries(list(page))]
        return self.get_paginated_response(DeletedEntrySerializer(entries, many=True).data)


class DeletedRestore(generics.GenericAPIView):
    """Restore one deleted record; its history records who restored it."""

    permission_classes = [RolePermission]
    filter_backends: list = []
    serializer_class = RestoredSerializer

    @extend_schema(request=None, responses=RestoredSerializer)
    def post(self, request: AuthenticatedRequest, kind: str, pk: int) -> Response:
        model = selectors.SOFT_DELETED_KINDS.get(kind)
        if model is None or parse_id(pk) is None:  # an id past 64 bits is no record
            raise Http404
        record = access.restorable_records(user=request.user, model=model).filter(pk=pk).first()
        if record is None:
            raise Http404
        services.record_restore(user=request.user, record=record)
        url = reverse(RESOURCE[kind], args=[record.pk])
        return Response(RestoredSerializer({"kind": kind, "id": record.pk, "url": url}).data)
