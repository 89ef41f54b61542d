"""What the service tests of every app check the same way: a refused write names its field
and leaves every row as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError


def rows() -> dict:
    """Every row of the accounts and plans apps (history and many-to-many links included),
    to prove a refused write changed nothing."""
    snapshot = {}
    for label in ("accounts", "plans"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            snapshot[model._meta.label] = sorted(model._base_manager.values(), key=repr)
    return snapshot


def assert_refused_naming(call: Callable[[], Any], field: str) -> None:
    """`call` raises a ValidationError naming `field`, and nothing was written."""
    before = rows()
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.message_dict, caught.value.message_dict
    assert rows() == before
