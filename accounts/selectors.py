"""Reads of the accounts app, scoped by who asks.

Scoping lives here so the API, the admin and the pages share one rule (DESIGN.md, "Who
sees what"): a KAM sees the accounts they own or are on the team of, with everything under
them; sales heads, admins and the integration user see every account.
"""

from __future__ import annotations

from django.db.models import Exists, Max, OuterRef, Q, QuerySet

from .models import (
    Account,
    Contact,
    Distributor,
    DistributorLink,
    Event,
    Interaction,
    Survey,
    User,
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
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_all_accounts:
        return qs
    return qs.filter(Q(owner_id=user.pk) | _team_membership(user))


def account_ids_in_scope(*, user: User) -> QuerySet:
    """A subquery of visible account ids, for filtering rows that hang under an account."""
    return account_scope(user=user).values("pk")


def account_list(*, user: User) -> QuerySet[Account]:
    return account_scope(user=user).select_related("owner", "region", "industry", "parent")


def account_get(*, user: User, pk: int) -> Account:
    """One visible account or Account.DoesNotExist (a KAM probing others' ids gets 404)."""
    return account_list(user=user).get(pk=pk)


def user_can_change_account(*, user: User, account: Account) -> bool:
    """KAMs change the accounts they see; heads and admins any; the ERP user none."""
    if not user.is_authenticated or user.is_integration:
        return False
    if user.is_head_or_admin:
        return True
    return account_scope(user=user).filter(pk=account.pk).exists()


def contact_list(*, user: User) -> QuerySet[Contact]:
    return (
        Contact.objects.filter(account_id__in=account_ids_in_scope(user=user))
        .select_related("account", "reports_to")
        .annotate(last_interaction_at=Max("interactions__occurred_at"))
    )


def interaction_list(*, user: User) -> QuerySet[Interaction]:
    return (
        Interaction.objects.filter(account_id__in=account_ids_in_scope(user=user))
        .select_related("account", "author")
        .prefetch_related("contacts")
    )


def survey_list(*, user: User) -> QuerySet[Survey]:
    return Survey.objects.filter(account_id__in=account_ids_in_scope(user=user)).select_related(
        "account", "contact"
    )


def distributor_link_list(*, user: User) -> QuerySet[DistributorLink]:
    return DistributorLink.objects.filter(
        account_id__in=account_ids_in_scope(user=user)
    ).select_related("distributor", "account")


def distributor_list(*, user: User) -> QuerySet[Distributor]:
    """Distributors are company-wide master data: everyone signed in may read them."""
    if not user.is_authenticated:
        return Distributor.objects.none()
    return Distributor.objects.select_related("region")


def event_list(*, user: User) -> QuerySet[Event]:
    """Events with no account are company events everyone sees; others follow the accounts."""
    if not user.is_authenticated:
        return Event.objects.none()
    qs = Event.objects.select_related("organizer")
    if user.sees_all_accounts:
        return qs
    visible = Event.accounts.through.objects.filter(
        event_id=OuterRef("pk"), account_id__in=account_ids_in_scope(user=user)
    )
    any_account = Event.accounts.through.objects.filter(event_id=OuterRef("pk"))
    return qs.filter(Exists(visible) | ~Exists(any_account) | Q(organizer_id=user.pk))


def user_list(*, user: User) -> QuerySet[User]:
    """People a user may pick (owners, teams, action owners) and see named in the API.

    Heads and admins see every active person; a KAM sees themself, the sales heads and
    the colleagues who share one of their accounts; the ERP user sees only itself.
    """
    if not user.is_authenticated or not user.is_active:
        return User.objects.none()
    qs = User.objects.filter(is_active=True)
    if user.is_admin_role:
        return qs
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


def assignable_user_list() -> QuerySet[User]:
    """Who may own an account or sit on its team: active KAMs, heads and admins."""
    return User.objects.filter(
        is_active=True, role__in=(User.Role.KAM, User.Role.HEAD, User.Role.ADMIN)
    ).order_by("username")


def user_can_change_event(*, user: User, event: Event) -> bool:
    """Heads, admins and the organizer; otherwise a KAM who can change all its accounts."""
    if not user.is_authenticated or user.is_integration:
        return False
    if user.is_head_or_admin or event.organizer_id == user.pk:
        return True
    account_ids = set(event.accounts.values_list("pk", flat=True))
    if not account_ids:
        return False  # a company-wide event belongs to its organizer and the heads
    return account_scope(user=user).filter(pk__in=account_ids).count() == len(account_ids)
