"""What a user may see (querysets), and the checks on one object built on it.

See accounts.access for the roles and why the plans models' scopes take a queryset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    Account,
    Contact,
    ContactLink,
    Distributor,
    DistributorLink,
    Event,
    Interaction,
    SoftDeletable,
    Survey,
    User,
)

from .rules import (
    ASSIGNABLE_ROLES,
    can_change_seen_accounts,
    can_create_event,
    can_read_records,
    is_signed_in,
    sees_every_account,
)


def _team_membership(user: User) -> Q:
    # An uncorrelated IN (…) rather than a correlated EXISTS: PostgreSQL hashes the user's
    # few team rows once instead of probing per account (50 ms -> 3 ms at 5 000 accounts).
    return Q(pk__in=Account.team.through.objects.filter(user_id=user.pk).values("account_id"))


def account_scope(*, user: User, queryset: QuerySet[Account] | None = None) -> QuerySet[Account]:
    """Every account the user may see (no ordering or joins: compose on top of it).

    `queryset` is an optional base to scope (say, a prepared `.values()` for a hot list).
    """
    qs = Account.objects.all() if queryset is None else queryset.all()
    if not is_signed_in(user):
        return qs.none()
    if sees_every_account(user):
        return qs
    return qs.filter(Q(owner_id=user.pk) | _team_membership(user))


def account_ids_in_scope(*, user: User) -> QuerySet:
    """A subquery of visible account ids, for filtering rows that hang under an account."""
    return account_scope(user=user).values("pk")


def scoped(qs: QuerySet, *, user: User, field: str = "account") -> QuerySet:
    """Rows of `qs` hanging (through `field`) under an account the user sees: the numbers
    (revenue lines, metric rows), which the integration user reads too.

    Those who see every account skip the `IN (SELECT id FROM account)`, which keeps the
    large pages on their indexes.
    """
    if not is_signed_in(user):
        return qs.none()
    if sees_every_account(user):
        return qs
    return qs.filter(**{f"{field}__in": account_ids_in_scope(user=user)})


def records_scoped(qs: QuerySet, *, user: User, field: str = "account") -> QuerySet:
    """The KAMs' records of `qs` under the accounts the user sees; none for the ERP user."""
    if not can_read_records(user):
        return qs.none()
    return scoped(qs, user=user, field=field)


def contact_scope(*, user: User, queryset: QuerySet | None = None) -> QuerySet[Contact]:
    return records_scoped(Contact.objects.all() if queryset is None else queryset, user=user)


def contact_link_scope(*, user: User, queryset: QuerySet | None = None) -> QuerySet[ContactLink]:
    """Links between people of the accounts the user sees (both ends share the account)."""
    base = ContactLink.objects.all() if queryset is None else queryset
    return records_scoped(base, user=user, field="from_contact__account")


def interaction_scope(*, user: User, queryset: QuerySet | None = None) -> QuerySet[Interaction]:
    return records_scoped(Interaction.objects.all() if queryset is None else queryset, user=user)


def survey_scope(*, user: User, queryset: QuerySet | None = None) -> QuerySet[Survey]:
    return records_scoped(Survey.objects.all() if queryset is None else queryset, user=user)


def distributor_link_scope(
    *, user: User, queryset: QuerySet | None = None
) -> QuerySet[DistributorLink]:
    base = DistributorLink.objects.all() if queryset is None else queryset
    return records_scoped(base, user=user)


# Models of the apps above (plans): the caller passes their queryset (see the docstring).
def plan_scope(*, user: User, queryset: QuerySet) -> QuerySet:
    """Account plans (plans.AccountPlan) of the accounts the user sees."""
    return records_scoped(queryset, user=user, field="account")


def objective_scope(*, user: User, queryset: QuerySet) -> QuerySet:
    """Plan objectives (plans.Objective), through their plan's account."""
    return records_scoped(queryset, user=user, field="plan__account")


def action_scope(*, user: User, queryset: QuerySet) -> QuerySet:
    """Plan actions (plans.Action), through their plan's account."""
    return records_scoped(queryset, user=user, field="plan__account")


def tender_scope(*, user: User, queryset: QuerySet) -> QuerySet:
    """Tenders (plans.Tender) of the accounts the user sees."""
    return records_scoped(queryset, user=user, field="account")


def opportunity_scope(*, user: User, queryset: QuerySet) -> QuerySet:
    """Opportunities (plans.Opportunity) of the accounts the user sees."""
    return records_scoped(queryset, user=user, field="account")


