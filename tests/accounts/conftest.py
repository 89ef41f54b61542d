"""Fixtures of the accounts pages' tests."""

from __future__ import annotations

import pytest

from tests.factories import AccountFactory


@pytest.fixture
def kam_client(client, kam_user):
    """The test client signed in as the KAM `kam1`."""
    client.force_login(kam_user)
    return client


@pytest.fixture
def account(kam_user):
    """An account of that KAM."""
    return AccountFactory(owner=kam_user, name="Acme")
