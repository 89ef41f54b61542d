"""Digest e-mails: a daily one per KAM (their accounts overnight, what is due today,
what is overdue) and a weekly one for sales heads (portfolio moves, key accounts at risk,
key accounts' relationship-coverage gaps, KAM workload).

Each is built in the recipient's language and time zone, sent only when there is
something to say, through Django's mail backend (EMAIL_URL), with a signed one-click
unsubscribe link in the body and the List-Unsubscribe headers (RFC 2369 / RFC 8058).
Beat asks every hour (`digests_send_due`); a person's digest goes out at the first ask
after DIGEST_SEND_HOUR in their time zone, once (a DigestDelivery row is claimed first).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.access import account_scope, contact_scope, receives_head_alerts
from accounts.coverage import coverage_for_accounts
from accounts.models import Account, User
from plans.models import Action, Tender
from reports.health.selectors import health_latest
from reports.models import AccountHealth, AlertFiring, DigestDelivery, Notification

from .rules import RULES
from .services import user_language

UNSUBSCRIBE_SALT = "kam.alerts.unsubscribe"
DAILY, WEEKLY = DigestDelivery.Kind.DAILY, DigestDelivery.Kind.WEEKLY
LIST_LIMIT = 20


@dataclass
class Digest:
    user: User
    kind: str
    day: dt.date  # the recipient's local day (weekly: that week's Monday)
    context: dict[str, Any] = field(default_factory=dict)
    items: int = 0
    subject: str = ""
    text: str = ""
    html: str = ""
    unsubscribe_url: str = ""


# --- who, when, in which zone ----------------------------------------------------------


def user_zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.timezone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def unsubscribe_token(*, user: User, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_read(token: str) -> tuple[int, str]:
    """(user id, kind) of a signed unsubscribe token; BadSignature when forged."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if data.get("k") not in (DAILY, WEEKLY):
        raise signing.BadSignature("unknown digest kind")
    return int(data["u"]), data["k"]


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _my_accounts(user: User):
    """The accounts a person works: owned or on the team of (within what they may see)."""
    return account_scope(user=user).filter(Q(owner_id=user.pk) | Q(team__id=user.pk)).distinct()


# --- building ------------------------------------------------------------------------


def daily_digest(*, user: User, now: dt.datetime | None = None) -> Digest:
    """The daily digest of `user` as of `now` (items == 0: nothing to say)."""
    now = now or timezone.now()
    zone = user_zone(user)
    today = now.astimezone(zone).date()
    digest = Digest(user=user, kind=DAILY, day=today)
    account_ids = list(_my_accounts(user).values_list("pk", flat=True))
    new = list(
        Notification.objects.filter(
            recipient=user, created_at__gt=now - dt.timedelta(days=1), created_at__lte=now
        )
        .select_related("account")
        .order_by("-created_at")[:LIST_LIMIT]
    )
    actions = Action.objects.filter(status=Action.Status.OPEN).filter(
        Q(owner=user) | Q(plan__account_id__in=account_ids)
    )
    due_today = list(actions.filter(due=today).select_related("plan__account")[:LIST_LIMIT])
    overdue_qs = actions.filter(due__lt=today)
    overdue = list(overdue_qs.select_related("plan__account").order_by("due")[:LIST_LIMIT])
    overdue_count = overdue_qs.count() if len(overdue) == LIST_LIMIT else len(overdue)
    start = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    tenders_today = list(
        Tender.objects.filter(
            account_id__in=account_ids,
            stage__in=Tender.OPEN_STAGES,
            submission_deadline__gte=start,
            submission_deadline__lt=start + dt.timedelta(days=1),
        ).select_related("account")
    )
    digest.context = {
        "new": new,
        "health_changes": health_changes(account_ids=account_ids, today=today),
        "due_today": due_today,
        "tenders_today": tenders_today,
        "overdue": overdue,
        "overdue_count": overdue_count,
    }
    digest.items = (
        len(new)
        + len(digest.context["health_changes"])
        + len(due_today)
        + len(tenders_today)
        + overdue_count
    )
    return digest


HEALTH_MOVE_POINTS = 5


