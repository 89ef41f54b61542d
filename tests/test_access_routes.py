"""Every URL the project registers, for every role, answers as ROUTES says.

The test walks `django.urls.get_resolver()` (pages, htmx partials, exports, the calendar
feed, the API, the admin, the auth views, healthz, the schema and its docs) and asks each
pattern as six callers:

- anonymous;
- kam_own: a KAM on an object of their own account;
- kam_other: the same KAM on the same kind of object under another KAM's account;
- head, integration (the ERP's API client), admin: on the first KAM's object.

ROUTES holds one row per URL name (an unnamed pattern: per route). A pattern without a row
fails the test with its name, so a new page or endpoint cannot outrun it: whoever adds one
says here who may open it. GET everywhere; rows with `write_other` also send the KAM's
write on the other KAM's object and expect it refused.

Answers: a status code, LOGIN (a redirect to the login page) or ADMIN_LOGIN (to the
admin's). The data is built once per module inside a transaction rolled back at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import QueryDict
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import ContactLink
from plans.calendar import feed_token
from plans.models import StageProbability
from reports.alerts.digests import unsubscribe_token
from reports.exports.jobs import export_job_run, export_job_start
from reports.models import (
    AccountHealth,
    AlertFiring,
    AlertSettings,
    DigestDelivery,
    ForecastSnapshot,
    HealthSettings,
    ImportBatch,
    MatrixCriterion,
    MatrixPosition,
    MatrixScore,
    MetricRun,
    Notification,
    WhiteSpaceCell,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "kam_own", "kam_other", "head", "integration", "admin")
LOGIN, ADMIN_LOGIN = "login", "admin-login"


@dataclass(frozen=True)
class Row:
    """Expected answers in ROLES order; `params` fills the pattern's parameters: a kind of
    object (its pk, for the caller's own or the other KAM's), or a fixed value."""

    expect: tuple
    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    write_other: tuple[str, int] | None = None  # (method, status) of kam on the other's


def row(*expect, **kwargs) -> Row:
    assert len(expect) == len(ROLES), expect
    return Row(tuple(expect), **kwargs)


# --- the answers, by kind of route ------------------------------------------------------
#                 anonymous  kam_own  kam_other  head  integration  admin
PAGE = (LOGIN, 200, 200, 200, 403, 200)  # no object in the URL
OBJECT_PAGE = (LOGIN, 200, 404, 200, 403, 200)
POST_ONLY = (LOGIN, 405, 405, 405, 403, 405)  # GET refused; the POST is checked apart
PUBLIC = (200, 200, 200, 200, 200, 200)
API_RECORDS = (401, 200, 200, 200, 403, 200)  # the KAMs' records: lists
API_RECORD = (401, 200, 404, 200, 403, 200)  # … and one of them
API_READABLE = (401, 200, 200, 200, 200, 200)  # what the ERP may read too (lists)
API_READABLE_ONE = (401, 200, 404, 200, 200, 200)
API_SHARED_ONE = API_READABLE  # master data: the same row for everyone
API_HEAD_LOG = (401, 403, 403, 200, 403, 200)
API_RUNS = (401, 403, 403, 200, 200, 200)  # the logs the ERP reads too
ERP_WRITE = (401, 403, 403, 403, 405, 405)  # POST-only: a GET from a permitted caller is 405


def page(kind: str | None = None, **kwargs) -> Row:
    params = kwargs.pop("params", {})
    if kind:
        params = {"pk": kind, **params}
    return Row(OBJECT_PAGE if kind else PAGE, params=params, **kwargs)


def post_only(kind: str) -> Row:
    return Row(POST_ONLY, params={"pk": kind}, write_other=("post", 404))


def api(
    basename: str,
    kind: str | None = None,
    *,
    readable: bool = False,
    shared_write: int | None = None,
    history: bool = False,
) -> dict[str, Row]:
    """The routes DRF's router registers for a viewset (list, detail, with .json too).

    `kind`: the object a detail opens (default: the basename); `readable`: the ERP reads
    it too; `shared_write`: company master data (the same row for every caller), whose
    DELETE by a KAM answers this status.
    """
    kind = kind or basename
    many = API_READABLE if readable else API_RECORDS
    if shared_write is not None:
        one, write = API_SHARED_ONE, ("delete", shared_write)
    else:
        one, write = (API_READABLE_ONE if readable else API_RECORD), ("delete", 404)
    params = {"pk": kind, "format": "json"}
    rows = {
        f"api:{basename}-list": Row(many, params={"format": "json"}),
        f"api:{basename}-detail": Row(one, params=params, write_other=write),
    }
    if history:
        rows[f"api:{basename}-history"] = Row(API_RECORD, params=params)
    return rows


ROUTES: dict[str, Row] = {
    # accounts (pages)
    "accounts:home": page(),
    "accounts:detail": page("account"),
    "accounts:edit": page("account", write_other=("post", 404)),
    "accounts:log": page("account", write_other=("post", 404)),
    "accounts:log-pick": page(),
    "accounts:relationship-map": page("account"),
    # One panel of the account page (the timeline: every role that sees the page sees it).
    "accounts:panel": page("account", params={"name": "timeline"}),
    "accounts:next-step": post_only("interaction"),
    "accounts:interaction-undo": post_only("interaction"),
    "accounts:contact-create": page("account", write_other=("post", 404)),
    "accounts:contact": page("contact"),
    "accounts:contact-edit": page("contact", write_other=("post", 404)),
    "accounts:contact-link-add": post_only("contact"),
    "accounts:contact-link-remove": post_only("contact_link"),
    "accounts:survey-create": page("account", write_other=("post", 404)),
    "accounts:survey-edit": page("survey", write_other=("post", 404)),
    "accounts:survey-delete": post_only("survey"),
    "accounts:distributor-link-create": page("account", write_other=("post", 404)),
    "accounts:distributor-link-edit": page("link", write_other=("post", 404)),
    "accounts:distributor-link-delete": post_only("link"),
    "accounts:events": page(),
    "accounts:event-create": page(),
    "accounts:event": page("event"),
    "accounts:event-edit": page("event", write_other=("post", 404)),
    "accounts:event-delete": post_only("event"),
    "accounts:event-attendance": post_only("event"),
    # plans (pages, an htmx partial, the .ics feed)
    "plans:plan-create": Row(
        OBJECT_PAGE, params={"account_pk": "account"}, write_other=("post", 404)
    ),
    "plans:plan": page("plan"),
    "plans:plan-edit": page("plan", write_other=("post", 404)),
    "plans:objective-add": post_only("plan"),
    "plans:action-add": post_only("plan"),
    "plans:action-toggle": post_only("action"),
    "plans:tenders": page(),
    "plans:tender-create": page(),
    "plans:tender": page("tender", write_other=("post", 404)),
    "plans:tender-stage": page("tender", write_other=("post", 404)),
    "plans:calendar": page(),
    "plans:opportunities": page(),
    "plans:opportunity-create": page(),
    "plans:opportunity": page("opportunity", write_other=("post", 404)),
    "plans:opportunity-stage": post_only("opportunity"),
    # Everyone who uses the pages reads the probabilities (heads change them: see
    # tests/plans/test_opportunity_pages.py).
    "plans:stage-probabilities": page(),
    "plans:contracts": page(),
    "plans:contract-create": page(),
    "plans:contract": page("contract"),
    "plans:contract-edit": page("contract", write_other=("post", 404)),
    "plans:contract-delete": post_only("contract"),
    "plans:contract-document-upload": post_only("contract"),
    # The file: to whoever sees the account (another KAM's: 404), never to the ERP user.
    "plans:contract-document": page("contract", params={"doc_id": "document"}),
    "plans:contract-document-delete": Row(
        POST_ONLY, params={"pk": "contract", "doc_id": "document"}, write_other=("post", 404)
    ),
    # Authenticated by the secret in its URL, not by a session: anyone holding a valid
    # feed URL reads it (anonymous asks for kam_own's); a KAM's token with another id
    # is a 404; the integration user has no feed.
    "plans:calendar-feed": row(
        200, 200, 404, 200, 403, 200, params={"user_id": "feed", "token": "feed"}
    ),
    # reports (the head's pages, a partial, exports and their jobs)
    "reports:dashboard": page(),
    "reports:dashboard-panel": page(params={"panel": "tiers"}),
    "reports:accounts": page(),
    "reports:workload": page(),
    "reports:health": page(),
    # The head's: weights and thresholds, and the backtest over the whole company.
    "reports:health-settings": row(LOGIN, 403, 403, 200, 403, 200),
    "reports:health-backtest": row(LOGIN, 403, 403, 200, 403, 200),
    "reports:pipeline": page(),
    "reports:distributors": page(),
    "reports:opportunity-pipeline": page(),
    "reports:forecast": page(),
    # Targets: everyone who uses the pages sets and reads their own; heads approve (a
    # KAM's POST is a 403, a GET a 405 for whoever may approve).
    "reports:targets": page(),
    "reports:target": page("target", write_other=("post", 404)),
    "reports:target-approve": row(
        LOGIN, 403, 403, 405, 403, 405, params={"pk": "target"}, write_other=("post", 403)
    ),
    "reports:export": page(params={"kind": "accounts", "fmt": "csv"}),
    # The white-space matrix of a holding (an account page), its cells and the one click.
    "reports:whitespace": page("account"),
    "reports:whitespace-cell": page(
        "account", params={"unit": "account", "category": "category"}, write_other=("post", 404)
    ),
    "reports:whitespace-opportunity": Row(
        POST_ONLY,
        params={"pk": "account", "unit": "account", "category": "category"},
        write_other=("post", 404),
    ),
    # The portfolio matrix: a KAM sees their own rows; heads and admins change the weights
    # (the criteria page's POST by a KAM is a 403, tests/reports/test_matrix_api.py).
    "reports:matrix": page(),
    "reports:matrix-criteria": page(),
    "reports:matrix-resources": page(),
    "reports:matrix-fit": post_only("account"),
    # An export job is its owner's: each caller asks for their own, kam_other for
    # the other KAM's.
    "reports:export-job": Row(OBJECT_PAGE, params={"job_id": "job"}),
    "reports:export-download": Row(OBJECT_PAGE, params={"job_id": "job"}),
    "reports:export-job-again": Row(POST_ONLY, params={"job_id": "job"}),
    # the API
    **api("account", readable=True, history=True),
    **api("contact", history=True),
    "api:contact-coverage": Row(API_RECORD, params={"pk": "contact", "format": "json"}),
    "api:account-coverage": Row(API_RECORD, params={"pk": "account", "format": "json"}),
    **api("contact-link", "contact_link", history=True),
    **api("interaction", history=True),
    **api("distributor", readable=True, shared_write=403),  # heads and admins edit
    **api("distributor-link", "link", history=True),
    **api("event", history=True),
    **api("survey", history=True),
    # What was deleted and may be restored (the list is scoped; restore is POST only).
    "accounts:recently-deleted": page(),
    "accounts:restore": Row(POST_ONLY, params={"kind": "interaction", "pk": "interaction"}),
    "api:deleted-list": Row(API_RECORDS, params={"format": "json"}),
    "api:deleted-restore": row(
        401, 405, 405, 405, 403, 405, params={"kind": "interaction", "pk": "interaction"}
    ),
    # Webhooks: the admin role only.
    "api:webhook-list": row(401, 403, 403, 403, 403, 200, params={"format": "json"}),
    "api:webhook-detail": row(
        401, 403, 403, 403, 403, 200, params={"pk": "webhook", "format": "json"}
    ),
    "api:webhook-deliveries": row(
        401, 403, 403, 403, 403, 200, params={"pk": "webhook", "format": "json"}
    ),
    **api("region", readable=True, shared_write=405),  # read-only in the API
    **api("industry", readable=True, shared_write=405),
    **api("plan", history=True),
    **api("objective", history=True),
    **api("action", history=True),
    **api("tender", history=True),
    **api("opportunity", history=True),
    **api("target", history=True),
    # Heads and admins approve; a KAM's POST is a 403 (even on their own target), a GET
    # on it a 405 for whoever may approve (tests/test_permissions_api.py).
    "api:target-approve": row(
        401,
        403,
        403,
        405,
        403,
        405,
        params={"pk": "target", "format": "json"},
        write_other=("post", 403),
    ),
    **api("contract", history=True),
    # A contract's documents: listed and uploaded (multipart), one downloaded or deleted,
    # by whoever sees the account; another KAM's are a 404.
    "api:contract-documents": Row(API_RECORD, params={"pk": "contract"}, write_other=("post", 404)),
    "api:contract-document": Row(
        API_RECORD, params={"pk": "contract", "doc_id": "document"}, write_other=("delete", 404)
    ),
    # Read by whoever reads the KAMs' records; changed by heads (tests/plans/
    # test_opportunity_api.py).
    "api:stage-probabilities": Row(API_RECORDS),
    # The forecast holds the KAMs' pipeline: not the ERP's; a KAM's rows are their own.
    "api:forecast": Row(API_RECORDS),
    "api:forecast-history": Row(API_RECORDS),
    # People: a KAM sees colleagues on shared accounts (not the other KAM); the ERP
    # sees only itself and not through this endpoint.
    "api:user-list": row(401, 200, 200, 200, 403, 200, params={"format": "json"}),
    "api:user-detail": row(401, 200, 404, 200, 403, 200, params={"pk": "user", "format": "json"}),
    # The ERP reads its own import batches (this one is nobody's: a 404 for it).
    "api:erp-import-batch-list": Row(API_RUNS, params={"format": "json"}),
    "api:erp-import-batch-detail": row(
        401, 403, 403, 200, 404, 200, params={"pk": "batch", "format": "json"}
    ),
    "api:api-root": row(401, 200, 200, 200, 403, 200, params={"format": "json"}),
    # The matrix's rows (by account id) carry the KAMs' scores: records, not for the ERP.
    "api:portfolio-matrix-list": Row(API_RECORDS, params={"format": "json"}),
    "api:portfolio-matrix-detail": Row(API_RECORD, params={"pk": "account", "format": "json"}),
    "api:portfolio-matrix-scores": Row(
        API_RECORD, params={"pk": "account", "format": "json"}, write_other=("post", 404)
    ),
    # Criteria: read by everyone who reads the matrix; a KAM's change is a 403.
    "api:portfolio-matrix-criterion-list": Row(API_RECORDS, params={"format": "json"}),
    "api:portfolio-matrix-criterion-detail": Row(
        API_RECORDS, params={"pk": "criterion", "format": "json"}, write_other=("patch", 403)
    ),
    "api:metrics-accounts": Row(API_READABLE, query={"period": "2025"}),
    "api:metrics-portfolio": Row(API_READABLE, query={"period": "2025"}),
    "api:metrics-runs": Row(API_RUNS),
    "api:metrics-run-detail": Row(API_RUNS, params={"pk": "run"}),
    "api:account-metrics": Row(API_READABLE_ONE, params={"pk": "account"}),
    "api:account-whitespace": Row(API_READABLE_ONE, params={"pk": "account"}),
    # The KAMs' estimates: not for the ERP.
    "api:account-whitespace-matrix": Row(API_RECORD, params={"pk": "account"}),
    "api:account-whitespace-cell": Row(
        API_RECORD, params={"pk": "account", "category": "category"}, write_other=("put", 404)
    ),
    "api:account-health": Row(API_READABLE_ONE, params={"pk": "account"}),
    "api:health-list": Row(API_READABLE),
    "api:health-settings": Row(API_READABLE),
    "api:erp-accounts": Row(ERP_WRITE),
    "api:erp-accounts-link": Row(ERP_WRITE),
    "api:erp-categories": Row(ERP_WRITE),
    "api:erp-exchange-rates": Row(ERP_WRITE),
    "api:erp-distributors": Row(ERP_WRITE),
    "api:erp-revenue-lines": Row(ERP_WRITE),
    "api:erp-revenue-lines-delete": Row(ERP_WRITE),
    # Public: the API's description, health, language, signing in and out, password reset.
    "schema": Row(PUBLIC),
    "swagger-ui": Row(PUBLIC),
    "healthz": Row(PUBLIC),
    "search": page(query={"q": "Client"}),
    "livez": Row(PUBLIC),
    "favicon": Row(PUBLIC),
    "set_language": Row((302,) * len(ROLES)),  # a GET changes nothing: back to "/"
    "login": Row(PUBLIC),
    "logout": row(405, 405, 405, 405, 405, 405),  # POST only
    "password_reset": Row(PUBLIC),
    "password_reset_done": Row(PUBLIC),
    "password_reset_confirm": Row(PUBLIC, params={"uidb64": "MQ", "token": "set-password"}),
    "password_reset_complete": Row(PUBLIC),
    # A signed-in person's own pages.
    "password_change": page(),
    "password_change_done": page(),
    # Alerts: a notification is its recipient's alone — a head or an admin asking for a
    # KAM's gets the same 404 as the other KAM; the thresholds are the heads'.
    "alerts:notifications": page(),
    "alerts:notification-read": post_only("notification"),
    "alerts:read-all": Row(POST_ONLY),
    "alerts:preferences": page(),
    "alerts:settings": row(LOGIN, 403, 403, 200, 403, 200),
    # The signed link of every digest e-mail: no sign-in (a GET only asks).
    "alerts:unsubscribe": Row(PUBLIC, params={"token": "unsubscribe"}),
    "api:notification-list": Row(API_RECORDS, params={"format": "json"}),
    "api:notification-detail": row(
        401, 200, 404, 404, 403, 404, params={"pk": "notification", "format": "json"}
    ),
    "api:notification-read": row(
        401,
        405,
        405,
        405,
        403,
        405,
        params={"pk": "notification", "format": "json"},
        write_other=("post", 404),
    ),
    "api:notification-read-all": row(401, 405, 405, 405, 403, 405, params={"format": "json"}),
    "api:alert-settings": row(401, 200, 200, 200, 403, 200),
}

# --- the admin: staff only (here: the admin); each registered model by name ------------
# (model, the kind of object its change pages open, whether the admin may add/delete).
ADMIN_MODELS = {
    "auth_group": ("group", True),
    "accounts_apitoken": ("token", False),  # issued by issue_api_token, revoked here
    "accounts_user": ("user", True),
    "accounts_region": ("region", True),
    "accounts_industry": ("industry", True),
    "accounts_account": ("account", True),
    "accounts_contact": ("contact", True),
    "accounts_interaction": ("interaction", True),
    "accounts_distributor": ("distributor", True),
    "accounts_distributorlink": ("link", True),
    "accounts_event": ("event", True),
    "accounts_survey": ("survey", True),
    "plans_accountplan": ("plan", True),
    "plans_objective": ("objective", True),
    "plans_action": ("action", True),
    "plans_tender": ("tender", True),
    "plans_opportunity": ("opportunity", True),
    "plans_stageprobability": ("stage_probability", True),
    # Read here; written on their pages through the services (approval, date order).
    "plans_contract": ("contract", False),
    "plans_target": ("target", False),
    "reports_productcategory": ("category", True),
    "reports_exchangerate": ("rate", False),  # from the ERP: read-only
    "reports_revenueline": ("line", False),
    "reports_accountmetric": ("metric", False),  # computed: read-only
    "reports_portfoliometric": ("portfolio", False),
    "reports_metricrun": ("run", False),
    "reports_importbatch": ("batch", False),
    "reports_whitespacecell": ("whitespace", True),
    # What the nightly jobs compute, and settings changed on their own pages: read-only.
    "reports_accounthealth": ("health", False),
    "reports_healthsettings": ("health_settings", False),
    "reports_alertsettings": ("alert_settings", False),
    "reports_matrixcriterion": ("criterion", False),
    "reports_matrixscore": ("score", False),
    "reports_matrixposition": ("position", False),
    "reports_alertfiring": ("firing", False),
    "reports_notification": ("notification", False),
    "reports_digestdelivery": ("digest", False),
    "reports_forecastsnapshot": ("snapshot", False),
    # django-axes' records of sign-in attempts: admins read them (and clear a lockout).
    "axes_accessattempt": ("axes_attempt", False),
    "axes_accesslog": ("axes_log", False),
    "axes_accessfailurelog": ("axes_failure", False),
    "accounts_auditevent": ("audit", False),  # append-only, admins read
    "accounts_webhookendpoint": ("webhook", True),
    "accounts_webhookdelivery": ("delivery", False),
    "accounts_webhookevent": ("outbox_event", False),
}
# Models whose admin keeps django-simple-history (a page per past version).
ADMIN_HISTORIES = (
    "reports_whitespacecell",
    "accounts_account",
    "accounts_contact",
    "plans_accountplan",
    "plans_objective",
    "plans_action",
    "plans_tender",
    "plans_opportunity",
    "plans_stageprobability",
    "plans_contract",
    "plans_target",
    "accounts_interaction",
    "accounts_survey",
    "accounts_event",
    "accounts_distributorlink",
)
STAFF = (ADMIN_LOGIN,) * 5  # everyone but the admin: not staff


def _admin_routes() -> dict[str, Row]:
    rows = {
        "admin:index": Row((*STAFF, 200)),
        "admin:login": row(200, 200, 200, 200, 200, "admin-index"),  # the admin is sent on
        "admin:logout": row(*("admin-index",) * 5, 405),  # POST only
        "admin:password_change": Row((*STAFF, 200)),
        "admin:password_change_done": Row((*STAFF, 200)),
        "admin:autocomplete": Row((*STAFF, 403)),  # without its parameters
        "admin:jsi18n": Row((*STAFF, 200)),
        "admin:view_on_site": Row(
            (*STAFF, 404), params={"content_type_id": "account_type", "object_id": "account"}
        ),
        "admin:app_list": Row((*STAFF, 200), params={"app_label": "accounts"}),
        "admin:auth_user_password_change": Row((*STAFF, 200), params={"id": "user"}),
        # Unnamed: an unknown admin URL, for staff a 404 (the others sign in first).
        "admin/(?P<url>.*)$": Row((*STAFF, 404), params={"url": "nothing-here/"}),
    }
    for model, (kind, editable) in ADMIN_MODELS.items():
        app, name = model.split("_", 1)
        obj = {"object_id": kind}
        rows |= {
            f"admin:{model}_changelist": Row((*STAFF, 200)),
            f"admin:{model}_add": Row((*STAFF, 200 if editable else 403)),
            f"admin:{model}_change": Row((*STAFF, 200), params=obj),
            f"admin:{model}_delete": Row((*STAFF, 200 if editable else 403), params=obj),
            f"admin:{model}_history": Row((*STAFF, 200), params=obj),
            # Unnamed: the old change URL, redirected to the new one.
            f"admin/{app}/{name}/<path:object_id>/": Row((*STAFF, 302), params=obj),
        }
    for model in ADMIN_HISTORIES:
        kind = ADMIN_MODELS[model][0]
        rows[f"admin:{model}_simple_history"] = Row(
            (*STAFF, 200), params={"_0": kind, "_1": f"history:{kind}"}
        )
    return rows


ROUTES |= _admin_routes()
# The webhook log cannot be written by hand, but an admin may clear old rows.
# Deleting an attempt is how an admin lifts a sign-in lockout (django-axes).
for _model, _kind in [
    ("axes_accessattempt", "axes_attempt"),
    ("axes_accesslog", "axes_log"),
    ("axes_accessfailurelog", "axes_failure"),
]:
    ROUTES[f"admin:{_model}_delete"] = Row((*STAFF, 200), params={"object_id": _kind})
ROUTES["admin:accounts_webhookdelivery_delete"] = Row(
    (*STAFF, 200), params={"object_id": "delivery"}
)
ROUTES["admin:accounts_webhookevent_delete"] = Row(
    (*STAFF, 200), params={"object_id": "outbox_event"}
)


# --- walking the resolver ---------------------------------------------------------------
@dataclass
class Route:
    key: str  # the URL name (with namespaces), or the route of an unnamed pattern
    name: str | None
    parts: list[Any]  # the patterns from the root down to this one
    params: tuple[str, ...]


def _params(pattern) -> set[str]:
    """Named parameters, and `_0`, `_1`… for a regex's unnamed groups (passed as args)."""
    regex = pattern.pattern.regex
    positional = {f"_{i}" for i in range(regex.groups - len(regex.groupindex))}
    return set(regex.groupindex) | set(getattr(pattern.pattern, "converters", {})) | positional


