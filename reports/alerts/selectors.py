"""Reads of the alerts: a person's notifications (their own only, via accounts.access)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

from accounts.access import notification_scope
from accounts.models import User
from kam.cache import cache_call
from reports.models import Notification


def notification_list(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's notifications, newest first; `unread` True/False filters on read_at."""
    qs = notification_scope(user=user, queryset=Notification.objects.all())
    if unread is not None:
        qs = qs.filter(read_at__isnull=unread)
    return qs.select_related("account").order_by("-created_at", "-id")


# The bell is in the frame of every page: its count is kept this long in the cache, and
# forgotten as soon as the person's notifications change (`forget_unread_counts`), so the
# limit only matters for a change made around the services (the Django admin, a purge).
UNREAD_COUNT_TTL_S = 60


def _unread_key(user_id: int) -> str:
    return f"alerts:unread:{user_id}"


def notification_unread_count(*, user: User) -> int:
    """The bell's number: one COUNT over the partial index of unread rows, or the cache's
    copy of it (kam.cache: without a cache, the COUNT every time)."""
    key = _unread_key(user.pk)
    count = cache_call(lambda: cache.get(key), fallback=None, what="bell")
    if count is None:
        count = (
            notification_scope(user=user, queryset=Notification.objects.all())
            .filter(read_at__isnull=True)
            .count()
        )
        cache_call(lambda: cache.set(key, count, UNREAD_COUNT_TTL_S), fallback=None, what="bell")
    return count


def forget_unread_counts(user_ids: Iterable[int]) -> None:
    """These people's notifications changed: their bells count again once the change is
    committed (not before, or a page in between would keep the old count)."""
    keys = [_unread_key(pk) for pk in set(user_ids)]
    if keys:
        transaction.on_commit(
            lambda: cache_call(lambda: cache.delete_many(keys), fallback=None, what="bell")
        )
