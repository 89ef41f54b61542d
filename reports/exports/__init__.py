"""Exports of the report pages: CSV, XLSX and a one-page PDF, scoped by who asks.

Small exports are built in the request; large ones (more rows than
REPORTS_EXPORT_SYNC_MAX_ROWS) go to a Celery task that writes the file to the default
storage and reports progress (see jobs.py). On the embedded default Celery is eager, so
the task runs at once.
"""
