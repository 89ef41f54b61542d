"""KAM settings: one env-driven module.

Defaults are the embedded ones (SQLite in the project folder, Celery eager, DEBUG off);
production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and friends.
Every variable is listed in `.env.example`.
"""

from __future__ import annotations

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# An insecure key is only acceptable for the embedded default (no DEBUG in production
# without SECRET_KEY: check --deploy flags a short or "django-insecure" key).
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-embedded-default-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "kam.apps.KamAdminConfig",  # django.contrib.admin with accounts.access deciding
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_htmx",
    "accounts",
    "plans",
    "reports",
]

MIDDLEWARE = [
    "kam.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "kam.urls"
WSGI_APPLICATION = "kam.wsgi.application"
ASGI_APPLICATION = "kam.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.access.template_context",
            ],
            # The format filters (money, day, relday, person, pct …) are the one way every
            # page, e-mail and partial shows a value, so no template can forget to load them.
            "builtins": ["accounts.templatetags.kam_ui"],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded demo serves several requests at once: let writers wait, not fail.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite (the embedded demo) simply
# builds them without the extra columns.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "accounts.User"

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# --- I18n -----------------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True

# --- Static files (whitenoise) --------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploaded contract documents and queued exports. An S3-compatible bucket is one
    # setting away (README, "Contract documents"): django-storages' backend and options.
    "default": {
        "BACKEND": env.str(
            "DEFAULT_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json("DEFAULT_STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
# Tests and the embedded demo serve static files straight from the finders.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
WHITENOISE_AUTOREFRESH = DEBUG

# --- E-mail (password reset) ----------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="kam@localhost")
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))

