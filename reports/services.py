"""Writes of the reports app that a person makes (the ERP's writes are in reports.erp, the
metrics job's in reports.metrics): the white-space matrix's cells and its one-click
opportunity."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.access import ensure_can_change_account
from accounts.models import Account, User
from accounts.services import validated_save
from kam.unset import UNSET, Unset, given
from plans.models import Opportunity
from plans.services import opportunity_create

from .models import ProductCategory, WhiteSpaceCell


def _ensure_active(category: ProductCategory) -> None:
    if not category.active:
        raise ValidationError(
            {"category": _("This category is no longer active: the matrix has no cell for it.")}
        )


@transaction.atomic
def whitespace_cell_save(
    *,
    user: User,
    account: Account,
    category: ProductCategory,
    status: str | Unset = UNSET,
    competitor: str | Unset = UNSET,
    potential: Decimal | None | Unset = UNSET,
    note: str | Unset = UNSET,
) -> WhiteSpaceCell:
    """Create or change the KAM's entry for (account, category) of an account the user may
    change and an active category; the fields not given keep their value."""
    ensure_can_change_account(user=user, account=account)
    _ensure_active(category)
    fields = given(status=status, competitor=competitor, potential=potential, note=note)
    cell = (
        WhiteSpaceCell.objects.select_for_update()
        .filter(account=account, category=category)
        .first()
    ) or WhiteSpaceCell(account=account, category=category)
    if isinstance(fields.get("competitor"), str):
        fields["competitor"] = fields["competitor"].strip()
    if not cell._state.adding and all(getattr(cell, k) == v for k, v in fields.items()):
        return cell  # nothing changed: no write, no history row
    fields["updated_by"] = user
    return validated_save(cell, fields)


@transaction.atomic
def whitespace_opportunity_create(
    *, user: User, account: Account, category: ProductCategory
) -> Opportunity:
    """Turn a white-space cell into an opportunity through plans.services.opportunity_create
    (stage idea, valued at the cell's potential or 0). Refused when the cell is marked not
    relevant or already has an open opportunity, so a double click makes one."""
    ensure_can_change_account(user=user, account=account)
    _ensure_active(category)
    # Two clicks at once: the second waits here for the first to commit, then sees its
    # opportunity (PostgreSQL; SQLite takes writers one at a time anyway).
    Account.objects.select_for_update().filter(pk=account.pk).first()
    if Opportunity.objects.filter(
        account=account, category_id=category.pk, stage__in=Opportunity.OPEN_STAGES
    ).exists():
        raise ValidationError(
            {"category": _("This cell already has an open opportunity.")}, code="exists"
        )
    cell = WhiteSpaceCell.objects.filter(account=account, category=category).first()
    if cell is not None and cell.status == WhiteSpaceCell.Status.NOT_RELEVANT:
        raise ValidationError(
            {"category": _("This category is marked not relevant for the unit.")},
            code="not_relevant",
        )
    return opportunity_create(
        user=user,
        account=account,
        category_id=category.pk,
        title=_("%(category)s for %(account)s") % {"category": category.name, "account": account},
        value=cell.potential if cell is not None and cell.potential is not None else Decimal(0),
        stage=Opportunity.Stage.IDEA,
    )
