"""Writes and business rules of the accounts app.

Every service validates with the model's `full_clean()` (field validators, constraints and
the cross-row rules in `clean()`: no parent or reporting cycles, managers of the same
account) and raises Django's ValidationError naming the field; the API and the forms turn
it into a 400 or an error beside the field. Nothing is half-written: each is atomic.

Arguments are keyword-only and named like the model's fields, so a form's `cleaned_data`
and a serializer's `validated_data` pass straight through. An optional field defaults to
`UNSET` (kam.unset): not given, it keeps the model's default on create and the stored
value on update; None clears it where the field allows that.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.unset import UNSET, Unset, given

from . import access
from .access import ensure_can_change_account, soft_delete_cutoff
from .models import (
    Account,
    ApiToken,
    AuditEvent,
    Contact,
    Distributor,
    DistributorLink,
    Event,
    Industry,
    Interaction,
    Region,
    SoftDeletable,
    Survey,
    User,
)
from .selectors import SOFT_DELETED_KINDS
from .signals import account_facts_changed

# Fields only a sales head or an admin may change (DESIGN.md, "ERP contract").
ASSIGNMENT_FIELDS = frozenset({"owner", "team"})
# Derived by the reports job; nobody writes them by hand.
DERIVED_FIELDS = frozenset(
    {"tier", "is_key", "ttm_revenue", "ttm_share", "ttm_penetration", "ttm_growth"}
)


def account_is_key(
    *,
    strategic: bool,
    tier: str,
    ttm_revenue: Decimal | None,
    ttm_total: Callable[[], Decimal],
) -> bool:
    """DESIGN.md: key when a person marked it strategic, or tier A in the latest ttm, or
    ttm share ≥ KEY_SHARE_THRESHOLD, compared exactly (revenue ≥ threshold × total).

    The one key rule: the nightly write-down (reports.metrics.writedown) and the services
    below call it. `ttm_total` is only called when the share decides.
    """
    if strategic or tier == Account.Tier.A:
        return True
    if ttm_revenue is None or ttm_revenue <= 0:
        return False
    total = ttm_total()
    return total > 0 and ttm_revenue >= Decimal(str(settings.KEY_SHARE_THRESHOLD)) * total


def accounts_ttm_total() -> Decimal:
    """total(ttm) from the written-down facts: the sum of every account's ttm revenue
    (summed here, exactly; SQLite would add the decimals as floats)."""
    revenues = Account.objects.exclude(ttm_revenue=None).values_list("ttm_revenue", flat=True)
    return sum((r for r in revenues.iterator(chunk_size=5000) if r is not None), Decimal(0))


def account_key_status(*, account: Account, strategic: bool) -> bool:
    """is_key for `account` once `strategic` is set, from its written-down ttm facts."""
    return account_is_key(
        strategic=strategic,
        tier=account.tier,
        ttm_revenue=account.ttm_revenue,
        ttm_total=accounts_ttm_total,
    )


M = TypeVar("M", bound=Model)


def _column_values(instance: Model) -> dict[str, Any]:
    deferred = instance.get_deferred_fields()  # not loaded: reading them costs a query each
    return {
        f.name: f.value_from_object(instance)
        for f in instance._meta.concrete_fields
        if not f.primary_key and f.attname not in deferred
    }


def validated_save(
    instance: M, fields: Mapping[str, Any], *, m2m: Mapping[str, Iterable[Any]] | None = None
) -> M:
    """Set fields, validate the whole row, save only what changed, then set m2m.

    A new row is inserted whole; an existing one is updated in the columns whose value
    changed (with its `auto_now` stamp), and not written at all if none did."""
    adding = instance._state.adding
    before = {} if adding else _column_values(instance)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    if adding:
        instance.save()
    else:
        after = _column_values(instance)
        changed = [name for name, value in after.items() if before.get(name, UNSET) != value]
        if changed:
            stamps = [
                f.name
                for f in instance._meta.concrete_fields
                if getattr(f, "auto_now", False) and f.name not in changed
            ]
            instance.save(update_fields=changed + stamps)
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)
    return instance


@transaction.atomic
def account_create(
    *,
    user: User,
    name: str,
    external_id: str | None = None,
    legal_name: str | Unset = UNSET,
    tax_id: str | Unset = UNSET,
    parent: Account | None | Unset = UNSET,
    region: Region | None | Unset = UNSET,
    industry: Industry | None | Unset = UNSET,
    status: str | Unset = UNSET,
    owner: User | None | Unset = UNSET,
    team: Iterable[User] = (),
    potential_annual: Decimal | None | Unset = UNSET,
    strategic: bool | Unset = UNSET,
    notes: str | Unset = UNSET,
) -> Account:
    """A new account; a KAM who creates one owns it, assignments are for heads/admins."""
    fields = given(
        external_id=external_id,
        name=name,
        legal_name=legal_name,
        tax_id=tax_id,
        parent=parent,
        region=region,
        industry=industry,
        status=status,
        owner=owner,
        potential_annual=potential_annual,
        strategic=strategic,
        notes=notes,
    )
    if not access.can_create_account(user):
        raise PermissionDenied(_("You cannot create accounts."))
    if not access.can_assign(user):
        if fields.get("owner") not in (None, user) or team:
            raise PermissionDenied(_("Only a sales head can assign owners and teams."))
        fields["owner"] = user
    account = Account()
    # Marked strategic at birth: key at once, not after the nightly job.
    fields["is_key"] = account_key_status(account=account, strategic=bool(fields.get("strategic")))
    return validated_save(account, fields, m2m={"team": team} if team else None)


@transaction.atomic
def account_update(
    *,
    user: User,
    account: Account,
    external_id: str | Unset = UNSET,
    name: str | Unset = UNSET,
    legal_name: str | Unset = UNSET,
    tax_id: str | Unset = UNSET,
    parent: Account | None | Unset = UNSET,
    region: Region | None | Unset = UNSET,
    industry: Industry | None | Unset = UNSET,
    status: str | Unset = UNSET,
    owner: User | None | Unset = UNSET,
    team: Iterable[User] | Unset = UNSET,
    potential_annual: Decimal | None | Unset = UNSET,
    strategic: bool | Unset = UNSET,
    notes: str | Unset = UNSET,
) -> Account:
    """Change an account the user may change; owner/team only for heads and admins."""
    fields = given(
        external_id=external_id,
        name=name,
        legal_name=legal_name,
        tax_id=tax_id,
        parent=parent,
        region=region,
        industry=industry,
        status=status,
        owner=owner,
        team=team,
        potential_annual=potential_annual,
        strategic=strategic,
        notes=notes,
    )
    ensure_can_change_account(user=user, account=account)
    if DERIVED_FIELDS & fields.keys():
        raise ValidationError(
            {f: _("This value is computed.") for f in DERIVED_FIELDS & fields.keys()}
        )
    if ASSIGNMENT_FIELDS & fields.keys() and not access.can_assign(user):
        raise PermissionDenied(_("Only a sales head can change the owner or the team."))
    team = fields.pop("team", UNSET)
    if "strategic" in fields and bool(fields["strategic"]) != account.strategic:
        # Key status follows in the same transaction (and the same history row).
        fields["is_key"] = account_key_status(account=account, strategic=bool(fields["strategic"]))
    return validated_save(account, fields, m2m={"team": team} if team is not UNSET else None)


@transaction.atomic
def accounts_reassign(
    *,
    user: User,
    accounts: Iterable[Account],
    owner: User | None = None,
    add_to_team: Iterable[User] = (),
    remove_from_team: Iterable[User] = (),
) -> int:
    """Bulk reassignment by a sales head; each account gets a history row."""
    if not access.can_assign(user):
        raise PermissionDenied(_("Only a sales head can reassign accounts."))
    if owner is not None and not access.can_own_accounts(owner):
        raise ValidationError({"owner": _("The owner must be a KAM or a sales head.")})
    count = 0
    add_to_team, remove_from_team = list(add_to_team), list(remove_from_team)
    for account in accounts:
        if owner is not None and account.owner_id != owner.pk:
            account.owner = owner
            account.save(update_fields=["owner", "updated_at"])
        if add_to_team:
            account.team.add(*add_to_team)
        if remove_from_team:
            account.team.remove(*remove_from_team)
        count += 1
    return count


def facts_changed(*, account_id: int, sender: type) -> None:
    """Tell the apps above (reports' health) that one account's facts changed."""
    account_facts_changed.send(sender=sender, account_id=account_id)


@transaction.atomic
def contact_create(
    *,
    user: User,
    account: Account,
    name: str,
    position: str | Unset = UNSET,
    department: str | Unset = UNSET,
    email: str | Unset = UNSET,
    phone: str | Unset = UNSET,
    reports_to: Contact | None | Unset = UNSET,
    decision_role: str | Unset = UNSET,
    influence: int | Unset = UNSET,
    attitude: str | Unset = UNSET,
    is_primary: bool | Unset = UNSET,
) -> Contact:
    """A new person at an account the user may change; `reports_to` is one of its people."""
    fields = given(
        name=name,
        position=position,
        department=department,
        email=email,
        phone=phone,
        reports_to=reports_to,
        decision_role=decision_role,
        influence=influence,
        attitude=attitude,
        is_primary=is_primary,
    )
    ensure_can_change_account(user=user, account=account)
    contact = validated_save(Contact(account=account), fields)
    facts_changed(account_id=account.pk, sender=Contact)
    return contact


@transaction.atomic
def contact_update(
    *,
    user: User,
    contact: Contact,
    account: Account | Unset = UNSET,
    name: str | Unset = UNSET,
    position: str | Unset = UNSET,
    department: str | Unset = UNSET,
    email: str | Unset = UNSET,
    phone: str | Unset = UNSET,
    reports_to: Contact | None | Unset = UNSET,
    decision_role: str | Unset = UNSET,
    influence: int | Unset = UNSET,
    attitude: str | Unset = UNSET,
    is_primary: bool | Unset = UNSET,
) -> Contact:
    """Change a contact; moving it to another account needs the right to change both."""
    fields = given(
        account=account,
        name=name,
        position=position,
        department=department,
        email=email,
        phone=phone,
        reports_to=reports_to,
        decision_role=decision_role,
        influence=influence,
        attitude=attitude,
        is_primary=is_primary,
    )
    ensure_can_change_account(user=user, account=contact.account)
    if "account" in fields and fields["account"] != contact.account:
        ensure_can_change_account(user=user, account=fields["account"])
    before = contact.account_id
    contact = validated_save(contact, fields)
    for account_id in {before, contact.account_id}:
        facts_changed(account_id=account_id, sender=Contact)
    return contact


def _check_contacts_of(account: Account, contacts: Iterable[Contact], field: str) -> list[Contact]:
    contacts = list(contacts)
    strangers = [c.name for c in contacts if c.account_id != account.pk]
    if strangers:
        raise ValidationError(
            {field: _("Not contacts of this account: %(names)s") % {"names": ", ".join(strangers)}}
        )
    return contacts


@transaction.atomic
def interaction_log(
    *,
    user: User,
    account: Account,
    summary: str,
    kind: str = Interaction.Kind.MEETING,
    occurred_at: dt.datetime | None = None,
    contacts: Iterable[Contact] = (),
    subject: str | Unset = UNSET,
    outcome: str | Unset = UNSET,
    next_step: str | Unset = UNSET,
    next_step_due: dt.date | None | Unset = UNSET,
    sentiment: str | Unset = UNSET,
) -> Interaction:
    """Record a meeting, call, visit…; the contacts' "last touched" follows from it."""
    fields = given(
        subject=subject,
        outcome=outcome,
        next_step=next_step,
        next_step_due=next_step_due,
        sentiment=sentiment,
    )
    ensure_can_change_account(user=user, account=account)
    contacts = _check_contacts_of(account, contacts, "contacts")
    occurred_at = occurred_at or timezone.now()
    interaction = Interaction(
        account=account, author=user, kind=kind, occurred_at=occurred_at, summary=summary
    )
    interaction = validated_save(interaction, fields, m2m={"contacts": contacts})
    facts_changed(account_id=account.pk, sender=Interaction)
    return interaction


@transaction.atomic
def interaction_update(
    *,
    user: User,
    interaction: Interaction,
    contacts: Iterable[Contact] | None = None,
    kind: str | Unset = UNSET,
    occurred_at: dt.datetime | Unset = UNSET,
    subject: str | Unset = UNSET,
    summary: str | Unset = UNSET,
    outcome: str | Unset = UNSET,
    next_step: str | Unset = UNSET,
    next_step_due: dt.date | None | Unset = UNSET,
    sentiment: str | Unset = UNSET,
) -> Interaction:
    """Change a logged interaction; `contacts`, when given, replace who was there."""
    fields = given(
        kind=kind,
        occurred_at=occurred_at,
        subject=subject,
        summary=summary,
        outcome=outcome,
        next_step=next_step,
        next_step_due=next_step_due,
        sentiment=sentiment,
    )
    ensure_can_change_account(user=user, account=interaction.account)
    m2m = None
    if contacts is not None:
        m2m = {"contacts": _check_contacts_of(interaction.account, contacts, "contacts")}
    interaction = validated_save(interaction, fields, m2m=m2m)
    facts_changed(account_id=interaction.account_id, sender=Interaction)
    return interaction


@transaction.atomic
def survey_create(
    *,
    user: User,
    account: Account,
    date: dt.date,
    contact: Contact | None | Unset = UNSET,
    nps: int | None | Unset = UNSET,
    satisfaction: int | None | Unset = UNSET,
    needs: str | Unset = UNSET,
    comments: str | Unset = UNSET,
) -> Survey:
    """A survey of an account the user may change; `contact` is one of its people."""
    fields = given(
        date=date,
        contact=contact,
        nps=nps,
        satisfaction=satisfaction,
        needs=needs,
        comments=comments,
    )
    ensure_can_change_account(user=user, account=account)
    contact = fields.get("contact")
    if contact is not None:
        _check_contacts_of(account, [contact], "contact")
    survey = validated_save(Survey(account=account), fields)
    facts_changed(account_id=account.pk, sender=Survey)
    return survey


@transaction.atomic
def distributor_link_save(
    *,
    user: User,
    account: Account,
    distributor: Distributor,
    link: DistributorLink | None = None,
    role: str | Unset = UNSET,
    share_of_volume: Decimal | None | Unset = UNSET,
    since: dt.date | None | Unset = UNSET,
    until: dt.date | None | Unset = UNSET,
    terms: str | Unset = UNSET,
    status: str | Unset = UNSET,
) -> DistributorLink:
    """Create or change (`link`) the one link of a distributor and an account."""
    fields = given(
        role=role,
        share_of_volume=share_of_volume,
        since=since,
        until=until,
        terms=terms,
        status=status,
    )
    ensure_can_change_account(user=user, account=account)
    duplicate = DistributorLink.objects.filter(account=account, distributor=distributor)
    if link is not None:
        duplicate = duplicate.exclude(pk=link.pk)
    if duplicate.exists():
        raise ValidationError({"distributor": _("This distributor already serves the account.")})
    link = link or DistributorLink()
    return validated_save(link, {"account": account, "distributor": distributor, **fields})


@transaction.atomic
def event_save(
    *,
    user: User,
    event: Event | None = None,
    accounts: Iterable[Account] = (),
    invited: Iterable[Contact] = (),
    attended: Iterable[Contact] = (),
    name: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    starts_on: dt.date | Unset = UNSET,
    ends_on: dt.date | None | Unset = UNSET,
    location: str | Unset = UNSET,
    description: str | Unset = UNSET,
) -> Event:
    """An event with the accounts it concerns and the contacts invited / who came.

    A joint event may concern accounts the user cannot change (a head added another KAM's
    client): they cannot add or remove those, so the ones already there stay, with their
    people, whatever the user sends; only accounts they add are checked.
    """
    fields = given(
        name=name,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        location=location,
        description=description,
    )
    if not access.can_create_event(user):
        raise PermissionDenied(_("You cannot change events."))
    accounts, invited, attended = list(accounts), list(invited), list(attended)
    if event is not None and not access.can_change_event(user=user, event=event):
        raise PermissionDenied(_("You cannot change this event."))
    already = {a.pk: a for a in event.accounts.all()} if event is not None else {}
    for account in accounts:
        if account.pk not in already:
            ensure_can_change_account(user=user, account=account)
    sent = {a.pk for a in accounts}
    kept = {
        pk
        for pk, account in already.items()
        if pk not in sent and not access.can_change_account(user=user, account=account)
    }
    if kept and event is not None:
        accounts += [already[pk] for pk in kept]
        invited += [c for c in event.invited.all() if c.account_id in kept]
        attended += [c for c in event.attended.all() if c.account_id in kept]
    account_ids = {a.pk for a in accounts}
    for field, people in (("invited", invited), ("attended", attended)):
        strangers = [c.name for c in people if c.account_id not in account_ids]
        if strangers:
            raise ValidationError(
                {
                    field: _("Add their accounts to the event first: %(n)s")
                    % {"n": ", ".join(strangers)}
                }
            )
    event = event or Event(organizer=user)
    return validated_save(
        event, fields, m2m={"accounts": accounts, "invited": invited, "attended": attended}
    )


@transaction.atomic
def survey_update(
    *,
    user: User,
    survey: Survey,
    date: dt.date | Unset = UNSET,
    contact: Contact | None | Unset = UNSET,
    nps: int | None | Unset = UNSET,
    satisfaction: int | None | Unset = UNSET,
    needs: str | Unset = UNSET,
    comments: str | Unset = UNSET,
) -> Survey:
    """Change a survey; its `contact` must be one of the account's people."""
    fields = given(
        date=date,
        contact=contact,
        nps=nps,
        satisfaction=satisfaction,
        needs=needs,
        comments=comments,
    )
    ensure_can_change_account(user=user, account=survey.account)
    contact = fields.get("contact")
    if contact is not None:
        _check_contacts_of(survey.account, [contact], "contact")
    survey = validated_save(survey, fields)
    facts_changed(account_id=survey.account_id, sender=Survey)
    return survey


@transaction.atomic
def distributor_save(
    *,
    user: User,
    distributor: Distributor | None = None,
    external_id: str | Unset = UNSET,
    name: str | Unset = UNSET,
    region: Region | None | Unset = UNSET,
    contacts: str | Unset = UNSET,
) -> Distributor:
    """Distributors are company master data (mostly from the ERP): heads and admins edit."""
    fields = given(external_id=external_id, name=name, region=region, contacts=contacts)
    if not access.can_change_distributors(user):
        raise PermissionDenied(_("Only a sales head can change distributors."))
    return validated_save(distributor or Distributor(), fields)


def _delete(instance: Model, *, refused: str) -> None:
    try:
        instance.delete()
    except ProtectedError as exc:
        # Revenue lines from the ERP keep their account and distributor: refuse clearly.
        raise ValidationError(refused) from exc


@transaction.atomic
def account_delete(*, user: User, account: Account) -> None:
    """Only heads and admins delete accounts; an account with revenue cannot go."""
    if not access.can_delete_account(user):
        raise PermissionDenied(_("Only a sales head can delete accounts."))
    _delete(account, refused=_("The account has revenue lines; mark it lost instead."))


@transaction.atomic
def account_record_delete(*, user: User, record: Model, account: Account) -> None:
    """Delete something that hangs under an account (contact, plan, tender…) if allowed;
    interactions, surveys and distributor links are only marked deleted (restorable)."""
    ensure_can_change_account(user=user, account=account)
    if isinstance(record, SoftDeletable):
        _soft_delete(record, user=user)
    else:
        record.delete()
    facts_changed(account_id=account.pk, sender=type(record))


@transaction.atomic
def event_delete(*, user: User, event: Event) -> None:
    """Mark the event deleted (restorable), with its invitations and attendance kept."""
    if not access.can_change_event(user=user, event=event):
        raise PermissionDenied(_("You cannot change this event."))
    _soft_delete(event, user=user)


# --- Soft deletion: "Recently deleted", restore, retention --------------------------------
def _soft_delete(record: SoftDeletable, *, user: User) -> None:
    # One UPDATE; simple-history records it with the deleter as history_user.
    record.deleted_at, record.deleted_by = timezone.now(), user
    record._history_user, record._change_reason = user, "deleted"  # type: ignore[attr-defined]  # simple-history's hooks
    record.save(update_fields=["deleted_at", "deleted_by", "updated_at"])


@transaction.atomic
def record_restore(*, user: User, record: SoftDeletable) -> SoftDeletable:
    """Bring back a deleted record the user may restore; its history names who did."""
    if not access.can_restore(user=user, record=record):
        raise PermissionDenied(_("You cannot restore this record."))
    if (
        isinstance(record, DistributorLink)
        and DistributorLink.objects.filter(
            account_id=record.account_id, distributor_id=record.distributor_id
        ).exists()
    ):
        raise ValidationError(
            {"distributor": _("This distributor is linked to the account again already.")}
        )
    record.deleted_at = record.deleted_by = None
    record._history_user, record._change_reason = user, "restored"  # type: ignore[attr-defined]
    record.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    account_id = getattr(record, "account_id", None)
    if account_id is not None:
        facts_changed(account_id=account_id, sender=type(record))
    return record


def retention_purge(*, now: dt.datetime | None = None, batch: int = 1000) -> dict[str, int]:
    """Remove for good what is past retention: soft-deleted records older than
    SOFT_DELETE_RETENTION_DAYS and audit events older than AUDIT_RETENTION_DAYS.

    Safe to run twice (the second run finds nothing); works in bounded batches, each in
    its own transaction. The history of a purged record keeps a last "deleted" entry.
    """
    now = now or timezone.now()
    purged: dict[str, int] = {}
    cutoff = soft_delete_cutoff(now=now)
    for kind, model in SOFT_DELETED_KINDS.items():
        expired = model.all_objects.filter(deleted_at__lt=cutoff)
        purged[kind] = _delete_in_batches(expired, batch=batch)
    audit_cutoff = now - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    old_audit = AuditEvent.objects.filter(at__lt=audit_cutoff)
    purged["audit"] = _delete_in_batches(old_audit, batch=batch)
    return purged


def _delete_in_batches(qs: Any, *, batch: int) -> int:
    total = 0
    while True:
        with transaction.atomic():
            pks = list(qs.order_by("pk").values_list("pk", flat=True)[:batch])
            if not pks:
                return total
            qs.model._base_manager.filter(pk__in=pks).delete()
            total += len(pks)


# --- Audit trail ---------------------------------------------------------------------------
def audit_record(
    *,
    user: User,
    action: str,
    account_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Note that `user` exported or opened something (AuditEvent.Action); one INSERT."""
    if action not in AuditEvent.Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    return AuditEvent.objects.create(
        user=user if user.is_authenticated else None,
        username=user.get_username() if user.is_authenticated else "",
        action=action,
        account_id=account_id,
        details=details or {},
    )


@transaction.atomic
def distributor_delete(*, user: User, distributor: Distributor) -> None:
    """Heads and admins delete a distributor, unless revenue lines go through it."""
    if not access.can_change_distributors(user):
        raise PermissionDenied(_("Only a sales head can change distributors."))
    _delete(distributor, refused=_("The distributor has revenue lines; it cannot be deleted."))


# --- API tokens ---------------------------------------------------------------------------
def api_token_issue(*, user: User, expires_at: dt.datetime | None = None) -> str:
    """Issue a new API token for `user` and return its key: the only time it is known.

    Only the key's hash and first characters are stored (ApiToken). Other tokens of the
    user stay valid; `api_token_revoke` ends them (the management command rotates so).
    """
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    key = secrets.token_hex(20)  # 160 random bits, 40 characters as DRF's were
    ApiToken.objects.create(
        user=user,
        prefix=key[: ApiToken.PREFIX_LENGTH],
        key_hash=ApiToken.hash_key(key),
        expires_at=expires_at,
    )
    return key


def api_token_revoke(*, user: User | None = None, token_ids: Iterable[int] | None = None) -> int:
    """Revoke the live tokens of `user`, or those of `token_ids` (the admin's action), or
    both filters at once; returns how many were revoked. Revoked tokens stay listed."""
    if user is None and token_ids is None:
        raise ValueError("api_token_revoke needs a user or token ids")
    tokens = ApiToken.objects.filter(revoked_at__isnull=True)
    if user is not None:
        tokens = tokens.filter(user=user)
    if token_ids is not None:
        tokens = tokens.filter(pk__in=list(token_ids))
    return tokens.update(revoked_at=timezone.now())
