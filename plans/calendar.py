"""The KAM's calendar: actions, next steps, tender deadlines, contracts' renewal dates and
events, as a page and .ics.

The feed URL carries a per-user secret (an HMAC of the user id and password hash) because
calendar apps fetch it without our session cookie; changing the password revokes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as VEvent

from accounts import access
from accounts.models import Interaction, User
from accounts.selectors import event_list
from kam.http import url_pattern

from .models import Action, Contract, Tender

FEED_SALT = "kam.plans.calendar-feed"
NEXT_STEP_HORIZON = dt.timedelta(days=60)


@dataclass
class CalendarItem:
    kind: str  # action | next_step | tender | contract_notice | contract_end | event
    uid: str
    day: dt.date
    title: str
    account_name: str = ""
    url: str = ""
    at: dt.datetime | None = None  # a precise time (tender deadlines)
    until: dt.date | None = None  # multi-day events
    overdue: bool = False
    due: dt.date | None = None  # an overdue item's own date (it shows on today)
    close_url: str = ""  # where to post done / cancelled / open (actions, next steps)
    pk: int | None = None
    note: str = ""  # a line that explains the date (contracts' renewal dates)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]()


def calendar_items(*, user: User, start: dt.date, end: dt.date) -> list[CalendarItem]:
    """Everything on the user's plate from `start` to `end` (both included), by date.

    Open actions and next steps already overdue show on today and are flagged, so they
    are not forgotten until someone closes them — on the page and in the .ics feed alike,
    whatever the window's start. Four queries.
    """
    today = timezone.localdate()
    items: list[CalendarItem] = []
    # One reverse() a kind of link, not two a row: a busy KAM has a thousand rows.
    plan_url, action_url = url_pattern("plans:plan"), url_pattern("plans:action-toggle")
    account_url, step_url = url_pattern("accounts:detail"), url_pattern("accounts:next-step")
    tender_url = url_pattern("plans:tender")
    # Plain rows, not model instances: a busy KAM has hundreds of entries in a month.
    mine = Action.objects.filter(owner=user, status=Action.Status.OPEN, due__lte=end)
    actions = (
        access.action_scope(user=user, queryset=mine)
        .order_by("due")
        .values_list("pk", "due", "description", "plan_id", "plan__account__name")
    )
    for pk, due, description, plan_id, account_name in actions:
        assert due is not None  # due__lte leaves out undated actions
        overdue = due < today
        items.append(
            CalendarItem(
                "action",
                f"action-{pk}",
                today if overdue else due,
                description,
                account_name,
                plan_url.format(plan_id),
                overdue=overdue,
                due=due,
                close_url=action_url.format(pk),
                pk=pk,
            )
        )
    next_steps = Interaction.objects.filter(
        author=user,
        next_step_status=Interaction.StepStatus.OPEN,
        next_step_due__isnull=False,
        # A next step left open for months is history, not today's work: it stays open on
        # the account's timeline (close it there) but leaves the calendar.
        next_step_due__gte=today - NEXT_STEP_HORIZON,
        next_step_due__lte=end,
    )
    steps = (
        access.interaction_scope(user=user, queryset=next_steps)
        .exclude(next_step="")
        .order_by("next_step_due")
        .values_list("pk", "next_step_due", "next_step", "account_id", "account__name")
    )
    for pk, due, next_step, account_id, account_name in steps:
        assert due is not None  # next_step_due__isnull=False
        overdue = due < today
        items.append(
            CalendarItem(
                "next_step",
                f"next-step-{pk}",
                today if overdue else due,
                next_step,
                account_name,
                account_url.format(account_id),
                overdue=overdue,
                due=due,
                close_url=step_url.format(pk),
                pk=pk,
            )
        )
    tz = timezone.get_current_timezone()
    open_tenders = Tender.objects.filter(
        stage__in=Tender.OPEN_STAGES,
        submission_deadline__gte=dt.datetime.combine(start, dt.time.min, tz),
        submission_deadline__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz),
    )
    tenders = (
        access.tender_scope(user=user, queryset=open_tenders)
        .order_by("submission_deadline")
        .values_list("pk", "submission_deadline", "title", "account__name")
    )
    for pk, deadline, title, account_name in tenders:
        at = timezone.localtime(deadline)
        items.append(
            CalendarItem(
                "tender",
                f"tender-{pk}",
                at.date(),
                title,
                account_name,
                tender_url.format(pk),
                at=at,
            )
        )
    items += _contract_items(user=user, start=start, end=end)
    # Events running on any day of the window (one-day events have no end date).
    events = (
        event_list(user=user)
        .filter(starts_on__lte=end)
        .filter(Q(ends_on__gte=start) | Q(ends_on__isnull=True, starts_on__gte=start))
        .order_by("starts_on")
    )
    event_url = url_pattern("accounts:event")
    for event in events:
        items.append(
            CalendarItem(
                "event",
                f"event-{event.pk}",
                max(event.starts_on, start),
                event.name,
                event.location,
                event_url.format(event.pk),
                until=event.ends_on,
            )
        )
    items.sort(key=lambda i: (i.day, i.at.time() if i.at else dt.time.min, i.kind))
    return items


def _contract_items(*, user: User, start: dt.date, end: dt.date) -> list[CalendarItem]:
    """Renewal dates of the live contracts the user sees: the notice date (the last day
    to give notice, end − notice days) and the end. One query over the contracts not yet
    ended (a few per account); the notice date is worked out here."""
    live = Contract.objects.filter(status__in=Contract.LIVE_STATUSES, end_date__gte=start)
    rows = access.contract_scope(user=user, queryset=live).values_list(
        "pk", "number", "title", "end_date", "notice_days", "auto_renewal", "account__name"
    )
    items = []
    contract_url = url_pattern("plans:contract")
    for pk, number, title, end_date, notice_days, auto_renewal, account_name in rows:
        notice = end_date - dt.timedelta(days=notice_days)
        url = contract_url.format(pk)
        renewal = (
            _("It renews by itself unless notice is given.")
            if auto_renewal
            else _("It does not renew by itself: agree a renewal before it ends.")
        )
        label = f"{number} {title}"
        if start <= notice <= end and notice_days:
            items.append(
                CalendarItem(
                    "contract_notice",
                    f"contract-notice-{pk}-{notice.isoformat()}",
                    notice,
                    label,
                    account_name,
                    url,
                    note=_("Last day to give notice: the contract ends on %(end)s. %(renewal)s")
                    % {"end": date_format(end_date), "renewal": renewal},
                )
            )
        if start <= end_date <= end:
            items.append(
                CalendarItem(
                    "contract_end",
                    f"contract-end-{pk}-{end_date.isoformat()}",
                    end_date,
                    label,
                    account_name,
                    url,
                    note=_("The contract's last day. %(renewal)s") % {"renewal": renewal},
                )
            )
    return items


def feed_token(user: User) -> str:
    return salted_hmac(FEED_SALT, f"{user.pk}:{user.password}", algorithm="sha256").hexdigest()[:40]


def feed_user(user_id: int, token: str) -> User | None:
    """The active user whose feed token this is, else None."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not constant_time_compare(feed_token(user), token):
        return None
    return user


