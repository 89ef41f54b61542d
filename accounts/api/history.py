"""`GET /api/v1/<records>/{id}/history/`: who changed what, when (django-simple-history).

A page of history records is read in one query, its predecessor in one more, the team
(many-to-many) snapshots of the whole page in one more and the usernames in one more; the
differences between consecutive records are computed here, so the cost does not grow with
the page.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from accounts.access import CanReadRecords
from kam.api.pagination import Pagination
from kam.http import AuthenticatedRequest

TYPES = {"+": "created", "~": "changed", "-": "deleted"}


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True, help_text="Username of who made the change")
    type = serializers.ChoiceField(choices=list(TYPES.values()))
    reason = serializers.CharField(
        allow_null=True, help_text="Why, when recorded: `deleted` and `restored` for soft deletion"
    )
    changes = ChangeSerializer(many=True)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _m2m_snapshots(history_model, records: list) -> dict[str, dict[int, list]]:
    """{field: {history_id: sorted related ids}} for the records, one query per m2m field."""
    snapshots: dict[str, dict[int, list]] = {}
    for field in getattr(history_model, "_history_m2m_fields", []):
        through = history_model._meta.get_field(
            f"{history_model._meta.model_name}_{field.name}"
        ).related_model
        by_record: dict[int, list] = {r.history_id: [] for r in records}
        rows = through.objects.filter(history_id__in=list(by_record)).values_list(
            "history_id", f"{field.m2m_reverse_field_name()}_id"
        )
        for history_id, related_id in rows:
            by_record[history_id].append(related_id)
        snapshots[field.name] = {k: sorted(v) for k, v in by_record.items()}
    return snapshots


def history_entries(history_model, records: list, previous) -> list[dict]:
    """Entries for `records` (newest first); `previous` is the record before the oldest.

    Values are shown as the resource shows them: people by username, other relations by id.
    """
    User = get_user_model()
    fields = [f for f in history_model.tracked_fields if f.name not in ("id", "created_at")]
    people = {f.name for f in fields if f.is_relation and f.related_model is User}
    people |= {
        f.name for f in getattr(history_model, "_history_m2m_fields", []) if f.related_model is User
    }
    chain = [*records, previous] if previous is not None else list(records)
    m2m = _m2m_snapshots(history_model, chain)
    entries = []
    for index, record in enumerate(records):
        before = chain[index + 1] if index + 1 < len(chain) else None
        changes = []
        if record.history_type != "-":
            for field in fields:
                new = getattr(record, field.attname)
                old = getattr(before, field.attname) if before is not None else None
                if before is None and new in (None, "", False):
                    continue  # a creation lists what was set, not every empty field
                if new != old:
                    changes.append({"field": field.name, "old": old, "new": new})
            for name, snapshot in m2m.items():
                new = snapshot[record.history_id]
                old = snapshot[before.history_id] if before is not None else []
                if new != old:
                    changes.append({"field": name, "old": old, "new": new})
        user = record.history_user
        entries.append(
            {
                "at": record.history_date,
                "user": user.username if user is not None else None,
                "type": TYPES[record.history_type],
                "reason": record.history_change_reason,
                "changes": changes,
            }
        )
    _name_people(entries, people, User)
    return entries


def _name_people(entries: list[dict], people: set[str], User) -> None:
    """Replace user ids by usernames (one query for the page) and make values JSON-plain."""
    ids: set[int] = set()
    for entry in entries:
        for change in entry["changes"]:
            if change["field"] in people:
                for value in (change["old"], change["new"]):
                    ids.update(value if isinstance(value, list) else [value])
    names = dict(User.objects.filter(pk__in=ids - {None}).values_list("pk", "username"))
    for entry in entries:
        for change in entry["changes"]:
            for key in ("old", "new"):
                value = change[key]
                if change["field"] not in people:
                    change[key] = _plain(value)
                elif isinstance(value, list):
                    change[key] = sorted(names.get(v, str(v)) for v in value)
                else:
                    change[key] = names.get(value, value)


if TYPE_CHECKING:
    _ViewSet = GenericViewSet  # what the mixin is mixed into
else:
    _ViewSet = object


class HistoryMixin(_ViewSet):
    """Adds `GET …/{id}/history/` to a viewset whose model keeps django-simple-history."""

    @extend_schema(responses=HistoryEntrySerializer(many=True), filters=False)
    @action(
        detail=True,
        methods=["get"],
        pagination_class=Pagination,
        filter_backends=[],
        permission_classes=[CanReadRecords],  # the ERP reads accounts, not the KAMs' activity
    )
    def history(
        self, request: AuthenticatedRequest, pk: str | None = None, **kwargs: Any
    ) -> Response:  # kwargs: `format`
        obj = self.get_object()  # scoped: another KAM's record is a 404 here too
        history = obj.history.select_related("history_user").order_by(
            "-history_date", "-history_id"
        )
        page = self.paginate_queryset(history)
        assert page is not None  # the action sets its pagination_class
        records = list(page)
        previous = None
        if records:  # the record just before the page's oldest, to diff that one too
            oldest = records[-1]
            previous = history.filter(
                Q(history_date__lt=oldest.history_date)
                | Q(history_date=oldest.history_date, history_id__lt=oldest.history_id)
            ).first()
        entries = history_entries(obj.history.model, records, previous)
        return self.get_paginated_response(HistoryEntrySerializer(entries, many=True).data)
