"""The metrics engine: periods, input fingerprints, the PostgreSQL statement per period
kind and the portable fallback. `reports.services.recompute_metrics` drives it."""
