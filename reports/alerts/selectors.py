"""Reads of the alerts: a person's notifications (their own only, via accounts.access)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.access import notification_scope
from accounts.models import User
from reports.models import Notification


def notification_list(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's notifications, newest first; `unread` True/False filters on read_at."""
    qs = notification_scope(user=user, queryset=Notification.objects.all())
    if unread is not None:
        qs = qs.filter(read_at__isnull=unread)
    return qs.select_related("account").order_by("-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    """The bell's number: one COUNT over the partial index of unread rows."""
    return (
        notification_scope(user=user, queryset=Notification.objects.all())
        .filter(read_at__isnull=True)
        .count()
    )