def health_changes(*, account_ids: list[int], today: dt.date) -> list[dict[str, Any]]:
    """Accounts whose newest health (computed overnight) moved band, or by at least
    HEALTH_MOVE_POINTS, against the snapshot before it (at most a week older)."""
    latest = {
        pk: row
        for pk, row in health_latest(account_ids=account_ids).items()
        if row.date >= today - dt.timedelta(days=1)
    }
    if not latest:
        return []
    before: dict[int, AccountHealth] = {}
    earlier = AccountHealth.objects.filter(
        account_id__in=latest.keys(),
        date__lt=max(r.date for r in latest.values()),
        date__gte=today - dt.timedelta(days=8),
    ).select_related("account")
    for row in earlier.order_by("account_id", "-date"):
        if row.date < latest[row.account_id].date:
            before.setdefault(row.account_id, row)
    names = dict(Account.objects.filter(pk__in=latest.keys()).values_list("pk", "name"))
    out: list[dict[str, Any]] = []
    for pk, now in latest.items():
        was = before.get(pk)
        if was is None:
            continue
        if was.band != now.band or abs(now.score - was.score) >= HEALTH_MOVE_POINTS:
            out.append(
                {
                    "account": names.get(pk, ""),
                    "account_id": pk,
                    "before": was.score,
                    "now": now.score,
                    "change": now.score - was.score,
                    "band": now.band,
                    "band_label": AccountHealth.Band(now.band).label,
                }
            )
    return sorted(out, key=lambda h: h["change"])[:LIST_LIMIT]


def weekly_digest(*, user: User, now: dt.datetime | None = None) -> Digest:
    """The weekly digest of a sales head as of `now`: the portfolio's alerts of the last
    7 days by rule, key accounts at risk, key accounts with coverage gaps, and each KAM's
    workload."""
    now = now or timezone.now()
    today = now.astimezone(user_zone(user)).date()
    digest = Digest(user=user, kind=WEEKLY, day=today - dt.timedelta(days=today.weekday()))
    visible = account_scope(user=user)
    week = AlertFiring.objects.filter(
        created_at__gt=now - dt.timedelta(days=7), account__in=visible
    ).select_related("account")
    moves: list[dict[str, Any]] = []
    for key, rule in RULES.items():
        if not rule.notify_heads:
            continue
        rows = list(week.filter(rule=key).order_by("account__name")[:LIST_LIMIT])
        if rows:
            with translation.override(user_language(user)):
                lines = [rule.message % {**f.params, "account": f.account.name} for f in rows]
            moves.append({"label": rule.label, "lines": lines})
    today_open = Q(plan_actions__status=Action.Status.OPEN)
    workload = list(
        User.objects.filter(role=User.Role.KAM, is_active=True)
        .annotate(
            accounts=Count("owned_accounts", distinct=True),
            key_accounts=Count(
                "owned_accounts", filter=Q(owned_accounts__is_key=True), distinct=True
            ),
            open_actions=Count("plan_actions", filter=today_open, distinct=True),
            overdue_actions=Count(
                "plan_actions", filter=today_open & Q(plan_actions__due__lt=today), distinct=True
            ),
        )
        .order_by("-accounts", "username")
        .values(
            "username",
            "first_name",
            "last_name",
            "accounts",
            "key_accounts",
            "open_actions",
            "overdue_actions",
        )
    )
    for row in workload:
        row["display_name"] = User.name_of(row["first_name"], row["last_name"], row["username"])
    key_ids = list(visible.filter(is_key=True).values_list("pk", flat=True))
    at_risk = sorted(
        (
            row
            for row in health_latest(account_ids=key_ids).values()
            if row.band == AccountHealth.Band.AT_RISK
        ),
        key=lambda r: r.score,
    )[:LIST_LIMIT]
    accounts = Account.objects.select_related("owner").in_bulk([r.account_id for r in at_risk])
    digest.context = {
        "moves": moves,
        "at_risk": [
            {
                "account": accounts[r.account_id].name,
                "score": r.score,
                "owner": _person(accounts[r.account_id].owner),
            }
            for r in at_risk
        ],
        "coverage_gaps": _coverage_gaps(user=user, key_ids=key_ids, today=today),
        "workload": workload,
        "key_accounts": len(key_ids),
    }
    digest.items = (
        sum(len(m["lines"]) for m in moves)
        + len(digest.context["at_risk"])
        + len(digest.context["coverage_gaps"])
        + len(workload)
    )
    return digest


