"""ERP bulk imports (DESIGN.md, "ERP contract"): validation, set-based upserts, currency."""

from __future__ import annotations

from .batches import MAX_BODY_BYTES, erp_batch_import, import_batch_record
from .errors import BatchRejected

__all__ = ["MAX_BODY_BYTES", "BatchRejected", "erp_batch_import", "import_batch_record"]
