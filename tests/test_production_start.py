"""KAM starts the way production starts it, and serves its pages and static files.

The rest of the suite serves static files from the finders without a manifest (see
conftest.py), so only this test sees what DEBUG=0 really does: `collectstatic` with
whitenoise's CompressedManifestStaticFilesStorage, then gunicorn with the repo's
gunicorn.conf.py, each in its own process, against a freshly migrated database of its own
(PostgreSQL when DATABASE_URL names it, SQLite otherwise).
"""

from __future__ import annotations

import json
import re
import socket
import time

import pytest

from tests.prodserver import (
    BIN,
    ROOT,
    answers,
    free_port,
    http_get,
    production_env,
    run,
    started,
    throwaway_database,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    static_root = tmp_path_factory.mktemp("staticfiles")
    with throwaway_database() as database_url:
        env = production_env(database_url=database_url, static_root=static_root)
        python = str(BIN / "python")
        run([python, "manage.py", "migrate", "--noinput"], env)
        collected = run([python, "manage.py", "collectstatic", "--noinput"], env)
        port = free_port()
        command = [
            str(BIN / "gunicorn"),
            "kam.wsgi:application",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
        ]
        with started(command, env) as process:
            url = f"http://127.0.0.1:{port}"
            process.wait_for(answers(f"{url}/healthz"), "an answer on /healthz")
            yield {"url": url, "port": port, "static_root": static_root, "log": collected}


def test_collectstatic_writes_a_manifest_with_hashed_names(server):
    manifest = json.loads((server["static_root"] / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/kam.css"]
    assert re.fullmatch(r"css/kam\.[0-9a-f]{12}\.css", hashed)
    assert (server["static_root"] / hashed).is_file()
    # Compressed beside it, so whitenoise serves gzip without compressing per request.
    assert (server["static_root"] / f"{hashed}.gz").is_file()


def test_login_page_is_served_and_links_the_hashed_stylesheet(server):
    status, headers, body = http_get(f"{server['url']}/login/")
    assert status == 200, body[:2000]
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    html = body.decode()
    stylesheet = re.search(r'href="(/static/css/kam\.[0-9a-f]{12}\.css)"', html)
    assert stylesheet, "the page must reference the hashed stylesheet"

    status, headers, css = http_get(server["url"] + stylesheet.group(1))
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert "immutable" in headers["Cache-Control"]  # hashed names may be cached forever
    assert b".topbar" in css


def test_signed_out_visitor_is_sent_to_the_login_page(server):
    status, headers, _ = http_get(f"{server['url']}/")
    assert status == 302
    assert headers["Location"].startswith("/login/")


def test_health_probe_answers(server):
    status, _, body = http_get(f"{server['url']}/healthz")
    health = json.loads(body)
    # A fresh install has no metrics run yet: up, but "degraded" until the first one.
    assert (status, health["status"], health["checks"]["database"]) == (
        200,
        "degraded",
        "ok",
    )
    status, _, body = http_get(f"{server['url']}/livez")
    assert status == 200


def raw_request(port: int, head: str, body: bytes) -> tuple[bytes, float]:
    """Send a request head and part of a body; the answer's head and how long it took."""
    started_at = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode() + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer, time.monotonic() - started_at


def test_an_oversized_body_is_refused_at_once_without_waiting_for_it(server):
    """50 MB announced, a few bytes sent: the 413 comes while the rest is still "on the way"."""
    head = (
        "POST /api/v1/contacts/ HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server['port']}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {50 * 1024 * 1024}\r\n"
        "Connection: close\r\n\r\n"
    )
    answer, elapsed = raw_request(server["port"], head, b'{"name": "x"')
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"application/problem+json" in answer
    assert elapsed < 5


def test_a_chunked_body_is_refused_with_411(server):
    head = (
        "POST /api/v1/contacts/ HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server['port']}\r\n"
        "Content-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n"
        "Connection: close\r\n\r\n"
    )
    answer, _ = raw_request(server["port"], head, b'c\r\n{"name": "x"\r\n')
    assert answer.startswith(b"HTTP/1.1 411"), answer[:300]
