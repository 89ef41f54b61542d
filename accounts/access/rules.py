"""Who is asking: predicates on the user alone (no queries). See accounts.access."""

from __future__ import annotations

from typing import Any

from accounts.models import User


def is_signed_in(user: Any) -> bool:
    """Authenticated (any User instance, not AnonymousUser) and active."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def sees_every_account(user: User) -> bool:
    """Heads, admins and the ERP's integration user see every account; a KAM their own."""
    return is_signed_in(user) and (user.is_head_or_admin or user.is_integration)


def can_use_pages(user: User) -> bool:
    """The HTML pages (with their partials, exports and the calendar feed) are for people:
    the integration user is an API client and gets 403 on every one of them."""
    return is_signed_in(user) and not user.is_integration


def can_read_records(user: User) -> bool:
    """The KAMs' own records — contacts, interactions, surveys, events, distributor links,
    plans, objectives, actions, tenders and their history. The ERP reads accounts and
    numbers, never what the KAMs wrote."""
    return is_signed_in(user) and not user.is_integration


def can_read_numbers(user: User) -> bool:
    """Metrics and the portfolio's totals: everyone signed in (rows still scoped)."""
    return is_signed_in(user)


def can_create_account(user: User) -> bool:
    """A KAM may start an account (they own it); heads and admins too; not the ERP user."""
    return is_signed_in(user) and not user.is_integration


def can_change_seen_accounts(user: User) -> bool:
    """Whoever may change accounts at all changes every account they see (a KAM theirs, a
    head or an admin any); the ERP user none. For pages that list rows already scoped by
    `account_scope`, so they need not ask `can_change_account` once per row."""
    return is_signed_in(user) and not user.is_integration


def can_create_event(user: User) -> bool:
    """Anyone but the ERP user may organize an event (its accounts are checked one by one)."""
    return is_signed_in(user) and not user.is_integration


def can_assign(user: User) -> bool:
    """Owners and teams (and bulk reassignment) are for sales heads and admins."""
    return is_signed_in(user) and user.is_head_or_admin


# Who may own an account or sit on its team (and so see it): people who work the accounts.
ASSIGNABLE_ROLES = (User.Role.KAM, User.Role.HEAD, User.Role.ADMIN)


def can_own_accounts(user: User) -> bool:
    """May be made an account's owner or team member: an active KAM, head or admin."""
    return user.is_active and user.role in ASSIGNABLE_ROLES


def can_delete_account(user: User) -> bool:
    return is_signed_in(user) and user.is_head_or_admin


def can_change_distributors(user: User) -> bool:
    """Distributors are company master data (mostly from the ERP): heads and admins edit."""
    return is_signed_in(user) and user.is_head_or_admin


def can_change_stage_probabilities(user: User) -> bool:
    """The pipeline's stage probabilities (a company setting): sales heads and admins."""
    return is_signed_in(user) and user.is_head_or_admin


def can_read_logs(user: User) -> bool:
    """The ERP import log and the metrics run log: sales heads and admins."""
    return is_signed_in(user) and user.is_head_or_admin


def can_import_erp(user: User) -> bool:
    """The ERP's bulk endpoints: the integration role and admins."""
    return is_signed_in(user) and (user.is_integration or user.is_admin_role)


def can_use_admin(user: User) -> bool:
    """The Django admin: active staff, never the integration user (even if made staff).
    What each staff member sees there is scoped like everything else."""
    return is_signed_in(user) and user.is_staff and not user.is_integration


def offers_portfolio_pages(user: User) -> bool:
    """The portfolio pages are in everyone's menu who uses the pages: a head's show every
    account, a KAM's the same pages over their own accounts (every figure is scoped), so a
    KAM finds them without typing the URL."""
    return can_use_pages(user)


def owns_export(*, user: User, owner_id: int | None) -> bool:
    """An export (its progress page and file) belongs to whoever asked for it."""
    return can_use_pages(user) and owner_id == user.pk


def can_write_erp_keys(user: User) -> bool:
    """The ERP's keys (external ids) are written by the ERP endpoints and by admins: a KAM's
    or a head's change would make the ERP's next push duplicate the row."""
    return is_signed_in(user) and user.is_admin_role


def can_manage_webhooks(user: User) -> bool:
    """Webhook endpoints (URLs, secrets, deliveries): the admin role only."""
    return is_signed_in(user) and user.is_admin_role


def can_run_metrics(user: User) -> bool:
    """The recompute log and asking for a recompute: the ERP, heads and admins."""
    return is_signed_in(user) and (user.is_integration or user.is_head_or_admin)


def can_manage_tokens(user: User) -> bool:
    """API tokens are credentials: admins see and revoke them (issued by issue_api_token)."""
    return is_signed_in(user) and user.is_admin_role


def can_tune_alerts(user: User) -> bool:
    """The alert rules' thresholds (reports.alerts): sales heads and admins change them."""
    return is_signed_in(user) and user.is_head_or_admin


def receives_head_alerts(user: User) -> bool:
    """Who is told of the alerts that concern the whole portfolio, and gets the weekly
    digest: the sales heads (active)."""
    return user.is_active and user.role == User.Role.HEAD


def can_change_health_settings(user: User) -> bool:
    """The health score's weights and band thresholds: sales heads and admins (everyone
    signed in reads them, so a KAM knows how the score is made)."""
    return is_signed_in(user) and user.is_head_or_admin


def can_read_health_backtest(user: User) -> bool:
    """The backtest of the health score over the whole company's history: heads and admins."""
    return can_use_pages(user) and user.is_head_or_admin


def can_change_matrix_criteria(user: User) -> bool:
    """The portfolio matrix's criteria and weights: sales heads and admins (everyone who
    reads the matrix reads them)."""
    return is_signed_in(user) and user.is_head_or_admin


def reads_everyones_inbox(user: User) -> bool:
    """Other people's notifications and digest deliveries (the Django admin): the admin role
    only; everyone else reads their own."""
    return is_signed_in(user) and user.is_admin_role


def can_approve_targets(user: User) -> bool:
    """Revenue and margin targets are set by the KAMs and approved by sales heads (and
    admins); a KAM's own approval would make the approval meaningless."""
    return is_signed_in(user) and user.is_head_or_admin
