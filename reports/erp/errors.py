"""What a rejected ERP batch reports: one entry per bad item and field."""

from __future__ import annotations

from typing import Any, TypedDict


class ItemError(TypedDict):
    index: int | None
    external_id: Any
    field: str | None
    message: str


def item_error(index: int | None, external_id: Any, field: str | None, message: str) -> ItemError:
    # A key that is not a short string (a number, `false`, a dict, a 10 kB text) is not echoed
    # back verbatim: the answer's `external_id` is a string or null, as documented.
    if not isinstance(external_id, str):
        external_id = None
    elif isinstance(external_id, str) and len(external_id) > 100:
        external_id = external_id[:100] + "…"
    return {"index": index, "external_id": external_id, "field": field, "message": message}


class BatchRejected(Exception):
    """The batch is refused as a whole; nothing was written. `status` is the HTTP status the
    API answers with (400 a bad batch, 413 too many items) and the import log records."""

    def __init__(self, errors: list[ItemError], status: int = 400) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors
        self.status = status

    @classmethod
    def single(cls, message: str, *, field: str | None = None, status: int = 400) -> BatchRejected:
        return cls([item_error(None, None, field, message)], status=status)
