"""Every API operation, fed what its OpenAPI schema allows and what it does not, answers
as the schema says (schemathesis, in-process over WSGI, on the test database).

Valid input must be accepted or refused with a 4xx that names the problem; invalid input
(wrong types, missing fields, out-of-range numbers, odd strings) must be a 4xx, never a 500.
Every answer's status, content type, headers and body must be the documented ones (the
body validated against its response schema), and no operation may answer without the
credentials it documents. Every operation is called by every role: a KAM (scoped reads,
scoped foreign keys), a sales head, an admin and the integration user. The examples come
from a fixed seed, so a run is repeatable; what it found once stays pinned in the regular
tests (tests/accounts/test_api_validation.py, tests/test_api_problems.py).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import api_token_issue
from tests import factories as f

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
    max_examples=12,
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    missing_required_header,
    ignored_auth,
]
FUZZ_SETTINGS = settings(
    derandomize=True,  # the same examples every run: CI does not flake, a failure replays
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@pytest.fixture
def world(db, kam_user):
    """A KAM's small account (ids the generated requests may hit); the in-process server
    must not close the test's connection after each request."""
    account = f.AccountFactory(owner=kam_user, external_id="1")
    f.ContactFactory.create_batch(2, account=account)
    f.InteractionFactory(account=account, author=kam_user)
    f.AccountPlanFactory(account=account, owner=kam_user)
    f.TenderFactory(account=account)
    f.ProductCategoryFactory(code="1")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def token(user) -> dict:
    return {"Authorization": f"Token {api_token_issue(user=user)}"}


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_answers_a_kam_as_its_schema_says(case, world, kam_user):
    case.call_and_validate(headers=token(kam_user), checks=CHECKS)


@pytest.mark.slow
@pytest.mark.parametrize("role", ["head_user", "admin_user_", "integration_user"])
@schema.parametrize()
@FUZZ_SETTINGS
def test_api_answers_every_other_role_as_its_schema_says(case, world, role, request):
    case.call_and_validate(headers=token(request.getfixturevalue(role)), checks=CHECKS)
