"""Scoped reads behind the sales head's pages (dashboard, accounts table, workload, …).

They read the precomputed metric tables (AccountMetric, PortfolioMetric) and the
denormalised Account.tier/is_key/ttm_* the metrics job writes; only the distributors page
and the dashboard's category heat map aggregate raw revenue lines, each in one query.
"""
