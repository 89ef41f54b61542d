"""Reads of account health. These take account ids or an account the caller has already
scoped through accounts.access (the API and pages do); the scoped list is `health_list`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts import access
from accounts.models import Account, User
from reports.models import AccountHealth


def health_latest(*, account_ids: Iterable[int]) -> dict[int, AccountHealth]:
    """The newest snapshot of each given account, by account id (accounts never computed
    are absent). One query, served by the unique (account, date) index."""
    ids = list(account_ids)
    if not ids:
        return {}
    newest = (
        AccountHealth.objects.filter(account_id=OuterRef("account_id"))
        .order_by("-date")
        .values("date")[:1]
    )
    rows = AccountHealth.objects.filter(account_id__in=ids, date=Subquery(newest))
    return {row.account_id: row for row in rows}


def health_history(*, account: Account | int, days: int) -> QuerySet[AccountHealth]:
    """One account's snapshots of the last `days` days (today included), oldest first."""
    since = timezone.localdate() - dt.timedelta(days=max(days - 1, 0))
    account_id = account if isinstance(account, int) else account.pk
    return AccountHealth.objects.filter(account_id=account_id, date__gte=since).order_by("date")


def health_list(
    *, user: User, date: dt.date | None = None, filters: dict | None = None
) -> QuerySet[AccountHealth]:
    """One row per visible account: its snapshot of `date`, or its newest one when no date
    is given. `filters`: band, owner (username or id), region (code or id)."""
    qs = access.scoped(AccountHealth.objects.all(), user=user)
    if date is not None:
        qs = qs.filter(date=date)
    else:
        newest = (
            AccountHealth.objects.filter(account_id=OuterRef("account_id"))
            .order_by("-date")
            .values("date")[:1]
        )
        qs = qs.filter(date=Subquery(newest))
    filters = filters or {}
    if band := filters.get("band"):
        qs = qs.filter(band=band)
    if owner := filters.get("owner"):
        qs = (
            qs.filter(account__owner_id=int(owner))
            if str(owner).isdigit()
            else qs.filter(account__owner__username=owner)
        )
    if region := filters.get("region"):
        qs = (
            qs.filter(account__region_id=int(region))
            if str(region).isdigit()
            else qs.filter(account__region__code=region)
        )
    return qs.select_related("account", "account__owner", "account__region").order_by(
        "score", "account__name", "account_id"
    )
