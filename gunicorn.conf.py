"""gunicorn settings read from the project folder (web container, benchmarks).

Workers, threads and the bind address come from the command line or gunicorn's own
environment variables (WEB_CONCURRENCY, GUNICORN_CMD_ARGS).
"""

import gc

# Garbage collection and tail latency. A request leaves a few hundred objects in reference
# cycles (DRF's request/view/response links, psycopg's cursors) that only the collector
# frees, and while it runs every thread of the worker waits. So collections stay small:
# Python's default thresholds keep a young collection to about a millisecond (raising the
# first one to 50 000 made each take 50-110 ms, and that set the API list's p99). A long
# collection is one that walks the whole application in the old generation, so long-lived
# objects are frozen out of it: once Django is loaded, and again after the first requests
# have filled the lazy caches (URL resolvers, translations, filter forms…).
WARM_AFTER_REQUESTS = 200


def post_worker_init(worker):
    gc.freeze()
    worker.kam_requests_served = 0


def post_request(worker, req, environ, resp):
    worker.kam_requests_served += 1
    if worker.kam_requests_served == WARM_AFTER_REQUESTS:
        gc.collect()
        gc.freeze()
