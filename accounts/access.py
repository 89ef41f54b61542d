"""Who may see and do what: the one module that decides (DESIGN.md, "Who sees what").

- KAM: sees the accounts they own or are on the team of, with everything under them, and
  the portfolio's totals; changes those accounts and what hangs under them.
- Sales head: sees and changes every account; assigns owners and teams.
- Integration (the ERP, an API client): reads every account, the numbers (metrics) and the
  master data; none of the KAMs' records and no HTML page; writes ERP data only, through
  the ERP endpoints.
- Admin: everything, the Django admin too.

Everything else asks here and never looks at a role itself:

- scopes (querysets of what a user may see): `account_scope`, `account_ids_in_scope`; the
  KAMs' records — `contact_scope`, `interaction_scope`, `survey_scope`,
  `distributor_link_scope`, `event_scope`, `plan_scope`, `objective_scope`, `action_scope`,
  `tender_scope` (generic: `records_scoped`); the numbers hanging under an account
  (revenue lines, metric rows: `scoped`); `distributor_scope`, `user_scope`;
- predicates: `can_use_pages`, `can_read_records`, `can_change_account` (and
  `ensure_can_change_account`), `can_change_event`, `can_assign`, ... ;
- pages: the `page_view` decorator (every HTML view: pages, htmx partials, exports) and the
  `template_context` context processor (what the menu offers);
- the API: `RolePermission`, `CanReadRecords`, `IsErpClient`, `IsHeadOrAdmin`.

Layering (accounts <- plans <- reports): this module may not import plans or reports. The
scopes of their models therefore take the model's queryset from the caller
(`plan_scope(user=u, queryset=AccountPlan.objects.all())`): the rule — and the path from each
of those models to its account — is written here, the caller only hands over the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import permissions

from .models import Account, Contact, Distributor, DistributorLink, Event, Interaction, Survey, User

# --- who is asking --------------------------------------------------------------------


def _signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def sees_every_account(user: User) -> bool:
    """Heads, admins and the ERP's integration user see every account; a KAM their own."""
    return _signed_in(user) and (user.is_head_or_admin or user.is_integration)


def can_use_pages(user: User) -> bool:
    """The HTML pages (with their partials, exports and the calendar feed) are for people:
    the integration user is an API client and gets 403 on every one of them."""
    return _signed_in(user) and not user.is_integration


def can_read_records(user: User) -> bool:
    """The KAMs' own records — contacts, interactions, surveys, events, distributor links,
    plans, objectives, actions, tenders and their history. The ERP reads accounts and
    numbers, never what the KAMs wrote."""
    return _signed_in(user) and not user.is_integration


def can_read_numbers(user: User) -> bool:
    """Metrics and the portfolio's totals: everyone signed in (rows still scoped)."""
    return _signed_in(user)


def can_create_account(user: User) -> bool:
    """A KAM may start an account (they own it); heads and admins too; not the ERP user."""
    return _signed_in(user) and not user.is_integration


def can_create_event(user: User) -> bool:
    """Anyone but the ERP user may organize an event (its accounts are checked one by one)."""
    return _signed_in(user) and not user.is_integration


def can_assign(user: User) -> bool:
    """Owners and teams (and bulk reassignment) are for sales heads and admins."""
    return _signed_in(user) and user.is_head_or_admin


def can_delete_account(user: User) -> bool:
    return _signed_in(user) and user.is_head_or_admin


def can_change_distributors(user: User) -> bool:
    """Distributors are company master data (mostly from the ERP): heads and admins edit."""
    return _signed_in(user) and user.is_head_or_admin


def can_read_logs(user: User) -> bool:
    """The ERP import log and the metrics run log: sales heads and admins."""
    return _signed_in(user) and user.is_head_or_admin


def can_import_erp(user: User) -> bool:
    """The ERP's bulk endpoints: the integration role and admins."""
    return _signed_in(user) and (user.is_integration or user.is_admin_role)


def can_use_admin(user: User) -> bool:
    """The Django admin: active staff, never the integration user (even if made staff).
    What each staff member sees there is scoped like everything else."""
    return _signed_in(user) and user.is_staff and not user.is_integration


def offers_portfolio_pages(user: User) -> bool:
    """The head's pages are in the menu of heads and admins. A KAM may open them too (the
    figures are scoped to their accounts) but works from their home page."""
    return can_use_pages(user) and user.is_head_or_admin