def walk(resolver: URLResolver, ns: str = "", parts: tuple = ()) -> Iterator[Route]:
    for pattern in resolver.url_patterns:
        chain = (*parts, pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{ns}{pattern.namespace}:" if pattern.namespace else ns
            yield from walk(pattern, inner, chain)
            continue
        assert isinstance(pattern, URLPattern)
        params = set().union(*(_params(p) for p in chain))
        route = "".join(str(p.pattern) for p in chain)
        name = f"{ns}{pattern.name}" if pattern.name else None
        yield Route(name or route, name, list(chain), tuple(sorted(params)))


def _fill(route: Route, values: dict[str, str]) -> str:
    """The path of a route with its parameters filled in."""
    if route.name:
        args = [values.pop(f"_{i}") for i in range(len(values)) if f"_{i}" in values]
        return reverse(route.name, args=args) if args else reverse(route.name, kwargs=values)
    # Unnamed (the admin's redirects and catch-all): substitute by hand.
    import re

    path = "".join(str(p.pattern) for p in route.parts)
    for name, value in values.items():
        path = re.sub(rf"<(?:\w+:)?{name}>|\(\?P<{name}>[^)]*\)", str(value), path)
    return "/" + path.replace("^", "").replace("$", "")


# --- the data ---------------------------------------------------------------------------
# Parameters that name something one KAM has and the other has not.
OWNED_PARAMS = {
    "account", "contact", "interaction", "survey", "link", "event", "plan", "objective",
    "action", "tender", "opportunity", "line", "metric", "user", "job", "feed", "target",
    "whitespace", "contact_link", "notification", "contract", "document",
}  # fmt: skip


@dataclass
class World:
    users: dict[str, Any]
    objects: dict[str, dict[str, Any]]  # kind -> {"own": obj, "other": obj}
    jobs: dict[int, str]  # user pk -> export job id
    clients: dict[str, Client] = field(default_factory=dict)


def _portfolio(owner) -> dict[str, Any]:
    """One KAM's corner: an account with everything that hangs under it."""
    account = f.AccountFactory(owner=owner, name=f"Client of {owner.username}")
    contact = f.ContactFactory(account=account)
    event = f.EventFactory(organizer=owner)
    event.accounts.add(account)
    event.invited.add(contact)
    plan = f.AccountPlanFactory(account=account)
    category = f.ProductCategoryFactory(code="C1")
    colleague = f.ContactFactory(account=account)
    return {
        "account": account,
        "contact": contact,
        "contact_link": ContactLink.objects.create(
            from_contact=contact, to_contact=colleague, kind="influences"
        ),
        "interaction": f.InteractionFactory(account=account),
        "survey": f.SurveyFactory(account=account),
        "link": f.DistributorLinkFactory(account=account),
        "event": event,
        "plan": plan,
        "objective": f.ObjectiveFactory(plan=plan),
        "action": f.ActionFactory(plan=plan),
        "tender": f.TenderFactory(account=account),
        "opportunity": f.OpportunityFactory(account=account, owner=owner),
        "target": f.TargetFactory(account=account),
        "contract": (contract := f.ContractFactory(account=account)),
        "document": _document(contract, owner),
        "line": f.RevenueLineFactory(account=account, category=category),
        "metric": f.AccountMetricFactory(account=account),
        "whitespace": WhiteSpaceCell.objects.create(
            account=account, category=category, status="competitor", competitor="Rival"
        ),
        "notification": Notification.objects.create(
            recipient=owner, account=account, rule="action_overdue", message="late"
        ),
        "position": MatrixPosition.objects.create(
            account=account, year=2025, attractiveness=3, strength=3, quadrant="strategic"
        ),
        "health": AccountHealth.objects.create(
            account=account, date=dt.date(2025, 12, 31), score=50, band="watch"
        ),
        "firing": AlertFiring.objects.create(
            rule="action_overdue",
            account=account,
            message="late",
            first_seen=dt.date(2025, 12, 30),
            last_seen=dt.date(2025, 12, 31),
        ),
        "score": MatrixScore.objects.create(
            account=account, criterion=MatrixCriterion.objects.get(key="growth"), year=2025, score=3
        ),
        "digest": DigestDelivery.objects.create(
            user=owner, kind="daily", day=dt.date(2025, 12, 31)
        ),
    }


def _document(contract, owner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from plans.services import document_add

    pdf = SimpleUploadedFile("signed.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    return document_add(user=owner, contract=contract, file=pdf)


def _sign_in_records() -> dict:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    who = {"username": "kam1", "ip_address": "127.0.0.1", "user_agent": "test"}
    return {
        "axes_attempt": AccessAttempt.objects.create(**who, failures_since_start=1),
        "axes_log": AccessLog.objects.create(**who),
        "axes_failure": AccessFailureLog.objects.create(**who),
    }


def _issued(user):
    from accounts.models import ApiToken
    from accounts.services import api_token_issue

    api_token_issue(user=user)
    return ApiToken.objects.get(user=user)


def _build() -> World:
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import (
        Account,
        AuditEvent,
        WebhookDelivery,
        WebhookEndpoint,
        WebhookEvent,
    )

    users = {
        "kam": f.UserFactory(username="kam1", role="kam"),
        "other": f.UserFactory(username="kam2", role="kam"),
        "head": f.UserFactory(username="head", role="head"),
        "integration": f.UserFactory(username="erp", role="integration"),
        "admin": f.UserFactory(username="boss", role="admin", is_staff=True, is_superuser=True),
    }
    own, other = _portfolio(users["kam"]), _portfolio(users["other"])
    shared = {
        "distributor": f.DistributorFactory(),
        "region": f.RegionFactory(),
        "industry": f.IndustryFactory(),
        "category": f.ProductCategoryFactory(code="C1"),
        "rate": f.ExchangeRateFactory(),
        "stage_probability": StageProbability.objects.create(
            kind="opportunity", stage="idea", percent=10
        ),
        "portfolio": f.PortfolioMetricFactory(period="2025"),
        "criterion": MatrixCriterion.objects.get(key="growth"),
        "health_settings": HealthSettings.load(),
        "alert_settings": AlertSettings.objects.get_or_create(pk=1)[0],
        "snapshot": ForecastSnapshot.objects.create(
            week=dt.date(2025, 12, 29),
            as_of=dt.date(2025, 12, 31),
            period="2026",
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 12, 31),
            level="company",
            label="Company",
            actual=0,
            run_rate=0,
            opportunities=0,
            tenders=0,
            forecast=0,
        ),
        "run": MetricRun.objects.create(as_of=dt.date(2025, 12, 31), status="success"),
        "batch": ImportBatch.objects.create(endpoint="accounts", status="applied", http_status=200),
        "group": Group.objects.create(name="Auditors"),
        "token": _issued(users["kam"]),
        **_sign_in_records(),
        "account_type": ContentType.objects.get_for_model(Account),
        "audit": AuditEvent.objects.create(user=users["kam"], username="kam1", action="export"),
        "webhook": (
            hook := WebhookEndpoint.objects.create(
                url="http://127.0.0.1:9/hook", secret="s" * 32, event_types=["import.applied"]
            )
        ),
        "outbox_event": (
            event := WebhookEvent.objects.create(event_type="import.applied", payload={})
        ),
        "delivery": WebhookDelivery.objects.create(event=event, endpoint=hook),
    }
    objects = {kind: {"own": obj, "other": other[kind]} for kind, obj in own.items()}
    objects |= {kind: {"own": obj, "other": obj} for kind, obj in shared.items()}
    objects["user"] = {"own": users["kam"], "other": users["other"]}
    jobs = {}
    for user in users.values():
        job = export_job_start(user=user, kind="accounts", fmt="csv", params=QueryDict())
        export_job_run(job_id=job.pk)  # done: the download is there (for those who may)
        jobs[user.pk] = str(job.pk)
    return World(users, objects, jobs)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with (
        _schema_built_once(),
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            CELERY_TASK_ALWAYS_EAGER=False,
        ),
        transaction.atomic(),
    ):
        built = _build()
        yield built
        transaction.set_rollback(True)


@contextmanager
def _schema_built_once():
    """The OpenAPI document is the same for every caller and takes seconds to build:
    build it once for the six requests (its content is tests/test_schema.py's business;
    here only who may fetch it)."""
    from drf_spectacular.generators import SchemaGenerator

    built: dict[bool, Any] = {}
    original = SchemaGenerator.get_schema

    def get_schema(self, request=None, public=False):
        if public not in built:
            built[public] = original(self, request=request, public=public)
        return built[public]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SchemaGenerator, "get_schema", get_schema)
        yield


