"""Writes of the alerts: thresholds, the nightly evaluation, reading notifications and
the digest preferences."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.access import can_tune_alerts, notification_scope, receives_head_alerts
from accounts.models import Account, User
from accounts.services import validated_save
from kam.unset import UNSET, Unset, given
from plans.models import AccountPlan, Action
from plans.services import action_save, actions_add_for_owners
from reports.models import AlertFiring, AlertSettings, Notification

from .rules import RULES, Hit, Rule
from .selectors import forget_unread_counts

logger = logging.getLogger("kam.alerts")


def alert_settings_get() -> AlertSettings:
    """The thresholds row, created with the defaults on first use."""
    cfg, _created = AlertSettings.objects.get_or_create(pk=1)
    return cfg


@transaction.atomic
def alert_settings_update(*, user: User, **fields: Any) -> AlertSettings:
    """Change thresholds (a sales head or an admin); the next evaluation uses them."""
    if not can_tune_alerts(user):
        raise ValidationError("Only a sales head or an admin changes the alert thresholds.")
    unknown = set(fields) - {f.name for f in AlertSettings._meta.fields} - {"updated_by"}
    if unknown:
        raise ValidationError(f"Unknown thresholds: {', '.join(sorted(unknown))}.")
    cfg = AlertSettings.objects.select_for_update().get(pk=alert_settings_get().pk)
    return validated_save(cfg, {**fields, "updated_by": user})


def user_language(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def render_message(rule: Rule, params: dict[str, Any], *, language: str) -> str:
    with translation.override(language):
        return str(rule.message) % params


def active_plan(account: Account, *, as_of: dt.date) -> AccountPlan | None:
    """The plan an alert's action goes to: an active or approved plan of the account,
    the one covering `as_of` first, then the latest."""
    plans = AccountPlan.objects.filter(
        account=account, status__in=[AccountPlan.Status.ACTIVE, AccountPlan.Status.APPROVED]
    )
    covering = plans.filter(period_start__lte=as_of, period_end__gte=as_of)
    return (
        covering.order_by("-period_start", "-pk").first()
        or plans.order_by("-period_start", "-pk").first()
    )


def _recipients(rule: Rule, account: Account, heads: list[User]) -> list[User]:
    people: list[User] = []
    if account.owner is not None and account.owner.is_active:
        people.append(account.owner)
    # Heads hear of the portfolio rules on key accounts only: the rest is the KAM's.
    if rule.notify_heads and account.is_key:
        people += [h for h in heads if h.pk != account.owner_id]
    return people


def _firing(*, rule: Rule, hit: Hit, account: Account, as_of: dt.date) -> AlertFiring:
    params = {**hit.params, "account": account.name}
    return AlertFiring(
        rule=rule.key,
        account=account,
        condition_key=hit.key,
        message=render_message(rule, params, language=settings.LANGUAGE_CODE),
        params=params,
        first_seen=as_of,
        last_seen=as_of,
    )


def _notifications(*, rule: Rule, firing: AlertFiring, heads: list[User]) -> list[Notification]:
    account = firing.account
    return [
        Notification(
            recipient=person,
            firing=firing,
            account=account,
            rule=rule.key,
            message=render_message(rule, firing.params, language=user_language(person)),
        )
        for person in _recipients(rule, account, heads)
    ]


def _fire_all(
    *, rule: Rule, hits: list[tuple[Hit, Account]], as_of: dt.date, heads: list[User]
) -> int:
    """Open the firings, tell their people, add the rule's actions: in bulk (a few
    statements per rule, not per firing); when another evaluation opened one of them at
    the same moment (the unique constraint says so), one by one, skipping those."""
    if not hits:
        return 0
    try:
        with transaction.atomic():
            firings = AlertFiring.objects.bulk_create(
                [_firing(rule=rule, hit=hit, account=account, as_of=as_of) for hit, account in hits]
            )
            notifications = Notification.objects.bulk_create(
                [n for f in firings for n in _notifications(rule=rule, firing=f, heads=heads)]
            )
            forget_unread_counts(n.recipient_id for n in notifications)
            if rule.action is not None:
                _add_actions(rule=rule, accounts=[f.account for f in firings], as_of=as_of)
            return len(firings)
    except IntegrityError:
        return sum(
            1
            for hit, account in hits
            if _fire(rule=rule, hit=hit, account=account, as_of=as_of, heads=heads)
        )


def _fire(
    *, rule: Rule, hit: Hit, account: Account, as_of: dt.date, heads: list[User]
) -> AlertFiring | None:
    """One firing with its notifications and action; None when another evaluation opened
    the same firing at the same moment."""
    try:
        with transaction.atomic():
            firing = _firing(rule=rule, hit=hit, account=account, as_of=as_of)
            firing.save()
            notifications = Notification.objects.bulk_create(
                _notifications(rule=rule, firing=firing, heads=heads)
            )
            forget_unread_counts(n.recipient_id for n in notifications)
            if rule.action is not None:
                _add_action(rule=rule, account=account, as_of=as_of)
    except IntegrityError:
        return None
    return firing


def _add_actions(*, rule: Rule, accounts: list[Account], as_of: dt.date) -> list[Action]:
    """The rule's action on each account's active plan, for its KAM: one query for the
    plans, one bulk insert (with history) for the actions."""
    kams = {a.pk: a.owner for a in accounts if a.owner is not None and a.owner.is_active}
    plans: dict[int, AccountPlan] = {}
    candidates = (
        AccountPlan.objects.filter(
            account_id__in=kams.keys(),
            status__in=[AccountPlan.Status.ACTIVE, AccountPlan.Status.APPROVED],
        )
        .select_related("account__owner")
        .order_by("account_id", "-period_start", "-pk")
    )
    for plan in candidates:  # the same choice as active_plan(): covering as_of first
        best = plans.get(plan.account_id)
        covers = plan.period_start <= as_of <= plan.period_end
        if best is None or (covers and not best.period_start <= as_of <= best.period_end):
            plans[plan.account_id] = plan
    items = []
    for account_id, plan in plans.items():
        with translation.override(user_language(kams[account_id])):
            description = str(rule.action)
        items.append((plan, description, as_of + dt.timedelta(days=rule.action_days)))
    return actions_add_for_owners(items=items)


def _add_action(*, rule: Rule, account: Account, as_of: dt.date) -> Action | None:
    kam = account.owner
    plan = active_plan(account, as_of=as_of)
    if kam is None or not kam.is_active or plan is None:
        return None
    with translation.override(user_language(kam)):
        description = str(rule.action)
    return action_save(
        user=kam,
        plan=plan,
        description=description,
        owner=kam,
        due=as_of + dt.timedelta(days=rule.action_days),
    )


def alerts_evaluate(*, as_of: dt.date | None = None, rules: Iterable[str] | None = None) -> dict:
    """Run every rule as of a date (default today): new conditions fire once (a firing,
    a notification per recipient, the rule's action), holding ones are stamped
    `last_seen`, vanished ones are cleared. Safe to run twice, even at once."""
    as_of = as_of or timezone.localdate()
    cfg = alert_settings_get()
    heads = [u for u in User.objects.filter(role=User.Role.HEAD) if receives_head_alerts(u)]
    now = timezone.now()
    summary: dict[str, dict[str, int]] = {}
    for rule in RULES.values():
        if rules is not None and rule.key not in rules:
            continue
        hits = {(h.account_id, h.key): h for h in rule.evaluate(as_of, cfg)}
        # One transaction per rule: each firing is a savepoint in it, not a commit of its
        # own (a commit per firing cost 15 ms of fsync each); a concurrent run waits on
        # the open-firing index and its duplicate is rolled back to its savepoint.
        with transaction.atomic():
            open_ = {
                (account_id, key): pk
                for pk, account_id, key in AlertFiring.objects.filter(
                    rule=rule.key, cleared_at__isnull=True
                ).values_list("pk", "account_id", "condition_key")
            }
            holding = [pk for k, pk in open_.items() if k in hits]
            gone = [pk for k, pk in open_.items() if k not in hits]
            AlertFiring.objects.filter(pk__in=holding, last_seen__lt=as_of).update(last_seen=as_of)
            cleared = AlertFiring.objects.filter(pk__in=gone, cleared_at__isnull=True).update(
                cleared_at=now
            )
            new = [hit for k, hit in hits.items() if k not in open_]
            accounts = Account.objects.select_related("owner").in_bulk(
                {hit.account_id for hit in new}
            )
            fired = _fire_all(
                rule=rule,
                hits=[
                    (hit, accounts[hit.account_id])
                    for hit in sorted(new, key=lambda h: (h.account_id, h.key))
                    if hit.account_id in accounts
                ],
                as_of=as_of,
                heads=heads,
            )
        summary[rule.key] = {"fired": fired, "holding": len(holding), "cleared": cleared}
    logger.info("alerts evaluated as of %s: %s", as_of, summary)
    return {"as_of": as_of.isoformat(), "rules": summary}


# --- reading --------------------------------------------------------------------------


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (another's is DoesNotExist: a 404)."""
    notification = notification_scope(user=user, queryset=Notification.objects.all()).get(
        pk=notification_id
    )
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        forget_unread_counts([user.pk])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    marked = (
        notification_scope(user=user, queryset=Notification.objects.all())
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now())
    )
    forget_unread_counts([user.pk])
    return marked


@transaction.atomic
def user_preferences_update(
    *,
    user: User,
    language: str | Unset = UNSET,
    timezone_name: str | Unset = UNSET,
    digest_daily: bool | Unset = UNSET,
    digest_weekly: bool | Unset = UNSET,
) -> User:
    """Change the user's own digest preferences (language, time zone, which digests)."""
    fields = given(language=language, digest_daily=digest_daily, digest_weekly=digest_weekly)
    if timezone_name is not UNSET:
        if timezone_name and timezone_name not in available_timezones():
            raise ValidationError({"timezone": f"{timezone_name!r} is not a time zone."})
        fields["timezone"] = timezone_name
    return validated_save(user, fields)


def available_timezones() -> set[str]:
    import zoneinfo

    return zoneinfo.available_timezones()
