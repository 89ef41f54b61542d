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
  KAMs' records — `contact_scope`, `contact_link_scope`, `interaction_scope`, `survey_scope`,
  `distributor_link_scope`, `event_scope`, `plan_scope`, `objective_scope`, `action_scope`,
  `tender_scope`, `opportunity_scope`, `target_scope`, `contract_scope`, `document_scope`,
  `whitespace_cell_scope`, `matrix_scope` (generic: `records_scoped`); the numbers hanging
  under an account (revenue lines, metric rows: `scoped`); `distributor_scope`,
  `user_scope`; `holding_units` (a holding's subsidiaries the user sees);
- predicates: `can_use_pages`, `can_read_records`, `can_change_account` (and
  `ensure_can_change_account`), `can_change_event`, `can_assign`, ... ;
- pages: the `page_view` decorator (every HTML view: pages, htmx partials, exports) and the
  `template_context` context processor (what the menu offers);
- the API: `RolePermission`, `CanReadRecords`, `IsErpClient`, `IsHeadOrAdmin`.

The package: `rules` (who is asking: role predicates, no queries), `scopes` (querysets of
what a user may see, and the checks on one object built on them), `pages` (the decorator
and the templates' view of it), `api` (DRF permission classes). Import from
`accounts.access`, not from the modules.

Layering (accounts <- plans <- reports): this package may not import plans or reports. The
scopes of their models therefore take the model's queryset from the caller
(`plan_scope(user=u, queryset=AccountPlan.objects.all())`): the rule — and the path from each
of those models to its account — is written here, the caller only hands over the rows.
"""

from __future__ import annotations

from .api import (
    CanApproveTargets,
    CanManageWebhooks,
    CanReadRecords,
    CanTuneAlerts,
    HeadsWritePermission,
    HealthSettingsPermission,
    IsErpClient,
    IsHeadOrAdmin,
    MatrixCriteriaPermission,
    RolePermission,
    StageProbabilitiesPermission,
)
from .pages import PageAccess, page_view, template_context
from .rules import (
    can_approve_targets,
    can_assign,
    can_change_distributors,
    can_change_health_settings,
    can_change_matrix_criteria,
    can_change_seen_accounts,
    can_change_stage_probabilities,
    can_create_account,
    can_create_event,
    can_delete_account,
    can_import_erp,
    can_manage_tokens,
    can_manage_webhooks,
    can_own_accounts,
    can_read_health_backtest,
    can_read_logs,
    can_read_numbers,
    can_read_records,
    can_run_metrics,
    can_tune_alerts,
    can_use_admin,
    can_use_pages,
    can_write_erp_keys,
    is_signed_in,
    offers_portfolio_pages,
    owns_export,
    reads_everyones_inbox,
    receives_head_alerts,
    sees_every_account,
)
from .scopes import (
    account_ids_in_scope,
    account_scope,
    action_scope,
    assignable_users,
    can_change_account,
    can_change_event,
    can_restore,
    contact_link_scope,
    contact_scope,
    contract_scope,
    distributor_link_scope,
    distributor_scope,
    document_scope,
    ensure_can_change_account,
    event_scope,
    event_visible_prefetches,
    holding_units,
    import_batch_scope,
    interaction_scope,
    matrix_scope,
    notification_scope,
    objective_scope,
    opportunity_scope,
    plan_scope,
    records_scoped,
    restorable_records,
    scoped,
    soft_delete_cutoff,
    survey_scope,
    target_scope,
    tender_scope,
    user_scope,
    whitespace_cell_scope,
)

__all__ = [
    "CanApproveTargets",
    "can_approve_targets",
    "target_scope",
    "CanTuneAlerts",
    "can_tune_alerts",
    "notification_scope",
    "receives_head_alerts",
    "CanManageWebhooks",
    "can_manage_tokens",
    "can_run_metrics",
    "import_batch_scope",
    "can_manage_webhooks",
    "can_restore",
    "restorable_records",
    "soft_delete_cutoff",
    "HeadsWritePermission",
    "can_write_erp_keys",
    "CanReadRecords",
    "IsErpClient",
    "IsHeadOrAdmin",
    "StageProbabilitiesPermission",
    "PageAccess",
    "RolePermission",
    "account_ids_in_scope",
    "account_scope",
    "action_scope",
    "assignable_users",
    "can_assign",
    "can_change_stage_probabilities",
    "can_change_account",
    "can_change_distributors",
    "can_change_seen_accounts",
    "can_change_health_settings",
    "can_read_health_backtest",
    "reads_everyones_inbox",
    "HealthSettingsPermission",
    "can_change_matrix_criteria",
    "MatrixCriteriaPermission",
    "matrix_scope",
    "can_own_accounts",
    "can_change_event",
    "can_create_account",
    "can_create_event",
    "can_delete_account",
    "can_import_erp",
    "can_read_logs",
    "can_read_numbers",
    "can_read_records",
    "can_use_admin",
    "can_use_pages",
    "contact_link_scope",
    "contact_scope",
    "contract_scope",
    "document_scope",
    "distributor_link_scope",
    "distributor_scope",
    "ensure_can_change_account",
    "event_scope",
    "event_visible_prefetches",
    "holding_units",
    "interaction_scope",
    "is_signed_in",
    "objective_scope",
    "opportunity_scope",
    "offers_portfolio_pages",
    "owns_export",
    "page_view",
    "plan_scope",
    "records_scoped",
    "scoped",
    "sees_every_account",
    "survey_scope",
    "template_context",
    "tender_scope",
    "user_scope",
    "whitespace_cell_scope",
]
