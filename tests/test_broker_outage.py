"""A `.delay()` that cannot reach the broker fails within seconds, not twenty.

Run in a fresh process configured as production is (REDIS_URL set, not eager) but with a
broker nobody runs: the Redis result backend's default retry policy alone held a caller for
19 s (20 reconnects, 1 s apart) before it failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOSED_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1

SCRIPT = """
import time, django
django.setup()
from kombu.exceptions import OperationalError
from reports.tasks import recompute_metrics
started = time.monotonic()
try:
    recompute_metrics.delay()
except OperationalError:
    print(f"refused after {time.monotonic() - started:.2f}")
else:
    print("queued?!")
"""


def test_delay_with_the_broker_down_fails_fast():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kam.settings",
        "REDIS_URL": CLOSED_REDIS,
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("refused after"), result.stdout + result.stderr
    assert float(last.split()[-1]) < 5
