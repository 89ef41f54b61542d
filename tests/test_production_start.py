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
    assert (status, json.loads(body)) == (200, {"status": "ok"})
