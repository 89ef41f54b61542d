"""Product categories as plans sees them: by id, through a source that `reports` registers.

Categories are the ERP's master data and live in `reports`, which depends on plans, not
the other way round (CONVENTIONS.md). An opportunity therefore keeps its category as a
plain id; reports registers the source in its AppConfig.ready() and every name or
existence check goes through here. With no source registered (plans alone) any id is
taken and shown as "#id".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class CategorySource(Protocol):
    def choices(self) -> list[tuple[int, str]]:
        """(id, name) of the active categories, by name."""
        ...

    def names(self, ids: Iterable[int]) -> dict[int, str]:
        """Names of the given ids (active or not)."""
        ...


_source: CategorySource | None = None


def register(source: CategorySource) -> None:
    global _source
    _source = source


def choices() -> list[tuple[int, str]]:
    return _source.choices() if _source is not None else []


def names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    if _source is None:
        return {i: f"#{i}" for i in wanted}
    return _source.names(wanted)


def exists(category_id: int) -> bool:
    return _source is None or category_id in _source.names([category_id])