def _client(world: World, role: str) -> Client:
    client = Client(raise_request_exception=False)  # a crash is a 500 in the report
    user = {
        "anonymous": None,
        "kam_own": world.users["kam"],
        "kam_other": world.users["kam"],
        "head": world.users["head"],
        "integration": world.users["integration"],
        "admin": world.users["admin"],
    }[role]
    if user is not None:
        client.force_login(user)
    client.user = user
    return client


def _values(route: Route, spec: Row, world: World, role: str, client: Client) -> dict[str, str]:
    """Fill the route's parameters for this caller."""
    whose = "other" if role == "kam_other" else "own"
    values: dict[str, str] = {}
    caller = client.user or world.users["kam"]
    for name in route.params:
        kind = spec.params.get(name)
        if kind == "feed":
            target = world.users["other"] if role == "kam_other" else caller
            values["user_id"] = str(target.pk)
            values["token"] = feed_token(caller)
        elif kind and kind.startswith("history:"):
            obj = world.objects[kind.split(":")[1]][whose]
            values[name] = str(obj.history.latest().history_id)
        elif kind == "unsubscribe":
            values[name] = unsubscribe_token(user=world.users["kam"], kind="daily")
        elif kind == "job":
            values[name] = world.jobs[(world.users["other"] if whose == "other" else caller).pk]
        elif kind in world.objects:
            values[name] = str(world.objects[kind][whose].pk)
        elif kind is not None:
            values[name] = kind
        else:
            raise AssertionError(f"{route.key}: no value for <{name}> in ROUTES")
    return values


