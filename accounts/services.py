"""Writes and business rules of the accounts app.

Every service validates with the model's `full_clean()` (field validators, constraints and
the cross-row rules in `clean()`: no parent or reporting cycles, managers of the same
account) and raises Django's ValidationError naming the field; the API and the forms turn
it into a 400 or an error beside the field. Nothing is half-written: each is atomic.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    Account,
    ApiToken,
    Contact,
    Distributor,
    DistributorLink,
    Event,
    Interaction,
    Survey,
    User,
)
from .selectors import user_can_change_account, user_can_change_event

# Fields only a sales head or an admin may change (DESIGN.md, "ERP contract").
ASSIGNMENT_FIELDS = frozenset({"owner", "team"})
# Derived by the reports job; nobody writes them by hand.
DERIVED_FIELDS = frozenset(
    {"tier", "is_key", "ttm_revenue", "ttm_share", "ttm_penetration", "ttm_growth"}
)


def ensure_can_change_account(*, user: User, account: Account) -> None:
    if not user_can_change_account(user=user, account=account):
        raise PermissionDenied(_("You cannot change this account."))


def validated_save(instance, fields: dict[str, Any], *, m2m: dict[str, Iterable] | None = None):
    """Set fields, validate the whole row, save only what changed, then set m2m."""
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)
    return instance


@transaction.atomic
def account_create(*, user: User, team: Iterable[User] = (), **fields: Any) -> Account:
    """A new account; a KAM who creates one owns it, assignments are for heads/admins."""
    if not user.is_authenticated or user.is_integration:
        raise PermissionDenied(_("You cannot create accounts."))
    if not user.is_head_or_admin:
        if fields.get("owner") not in (None, user) or team:
            raise PermissionDenied(_("Only a sales head can assign owners and teams."))
        fields["owner"] = user
    return validated_save(Account(), fields, m2m={"team": team} if team else None)


@transaction.atomic
def account_update(*, user: User, account: Account, **fields: Any) -> Account:
    """Change an account the user may change; owner/team only for heads and admins."""
    ensure_can_change_account(user=user, account=account)
    if DERIVED_FIELDS & fields.keys():
        raise ValidationError(
            {f: _("This value is computed.") for f in DERIVED_FIELDS & fields.keys()}
        )
    if ASSIGNMENT_FIELDS & fields.keys() and not user.is_head_or_admin:
        raise PermissionDenied(_("Only a sales head can change the owner or the team."))
    team = fields.pop("team", None)
    return validated_save(account, fields, m2m={"team": team} if team is not None else None)


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
    if not user.is_head_or_admin:
        raise PermissionDenied(_("Only a sales head can reassign accounts."))
    if owner is not None and owner.role not in (User.Role.KAM, User.Role.HEAD, User.Role.ADMIN):
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


@transaction.atomic
def contact_create(*, user: User, account: Account, **fields: Any) -> Contact:
    ensure_can_change_account(user=user, account=account)
    return validated_save(Contact(account=account), fields)


@transaction.atomic
def contact_update(*, user: User, contact: Contact, **fields: Any) -> Contact:
    ensure_can_change_account(user=user, account=contact.account)
    if "account" in fields and fields["account"] != contact.account:
        ensure_can_change_account(user=user, account=fields["account"])
    return validated_save(contact, fields)


def _check_contacts_of(account: Account, contacts: Iterable[Contact], field: str) -> list:
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
    **fields: Any,
) -> Interaction:
    """Record a meeting, call, visit…; the contacts' "last touched" follows from it."""
    ensure_can_change_account(user=user, account=account)
    contacts = _check_contacts_of(account, contacts, "contacts")
    occurred_at = occurred_at or timezone.now()
    interaction = Interaction(
        account=account, author=user, kind=kind, occurred_at=occurred_at, summary=summary
    )
    return validated_save(interaction, fields, m2m={"contacts": contacts})


@transaction.atomic
def interaction_update(
    *,
    user: User,
    interaction: Interaction,
    contacts: Iterable[Contact] | None = None,
    **fields: Any,
) -> Interaction:
    ensure_can_change_account(user=user, account=interaction.account)
    m2m = None
    if contacts is not None:
        m2m = {"contacts": _check_contacts_of(interaction.account, contacts, "contacts")}
    return validated_save(interaction, fields, m2m=m2m)


@transaction.atomic
def survey_create(*, user: User, account: Account, **fields: Any) -> Survey:
    ensure_can_change_account(user=user, account=account)
    contact = fields.get("contact")
    if contact is not None:
        _check_contacts_of(account, [contact], "contact")
    return validated_save(Survey(account=account), fields)


@transaction.atomic
def distributor_link_save(
    *,
    user: User,
    account: Account,
    distributor: Distributor,
    link: DistributorLink | None = None,
    **fields: Any,
) -> DistributorLink:
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
    **fields: Any,
) -> Event:
    """An event with the accounts it concerns and the contacts invited / who came.

    A joint event may concern accounts the user cannot change (a head added another KAM's
    client): they cannot add or remove those, so the ones already there stay, with their
    people, whatever the user sends; only accounts they add are checked.
    """
    if not user.is_authenticated or user.is_integration:
        raise PermissionDenied(_("You cannot change events."))
    accounts, invited, attended = list(accounts), list(invited), list(attended)
    if event is not None and not user_can_change_event(user=user, event=event):
        raise PermissionDenied(_("You cannot change this event."))
    already = {a.pk: a for a in event.accounts.all()} if event is not None else {}
    for account in accounts:
        if account.pk not in already:
            ensure_can_change_account(user=user, account=account)
    sent = {a.pk for a in accounts}
    kept = {
        pk
        for pk, account in already.items()
        if pk not in sent and not user_can_change_account(user=user, account=account)
    }
    if kept:
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
def survey_update(*, user: User, survey: Survey, **fields: Any) -> Survey:
    ensure_can_change_account(user=user, account=survey.account)
    contact = fields.get("contact")
    if contact is not None:
        _check_contacts_of(survey.account, [contact], "contact")
    return validated_save(survey, fields)


@transaction.atomic
def distributor_save(
    *, user: User, distributor: Distributor | None = None, **fields: Any
) -> Distributor:
    """Distributors are company master data (mostly from the ERP): heads and admins edit."""
    if not user.is_authenticated or not user.is_head_or_admin:
        raise PermissionDenied(_("Only a sales head can change distributors."))
    return validated_save(distributor or Distributor(), fields)


def _delete(instance, *, refused: str) -> None:
    try:
        instance.delete()
    except ProtectedError as exc:
        # Revenue lines from the ERP keep their account and distributor: refuse clearly.
        raise ValidationError(refused) from exc


@transaction.atomic
def account_delete(*, user: User, account: Account) -> None:
    """Only heads and admins delete accounts; an account with revenue cannot go."""
    if not user.is_authenticated or not user.is_head_or_admin:
        raise PermissionDenied(_("Only a sales head can delete accounts."))
    _delete(account, refused=_("The account has revenue lines; mark it lost instead."))


@transaction.atomic
def account_record_delete(*, user: User, record, account: Account) -> None:
    """Delete something that hangs under an account (contact, plan, tender…) if allowed."""
    ensure_can_change_account(user=user, account=account)
    record.delete()


@transaction.atomic
def event_delete(*, user: User, event: Event) -> None:
    if not user_can_change_event(user=user, event=event):
        raise PermissionDenied(_("You cannot change this event."))
    event.delete()


@transaction.atomic
def distributor_delete(*, user: User, distributor: Distributor) -> None:
    if not user.is_authenticated or not user.is_head_or_admin:
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
