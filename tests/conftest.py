"""Shared fixtures.

Real parts: with DATABASE_URL the suite runs on PostgreSQL, with REDIS_URL a real Celery
worker runs over Redis, and UI tests drive Debian's Chromium. Tests that need one of those
are marked (`postgres`, `redis`, `ui`) and skip with a reason naming what is missing; CI
sets KAM_FAIL_ON_SKIP=1 so that no such skip can hide there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

pytest_plugins = ("celery.contrib.pytest",)

# Live-server request threads end without closing persistent connections; with
# CONN_MAX_AGE > 0 they would outlive the test and block dropping the test database.
settings.DATABASES["default"]["CONN_MAX_AGE"] = 0

CHROMIUM = "/usr/bin/chromium"


def _is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    reasons = {
        "postgres": None if _is_postgres() else "needs PostgreSQL: set DATABASE_URL=postgres://…",
        "redis": None if os.environ.get("REDIS_URL") else "needs Redis: set REDIS_URL=redis://…",
        "ui": None
        if Path(CHROMIUM).exists()
        else f"needs Chromium at {CHROMIUM} (apt-get install chromium)",
    }
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_sessionfinish(session, exitstatus):
    """In CI (KAM_FAIL_ON_SKIP=1) a skipped test is a failure: no gap may hide there."""
    if os.environ.get("KAM_FAIL_ON_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"KAM_FAIL_ON_SKIP: {len(skipped)} test(s) skipped in CI", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test starts with an empty cache (a shared Redis would carry values across runs).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    # No collectstatic in tests: serve from the finders without a manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# --- Browser (see shared/RECIPES.md) --------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    path = Path(os.environ.get("SCREENSHOT_DIR", "artifacts/screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- Celery worker over Redis (see shared/RECIPES.md) ---------------------------------
@pytest.fixture(scope="session")
def celery_config(worker_id="master"):
    base, _, db = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rpartition("/")
    # Offset by REDIS_URL's own database, so runs given different REDIS_URLs don't meet.
    first = int(db) if db.isdigit() else 0
    n = int(worker_id[2:]) if worker_id.startswith("gw") else 0
    return {
        "broker_url": f"{base}/{first + 2 * n + 2}",
        "result_backend": f"{base}/{first + 2 * n + 3}",
    }


@pytest.fixture(scope="session")
def celery_includes():
    return ["accounts.tasks", "reports.tasks"]


@pytest.fixture(scope="session")
def celery_worker_pool():
    # Threads with concurrency 2: two tasks (two recomputes, a delivery and a retry) really
    # run at the same time, as they do under a production worker.
    return "threads"


@pytest.fixture(scope="session")
def celery_worker_parameters():
    return {"concurrency": 2}


@pytest.fixture
def celery_worker(celery_app, celery_includes, celery_worker_pool, celery_worker_parameters):
    """A real worker in a thread, as celery.contrib.pytest's, that also goes quiet before the
    test's database is flushed: it waits until no task runs and none waits in the queue,
    then drops what is left (retries due later) so that no worker thread holds a lock or a
    connection while the flush truncates the tables, and nothing leaks into the next test.
    Worker threads close their DB connections after each task (CONN_MAX_AGE would keep
    them open past the test)."""
    from celery.contrib.testing import worker as testing_worker
    from celery.signals import task_postrun, task_prerun
    from django.db import connections

    running: set[str] = set()

    def started(task_id=None, **kwargs):
        running.add(task_id)

    def finished(task_id=None, **kwargs):
        running.discard(task_id)
        connections.close_all()

    for module in celery_includes:
        celery_app.loader.import_task_module(module)
    task_prerun.connect(started, weak=False)
    task_postrun.connect(finished, weak=False)
    try:
        with testing_worker.start_worker(
            celery_app, pool=celery_worker_pool, **celery_worker_parameters
        ) as worker:
            yield worker
            _wait_until_idle(celery_app, running)
    finally:
        task_prerun.disconnect(started)
        task_postrun.disconnect(finished)
        celery_app.control.purge()


def _wait_until_idle(app, running: set[str], timeout: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        with app.connection_for_write() as conn:
            # Declared, not passive: Redis has no key for an empty queue.
            queued = conn.default_channel.queue_declare(app.conf.task_default_queue).message_count
        if running or queued:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 0.3:  # a task's follow-up has been queued
            return
        time.sleep(0.05)
    raise AssertionError(f"the Celery worker was still busy after {timeout} s: {running}")


# --- Users and API clients ------------------------------------------------------------
@pytest.fixture
def kam_user(db):
    from tests.factories import UserFactory

    return UserFactory(role="kam", username="kam1")


@pytest.fixture
def other_kam(db):
    from tests.factories import UserFactory

    return UserFactory(role="kam", username="kam2")


@pytest.fixture
def head_user(db):
    from tests.factories import UserFactory

    return UserFactory(role="head", username="head")


@pytest.fixture
def integration_user(db):
    from tests.factories import UserFactory

    return UserFactory(role="integration", username="erp")


@pytest.fixture
def admin_user_(db):
    from tests.factories import UserFactory

    return UserFactory(role="admin", username="boss", is_staff=True, is_superuser=True)


@pytest.fixture
def api_client_for():
    """api_client_for(user) -> an APIClient authenticated with the user's token."""

    def make(user) -> APIClient:
        client = APIClient()
        if user is not None:
            from accounts.services import api_token_issue

            client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
        return client

    return make


def field_errors(body: dict) -> dict:
    """The field members of a problem document (kam.api.problems): what DRF's field errors
    were before problem details wrapped them."""
    from kam.api.problems import MEMBERS

    return {k: v for k, v in body.items() if k not in MEMBERS and k != "errors"}