def target_scope(*, user: User, queryset: QuerySet) -> QuerySet:
    """Revenue and margin targets (plans.Target) of the accounts the user sees; the ERP
    reads none (they are the KAMs' and the heads' plans, not numbers it sent)."""
    return records_scoped(queryset, user=user, field="account")


def contract_scope(*, user: User, queryset: QuerySet) -> QuerySet:
    """Contracts (plans.Contract) of the accounts the user sees; none for the ERP user
    (it learns a contract's number from its own system, not from the KAMs' records)."""
    return records_scoped(queryset, user=user, field="account")


def document_scope(*, user: User, queryset: QuerySet) -> QuerySet:
    """Contract documents (plans.ContractDocument), through their contract's account: the
    file is served only to whoever may see the account (another KAM's is a 404)."""
    return records_scoped(queryset, user=user, field="contract__account")


def whitespace_cell_scope(*, user: User, queryset: QuerySet) -> QuerySet:
    """White-space cells (reports.WhiteSpaceCell: the KAM's estimate of a unit and a
    category) of the accounts the user sees; none for the ERP user."""
    return records_scoped(queryset, user=user, field="account")


def holding_units(*, user: User, subtree_ids: Iterable[int]) -> QuerySet[Account]:
    """The buying units of a holding a user may see: of the root's subtree
    (`accounts.selectors.account_subtree`), the accounts in the user's scope. A KAM who
    sees the holding but not one of its subsidiaries (another KAM's) gets the holding
    without it, and the subsidiaries under it that they do see; the caller has checked
    the root itself first (another KAM's holding is a 404)."""
    return account_scope(user=user).filter(pk__in=list(subtree_ids))


def matrix_scope(*, user: User, queryset: QuerySet) -> QuerySet:
    """The portfolio matrix's rows under an account (reports' MatrixPosition and MatrixScore
    rows, handed in): they carry the KAM's own scores and the health built from their
    records, so they are records — a KAM reads their accounts', the ERP none."""
    if not can_read_records(user):
        return queryset.none()
    if sees_every_account(user):
        return queryset
    # A KAM's few hundred account ids as a list, not a subquery: PostgreSQL then reads
    # their rows through the (account, year) index instead of scanning the whole year
    # (its estimate for the owner-or-team subquery is half of all accounts).
    return queryset.filter(
        account_id__in=list(account_ids_in_scope(user=user).values_list("pk", flat=True))
    )


def event_scope(*, user: User, queryset: QuerySet | None = None) -> QuerySet[Event]:
    """Events with no account are company events everyone sees; an event with accounts is
    seen by whoever sees one of them, and by its organizer.

    A joint event may concern accounts the user does not see: `event.accounts` keeps
    meaning all of them (the permission checks need that); what is *shown* of them goes
    through `account_scope` (see `event_visible_prefetches`).
    """
    qs = Event.objects.all() if queryset is None else queryset
    if not can_read_records(user):
        return qs.none()
    if sees_every_account(user):
        return qs
    through = Event.accounts.through.objects
    visible = through.filter(
        event_id=OuterRef("pk"), account_id__in=account_ids_in_scope(user=user)
    )
    any_account = through.filter(event_id=OuterRef("pk"))
    return qs.filter(Exists(visible) | ~Exists(any_account) | Q(organizer_id=user.pk))


def event_visible_prefetches(*, user: User) -> dict[str, QuerySet]:
    """For a page or an API answer about events: {relation: what the user may see of it}.

    Prefetch each into `visible_<relation>` (not into the relation itself: `event.accounts`
    must keep meaning every account for `can_change_event` and the services).
    """
    return {
        "accounts": account_scope(user=user).only("pk", "name").order_by("name"),
        "invited": contact_scope(user=user).only("pk", "account_id"),
        "attended": contact_scope(user=user).only("pk", "account_id"),
    }


def distributor_scope(*, user: User) -> QuerySet[Distributor]:
    """Distributors are company-wide master data: everyone signed in may read them."""
    if not is_signed_in(user):
        return Distributor.objects.none()
    return Distributor.objects.all()


