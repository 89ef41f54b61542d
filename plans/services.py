"""Writes of the plans app: account plans, objectives, actions, tenders, opportunities
and contracts with their documents.

Like accounts.services: keyword-only arguments named like the model's fields, optional ones
`UNSET` when not given, the whole row validated, ValidationError naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from accounts import access
from accounts.access import ensure_can_change_account
from accounts.models import Account, Contact, User, WebhookEventType
from accounts.services import account_record_delete, facts_changed, validated_save
from accounts.webhooks import outbox_emit
from kam.unset import UNSET, Unset, given

from . import categories, probabilities
from .documents import document_check
from .models import (
    AccountPlan,
    Action,
    Contract,
    ContractDocument,
    Objective,
    Opportunity,
    StageProbability,
    Target,
    Tender,
)

# Sections of a plan a KAM is expected to fill; "completeness" counts them.
PLAN_SECTIONS = ("client_goals", "our_strategy", "mutual_value", "revenue_target")


@transaction.atomic
def account_plan_create(
    *,
    user: User,
    account: Account,
    title: str,
    period_start: dt.date,
    period_end: dt.date,
    owner: User | None | Unset = UNSET,
    status: str | Unset = UNSET,
    client_goals: str | Unset = UNSET,
    our_strategy: str | Unset = UNSET,
    mutual_value: str | Unset = UNSET,
) -> AccountPlan:
    """A plan for an account the user may change; its owner is the user unless given."""
    fields = given(
        title=title,
        period_start=period_start,
        period_end=period_end,
        owner=owner,
        status=status,
        client_goals=client_goals,
        our_strategy=our_strategy,
        mutual_value=mutual_value,
    )
    ensure_can_change_account(user=user, account=account)
    fields.setdefault("owner", user)
    return validated_save(AccountPlan(account=account), fields)


@transaction.atomic
def account_plan_update(
    *,
    user: User,
    plan: AccountPlan,
    account: Account | Unset = UNSET,
    title: str | Unset = UNSET,
    period_start: dt.date | Unset = UNSET,
    period_end: dt.date | Unset = UNSET,
    owner: User | None | Unset = UNSET,
    status: str | Unset = UNSET,
    client_goals: str | Unset = UNSET,
    our_strategy: str | Unset = UNSET,
    mutual_value: str | Unset = UNSET,
) -> AccountPlan:
    """Change a plan of an account the user may change; it never moves to another account."""
    fields = given(
        account=account,
        title=title,
        period_start=period_start,
        period_end=period_end,
        owner=owner,
        status=status,
        client_goals=client_goals,
        our_strategy=our_strategy,
        mutual_value=mutual_value,
    )
    ensure_can_change_account(user=user, account=plan.account)
    if "account" in fields and fields["account"] != plan.account:
        raise ValidationError({"account": _("A plan cannot move to another account.")})
    return validated_save(plan, fields)


def account_plan_template(*, account: Account, today: dt.date | None = None) -> dict[str, Any]:
    """Initial values of a new plan: next calendar year from Q4 on, else this one, and
    headings that prompt each section (in the user's language)."""
    today = today or timezone.localdate()
    year = today.year + 1 if today.month >= 10 else today.year
    return {
        "title": _("%(account)s — account plan %(year)s") % {"account": account.name, "year": year},
        "period_start": dt.date(year, 1, 1),
        "period_end": dt.date(year, 12, 31),
        **_section_templates(),
    }


def _section_templates() -> dict[str, str]:
    return {
        "client_goals": _("Client's business goals:\n- \n\nTheir main problems and risks:\n- "),
        "our_strategy": _("How we help them reach the goals:\n- \n\nWho we work with:\n- "),
        "mutual_value": _("Value for the client:\n- \n\nValue for us:\n- "),
    }


def _is_untouched_template(name: str, value: str) -> bool:
    """A section still holding only the template's headings (in any UI language) is empty."""
    text = " ".join(str(value).split())
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            if text == " ".join(_section_templates()[name].split()):
                return True
    return False


def account_plan_completeness(*, plan: AccountPlan) -> dict[str, Any]:
    """Which parts of the plan are filled: sections, at least one objective and action.
    Its revenue target is filled when the account has targets for the plan's year."""
    values = {name: getattr(plan, name) for name in PLAN_SECTIONS if name != "revenue_target"}
    values["revenue_target"] = plan.year_revenue_target
    filled = {
        name: bool(values[name])
        and not (name in _section_templates() and _is_untouched_template(name, values[name]))
        for name in PLAN_SECTIONS
    }
    filled["objectives"] = plan.objectives.exists()
    filled["actions"] = plan.actions.exists()
    missing = [name for name, ok in filled.items() if not ok]
    return {"filled": filled, "missing": missing, "ratio": 1 - len(missing) / len(filled)}


@transaction.atomic
def objective_save(
    *,
    user: User,
    plan: AccountPlan,
    objective: Objective | None = None,
    description: str | Unset = UNSET,
    measure: str | Unset = UNSET,
    target: Decimal | None | Unset = UNSET,
    current: Decimal | None | Unset = UNSET,
    due: dt.date | None | Unset = UNSET,
    status: str | Unset = UNSET,
) -> Objective:
    """Add an objective to a plan of an account the user may change, or change `objective`."""
    fields = given(
        description=description,
        measure=measure,
        target=target,
        current=current,
        due=due,
        status=status,
    )
    ensure_can_change_account(user=user, account=plan.account)
    objective = validated_save(objective or Objective(plan=plan), fields)
    facts_changed(account_id=plan.account_id, sender=Objective)
    return objective


@transaction.atomic
def action_save(
    *,
    user: User,
    plan: AccountPlan,
    action: Action | None = None,
    objective: Objective | None | Unset = UNSET,
    description: str | Unset = UNSET,
    owner: User | None | Unset = UNSET,
    due: dt.date | None | Unset = UNSET,
    status: str | Unset = UNSET,
) -> Action:
    """Add or change an action of a plan; done stamps `completed_at`, reopening clears it."""
    fields = given(
        objective=objective, description=description, owner=owner, due=due, status=status
    )
    ensure_can_change_account(user=user, account=plan.account)
    action = action or Action(plan=plan)
    status = fields.get("status", action.status)
    if status == Action.Status.DONE and not action.completed_at:
        fields["completed_at"] = timezone.now()
    elif status != Action.Status.DONE:
        fields["completed_at"] = None
    action = validated_save(action, fields)
    facts_changed(account_id=plan.account_id, sender=Action)
    return action


@transaction.atomic
def actions_add_for_owners(*, items: list[tuple[AccountPlan, str, dt.date]]) -> list[Action]:
    """Add actions the system decided on (alert rules) to plans, each for its plan's
    account owner, in bulk with their history: (plan, description, due) per action. The
    plans were chosen by the caller among the owner's own accounts' active plans."""
    actions = [
        Action(plan=plan, description=description[:500], owner=plan.account.owner, due=due)
        for plan, description, due in items
        if plan.account.owner is not None
    ]
    for action in actions:
        action.full_clean(exclude=["plan", "owner", "objective"])  # the FKs are given rows
    return bulk_create_with_history(actions, Action, default_change_reason="alert")


def action_complete(*, user: User, action: Action) -> Action:
    """Mark an action done (see action_save)."""
    return action_save(user=user, plan=action.plan, action=action, status=Action.Status.DONE)


@transaction.atomic
def tender_create(
    *,
    user: User,
    account: Account,
    title: str,
    reference: str | Unset = UNSET,
    platform: str | Unset = UNSET,
    stage: str | Unset = UNSET,
    submission_deadline: dt.datetime | None | Unset = UNSET,
    estimated_value: Decimal | None | Unset = UNSET,
    our_bid: Decimal | None | Unset = UNSET,
    currency: str | Unset = UNSET,
    competitors: str | Unset = UNSET,
    decision_date: dt.date | None | Unset = UNSET,
    outcome_reason: str | Unset = UNSET,
    objective: Objective | None | Unset = UNSET,
) -> Tender:
    """A tender of an account the user may change; won or lost needs `outcome_reason`."""
    fields = given(
        title=title,
        reference=reference,
        platform=platform,
        stage=stage,
        submission_deadline=submission_deadline,
        estimated_value=estimated_value,
        our_bid=our_bid,
        currency=currency,
        competitors=competitors,
        decision_date=decision_date,
        outcome_reason=outcome_reason,
        objective=objective,
    )
    ensure_can_change_account(user=user, account=account)
    _check_tender_dates(Tender(account=account), fields)
    return validated_save(Tender(account=account), fields)


@transaction.atomic
def tender_update(
    *,
    user: User,
    tender: Tender,
    account: Account | Unset = UNSET,
    title: str | Unset = UNSET,
    reference: str | Unset = UNSET,
    platform: str | Unset = UNSET,
    stage: str | Unset = UNSET,
    submission_deadline: dt.datetime | None | Unset = UNSET,
    estimated_value: Decimal | None | Unset = UNSET,
    our_bid: Decimal | None | Unset = UNSET,
    currency: str | Unset = UNSET,
    competitors: str | Unset = UNSET,
    decision_date: dt.date | None | Unset = UNSET,
    outcome_reason: str | Unset = UNSET,
    objective: Objective | None | Unset = UNSET,
) -> Tender:
    """Edit a tender; moving it to won or lost needs the reason (the model's clean says so)."""
    fields = given(
        account=account,
        title=title,
        reference=reference,
        platform=platform,
        stage=stage,
        submission_deadline=submission_deadline,
        estimated_value=estimated_value,
        our_bid=our_bid,
        currency=currency,
        competitors=competitors,
        decision_date=decision_date,
        outcome_reason=outcome_reason,
        objective=objective,
    )
    _check_tender_dates(tender, fields)
    return _tender_save(user=user, tender=tender, fields=fields)


def _tender_save(*, user: User, tender: Tender, fields: dict[str, Any]) -> Tender:
    """Write a tender's change and announce a stage move (tender.stage_changed)."""
    ensure_can_change_account(user=user, account=tender.account)
    if "account" in fields and fields["account"] != tender.account:
        ensure_can_change_account(user=user, account=fields["account"])
    # The stored stage, not the instance's: a bound ModelForm has already set the new one.
    # Locked, so concurrent moves report a consistent from → to chain.
    previous = (
        Tender.objects.select_for_update().filter(pk=tender.pk).values_list("stage", flat=True)
    ).first()
    tender = validated_save(tender, fields)
    if tender.stage != previous:
        outbox_emit(
            event_type=WebhookEventType.TENDER_STAGE_CHANGED,
            payload=tender_stage_event(tender=tender, previous=previous, user=user),
        )
    return tender


def _check_tender_dates(tender: Tender, fields: dict[str, Any]) -> None:
    """A decision date a person gives comes on or after the submission deadline. (A stage
    move stamps today even when the deadline is ahead: lost before it, say, by withdrawing.)"""
    if "decision_date" not in fields and "submission_deadline" not in fields:
        return
    decision = fields.get("decision_date", tender.decision_date)
    deadline = fields.get("submission_deadline", tender.submission_deadline)
    if decision and deadline and decision < timezone.localtime(deadline).date():
        day = date_format(timezone.localtime(deadline).date())
        raise ValidationError(
            {
                "decision_date": _(
                    "The decision comes after the submission deadline (%(deadline)s)."
                )
                % {"deadline": day}
            }
        )


def tender_stage_event(*, tender: Tender, previous: str | None, user: User) -> dict[str, Any]:
    """The `tender.stage_changed` payload (written in the transaction of the change)."""
    account = tender.account
    return {
        "tender": {
            "id": tender.pk,
            "title": tender.title,
            "reference": tender.reference,
            "estimated_value": tender.estimated_value,
            "currency": tender.currency,
            "decision_date": tender.decision_date,
        },
        "account": {"id": account.pk, "external_id": account.external_id, "name": account.name},
        "previous_stage": previous,
        "stage": tender.stage,
        "outcome_reason": tender.outcome_reason,
        "changed_by": user.username,
        "changed_at": timezone.now(),
    }


@transaction.atomic
def tender_move_stage(*, user: User, tender: Tender, stage: str, reason: str = "") -> Tender:
    """Move a tender to `stage`; won or lost needs `reason` (and dates an undated decision)."""
    fields: dict[str, Any] = {"stage": stage}
    if reason:
        fields["outcome_reason"] = reason
    if stage in Tender.CLOSED_WITH_REASON and not tender.decision_date:
        fields["decision_date"] = timezone.localdate()
    # Not through tender_update's date check: the stamp is today even when the deadline is
    # still ahead (lost before it, by withdrawing, say).
    tender = _tender_save(user=user, tender=tender, fields=fields)
    if stage in Tender.CLOSED_WITH_REASON:
        facts_changed(account_id=tender.account_id, sender=Tender)
    return tender


# --- Opportunities ----------------------------------------------------------------------
def _check_category(fields: dict[str, Any]) -> None:
    category_id = fields.get("category_id")
    if category_id is not None and not categories.exists(category_id):
        raise ValidationError({"category_id": _("No such product category.")})


def _closing_fields(opportunity: Opportunity, fields: dict[str, Any]) -> None:
    """Won or lost dates the close (today unless given); reopening clears it."""
    stage = fields.get("stage", opportunity.stage)
    if stage in Opportunity.CLOSED_WITH_REASON:
        if not fields.get("closed_on") and not opportunity.closed_on:
            fields["closed_on"] = timezone.localdate()
    elif "stage" in fields:
        fields["closed_on"] = None


@transaction.atomic
def opportunity_create(
    *,
    user: User,
    account: Account,
    title: str,
    value: Decimal,
    category_id: int | None = None,
    currency: str | Unset = UNSET,
    probability: int | None | Unset = UNSET,
    stage: str | Unset = UNSET,
    expected_close: dt.date | None | Unset = UNSET,
    closed_on: dt.date | None | Unset = UNSET,
    outcome_reason: str | Unset = UNSET,
    objective: Objective | None | Unset = UNSET,
    owner: User | None | Unset = UNSET,
) -> Opportunity:
    """An opportunity of an account the user may change; owner defaults to the user,
    currency to the base one; won or lost needs `outcome_reason`."""
    fields = given(
        title=title,
        value=value,
        category_id=category_id,
        currency=currency,
        probability=probability,
        stage=stage,
        expected_close=expected_close,
        closed_on=closed_on,
        outcome_reason=outcome_reason,
        objective=objective,
        owner=owner,
    )
    ensure_can_change_account(user=user, account=account)
    _check_category(fields)
    fields.setdefault("owner", user)
    fields.setdefault("currency", settings.BASE_CURRENCY)
    opportunity = Opportunity(account=account)
    _closing_fields(opportunity, fields)
    return validated_save(opportunity, fields)


@transaction.atomic
def opportunity_update(
    *,
    user: User,
    opportunity: Opportunity,
    account: Account | Unset = UNSET,
    title: str | Unset = UNSET,
    value: Decimal | Unset = UNSET,
    category_id: int | None | Unset = UNSET,
    currency: str | Unset = UNSET,
    probability: int | None | Unset = UNSET,
    stage: str | Unset = UNSET,
    expected_close: dt.date | None | Unset = UNSET,
    closed_on: dt.date | None | Unset = UNSET,
    outcome_reason: str | Unset = UNSET,
    objective: Objective | None | Unset = UNSET,
    owner: User | None | Unset = UNSET,
) -> Opportunity:
    """Change an opportunity; it stays with its account; won or lost needs the reason."""
    fields = given(
        account=account,
        title=title,
        value=value,
        category_id=category_id,
        currency=currency,
        probability=probability,
        stage=stage,
        expected_close=expected_close,
        closed_on=closed_on,
        outcome_reason=outcome_reason,
        objective=objective,
        owner=owner,
    )
    ensure_can_change_account(user=user, account=opportunity.account)
    if "account" in fields and fields["account"] != opportunity.account:
        raise ValidationError({"account": _("An opportunity cannot move to another account.")})
    _check_category(fields)
    # The stored row, not the instance: a bound ModelForm has already set the new values.
    stored = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    _closing_fields(stored, fields)
    return validated_save(opportunity, fields)


def opportunity_move_stage(
    *, user: User, opportunity: Opportunity, stage: str, reason: str = ""
) -> Opportunity:
    """Move an opportunity to `stage` (the board); won or lost needs `reason`."""
    fields: dict[str, Any] = {"stage": stage}
    if reason:
        fields["outcome_reason"] = reason
    return opportunity_update(user=user, opportunity=opportunity, **fields)


@transaction.atomic
def stage_probabilities_set(*, user: User, kind: str, percents: dict[str, int]) -> None:
    """The head sets the probability (0 … 100) of open pipeline stages of `kind`."""
    if not access.can_change_stage_probabilities(user):
        raise PermissionDenied(_("Only a sales head or an admin changes the probabilities."))
    stages = probabilities.DEFAULTS.get(kind)
    if stages is None:
        raise ValidationError({"kind": _("Unknown kind of pipeline.")})
    errors = {}
    for stage, percent in percents.items():
        if stage not in stages:
            errors[stage] = _("Not an open stage of this pipeline.")
        elif not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
            errors[stage] = _("A probability is 0 … 100 %.")
    if errors:
        raise ValidationError(errors)
    for stage, percent in percents.items():
        row, created = StageProbability.objects.get_or_create(
            kind=kind, stage=stage, defaults={"percent": percent, "updated_by": user}
        )
        if not created and row.percent != percent:
            row.percent = percent
            row.updated_by = user
            row.save(update_fields=["percent", "updated_by", "updated_at"])


# --- Targets (DESIGN.md "Contracts, targets, opportunities and the forecast") -------------
# What a head approves: a change to one of these after approval is flagged and recorded.
TARGET_NUMBERS = ("year", "quarter", "revenue_target", "margin_target")
TARGET_YEARS = (2000, 2100)


def _check_target_period(
    *, account: Account, year: int, quarter: int | None, pk: int | None
) -> None:
    """An account's year has one annual target or quarterly ones, never both, and one row
    per quarter. The account row is locked, so two KAMs saving at once cannot both pass."""
    if not TARGET_YEARS[0] <= year <= TARGET_YEARS[1]:
        first, last = TARGET_YEARS
        message = _("A year between %(a)s and %(b)s.") % {"a": first, "b": last}
        raise ValidationError({"year": message})
    if quarter is not None and quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": _("A quarter is 1 … 4, or empty for the whole year.")})
    Account.objects.select_for_update().filter(pk=account.pk).first()
    same_year = Target.objects.filter(account=account, year=year)
    if pk is not None:
        same_year = same_year.exclude(pk=pk)
    if quarter is None and same_year.filter(quarter__isnull=False).exists():
        raise ValidationError(
            {"quarter": _("This year has quarterly targets: change those, or delete them first.")}
        )
    if quarter is not None and same_year.filter(quarter__isnull=True).exists():
        raise ValidationError(
            {"quarter": _("This year has an annual target: change it, or delete it first.")}
        )
    if same_year.filter(quarter=quarter).exists():
        raise ValidationError(
            {"quarter": _("There is a target for this period already: change that one.")}
        )


@transaction.atomic
def target_set(
    *,
    user: User,
    target: Target | None = None,
    account: Account | Unset = UNSET,
    year: int | Unset = UNSET,
    quarter: int | None | Unset = UNSET,
    revenue_target: Decimal | Unset = UNSET,
    margin_target: Decimal | None | Unset = UNSET,
) -> Target:
    """Create (no `target`) or change a target of an account the user may change.

    A change to an approved target's numbers keeps it approved but flags it
    `changed_after_approval`; its history records the change with that reason, until the
    head approves it again.
    """
    fields = given(
        year=year, quarter=quarter, revenue_target=revenue_target, margin_target=margin_target
    )
    if target is None:
        if account is UNSET or "year" not in fields or "revenue_target" not in fields:
            raise ValidationError(_("A target needs an account, a year and a revenue target."))
        target = Target(account=account)
    elif account is not UNSET and account != target.account:
        raise ValidationError({"account": _("A target cannot move to another account.")})
    ensure_can_change_account(user=user, account=target.account)
    # The stored row (a bound ModelForm has already set the new values on `target`).
    stored = (
        Target.objects.select_for_update().filter(pk=target.pk).values(*TARGET_NUMBERS).first()
        if target.pk
        else None
    )
    new = {name: fields.get(name, getattr(target, name)) for name in TARGET_NUMBERS}
    _check_target_period(
        account=target.account, year=new["year"], quarter=new["quarter"], pk=target.pk
    )
    changed = stored is not None and any(new[name] != stored[name] for name in TARGET_NUMBERS)
    if stored is None:
        fields["set_by"] = user
    elif changed:
        fields["set_by"] = user
        if target.status == Target.Status.APPROVED:
            fields["changed_after_approval"] = True
            target._change_reason = "changed after approval"  # type: ignore[attr-defined]  # simple-history
    target._history_user = user  # type: ignore[attr-defined]  # simple-history
    return validated_save(target, fields)


@transaction.atomic
def target_approve(*, user: User, target: Target) -> Target:
    """A sales head (or an admin) approves a target: it is approved, by them, now, and a
    change flagged since the last approval is cleared."""
    if not access.can_approve_targets(user):
        raise PermissionDenied(_("Only a sales head or an admin can approve targets."))
    if not access.target_scope(user=user, queryset=Target.objects.filter(pk=target.pk)).exists():
        raise PermissionDenied(_("You cannot change this account."))
    target._history_user = user  # type: ignore[attr-defined]  # simple-history
    target._change_reason = "approved"  # type: ignore[attr-defined]
    return validated_save(
        target,
        {
            "status": Target.Status.APPROVED,
            "approved_by": user,
            "approved_at": timezone.now(),
            "changed_after_approval": False,
        },
    )


@transaction.atomic
def target_delete(*, user: User, target: Target) -> None:
    """Delete a target of an account the user may change; an approved one only by whoever
    approves targets (a KAM cannot drop what the head signed off)."""
    if target.status == Target.Status.APPROVED and not access.can_approve_targets(user):
        raise PermissionDenied(_("An approved target is deleted by a sales head or an admin."))
    target._history_user = user  # type: ignore[attr-defined]  # simple-history
    account_record_delete(user=user, record=target, account=target.account)


# --- Contracts and their documents ------------------------------------------------------
def _check_contract(contract: Contract, fields: dict[str, Any]) -> None:
    """DESIGN's contract rules, each naming its field: the contract ends after it starts,
    its notice date (end − notice days) falls inside it, the client's signatory is a
    contact of the same account, and the tender it came from is that account's, and won."""
    start = fields.get("start_date", contract.start_date)
    end = fields.get("end_date", contract.end_date)
    notice_days = fields.get("notice_days", contract.notice_days) or 0
    account_id = contract.account_id
    errors: dict[str, str] = {}
    if start and end:
        if end <= start:
            errors["end_date"] = _("The contract ends on or before it starts.")
        elif notice_days >= (end - start).days:
            errors["notice_days"] = _(
                "The notice period must end before the contract does: at most %(days)s days."
            ) % {"days": (end - start).days - 1}
    signatory = fields.get("client_signatory")
    if signatory is not None and signatory.account_id != account_id:
        errors["client_signatory"] = _("Their signatory must be a contact of this account.")
    tender = fields.get("tender")
    if tender is not None:
        if tender.account_id != account_id:
            errors["tender"] = _("The tender belongs to another account.")
        elif tender.stage != Tender.Stage.WON:
            errors["tender"] = _("A contract comes from a won tender.")
    number = fields.get("number")
    if (
        number
        and Contract.objects.filter(account_id=account_id, number=number)
        .exclude(pk=contract.pk)
        .exists()
    ):
        errors["number"] = _("This account already has a contract numbered %(number)s.") % {
            "number": number
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contract_create(
    *,
    user: User,
    account: Account,
    number: str,
    title: str,
    start_date: dt.date,
    end_date: dt.date,
    kind: str | Unset = UNSET,
    status: str | Unset = UNSET,
    notice_days: int | Unset = UNSET,
    auto_renewal: bool | Unset = UNSET,
    annual_value: Decimal | None | Unset = UNSET,
    currency: str | Unset = UNSET,
    payment_terms: str | Unset = UNSET,
    client_signatory: Contact | None | Unset = UNSET,
    our_signatory: User | None | Unset = UNSET,
    tender: Tender | None | Unset = UNSET,
    notes: str | Unset = UNSET,
) -> Contract:
    """A contract of an account the user may change; currency defaults to the base one."""
    fields = given(
        number=number,
        title=title,
        start_date=start_date,
        end_date=end_date,
        kind=kind,
        status=status,
        notice_days=notice_days,
        auto_renewal=auto_renewal,
        annual_value=annual_value,
        currency=currency,
        payment_terms=payment_terms,
        client_signatory=client_signatory,
        our_signatory=our_signatory,
        tender=tender,
        notes=notes,
    )
    ensure_can_change_account(user=user, account=account)
    fields.setdefault("currency", settings.BASE_CURRENCY)
    contract = Contract(account=account)
    _check_contract(contract, fields)
    return validated_save(contract, fields)


@transaction.atomic
def contract_update(
    *,
    user: User,
    contract: Contract,
    account: Account | Unset = UNSET,
    number: str | Unset = UNSET,
    title: str | Unset = UNSET,
    start_date: dt.date | Unset = UNSET,
    end_date: dt.date | Unset = UNSET,
    kind: str | Unset = UNSET,
    status: str | Unset = UNSET,
    notice_days: int | Unset = UNSET,
    auto_renewal: bool | Unset = UNSET,
    annual_value: Decimal | None | Unset = UNSET,
    currency: str | Unset = UNSET,
    payment_terms: str | Unset = UNSET,
    client_signatory: Contact | None | Unset = UNSET,
    our_signatory: User | None | Unset = UNSET,
    tender: Tender | None | Unset = UNSET,
    notes: str | Unset = UNSET,
) -> Contract:
    """Change a contract; it stays with its account; the same rules as contract_create."""
    fields = given(
        account=account,
        number=number,
        title=title,
        start_date=start_date,
        end_date=end_date,
        kind=kind,
        status=status,
        notice_days=notice_days,
        auto_renewal=auto_renewal,
        annual_value=annual_value,
        currency=currency,
        payment_terms=payment_terms,
        client_signatory=client_signatory,
        our_signatory=our_signatory,
        tender=tender,
        notes=notes,
    )
    ensure_can_change_account(user=user, account=contract.account)
    if "account" in fields and fields.pop("account") != contract.account:
        raise ValidationError({"account": _("A contract cannot move to another account.")})
    # The stored row, not the instance: a bound ModelForm has already set the new values.
    stored = Contract.objects.select_for_update().get(pk=contract.pk)
    _check_contract(stored, fields)
    return validated_save(contract, fields)


def _delete_files_on_commit(names: list[str]) -> None:
    """Remove stored files once the rows that named them are gone for good."""

    def remove() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(remove)


@transaction.atomic
def contract_delete(*, user: User, contract: Contract) -> None:
    """Delete a contract with its documents (rows and files), as tenders are deleted:
    by whoever may change its account; the history keeps the record of it."""
    names = list(contract.documents.values_list("file", flat=True))
    account_record_delete(user=user, record=contract, account=contract.account)
    _delete_files_on_commit(names)


@transaction.atomic
def document_add(*, user: User, contract: Contract, file: UploadedFile) -> ContractDocument:
    """Store a PDF, DOCX or XLSX under a contract the user may change (checked by name and
    content, at most CONTRACT_DOCUMENT_MAX_BYTES); ValidationError naming `file` if not."""
    ensure_can_change_account(user=user, account=contract.account)
    name = PurePath((file.name or "").replace("\\", "/")).name[:255]
    content_type = document_check(name=name, size=file.size or 0, stream=file)
    document = ContractDocument(
        contract=contract,
        name=name,
        content_type=content_type,
        size=file.size or 0,
        uploaded_by=user,
    )
    document.file.save(name, file, save=False)  # through STORAGES["default"]
    try:
        document.save()
    except Exception:
        default_storage.delete(document.file.name)
        raise
    return document


@transaction.atomic
def document_delete(*, user: User, document: ContractDocument) -> None:
    """Remove a document (row now, file once committed) of a contract the user may change."""
    ensure_can_change_account(user=user, account=document.contract.account)
    name = document.file.name
    document.delete()
    _delete_files_on_commit([name])
