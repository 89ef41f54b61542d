#!/usr/bin/env python3
"""Push a CSV export of revenue lines into KAM through the ERP API (stdlib only).

    KAM_TOKEN=… python3 erp-client.py --url https://kam.example.com lines.csv

The CSV has a header row with the contract's field names (DESIGN.md / docs/erp.md):
external_id, account, category, date, amount, and optionally currency, cost, quantity,
distributor. Empty cells are left out of the item. Lines go in batches (default 10 000, the
maximum); each batch is all-or-nothing and idempotent, so re-running the whole file after a
failure is safe: lines already imported come back as "unchanged".

Retries: connection errors, timeouts, 429 and 5xx are retried with exponential backoff and
jitter (honouring Retry-After), each retry with the batch's own Idempotency-Key, so a batch
the server applied before the connection dropped is not applied twice. A 4xx (bad data, bad
token) is not retried: the server's problem details and every bad line (as its line number
in the CSV file, the header being line 1) are printed and the script stops with exit
status 1 (batches before it stay imported); giving up after the retries is exit status 2.
Exit status 0 when every batch was applied. Whatever happens, the last line printed on
standard output is the total counts as JSON (with `failed_batch` when one failed).
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import random
import sys
import time
import urllib.error
import urllib.request
import uuid

FIELDS = (
    "external_id",
    "account",
    "category",
    "date",
    "amount",
    "currency",
    "cost",
    "quantity",
    "distributor",
)
RETRY_STATUSES = {429, 500, 502, 503, 504}


class GaveUp(Exception):
    """Every attempt failed with a retryable error."""


class Rejected(Exception):
    """The server refused the batch (4xx): retrying the same data cannot help."""

    def __init__(self, status: int, body: dict) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.body = status, body


def read_batches(path: str, size: int):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"external_id", "account", "category", "date", "amount"} - set(
            reader.fieldnames or ()
        )
        if missing:
            raise SystemExit(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        batch: list[dict] = []
        for row in reader:
            batch.append({k: row[k] for k in FIELDS if row.get(k) not in (None, "")})
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch


def _seconds(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:  # an HTTP date: not sent by KAM; fall back to the backoff
        return 0.0


def post(url: str, token: str, payload: dict, *, attempts: int, timeout: float) -> dict:
    body = json.dumps(payload).encode()
    # One key for this batch in this run: a retry after a dropped connection answers the
    # first result instead of importing again; a later run is a new request (its lines then
    # come back as "unchanged").
    key = str(uuid.uuid4())
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Token {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": key,
            },
        )
        retry_after = 0.0
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code not in RETRY_STATUSES:
                try:
                    detail = json.loads(exc.read() or b"{}")
                except ValueError:
                    detail = {}
                raise Rejected(exc.code, detail) from None
            reason = f"HTTP {exc.code}"
            retry_after = _seconds(exc.headers.get("Retry-After"))
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = str(getattr(exc, "reason", exc))
            retry_after = 0.0
        if attempt == attempts:
            raise GaveUp(f"giving up after {attempts} attempts: {reason}")
        # A 429 says when to come back (KAM's rate limits: Retry-After in seconds).
        delay = max(retry_after, min(60.0, 2 ** (attempt - 1)) * random.uniform(0.5, 1.5))
        print(f"  {reason}; retrying in {delay:.1f} s", file=sys.stderr)
        time.sleep(delay)
    raise AssertionError("unreachable")


def main() -> int:
    parser = argparse.ArgumentParser(description="Push revenue lines from a CSV into KAM.")
    parser.add_argument("csv", help="CSV file with a header row")
    parser.add_argument("--url", default=os.environ.get("KAM_URL", "http://127.0.0.1:8000"))
    parser.add_argument(
        "--token",
        default=os.environ.get("KAM_TOKEN"),
        help="API token of an integration user (or set KAM_TOKEN)",
    )
    parser.add_argument("--batch", type=int, default=10_000, help="lines per request (≤ 10 000)")
    parser.add_argument("--attempts", type=int, default=6, help="tries per batch")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    args = parser.parse_args()
    if not args.token:
        parser.error("--token or KAM_TOKEN is required")
    if not 1 <= args.batch <= 10_000:
        parser.error("--batch must be between 1 and 10000")

    endpoint = args.url.rstrip("/") + "/api/v1/erp/revenue-lines/"
    total = {"created": 0, "updated": 0, "unchanged": 0}
    sent = 0
    for number, batch in enumerate(read_batches(args.csv, args.batch), start=1):
        try:
            counts = post(
                endpoint, args.token, {"lines": batch}, attempts=args.attempts, timeout=args.timeout
            )
        except GaveUp as exc:
            print(f"batch {number}: {exc}", file=sys.stderr)
            print(json.dumps({**total, "failed_batch": number}))
            return 2
        except Rejected as exc:
            # File lines: the header is line 1, so the batch's item i is line sent + i + 2.
            first, last = sent + 2, sent + len(batch) + 1
            print(
                f"batch {number} (file lines {first}–{last}) rejected: HTTP {exc.status} "
                f"{exc.body.get('title', '')}: {exc.body.get('detail', '')}",
                file=sys.stderr,
            )
            for error in exc.body.get("errors", [])[:50]:
                line = "?" if error.get("index") is None else sent + error["index"] + 2
                print(
                    f"  line {line} {error.get('external_id') or ''} "
                    f"{error.get('field') or ''}: {error.get('message')}",
                    file=sys.stderr,
                )
            print(json.dumps({**total, "failed_batch": number}))
            return 1
        sent += len(batch)
        for key in total:
            total[key] += counts.get(key, 0)
        print(f"batch {number}: {len(batch)} lines {counts}", file=sys.stderr)
    print(json.dumps(total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
