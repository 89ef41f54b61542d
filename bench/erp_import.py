"""ERP import benchmark: revenue lines through the real HTTP endpoint vs PostgreSQL's COPY.

    make bench-import                       # 1 000 000 lines, 10 000 accounts
    ERP_BENCH_LINES=100000 make bench-import   # a quick run (or: --lines 100000)

What it does, in one run against the PostgreSQL of DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/): creates a scratch database (ERP_BENCH_DB, default
kam_bench_erp), migrates it, starts gunicorn (one sync worker, 127.0.0.1:ERP_BENCH_PORT,
default 8102) as a subprocess, posts categories, rates and the accounts through the API,
then
1. COPYs the same lines (same values, ids resolved) into an empty table with the columns,
   indexes, check constraints and foreign keys of reports_revenueline: the reference rate;
2. posts every line through POST /api/v1/erp/revenue-lines/ in batches of 10 000 (all
   created), timing each request on the client (the JSON bodies are encoded before the
   clock starts: an ERP would have them ready);
3. re-posts the same batches (all unchanged).
It prints lines/s for each, the ratios to COPY, the time of one 10 000-line request and
the peak RSS of the gunicorn worker (VmHWM from /proc), then drops the scratch database.
The last line of output is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import io
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BASE = "RUB"
CATEGORIES = [f"CAT{n:02d}" for n in range(20)]
USD_RATES = {
    dt.date(2024, 1, 1) + dt.timedelta(days=7 * w): Decimal("90") + Decimal(w) / 10
    for w in range(110)
}
LINE_COLUMNS = (
    "external_id",
    "account_id",
    "category_id",
    "date",
    "amount",
    "currency",
    "amount_base",
    "cost",
    "cost_base",
    "quantity",
    "distributor_id",
    "created_at",
    "updated_at",
)


def log(message: str) -> None:
    print(message, flush=True)


def server_url(database: str) -> str:
    parts = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kam"))
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", "", ""))


def make_lines(n_lines: int, n_accounts: int) -> list[dict]:
    rng = random.Random(42)
    start = dt.date(2024, 1, 1)
    lines = []
    for n in range(n_lines):
        line = {
            "external_id": f"INV-{n:08d}",
            "account": f"C{n % n_accounts:05d}",
            "category": CATEGORIES[n % len(CATEGORIES)],
            "date": (start + dt.timedelta(days=rng.randrange(730))).isoformat(),
            "amount": f"{rng.randrange(100, 10_000_000) / 100:.2f}",
        }
        if n % 10 == 0:
            line["currency"] = "USD"
        if n % 2 == 0:
            line["cost"] = f"{rng.randrange(100, 5_000_000) / 100:.2f}"
        if n % 3 == 0:
            line["quantity"] = f"{rng.randrange(1, 10_000) / 4:.2f}"
        lines.append(line)
    return lines


def usd_rate(date: dt.date) -> Decimal:
    return USD_RATES[max(d for d in USD_RATES if d <= date)]


def copy_rows(lines: list[dict], accounts: dict[str, int], categories: dict[str, int]):
    """The same rows the API stores, as COPY text, with the base amounts computed."""
    now = "2026-01-01 00:00:00+00"
    cent = Decimal("0.01")
    rate_by_date: dict[str, Decimal] = {}
    out = io.StringIO()
    for line in lines:
        amount = Decimal(line["amount"])
        cost = Decimal(line["cost"]) if "cost" in line else None
        currency = line.get("currency", BASE)
        if currency == BASE:
            amount_base, cost_base = amount, cost
        else:
            rate = rate_by_date.get(line["date"])
            if rate is None:
                rate = rate_by_date[line["date"]] = usd_rate(dt.date.fromisoformat(line["date"]))
            amount_base = (amount * rate).quantize(cent, ROUND_HALF_UP)
            cost_base = None if cost is None else (cost * rate).quantize(cent, ROUND_HALF_UP)
        values = (
            line["external_id"],
            accounts[line["account"]],
            categories[line["category"]],
            line["date"],
            amount,
            currency,
            amount_base,
            cost,
            cost_base,
            line.get("quantity"),
            None,
            now,
            now,
        )
        out.write("\t".join("\\N" if v is None else str(v) for v in values) + "\n")
    return out.getvalue()


class Server:
    def __init__(self, port: int, env: dict[str, str]) -> None:
        self.port = port
        self.proc = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "kam.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "1",
                "--timeout",
                "300",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        for _ in range(100):
            try:
                if self.request("GET", "/healthz", None, {})[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def request(self, method, path, body, headers) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        return int(children.split()[0])

    def worker_memory_mb(self) -> tuple[float, float]:
        """(current RSS, peak RSS) of the worker, in MB."""
        status = Path(f"/proc/{self.worker_pid()}/status").read_text().splitlines()
        fields = {
            line.split(":")[0]: line.split()[1]
            for line in status
            if line.startswith(("VmRSS:", "VmHWM:"))
        }
        return int(fields["VmRSS"]) / 1024, int(fields["VmHWM"]) / 1024

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def copy_reference(db_url: str, text: str, n_lines: int, *, with_fk: bool) -> float:
    """Seconds to COPY the rows into an empty table shaped like reports_revenueline."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy")
        conn.execute("CREATE TABLE bench_copy (LIKE reports_revenueline INCLUDING ALL)")
        if with_fk:
            for column, target in (
                ("account_id", "accounts_account"),
                ("category_id", "reports_productcategory"),
                ("distributor_id", "accounts_distributor"),
            ):
                conn.execute(
                    f"ALTER TABLE bench_copy ADD FOREIGN KEY ({column}) "
                    f"REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
                )
        conn.execute("CHECKPOINT")
        started = time.perf_counter()
        copy_sql = f"COPY bench_copy ({', '.join(LINE_COLUMNS)}) FROM STDIN"
        with conn.transaction(), conn.cursor() as cursor, cursor.copy(copy_sql) as cp:
            cp.write(text)
        seconds = time.perf_counter() - started
        copied = conn.execute("SELECT count(*) FROM bench_copy").fetchone()[0]
        assert copied == n_lines, copied
        conn.execute("DROP TABLE bench_copy")
        conn.execute("CHECKPOINT")
    label = "with" if with_fk else "without"
    log(
        f"COPY ({label} foreign keys): {n_lines} lines in {seconds:.2f} s = "
        f"{n_lines / seconds:,.0f} lines/s"
    )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--lines", type=int, default=int(os.environ.get("ERP_BENCH_LINES", 1_000_000))
    )
    parser.add_argument(
        "--accounts", type=int, default=int(os.environ.get("ERP_BENCH_ACCOUNTS", 10_000))
    )
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=int(os.environ.get("ERP_BENCH_PORT", 8102)))
    parser.add_argument("--db", default=os.environ.get("ERP_BENCH_DB", "kam_bench_erp"))
    args = parser.parse_args()
    # Interrupted (Ctrl-C, kill): still stop gunicorn and drop the scratch database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    admin_url = server_url("postgres")
    db_url = server_url(args.db)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.db}"')
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DEBUG": "0",
        "BASE_CURRENCY": BASE,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "600",
        # Rate limits stay on (their cost is measured) but out of reach of the bench's
        # back-to-back batches.
        "THROTTLE_TOKEN_RATE": os.environ.get("THROTTLE_TOKEN_RATE", "1000000/min"),
        "THROTTLE_ERP_RATE": os.environ.get("THROTTLE_ERP_RATE", "1000000/min"),
    }
    server = None
    try:
        log(f"migrating {args.db} …")
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "-v0", "--noinput"], cwd=ROOT, env=env, check=True
        )
        token = (
            subprocess.run(
                [
                    PYTHON,
                    "manage.py",
                    "issue_api_token",
                    "bench-erp",
                ],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        server = Server(args.port, env)
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

        def post(path: str, payload: dict | bytes) -> tuple[dict, float]:
            body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            started = time.perf_counter()
            status, data = server.request("POST", f"/api/v1/erp/{path}/", body, headers)
            elapsed = time.perf_counter() - started
            if status != 200:
                raise RuntimeError(f"{path}: HTTP {status} {data[:500]!r}")
            return json.loads(data), elapsed

        post("categories", {"categories": [{"code": c, "name": c} for c in CATEGORIES]})
        post(
            "exchange-rates",
            {
                "rates": [
                    {"currency": "USD", "date": d.isoformat(), "rate": str(r)}
                    for d, r in USD_RATES.items()
                ]
            },
        )
        for start in range(0, args.accounts, args.batch):
            post(
                "accounts",
                {
                    "accounts": [
                        {"external_id": f"C{n:05d}", "name": f"Client {n}", "region": f"R{n % 12}"}
                        for n in range(start, min(start + args.batch, args.accounts))
                    ]
                },
            )

        log(f"generating {args.lines} lines …")
        lines = make_lines(args.lines, args.accounts)
        batches = [lines[i : i + args.batch] for i in range(0, len(lines), args.batch)]

        # 1. The reference: COPY into an empty copy of the table, same run, same database,
        # with the foreign keys the real table has (and once without, for comparison).
        # The machine is shared, so the reference is taken before and after the API runs
        # and the faster one is used: the ratios are conservative.
        with psycopg.connect(db_url, autocommit=True) as conn:
            accounts = dict(conn.execute("SELECT external_id, id FROM accounts_account"))
            categories = dict(conn.execute("SELECT code, id FROM reports_productcategory"))
        text = copy_rows(lines, accounts, categories)
        copy_runs = [copy_reference(db_url, text, args.lines, with_fk=True)]
        copy_nofk_s = copy_reference(db_url, text, args.lines, with_fk=False)

        # 2. and 3. Through the API: first import, then the identical re-post.
        results = {}
        for phase, expect in (("first", "created"), ("repost", "unchanged")):
            times, total = [], {"created": 0, "updated": 0, "unchanged": 0}
            for batch in batches:
                body = json.dumps({"lines": batch}).encode()
                counts, elapsed = post("revenue-lines", body)
                times.append(elapsed)
                for key in total:
                    total[key] += counts[key]
            assert total[expect] == args.lines, (phase, total)
            seconds = sum(times)
            results[phase] = {
                "seconds": seconds,
                "rate": args.lines / seconds,
                "median": statistics.median(times),
                "max": max(times),
                "counts": total,
            }
            log(
                f"{phase}: {args.lines} lines in {seconds:.2f} s = "
                f"{args.lines / seconds:,.0f} lines/s; per {args.batch}-line request median "
                f"{statistics.median(times):.3f} s, "
                f"max {max(times):.3f} s; {total}"
            )
        rss_mb, peak_mb = server.worker_memory_mb()
        copy_runs.append(copy_reference(db_url, text, args.lines, with_fk=True))
        copy_s = min(copy_runs)
        copy_rate = args.lines / copy_s
        copy_nofk_rate = args.lines / copy_nofk_s
        for phase in ("first", "repost"):
            log(f"{phase}: {results[phase]['rate'] / copy_rate:.0%} of COPY's rate")
        log(f"gunicorn worker memory: RSS now {rss_mb:.0f} MB, peak {peak_mb:.0f} MB")
        figures = {
            "lines": args.lines,
            "accounts": args.accounts,
            "batch": args.batch,
            "copy_lines_per_s": round(copy_rate),
            "copy_runs_s": [round(x, 2) for x in copy_runs],
            "copy_without_fk_lines_per_s": round(copy_nofk_rate),
            "copy_10k_s": round(copy_s * args.batch / args.lines, 3),
            "first_lines_per_s": round(results["first"]["rate"]),
            "repost_lines_per_s": round(results["repost"]["rate"]),
            "first_ratio": round(results["first"]["rate"] / copy_rate, 3),
            "repost_ratio": round(results["repost"]["rate"] / copy_rate, 3),
            "first_ratio_vs_copy_without_fk": round(results["first"]["rate"] / copy_nofk_rate, 3),
            "repost_ratio_vs_copy_without_fk": round(results["repost"]["rate"] / copy_nofk_rate, 3),
            "request_10k_first_median_s": round(results["first"]["median"], 3),
            "request_10k_first_max_s": round(results["first"]["max"], 3),
            "request_10k_repost_median_s": round(results["repost"]["median"], 3),
            "request_10k_repost_max_s": round(results["repost"]["max"], 3),
            "peak_worker_rss_mb": round(peak_mb, 1),
            "cpus": os.cpu_count(),
        }
    finally:
        if server:
            server.stop()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
