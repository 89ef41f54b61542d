#!/usr/bin/env python
"""Benchmark of the accounts list API against a bare Django view (`make bench-api`).

Needs DATABASE_URL pointing at a PostgreSQL server. The script creates its own database
(`kam_bench_api` on that server, dropped first and at the end, so nothing else is touched),
migrates it, seeds 10 000 accounts, serves the app with gunicorn on 127.0.0.1 and measures
`GET /api/v1/accounts/?page_size=50` with a filter (region, status) and an ordering
(-ttm_revenue) at concurrency 8, next to a bare view (bench/api_urls.py) that returns the
same 50 rows with `JsonResponse(list(qs.values(...)))`, served by the same gunicorn; and,
for reference, DRF's out-of-the-box ListAPIView over the same rows (`--no-reference` skips
it). Next to throughput and latency it reports the gunicorn workers' CPU per request.

Each side gets 10 s of load. The machine is shared, so the two are measured in alternating
slices (ours 1 s, bare 1 s, … ten times each) rather than one block after the other: a
noisy neighbour then slows both alike and the ratio stays honest.

The last line of output is one JSON object with the figures, including "ratio" (ours/bare
throughput). Target: ratio >= 0.6 and our p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
N_ACCOUNTS = 10_000
N_KAMS = 20
REGIONS = ["CEN", "NW", "SIB", "URL", "VOL"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8101)))
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per side")
    parser.add_argument("--slices", type=int, default=10, help="alternating slices per side")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--database", default="kam_bench_api")
    parser.add_argument(
        "--no-reference",
        dest="reference",
        action="store_false",
        help="skip the out-of-the-box DRF ListAPIView measured for reference",
    )
    return parser.parse_args()


# --- database ---------------------------------------------------------------------------
def database_urls(name: str) -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "bench/api.py needs DATABASE_URL=postgres://USER@HOST:PORT/ANY (it creates and "
            f"drops its own database {name!r} on that server)."
        )
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}")), urlunsplit(parts._replace(path="/postgres"))


def recreate_database(maintenance_url: str, name: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def seed() -> dict:
    """10 000 accounts over 20 KAMs and 5 regions, a third with a team; returns what the
    load needs (a head's token, the filter values)."""
    from django.db import connections

    from accounts.models import Account, Region, User
    from accounts.services import api_token_issue

    rng = random.Random(42)
    regions = [Region.objects.create(code=c, name=f"Region {c}") for c in REGIONS]
    kams = User.objects.bulk_create(
        User(username=f"kam{i:02d}", role=User.Role.KAM, password="!") for i in range(N_KAMS)
    )
    head = User.objects.create(username="head", role=User.Role.HEAD, password="!")
    statuses = ["active"] * 7 + ["prospect", "at_risk", "lost"]
    accounts = []
    for i in range(N_ACCOUNTS):
        revenue = Decimal(int(rng.paretovariate(1.2) * 100_000))
        accounts.append(
            Account(
                external_id=f"ACC-{i:06d}",
                name=f"Client {i:05d} LLC",
                legal_name=f"OOO Client {i:05d}",
                tax_id=f"{7700000000 + i}",
                region=regions[i % len(regions)],
                status=rng.choice(statuses),
                owner=kams[i % N_KAMS],
                potential_annual=revenue * 3,
                strategic=rng.random() < 0.02,
                notes="Key contact prefers mornings." if i % 7 == 0 else "",
                tier=rng.choice("ABC"),
                is_key=rng.random() < 0.1,
                ttm_revenue=revenue,
                ttm_share=float(revenue) / 1e9,
                ttm_penetration=rng.random(),
                ttm_growth=rng.uniform(-0.5, 0.5),
            )
        )
    accounts = Account.objects.bulk_create(accounts, batch_size=2000)
    Through = Account.team.through
    Through.objects.bulk_create(
        (
            Through(account_id=a.pk, user_id=kams[(i + 1) % N_KAMS].pk)
            for i, a in enumerate(accounts)
            if i % 3 == 0
        ),
        batch_size=5000,
    )
    with connections["default"].cursor() as cursor:
        # What autovacuum leaves on a live database (statistics, visibility map); done now
        # so that autovacuum does not wake up on the fresh rows in the middle of the load.
        cursor.execute("VACUUM ANALYZE")
    token = api_token_issue(user=head)
    connections.close_all()
    return {"token": token, "region": regions[1].pk, "status": "active"}


# --- server -----------------------------------------------------------------------------
def start_gunicorn(args: argparse.Namespace, database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "api_settings",
        "DEBUG": "0",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
        # The token's rate limit stays on (its cost is part of what is measured) but out
        # of reach: the load is one token at hundreds of requests a second.
        "THROTTLE_TOKEN_RATE": os.environ.get("THROTTLE_TOKEN_RATE", "1000000/min"),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "kam.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}")
        time.sleep(0.3)
    server.terminate()
    sys.exit("gunicorn did not answer /healthz within 30 s")


# --- load -------------------------------------------------------------------------------
def get(conn: http.client.HTTPConnection, path: str, headers: dict) -> tuple[int, bytes]:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def load(port: int, path: str, headers: dict, seconds: float, concurrency: int) -> dict:
    """`concurrency` keep-alive clients, each sending the next request when the last ends."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                status, _ = get(conn, path, headers)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                failed += 1
                continue
            if status != 200:
                failed += 1
            mine.append(time.perf_counter() - start)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "errors": errors[0], "elapsed": time.perf_counter() - began}


def server_cpu_s(server: subprocess.Popen) -> float | None:
    """CPU seconds used so far by gunicorn's workers (Linux /proc; None elsewhere)."""
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        total = 0
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
        return total / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def summarise(slices: list[dict]) -> dict:
    latencies = sorted(x for s in slices for x in s["latencies"])
    elapsed = sum(s["elapsed"] for s in slices)

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    cpu = [s.get("cpu_s") for s in slices]
    cpu_ms = round(sum(cpu) / len(latencies) * 1000, 2) if None not in cpu and latencies else None
    return {
        "requests": len(latencies),
        "server_cpu_ms_per_request": cpu_ms,
        "errors": sum(s["errors"] for s in slices),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
    }


def main() -> None:
    args = parse_args()
    database_url, maintenance_url = database_urls(args.database)
    print(f"creating database {args.database!r} and seeding {N_ACCOUNTS} accounts…", flush=True)
    recreate_database(maintenance_url, args.database, create=True)
    server = None
    try:
        env = {**os.environ, "DATABASE_URL": database_url}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        os.environ["DATABASE_URL"] = database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        info = seed()

        server = start_gunicorn(args, database_url)
        query = f"region={info['region']}&status={info['status']}"
        ours = f"/api/v1/accounts/?page_size=50&{query}&ordering=-ttm_revenue"
        bare = f"/bench/bare-accounts/?{query}"
        default = f"/bench/drf-default-accounts/?page_size=50&{query}&ordering=-ttm_revenue"
        headers = {"Authorization": f"Token {info['token']}"}

        # Same rows, same order: otherwise the comparison means nothing.
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        status_ours, body_ours = get(conn, ours, headers)
        status_bare, body_bare = get(conn, bare, {})
        status_default, body_default = get(conn, default, headers)
        conn.close()
        assert (status_ours, status_bare, status_default) == (200, 200, 200)
        ids_ours = [row["id"] for row in json.loads(body_ours)["results"]]
        ids_bare = [row["id"] for row in json.loads(body_bare)]
        assert ids_ours == ids_bare and len(ids_ours) == 50, "the views disagree"
        assert json.loads(body_default)["results"] == json.loads(body_ours)["results"]

        targets = {"ours": (ours, headers), "bare": (bare, {})}
        if args.reference:
            targets["drf_default"] = (default, headers)
        for path, hdrs in targets.values():  # warm up (connections, caches)
            load(args.port, path, hdrs, 1.0, args.concurrency)
        slice_s = args.duration / args.slices
        results: dict[str, list[dict]] = {name: [] for name in targets}
        for _ in range(args.slices):
            for name, (path, hdrs) in targets.items():
                before = server_cpu_s(server)
                result = load(args.port, path, hdrs, slice_s, args.concurrency)
                after = server_cpu_s(server)
                result["cpu_s"] = None if None in (before, after) else after - before
                results[name].append(result)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up if seeding failed early
            pass
        recreate_database(maintenance_url, args.database, create=False)

    figures = {name: summarise(slices) for name, slices in results.items()}
    ratio = round(figures["ours"]["rps"] / figures["bare"]["rps"], 3)
    print(f"GET {ours}")
    print(f"GET {bare}  (bare Django view, same 50 rows)")
    if "drf_default" in figures:
        print(f"GET {default}  (out-of-the-box DRF ListAPIView, same rows, for reference)")
    print(
        f"{N_ACCOUNTS} accounts, concurrency {args.concurrency}, {args.duration:g} s per side, "
        f"gunicorn {args.workers} {args.worker_class} workers"
        + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
    )
    for name in figures:
        f = figures[name]
        print(
            f"{name:11} {f['rps']:8.1f} req/s   p50 {f['p50_ms']:6.2f} ms   "
            f"p99 {f['p99_ms']:6.2f} ms   errors {f['errors']}   "
            f"server CPU {f['server_cpu_ms_per_request']} ms/request"
        )
    target_met = ratio >= 0.6 and figures["ours"]["p99_ms"] < 100 and not figures["ours"]["errors"]
    print(
        f"ratio ours/bare {ratio:.3f}  (target >= 0.60, p99 < 100 ms: "
        f"{'met' if target_met else 'NOT met'})"
    )
    print(
        json.dumps(
            {
                "benchmark": "api-accounts-list",
                "accounts": N_ACCOUNTS,
                "concurrency": args.concurrency,
                "duration_s": args.duration,
                "ours": figures["ours"],
                "bare": figures["bare"],
                **({"drf_default": figures["drf_default"]} if "drf_default" in figures else {}),
                "ratio": ratio,
                "target_met": target_met,
            }
        )
    )


if __name__ == "__main__":
    main()