def owns_export(*, user: User, owner_id: int | None) -> bool:
    """An export (its progress page and file) belongs to whoever asked for it."""
    return can_use_pages(user) and owner_id == user.pk


# --- scopes ---------------------------------------------------------------------------


def _team_membership(user: User) -> Q:
    # An uncorrelated IN (…) rather than a correlated EXISTS: PostgreSQL hashes the user's
    # few team rows once instead of probing per account (50 ms -> 3 ms at 5 000 accounts).
    return Q(pk__in=Account.team.through.objects.filter(user_id=user.pk).values("account_id"))


def account_scope(*, user: User, queryset: QuerySet[Account] | None = None) -> QuerySet[Account]:
    """Every account the user may see (no ordering or joins: compose on top of it).

    `queryset` is an optional base to scope (say, a prepared `.values()` for a hot list).
    """
    qs = Account.objects.all() if queryset is None else queryset.all()
    if not _signed_in(user):
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
    if not _signed_in(user):
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
    if not _signed_in(user):
        return Distributor.objects.none()
    return Distributor.objects.all()


def user_scope(*, user: User, include_inactive: bool = False) -> QuerySet[User]:
    """People a user may pick (owners, teams, action owners) and see named in the API.

    Admins see every active person (and, with `include_inactive`, the deactivated ones
    they manage in the Django admin); heads every active person but the ERP user; a KAM
    themself, the sales heads and the colleagues who share one of their accounts; the ERP
    user only itself.
    """
    if not _signed_in(user):
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


# --- what a user may change -----------------------------------------------------------


def can_change_account(*, user: User, account: Account) -> bool:
    """KAMs change the accounts they see (and what hangs under them); heads and admins
    any; the ERP user none."""
    if not can_create_account(user):  # signed in and not the ERP user
        return False
    if user.is_head_or_admin:
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


# --- pages ----------------------------------------------------------------------------


def page_view(
    view: Callable | None = None, *, allow: Callable[[User], bool] | None = None
) -> Callable:
    """The decorator of every HTML view (pages, htmx partials, exports).

    Anonymous visitors go to the login page; the integration user gets 403 (it is an API
    client); `allow`, if given, is a further predicate (say `can_assign` for a head-only
    page) whose refusal is a 403 too. `@page_view` or `@page_view(allow=can_assign)`.
    """

    def decorate(func: Callable) -> Callable:
        @wraps(func)
        @login_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any):
            if not can_use_pages(request.user):
                raise PermissionDenied(_("This account is for the API; it has no pages."))
            if allow is not None and not allow(request.user):
                raise PermissionDenied(_("This page is for sales heads and admins."))
            return func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


class PageAccess:
    """What the templates may ask (`{% if access.pages %}`), computed on first use."""

    def __init__(self, user: User) -> None:
        self._user = user

    @cached_property
    def pages(self) -> bool:
        return can_use_pages(self._user)

    @cached_property
    def every_account(self) -> bool:
        return sees_every_account(self._user)

    @cached_property
    def portfolio_pages(self) -> bool:
        return offers_portfolio_pages(self._user)


def template_context(request: HttpRequest) -> dict[str, PageAccess]:
    """Context processor: `access` in every template (settings.TEMPLATES)."""
    return {"access": PageAccess(getattr(request, "user", None))}


# --- the API --------------------------------------------------------------------------


class RolePermission(permissions.BasePermission):
    """Signed in; the integration user only reads the views that say
    `integration_can_read = True` (accounts, master data, metrics). The project's default."""

    message = gettext_lazy("The integration user cannot use this endpoint.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not _signed_in(user):
            return False
        if user.is_integration:
            return request.method in permissions.SAFE_METHODS and getattr(
                view, "integration_can_read", False
            )
        return True


class CanReadRecords(permissions.BasePermission):
    """The KAMs' records and their history (`…/{id}/history/`): not the ERP user."""

    message = RolePermission.message

    def has_permission(self, request, view) -> bool:
        return can_read_records(request.user)


class IsErpClient(permissions.BasePermission):
    """ERP writes: the integration role and admins (a KAM or a sales head gets 403)."""

    message = "ERP imports are for the integration role and admins."

    def has_permission(self, request, view) -> bool:
        return can_import_erp(request.user)


class IsHeadOrAdmin(permissions.BasePermission):
    """The logs of the ERP imports and metric runs: sales heads and admins."""

    message = "Only sales heads and admins may read this log."

    def has_permission(self, request, view) -> bool:
        return can_read_logs(request.user)