KIND_LABELS = {
    "action": lambda: _("Action"),
    "next_step": lambda: _("Next step"),
    "tender": lambda: _("Tender deadline"),
    "event": lambda: _("Event"),
    "contract_notice": lambda: _("Contract notice date"),
    "contract_end": lambda: _("Contract ends"),
}


def calendar_ics(*, user: User, items: list[CalendarItem], base_url: str) -> bytes:
    """An RFC 5545 calendar of the items (all-day entries; tender deadlines at their time)."""
    cal = Calendar()
    cal.add("prodid", "-//KAM//Key account calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("KAM: %(user)s") % {"user": user.get_full_name() or user.username})
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for item in items:
        event = VEvent()
        event.add("uid", f"{item.uid}@kam")
        event.add("dtstamp", stamp)
        label = KIND_LABELS[item.kind]()
        summary = f"{label}: {item.title}"
        if item.account_name:
            summary += f" — {item.account_name}"
        event.add("summary", summary)
        if item.at is not None:
            event.add("dtstart", item.at)
            event.add("dtend", item.at + dt.timedelta(minutes=30))
        else:
            event.add("dtstart", item.day)
            event.add("dtend", (item.until or item.day) + dt.timedelta(days=1))
        if item.url:
            event.add("url", base_url + item.url)
        event.add("description", _ics_description(item, label, base_url))
        cal.add_component(event)
    return cal.to_ical()


def _ics_description(item: CalendarItem, label: str, base_url: str) -> str:
    lines = [label + (f" — {item.account_name}" if item.account_name else "")]
    if item.note:
        lines.append(item.note)
    if item.overdue and item.due:
        lines.append(_("Overdue: it was due on %(date)s.") % {"date": date_format(item.due)})
    if item.close_url:
        lines.append(_("Mark it done or cancel it in KAM."))
    if item.url:
        lines.append(base_url + item.url)
    return "\n".join(lines)
