"""Health check of the web container: GET /livez must answer 200.

/livez is liveness only (the process answers); /healthz, which also checks the database,
Redis and the metrics' age, is for monitoring and load balancers. A Redis outage degrades
the pages but does not stop them, so it must not mark a working web container unhealthy.
Django answers 400 to a Host it does not serve, so the probe sends the first host of
ALLOWED_HOSTS (a wildcard like `.example.com` becomes `example.com`). Both probes are exempt
from the HTTPS redirect (SECURE_REDIRECT_EXEMPT), so plain HTTP inside the container works.
Standard library only: it runs before anything else is known to work.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def probe_host() -> str:
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip("*.")
        if host:
            return host
    return "localhost"


def main() -> int:
    url = os.environ.get("HEALTHCHECK_URL", "http://127.0.0.1:8000/livez")
    request = urllib.request.Request(url, headers={"Host": probe_host()})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            ok = response.status == 200
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