def user_scope(*, user: User, include_inactive: bool = False) -> QuerySet[User]:
    """People a user may pick (owners, teams, action owners) and see named in the API.

    Admins see every active person (and, with `include_inactive`, the deactivated ones
    they manage in the Django admin); heads every active person but the ERP user; a KAM
    themself, the sales heads and the colleagues who share one of their accounts; the ERP
    user only itself.
    """
    if not is_signed_in(user):
        return User.objects.none()
    if user.is_admin_role:
        return User.objects.all() if include_inactive else User.objects.filter(is_active=True)
    qs = User.objects.filter(is_active=True)
    if user.is_integration:
        return qs.filter(pk=user.pk)
    qs = qs.exclude(role=User.Role.INTEGRATION)
    if user.is_head_or_admin:
        return qs
    visible = account_ids_in_scope(user=user)
    owns = Exists(Account.objects.filter(owner_id=OuterRef("pk"), pk__in=visible))
    on_team = Exists(
        Account.team.through.objects.filter(user_id=OuterRef("pk"), account_id__in=visible)
    )
    return qs.filter(Q(pk=user.pk) | Q(role=User.Role.HEAD) | owns | on_team)


def assignable_users() -> QuerySet[User]:
    """Who may own an account or sit on its team (rules.can_own_accounts, as a query)."""
    return User.objects.filter(is_active=True, role__in=ASSIGNABLE_ROLES)


# --- what a user may change about one object -------------------------------------------


def can_change_account(*, user: User, account: Account) -> bool:
    """KAMs change the accounts they see (and what hangs under them); heads and admins
    any; the ERP user none."""
    if not can_change_seen_accounts(user):  # signed in and not the ERP user
        return False
    if user.is_head_or_admin or account.owner_id == user.pk:
        return True
    return account_scope(user=user).filter(pk=account.pk).exists()


def ensure_can_change_account(*, user: User, account: Account) -> None:
    """PermissionDenied unless `can_change_account` (services call it before a write)."""
    if not can_change_account(user=user, account=account):
        raise PermissionDenied(_("You cannot change this account."))


def can_change_event(*, user: User, event: Event) -> bool:
    """Heads, admins and the organizer; otherwise a KAM who can change all its accounts.

    Reads `event.accounts` from the database (not a prefetch another reader may have
    narrowed), so a joint event with accounts the KAM cannot see stays out of their hands.
    """
    if not can_create_event(user):
        return False
    if user.is_head_or_admin or event.organizer_id == user.pk:
        return True
    account_ids = set(
        Event.accounts.through.objects.filter(event_id=event.pk).values_list(
            "account_id", flat=True
        )
    )
    if not account_ids:
        return False  # a company-wide event belongs to its organizer and the heads
    return account_scope(user=user).filter(pk__in=account_ids).count() == len(account_ids)


# --- "Recently deleted" -------------------------------------------------------------------
def soft_delete_cutoff(*, now: dt.datetime | None = None) -> dt.datetime:
    """Rows deleted before this are past retention: no longer listed, restorable or kept."""
    return (now or timezone.now()) - dt.timedelta(days=settings.SOFT_DELETE_RETENTION_DAYS)


def restorable_records(*, user: User, model: type[SoftDeletable]) -> QuerySet:
    """Deleted rows of `model`, within retention, that the user may see and restore.

    Heads and admins: any. A KAM: what they authored (an interaction's author, an event's
    organizer) or deleted themselves, on accounts they can still see. Nobody else.
    """
    qs = model.all_objects.filter(deleted_at__gte=soft_delete_cutoff())
    if not can_read_records(user):
        return qs.none()
    if user.is_head_or_admin:
        return qs
    mine = Q(deleted_by_id=user.pk)
    if model is Interaction:
        mine |= Q(author_id=user.pk)
    if model is Event:
        return event_scope(user=user, queryset=qs.filter(mine | Q(organizer_id=user.pk)))
    return qs.filter(mine, account_id__in=account_ids_in_scope(user=user))  # type: ignore[misc]  # every kind but Event hangs under an account


def can_restore(*, user: User, record: SoftDeletable) -> bool:
    """Restorable by the user (above), and an event only by who may change it now."""
    if not restorable_records(user=user, model=type(record)).filter(pk=record.pk).exists():
        return False
    if isinstance(record, Event):
        return can_change_event(user=user, event=record)
    return True


def import_batch_scope(*, user: User, queryset: QuerySet) -> QuerySet:
    """The ERP import log (reports' ImportBatch rows, handed in): heads and admins read
    every request, the integration role its own; anyone else is refused."""
    if is_signed_in(user) and user.is_head_or_admin:
        return queryset
    if is_signed_in(user) and user.is_integration:
        return queryset.filter(user=user)
    raise PermissionDenied


def notification_scope(*, user: User, queryset: QuerySet) -> QuerySet:
    """Notifications (reports' rows, handed in) are their recipient's alone: nobody —
    not a head, not an admin — reads or marks another person's."""
    if not (is_signed_in(user) and can_read_records(user)):
        return queryset.none()
    return queryset.filter(recipient_id=user.pk)