# --- Security (production values come from the environment) ---------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Business settings ----------------------------------------------------------------
BASE_CURRENCY = env.str("BASE_CURRENCY", default="RUB").upper()
# ABC thresholds on the cumulative share *before* an account (see DESIGN.md).
TIER_A_THRESHOLD = env.float("TIER_A_THRESHOLD", default=0.80)
TIER_B_THRESHOLD = env.float("TIER_B_THRESHOLD", default=0.95)
KEY_SHARE_THRESHOLD = env.float("KEY_SHARE_THRESHOLD", default=0.10)
ERP_MAX_BATCH = 10_000
# An Idempotency-Key on an ERP POST is remembered this long (a retry answers the first
# result); then the key may be used again.
ERP_IDEMPOTENCY_TTL_S = env.int("ERP_IDEMPOTENCY_TTL_S", default=24 * 3600)
# An import-log row still "running" after this long belongs to a killed request: the
# sweeper marks it failed. Far above any real import (10 000 lines take seconds).
ERP_BATCH_STALE_S = env.int("ERP_BATCH_STALE_S", default=15 * 60)

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kam.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Signed in, and the integration user only where a view opts in (accounts.access).
    "DEFAULT_PERMISSION_CLASSES": ["accounts.access.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "kam.api.filters.SearchFilter",
        "kam.api.filters.StableOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "kam.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["kam.api.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "EXCEPTION_HANDLER": "kam.api.exceptions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KAM API",
    "DESCRIPTION": "Key account management: accounts, org charts, plans, tenders, "
    "ERP bulk imports and metrics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The kinds of "Recently deleted" (interaction, survey…), beside the models' own `kind`s.
    "ENUM_NAME_OVERRIDES": {
        "DeletedKindEnum": "accounts.api.deleted.KINDS",
        "ContactLinkKindEnum": "accounts.api.serializers.CONTACT_LINK_KINDS",
        "CoverageGapKindEnum": "accounts.api.serializers.GAP_KINDS",
        "WhiteSpaceCellStatusEnum": "reports.models.WhiteSpaceCell.Status",
        "HealthBandEnum": "reports.models.AccountHealth.Band",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kam.api.schema.add_error_responses",
        "reports.erp.schema.close_erp_objects",
    ],
}

# --- Production hardening (issue 12): body caps, JSON depth, no-store, CSP -------------
# Kept together so merges with other settings changes stay easy. Caps are checked on the
# declared Content-Length before anything reads the body (kam.middleware); the ERP
# endpoints read and bound their own bodies (reports.erp.batches.MAX_BODY_BYTES, 32 MB).
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
# Form posts; this bounds the whole body of a page's request (the one file upload, a
# contract's document, reads and bounds its own body: CONTRACT_DOCUMENT_MAX_BYTES).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("FORM_MAX_BODY_BYTES", default=1024 * 1024)
# Lists/objects nested deeper than this in an API body answer 400 (kam.api.parsers).
API_MAX_JSON_DEPTH = 64
_after_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE[_after_security:_after_security] = ["kam.middleware.RequestBodyLimitMiddleware"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "kam.middleware.NoStoreForSignedInMiddleware",
)
# Content-Security-Policy (django-csp): scripts, styles and everything else from this site
# only; no inline script, handler or style attribute, no eval. Templates keep to that
# (tests/test_security_headers.py greps them); Chart.js draws on canvas, htmx is told not
# to inject its indicator <style> (base.html), Swagger UI is served without inline parts.
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(_after_security, "csp.middleware.CSPMiddleware")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# JSON in, JSON out (depth-limited): the schema lists one body type per operation. A file
# upload endpoint sets its own parser (multipart) on the view.
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = ["kam.api.parsers.JSONParser"]

# --- Celery ---------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# With Redis, dashboard panels cached by one web process serve all of them.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "kam",
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker the embedded default runs tasks in-process.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
METRICS_NIGHTLY_AT = env.str("METRICS_NIGHTLY_AT", default="02:30")
# A second recompute waits this long for the running one, then records itself as skipped.
METRICS_LOCK_WAIT_S = env.float("METRICS_LOCK_WAIT_S", default=600.0)
# work_mem for the recompute's transaction only (PostgreSQL): its aggregates stay in memory.
METRICS_WORK_MEM = env.str("METRICS_WORK_MEM", default="256MB")
# A run queued, or running without holding the metrics lock, for longer than this is
# dead (its worker was lost): the sweeper marks it failed and a new request may start.
METRICS_RUN_STALE_S = env.int("METRICS_RUN_STALE_S", default=3 * 3600)

# --- Webhooks out (accounts/webhooks.py) ----------------------------------------------
# Retry after a failure: WEBHOOK_RETRY_BASE_S, doubling, at most WEBHOOK_RETRY_MAX_S apart,
# for WEBHOOK_RETRY_FOR_S after the event; then the delivery is given up.
WEBHOOK_RETRY_BASE_S = env.float("WEBHOOK_RETRY_BASE_S", default=30.0)
WEBHOOK_RETRY_MAX_S = env.float("WEBHOOK_RETRY_MAX_S", default=3600.0)
WEBHOOK_RETRY_FOR_S = env.float("WEBHOOK_RETRY_FOR_S", default=24 * 3600.0)
# An endpoint is switched off after this many failed attempts in a row, or after failing
# this long without one success; admins see why on the endpoint.
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=50)
WEBHOOK_DISABLE_AFTER_S = env.float("WEBHOOK_DISABLE_AFTER_S", default=24 * 3600.0)
WEBHOOK_CONNECT_TIMEOUT_S = env.float("WEBHOOK_CONNECT_TIMEOUT_S", default=5.0)
WEBHOOK_TIMEOUT_S = env.float("WEBHOOK_TIMEOUT_S", default=10.0)
# Outgoing proxy for webhook POSTs (environment proxy variables are ignored on purpose).
WEBHOOK_PROXY_URL = env.str("WEBHOOK_PROXY_URL", default="")
# How often beat looks for due retries.
WEBHOOK_SWEEP_S = env.float("WEBHOOK_SWEEP_S", default=30.0)
WEBHOOK_EVENT_RETENTION_DAYS = env.int("WEBHOOK_EVENT_RETENTION_DAYS", default=30)

