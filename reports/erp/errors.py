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
    """The batch is refused as a whole; nothing was written. `too_large` tells a batch over
    the item cap (the API answers 413) from a bad one (400); `status` is that answer, which
    the import log records beside the errors."""

    def __init__(self, errors: list[ItemError], *, too_large: bool = False) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors
        self.too_large = too_large

    @property
    def status(self) -> int:
        return 413 if self.too_large else 400

    @classmethod
    def single(
        cls, message: str, *, field: str | None = None, too_large: bool = False
    ) -> BatchRejected:
        return cls([item_error(None, None, field, message)], too_large=too_large)
