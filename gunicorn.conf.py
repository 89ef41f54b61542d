"""gunicorn settings read from the project folder (web container, benchmarks).

Workers, threads and the bind address come from the command line or gunicorn's own
environment variables (WEB_CONCURRENCY, GUNICORN_CMD_ARGS).
"""

import gc


def post_worker_init(worker):
    # After Django is loaded, its long-lived objects (models, urlconf, templates) never die:
    # freeze them out of the collector, and collect the young generation less often, so a
    # request is not stalled by a full collection walking the whole app (tail latency).
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