_hour, _minute = METRICS_NIGHTLY_AT.split(":")
# Deleted interactions, surveys, events and distributor links stay restorable this long.
SOFT_DELETE_RETENTION_DAYS = env.int("SOFT_DELETE_RETENTION_DAYS", default=30)
# Audit events (exports, accounts and contacts opened) are kept this long.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
RETENTION_PURGE_AT = env.str("RETENTION_PURGE_AT", default="03:30")
_purge_hour, _purge_minute = RETENTION_PURGE_AT.split(":")
# The forecast's weekly snapshot: beat asks daily, the first run of each ISO week writes it
# (a missed Monday is caught up the next day). After the nightly metrics.
FORECAST_SNAPSHOT_AT = env.str("FORECAST_SNAPSHOT_AT", default="05:00")
_forecast_hour, _forecast_minute = FORECAST_SNAPSHOT_AT.split(":")
CELERY_BEAT_SCHEDULE = {
    "recompute-metrics-nightly": {
        "task": "reports.tasks.recompute_metrics",
        "schedule": crontab(hour=int(_hour), minute=int(_minute)),
    },
    # Fails export jobs that went stale and deletes expired ones (reports/exports/jobs.py).
    "sweep-export-jobs": {
        "task": "reports.exports.tasks.export_jobs_sweep",
        "schedule": crontab(minute="*/5"),
    },
    "retention-purge-nightly": {
        "task": "accounts.tasks.retention_purge",
        "schedule": crontab(hour=int(_purge_hour), minute=int(_purge_minute)),
    },
    "webhooks-deliver-due": {
        "task": "accounts.tasks.webhooks_deliver_due",
        "schedule": WEBHOOK_SWEEP_S,
    },
    "webhook-events-prune": {
        "task": "accounts.tasks.webhook_events_prune",
        "schedule": crontab(hour=4, minute=10),
    },
    "erp-import-batches-sweep": {
        "task": "reports.tasks.import_batches_sweep",
        "schedule": 300.0,
    },
    "metric-runs-sweep": {
        "task": "reports.tasks.metric_runs_sweep",
        "schedule": 300.0,
    },
    "forecast-snapshot-weekly": {
        "task": "reports.tasks.forecast_snapshot",
        "schedule": crontab(hour=int(_forecast_hour), minute=int(_forecast_minute)),
    },
}

# The health backtest page shows a stored result (minutes of work at 10 000 accounts):
# refreshed each night after the metrics, health and matrix chain.
HEALTH_BACKTEST_AT = env.str("HEALTH_BACKTEST_AT", default="04:30")
_backtest_hour, _backtest_minute = HEALTH_BACKTEST_AT.split(":")
CELERY_BEAT_SCHEDULE["health-backtest-nightly"] = {
    "task": "reports.tasks.health_backtest_store",
    "schedule": crontab(hour=int(_backtest_hour), minute=int(_backtest_minute)),
}

# --- Alerts and digests (reports.alerts) ------------------------------------------------
# Links in e-mails (digests, unsubscribe) are absolute: the address people open KAM at.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Digests go out at the first hourly beat run at or after this hour in each person's zone.
DIGEST_SEND_HOUR = env.int("DIGEST_SEND_HOUR", default=7)
# The alert rules run after each nightly recompute (reports.tasks.recompute_metrics queues
# reports.alerts.tasks.alerts_evaluate); beat also runs them at this time in case it failed.
ALERTS_EVALUATE_AT = env.str("ALERTS_EVALUATE_AT", default="05:00")
_alerts_hour, _alerts_minute = ALERTS_EVALUATE_AT.split(":")
CELERY_BEAT_SCHEDULE["alerts-evaluate-nightly"] = {
    "task": "reports.alerts.tasks.alerts_evaluate",
    "schedule": crontab(hour=int(_alerts_hour), minute=int(_alerts_minute)),
}
CELERY_BEAT_SCHEDULE["digests-send-due"] = {
    "task": "reports.alerts.tasks.digests_send_due",
    "schedule": crontab(minute=5),
}

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "kam": {"level": env.str("LOG_LEVEL", default="INFO"), "propagate": True},
    },
}

# Health probes (load balancer, docker/healthcheck.py) speak plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# --- Contract documents (plans): stored through the default storage (STORAGES["default"],
# the file system under MEDIA_ROOT; see the README for an S3-compatible bucket) ---------
CONTRACT_DOCUMENT_MAX_BYTES = env.int("CONTRACT_DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)
# --- Exports (reports app): files of queued exports go to the default storage ----------
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Exports with more rows than this are built by a Celery task with a progress page.
REPORTS_EXPORT_SYNC_MAX_ROWS = env.int("REPORTS_EXPORT_SYNC_MAX_ROWS", default=2000)
# A queued export not started, or not finished, this many seconds after it was queued or
# started is failed (its page offers to try again).
EXPORT_STALE_AFTER_S = env.int("EXPORT_STALE_AFTER_S", default=1800)
# Export jobs and their files are deleted this many days after they were queued.
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)

