"""Per-request cost of API token authentication: `TokenAuthentication.authenticate()` over
N calls (default 10 000) against the configured database, wall and CPU time per call.

    DATABASE_URL=postgres://… python bench/token_auth.py [N]

Uses the database as it is (run `manage.py migrate` first); creates the user `bench-token`
and a new token for it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")

import django  # noqa: E402

django.setup()

from django.test import RequestFactory  # noqa: E402
from rest_framework.request import Request  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import api_token_issue  # noqa: E402
from kam.api.authentication import TokenAuthentication  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    user, _ = User.objects.get_or_create(username="bench-token", defaults={"role": "integration"})
    key = api_token_issue(user=user)
    auth = TokenAuthentication()
    request = Request(RequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {key}"))
    for _ in range(500):  # warm up: connection, statement cache
        auth.authenticate(request)
    runs = []
    for _ in range(3):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            found, _token = auth.authenticate(request)
        runs.append(((time.perf_counter() - wall) / n * 1e6, (time.process_time() - cpu) / n * 1e6))
        assert found.pk == user.pk
    print(
        f"authenticate() x {n}, 3 runs, µs a call (wall/cpu): "
        + ", ".join(f"{w:.0f}/{c:.0f}" for w, c in runs)
    )


if __name__ == "__main__":
    main()
