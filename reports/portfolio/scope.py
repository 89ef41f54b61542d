"""Role scoping for report queries, through accounts.selectors (the one rule)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from accounts.selectors import account_ids_in_scope


def scoped(qs: QuerySet, *, user: User, field: str = "account") -> QuerySet:
    """Rows hanging under an account the user sees.

    Heads see every account: skipping the `IN (SELECT id FROM account)` keeps the 10 000
    account pages on their indexes.
    """
    if user.is_authenticated and user.is_active and user.sees_all_accounts:
        return qs
    return qs.filter(**{f"{field}_id__in": account_ids_in_scope(user=user)})
