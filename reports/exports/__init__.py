"""Exports of the report pages: CSV, XLSX and a one-page PDF, scoped by who asks.

Small exports are built in the request; large ones (more rows than
REPORTS_EXPORT_SYNC_MAX_ROWS) become an ExportJob row (models.py) that a Celery task
claims, builds and stores in the default storage, writing its progress on the row
(jobs.py). On the embedded default Celery is eager, so the task runs at once. Every cell
goes through writers.cell_value, which keeps text from running as a spreadsheet formula.
"""
