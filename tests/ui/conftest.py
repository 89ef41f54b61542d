"""Fixtures of the KAM's browser tests: Anna, a KAM, and one fully furnished account."""

from __future__ import annotations

import pytest

from tests.accounts.workspace_data import build_account
from tests.factories import UserFactory


@pytest.fixture
def anna(transactional_db):
    return UserFactory(username="anna", first_name="Anna", last_name="Petrova", role="kam")


@pytest.fixture
def account(anna):
    return build_account(anna, i=1)