def _has_object(route: Route, spec: Row) -> bool:
    kinds = [str(spec.params.get(name, "")) for name in route.params]
    return any(k in OWNED_PARAMS or k.startswith("history:") for k in kinds)


def _answer(response) -> int | str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(f"{settings.LOGIN_URL}?") or location.startswith("/login/?"):
            return LOGIN
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if location == "/admin/":
            return "admin-index"
    return response.status_code


def test_every_registered_url_has_a_row():
    routes = list(walk(get_resolver()))
    missing = sorted({r.key for r in routes} - set(ROUTES))
    assert not missing, "URL patterns without a row in ROUTES (say who may open them): " + (
        ", ".join(missing)
    )
    stale = sorted(set(ROUTES) - {r.key for r in routes})
    assert not stale, f"Rows in ROUTES for URLs that no longer exist: {', '.join(stale)}"


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_the_table_says(role, world):
    client = _client(world, role)
    wrong = []
    for route in walk(get_resolver()):
        spec = ROUTES.get(route.key)
        if spec is None:
            continue  # test_every_registered_url_has_a_row names it
        if role == "kam_other" and not _has_object(route, spec):
            # Nothing in the URL belongs to anyone: the same request as kam_own's.
            assert spec.expect[1] == spec.expect[2], f"{route.key}: kam_own != kam_other"
            continue
        path = _fill(route, _values(route, spec, world, role, client))
        expected = spec.expect[ROLES.index(role)]
        got = _answer(client.get(path, spec.query))
        if got != expected:
            wrong.append(f"GET {path} ({route.key}): {got}, expected {expected}")
        if role == "kam_other" and spec.write_other:
            method, status = spec.write_other
            response = getattr(client, method)(path, {})
            if response.status_code != status:
                wrong.append(
                    f"{method.upper()} {path} ({route.key}): {response.status_code}, "
                    f"expected {status}"
                )
    assert not wrong, f"{len(wrong)} answer(s) differ for {role}:\n" + "\n".join(wrong)


def test_the_walk_sees_pages_api_and_admin():
    """The walker itself: it must reach nested includes and the router's regex routes."""
    keys = {r.key for r in walk(get_resolver())}
    assert {"accounts:detail", "api:account-detail", "admin:accounts_account_change"} <= keys
    assert len(keys) > 200