def _person(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _coverage_gaps(*, user: User, key_ids: list[int], today: dt.date) -> list[dict[str, Any]]:
    """Key accounts with relationship-coverage gaps (accounts.coverage's rules), worst
    first: the account, its KAM and the gaps' titles in the reader's language."""
    key_accounts = list(
        Account.objects.filter(pk__in=key_ids).select_related("owner").order_by("name", "pk")
    )
    coverage = coverage_for_accounts(
        accounts=key_accounts, contacts=contact_scope(user=user), as_of=today
    )
    rows = []
    with translation.override(user_language(user)):
        for account in key_accounts:
            gaps = coverage[account.pk].gaps
            if gaps:
                rows.append(
                    {
                        "account": account.name,
                        "owner": _person(account.owner),
                        "gaps": [g.title for g in gaps],
                    }
                )
    rows.sort(key=lambda r: (-len(r["gaps"]), r["account"]))
    return rows[:LIST_LIMIT]


def digest_render(digest: Digest) -> Digest:
    """Subject, plain text and HTML in the recipient's language and time zone."""
    user = digest.user
    token = unsubscribe_token(user=user, kind=digest.kind)
    digest.unsubscribe_url = absolute(reverse("alerts:unsubscribe", args=[token]))
    with translation.override(user_language(user)), timezone.override(user_zone(user)):
        context = {
            **digest.context,
            "user": user,
            "LANGUAGE_CODE": user_language(user),
            "day": digest.day,
            "site_url": settings.SITE_URL.rstrip("/"),
            "unsubscribe_url": digest.unsubscribe_url,
            "preferences_url": absolute(reverse("alerts:preferences")),
            "notifications_url": absolute(reverse("alerts:notifications")),
        }
        name = "daily" if digest.kind == DAILY else "weekly"
        digest.subject = (
            _("KAM: your day, %(day)s") if digest.kind == DAILY else _("KAM: the week, %(day)s")
        ) % {"day": digest.day.isoformat()}
        digest.text = render_to_string(f"reports/alerts/email/{name}.txt", context)
        digest.html = render_to_string(f"reports/alerts/email/{name}.html", context)
    return digest


def digest_message(digest: Digest) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=digest.subject,
        body=digest.text,
        to=[digest.user.email],
        headers={
            "List-Unsubscribe": f"<{digest.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(digest.html, "text/html")
    return message


def digest_build(*, user: User, kind: str, now: dt.datetime | None = None) -> Digest:
    build = daily_digest if kind == DAILY else weekly_digest
    return digest_render(build(user=user, now=now))


def digest_send(digest: Digest) -> bool:
    """Send a rendered digest if it says something and the user has an address."""
    if not digest.items or not digest.user.email:
        return False
    digest_message(digest).send()
    return True


# --- who gets what, now ----------------------------------------------------------------


def digest_recipients(*, kind: str) -> list[User]:
    people = User.objects.filter(is_active=True).exclude(email="")
    if kind == DAILY:
        return list(
            people.filter(digest_daily=True, role__in=[User.Role.KAM, User.Role.HEAD])
            .filter(Q(owned_accounts__isnull=False) | Q(team_accounts__isnull=False))
            .distinct()
        )
    return [u for u in people.filter(digest_weekly=True) if receives_head_alerts(u)]


def _claim(*, user: User, kind: str, day: dt.date) -> DigestDelivery | None:
    try:
        with transaction.atomic():
            return DigestDelivery.objects.create(user=user, kind=kind, day=day)
    except IntegrityError:
        return None


def digests_send_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Beat, hourly: send each person's daily (and on Mondays weekly) digest once, at the
    first run after DIGEST_SEND_HOUR in their time zone."""
    now = now or timezone.now()
    counts = {"sent": 0, "empty": 0, "failed": 0}
    for kind in (DAILY, WEEKLY):
        for user in digest_recipients(kind=kind):
            local = now.astimezone(user_zone(user))
            if local.hour < settings.DIGEST_SEND_HOUR:
                continue
            if kind == WEEKLY and local.weekday() != 0:
                continue
            claim = _claim(user=user, kind=kind, day=local.date())
            if claim is None:
                continue
            try:
                digest = digest_build(user=user, kind=kind, now=now)
                sent = digest_send(digest)
            except Exception:
                claim.delete()  # the next hourly run tries again
                counts["failed"] += 1
                continue
            claim.items = digest.items
            claim.sent_at = timezone.now() if sent else None
            claim.save(update_fields=["items", "sent_at"])
            counts["sent" if sent else "empty"] += 1
    return counts


def unsubscribe(*, token: str) -> tuple[User, str]:
    """Switch off the digest a signed link names (no login: the signature is the proof)."""
    user_id, kind = unsubscribe_read(token)
    user = User.objects.get(pk=user_id)
    field_name = "digest_daily" if kind == DAILY else "digest_weekly"
    if getattr(user, field_name):
        setattr(user, field_name, False)
        user.save(update_fields=[field_name])
    return user, kind
