"""The built-in alert rules: one function per rule, one line per rule in RULES.

A rule is given the evaluation date and the head's thresholds and returns the conditions
that hold *now*, each as a `Hit(account_id, key, params)`. `key` tells one condition of the
rule on an account from another (a survey, a tender, an action; "" when the rule has one
condition per account); `params` fill the rule's message. The evaluator
(reports.alerts.services.alerts_evaluate) turns new hits into firings, notifications and
actions, and closes the firings whose condition no longer holds — so a rule only ever
describes the present. Adding a rule: write its function, add its `Rule(...)` line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Max
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Survey
from plans.models import Action, Contract, Tender
from reports.health.selectors import health_latest
from reports.metrics.periods import TTM, ttm_latest
from reports.models import AccountHealth, AccountMetric, AlertSettings
from reports.portfolio.dashboard import TIER_ORDER, previous_tiers


@dataclass(frozen=True)
class Hit:
    account_id: int
    key: str = ""
    params: dict[str, Any] = field(default_factory=dict)


RuleFunction = Callable[[dt.date, AlertSettings], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    key: str
    label: Promise
    # Filled with the hit's params and %(account)s; rendered in each recipient's language.
    message: Promise
    evaluate: RuleFunction
    # Also tell the sales heads, when the account is a key account.
    notify_heads: bool = False
    # When set, a new firing also adds an action with this text to the account's active
    # plan, for its KAM, due `action_days` after the firing.
    action: Promise | None = None
    action_days: int = 7


def _latest_health(as_of: dt.date) -> dict[int, AccountHealth]:
    """Each account's newest snapshot on or before `as_of` (reports.health.selectors)."""
    ids = AccountHealth.objects.filter(date__lte=as_of).values_list("account_id", flat=True)
    latest = health_latest(account_ids=set(ids))
    return {pk: row for pk, row in latest.items() if row.date <= as_of}


def health_dropped(as_of: dt.date, cfg: AlertSettings) -> Iterable[Hit]:
    """The newest score is at least `health_drop_points` below the best score of the
    last `health_drop_days` days."""
    latest = _latest_health(as_of)
    since = as_of - dt.timedelta(days=cfg.health_drop_days)
    best = dict(
        AccountHealth.objects.filter(date__gte=since, date__lte=as_of)
        .values("account_id")
        .annotate(top=Max("score"))
        .values_list("account_id", "top")
    )
    for account_id, row in latest.items():
        top = best.get(account_id)
        if top is not None and top - row.score >= cfg.health_drop_points:
            yield Hit(
                account_id,
                "",
                {"before": f"{top:.1f}", "now": f"{row.score:.1f}", "days": cfg.health_drop_days},
            )


def health_at_risk(as_of: dt.date, cfg: AlertSettings) -> Iterable[Hit]:
    """The newest snapshot is in the "at risk" band (fires when the account enters it)."""
    for account_id, row in _latest_health(as_of).items():
        if row.band == AccountHealth.Band.AT_RISK:
            yield Hit(account_id, "", {"score": f"{row.score:.1f}"})


def decision_maker_unmet(as_of: dt.date, cfg: AlertSettings) -> Iterable[Hit]:
    """No decision maker or economic buyer met for more than `decision_maker_days` days,
    or never: read from the health snapshot's `decision_makers` component (its value is
    the days since; the one formula lives in reports.health)."""
    for account_id, row in _latest_health(as_of).items():
        part = next((c for c in row.components if c.get("key") == "decision_makers"), None)
        if part is None or part.get("weight") is None:
            continue  # left out: the account has no such contact
        days = part.get("value")  # None: never met
        if days is None or days > cfg.decision_maker_days:
            yield Hit(account_id, "", {"limit": cfg.decision_maker_days})


def margin_erosion(as_of: dt.date, cfg: AlertSettings) -> Iterable[Hit]:
    """DESIGN.md's margin erosion: a key account whose ttm revenue grew while its ttm
    margin fell by the threshold or more (margin_pct is a 0–1 ratio, so points / 100)."""
    limit = -float(cfg.margin_erosion_points) / 100
    rows = AccountMetric.objects.filter(
        period=TTM, account__is_key=True, growth__gt=0, margin_change__lte=limit
    ).values_list("account_id", "margin_change")
    for account_id, change in rows:
        yield Hit(account_id, "", {"points": f"{-100 * (change or 0):.1f}"})


def detractor_survey(as_of: dt.date, cfg: AlertSettings) -> Iterable[Hit]:
    """A survey of the last `detractor_days` days with NPS at most the threshold."""
    since = as_of - dt.timedelta(days=cfg.detractor_days)
    rows = Survey.objects.filter(
        date__gt=since, date__lte=as_of, nps__lte=cfg.detractor_nps_max
    ).values_list("pk", "account_id", "nps", "date")
    for pk, account_id, nps, date in rows:
        yield Hit(account_id, f"survey:{pk}", {"nps": nps, "date": date.isoformat()})


def tier_moved_down(as_of: dt.date, cfg: AlertSettings) -> Iterable[Hit]:
    """The account's tier in the latest ttm is lower than in the 12 months before it (the
    dashboard's tier moves, one rule: reports.portfolio.dashboard.previous_tiers)."""
    window = ttm_latest()
    current = dict(AccountMetric.objects.filter(period=TTM).values_list("account_id", "tier"))
    if not current:
        return
    before = previous_tiers(window.prev())
    if not before:
        return
    for account_id in current.keys() | before.keys():
        was, now = before.get(account_id) or "C", current.get(account_id) or "C"
        if TIER_ORDER[now] > TIER_ORDER[was]:
            yield Hit(account_id, f"{was}>{now}", {"before": was, "now": now})


