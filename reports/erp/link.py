"""The ERP claims a prospect: an account created in KAM (no external id yet) gets the
ERP's key, so the ERP's later pushes update it instead of creating a duplicate."""

from __future__ import annotations

import time

from django.db import transaction

from accounts.models import Account, User

from .batches import import_batch_record
from .validation import FieldError, key_value

LINK_ENDPOINT = "accounts/link"


class LinkRefused(Exception):
    """The link cannot be made; `status` is 400 (a bad key) or 409 (taken), `field` names
    the culprit."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


def account_link_external_id(*, user: User, account: Account, external_id: object) -> bool:
    """Give the prospect `account` the ERP key `external_id`, logged in the import log.

    Returns True when it changed the account; the same link again changes nothing. Raises
    LinkRefused when the key is malformed, the account carries another key, or the key
    belongs to another account (logged too)."""
    started = time.monotonic()
    try:
        with transaction.atomic():
            changed = _link(account.pk, external_id)
    except LinkRefused as refused:
        import_batch_record(
            endpoint=LINK_ENDPOINT,
            user=user,
            status=refused.status,
            items=1,
            started=started,
            errors=[
                {
                    "index": 0,
                    "external_id": external_id if isinstance(external_id, str) else None,
                    "field": refused.field,
                    "message": refused.message,
                }
            ],
        )
        raise
    import_batch_record(
        endpoint=LINK_ENDPOINT,
        user=user,
        status=200,
        items=1,
        started=started,
        errors=[],
        counts={"updated": int(changed), "unchanged": int(not changed)},
    )
    return changed


def _link(account_pk: int, external_id: object) -> bool:
    try:
        key = key_value(external_id)
    except FieldError as exc:
        raise LinkRefused(400, "external_id", str(exc)) from None
    account = Account.objects.select_for_update().get(pk=account_pk)
    if account.external_id == key:
        return False
    if account.external_id:
        raise LinkRefused(
            409, "account", f"The account is already linked to {account.external_id!r}."
        )
    if Account.objects.filter(external_id=key).exists():
        raise LinkRefused(409, "external_id", f"{key!r} already belongs to another account.")
    account.external_id = key
    account.save(update_fields=["external_id", "updated_at"])
    return True