# --- Abuse resistance and graceful degradation (issue 12) ------------------------------
# Kept in one block: the limits a client meets, and how KAM behaves when Redis or the
# database is away. Each variable is in .env.example and the README's Configuration table.

# Redis as the cache: give up on a dead or unreachable server within a second and compute
# instead (kam.cache); the default would wait for the kernel's TCP timeout.
if REDIS_URL:
    CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}

# Celery: a `.delay()` that cannot reach the broker fails in under a second (refused) or a
# few (no answer) instead of 19 s (the Redis result backend's own retry policy: 20 x 1 s).
CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2.0}
_FAIL_FAST = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_TASK_PUBLISH_RETRY_POLICY = _FAIL_FAST
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2.0
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": _FAIL_FAST}
# A nightly run lost to a beat or broker outage is made up: beat queues this check when it
# starts and every hour (reports.metrics.nightly).
CELERY_BEAT_SCHEDULE["metrics-nightly-catch-up"] = {
    "task": "reports.tasks.metrics_nightly_catch_up",
    "schedule": 3600.0,
}

# /healthz answers "degraded" (200) when the last successful metrics run is older than
# this; the nightly run is at METRICS_NIGHTLY_AT, so 26 h is one missed night plus slack.
HEALTH_METRICS_MAX_AGE_HOURS = env.float("HEALTH_METRICS_MAX_AGE_HOURS", default=26.0)
# /livez (the container's liveness probe) is plain HTTP inside the network, as /healthz.
SECURE_REDIRECT_EXEMPT = [*SECURE_REDIRECT_EXEMPT, r"^livez$"]

# API rate limits (kam.api.throttling), counted in the default cache: requests per client
# and minute (DRF's syntax: N/s, N/min, N/hour, N/day). The ERP's bulk writes count in
# their own scope as well. Past a limit: 429 with Retry-After.
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "kam.api.throttling.AnonThrottle",
    "kam.api.throttling.UserThrottle",
    "kam.api.throttling.TokenThrottle",
]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "anon": env.str("THROTTLE_ANON_RATE", default="60/min"),
    "user": env.str("THROTTLE_USER_RATE", default="600/min"),
    "token": env.str("THROTTLE_TOKEN_RATE", default="600/min"),
    "erp": env.str("THROTTLE_ERP_RATE", default="60/min"),
    "failed_auth": env.str("THROTTLE_FAILED_AUTH_RATE", default="20/min"),
}
# Reverse proxies in front of KAM that append to X-Forwarded-For (kam.client_ip); 0 trusts
# no header and counts by REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Login lockout (django-axes): LOGIN_FAILURE_LIMIT wrong passwords for one username from one
# address lock that pair (not the user everywhere: nobody can lock a colleague out from
# elsewhere) for LOGIN_LOCKOUT_MINUTES; a failure while locked starts the wait again; a
# success resets the count. `manage.py axes_reset` unlocks everyone. The lockout page is the
# sign-in form saying so (accounts.auth_views.login_locked_out), status 429.
INSTALLED_APPS = [*INSTALLED_APPS, "axes"]
MIDDLEWARE = [*MIDDLEWARE, "axes.middleware.AxesMiddleware"]  # last, as axes asks
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked pair before hashing
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
# axes reads a float as hours.
AXES_COOLOFF_TIME = env.int("LOGIN_LOCKOUT_MINUTES", default=15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.auth_views.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "kam.client_ip.client_ip"
AXES_VERBOSE = False

# Password-reset mails (accounts.auth_views.PasswordResetView): at most this many per
# address and per client IP; past it the page answers the same and sends nothing.
PASSWORD_RESET_RATE_PER_EMAIL = env.str("PASSWORD_RESET_RATE_PER_EMAIL", default="3/hour")
PASSWORD_RESET_RATE_PER_IP = env.str("PASSWORD_RESET_RATE_PER_IP", default="10/hour")
