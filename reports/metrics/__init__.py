"""The metrics engine: periods, input fingerprints, the PostgreSQL statement per period
kind and the portable fallback. `reports.metrics.run.recompute_metrics` drives it."""
