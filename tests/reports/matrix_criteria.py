"""The matrix's default criteria are rows seeded by their migration; a transactional test
(the browser tests) flushes them for the tests after it. This puts them back, by running
the migration's own seed (idempotent), so the defaults stay written once."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps


@pytest.fixture(autouse=True)
def matrix_criteria(request) -> None:
    # Through pytest-django's helper: transactional when the test's mark says so.
    request.getfixturevalue("db")
    migration = import_module("reports.migrations.0012_matrix_criteria_scores_positions")
    migration.seed_criteria(apps, None)
