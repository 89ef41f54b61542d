"""ERP bulk imports (DESIGN.md, "ERP contract"): validation, set-based upserts, currency."""

from __future__ import annotations

from .batches import (
    MAX_BODY_BYTES,
    erp_batch_import,
    erp_request_handle,
    import_batch_record,
    import_batches_sweep,
)
from .errors import BatchRejected

__all__ = [
    "MAX_BODY_BYTES",
    "BatchRejected",
    "erp_batch_import",
    "erp_request_handle",
    "import_batch_record",
    "import_batches_sweep",
]