def revenue_share_crossed(as_of: dt.date, cfg: AlertSettings) -> Iterable[Hit]:
    """The account's share of the last 12 months' revenue is at or above the threshold."""
    limit = float(cfg.share_percent) / 100
    rows = AccountMetric.objects.filter(period=TTM, revenue_share__gte=limit).values_list(
        "account_id", "revenue_share"
    )
    for account_id, share in rows:
        yield Hit(account_id, "", {"share": f"{100 * (share or 0):.1f}"})


def tender_deadline(as_of: dt.date, cfg: AlertSettings) -> Iterable[Hit]:
    """An open tender whose submission deadline falls within the next `tender_days` days."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(as_of, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=cfg.tender_days + 1)
    rows = Tender.objects.filter(
        stage__in=Tender.OPEN_STAGES,
        submission_deadline__gte=start,
        submission_deadline__lt=end,
    ).values_list("pk", "account_id", "title", "submission_deadline")
    for pk, account_id, title, deadline in rows:
        day = timezone.localtime(deadline, tz).date()
        yield Hit(account_id, f"tender:{pk}", {"title": title, "deadline": day.isoformat()})


def action_overdue(as_of: dt.date, cfg: AlertSettings) -> Iterable[Hit]:
    """An open action of a plan whose due date has passed."""
    rows = Action.objects.filter(status=Action.Status.OPEN, due__lt=as_of).values_list(
        "pk", F("plan__account_id"), "description", "due"
    )
    for pk, account_id, description, due in rows:
        yield Hit(account_id, f"action:{pk}", {"title": description, "due": due.isoformat()})


def contract_notice(as_of: dt.date, cfg: AlertSettings) -> Iterable[Hit]:
    """A live contract whose notice date (end − notice days) falls within the next
    `contract_notice_days` days. The notice date is part of the condition's key: the
    reminder fires once per notice date (a second night finds it open), and a contract
    whose end moves (a new notice date) is reminded again."""
    until = as_of + dt.timedelta(days=cfg.contract_notice_days)
    rows = Contract.objects.filter(
        status__in=Contract.LIVE_STATUSES, end_date__gte=as_of
    ).values_list("pk", "account_id", "number", "title", "end_date", "notice_days")
    for pk, account_id, number, title, end, notice_days in rows:
        notice = end - dt.timedelta(days=notice_days)
        if as_of <= notice <= until:
            yield Hit(
                account_id,
                f"contract:{pk}:{notice.isoformat()}",
                {
                    "number": number,
                    "title": title,
                    "notice": notice.isoformat(),
                    "end": end.isoformat(),
                },
            )


RULES: dict[str, Rule] = {
    rule.key: rule
    for rule in (
        Rule(
            "health_drop",
            _("Health dropped"),
            _("%(account)s: health fell from %(before)s to %(now)s within %(days)s days."),
            health_dropped,
            action=_("Find out why the account's health fell and act on it"),
        ),
        Rule(
            "health_at_risk",
            _("Health at risk"),
            _("%(account)s entered the “at risk” band (health %(score)s)."),
            health_at_risk,
            notify_heads=True,
            action=_("Agree a recovery plan for the account"),
        ),
        Rule(
            "decision_maker_unmet",
            _("Decision maker not met"),
            _("%(account)s: no decision maker or economic buyer met in %(limit)s days."),
            decision_maker_unmet,
            action=_("Meet a decision maker or the economic buyer"),
        ),
        Rule(
            "margin_erosion",
            _("Margin erosion"),
            _("%(account)s: revenue grew but the margin fell by %(points)s points."),
            margin_erosion,
            notify_heads=True,
            action=_("Review prices and discounts: the margin is eroding"),
        ),
        Rule(
            "detractor_survey",
            _("Detractor survey"),
            _("%(account)s: a survey on %(date)s scored NPS %(nps)s."),
            detractor_survey,
            action=_("Call back the unhappy respondent and agree a fix"),
            action_days=3,
        ),
        Rule(
            "tier_moved_down",
            _("Tier moved down"),
            _("%(account)s moved from tier %(before)s to tier %(now)s."),
            tier_moved_down,
            notify_heads=True,
        ),
        Rule(
            "revenue_share",
            _("Large share of revenue"),
            _("%(account)s now brings %(share)s %% of the company's revenue."),
            revenue_share_crossed,
            notify_heads=True,
        ),
        Rule(
            "tender_deadline",
            _("Tender deadline soon"),
            _("%(account)s: the tender “%(title)s” closes on %(deadline)s."),
            tender_deadline,
        ),
        Rule(
            "contract_notice",
            _("Contract notice date soon"),
            _(
                "%(account)s: the contract %(number)s “%(title)s” must be renewed or "
                "given notice by %(notice)s (it ends on %(end)s)."
            ),
            contract_notice,
        ),
        Rule(
            "action_overdue",
            _("Action overdue"),
            _("%(account)s: the action “%(title)s” was due on %(due)s."),
            action_overdue,
        ),
    )
}
