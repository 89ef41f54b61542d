"""KAM's production processes as real subprocesses: collectstatic, gunicorn, Celery.

Tests import these helpers to start what a deployment starts (with DEBUG=0 and the real
STORAGES, which the in-process suite replaces), against a database of their own: a
throwaway PostgreSQL database when DATABASE_URL names PostgreSQL, an SQLite file otherwise.
Each process runs in its own process group and is stopped by its id.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    """A database URL of a new, empty database, dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        with tempfile.TemporaryDirectory(prefix="kam-prod-db-") as folder:
            yield f"sqlite:///{folder}/kam.sqlite3"
        return
    import psycopg

    parts = urlsplit(url)
    name = f"kam_prodcheck_{os.getpid()}_{secrets.token_hex(3)}"
    maintenance = psycopg.conninfo.make_conninfo(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or "",
        dbname="postgres",
    )
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_env(*, database_url: str, static_root: Path, **extra: str) -> dict[str, str]:
    """The environment of a production process: DEBUG off, a real key, the real STORAGES.

    Nothing is inherited from the test run but PATH (the virtualenv first), HOME and the
    locale, so the test's own DATABASE_URL, REDIS_URL or DJANGO_SETTINGS_MODULE cannot leak in.
    """
    env = {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "PYTHONUNBUFFERED": "1",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "INFO",
    }
    env.update(extra)
    return env


def run(command: list[str], env: dict[str, str], timeout: float = 120) -> str:
    """Run a command to its end in the project folder; its output, or an assertion naming it."""
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(command)} failed ({result.returncode}):\n{output}"
    return output


@dataclass
class Process:
    """A started long-running process and everything it has printed so far."""

    popen: subprocess.Popen
    lines: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, ready: Callable[[], bool], what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            if self.popen.poll() is not None:
                time.sleep(0.2)  # let the reader thread take the last lines
                raise AssertionError(
                    f"exited with {self.popen.returncode} before {what}:\n{self.output}"
                )
            time.sleep(0.2)
        raise AssertionError(f"no {what} within {timeout} s:\n{self.output}")

    def wait_for_line(self, needle: str, timeout: float = 60) -> None:
        self.wait_for(lambda: needle in self.output, f"{needle!r} in its output", timeout)


@contextlib.contextmanager
def started(command: list[str], env: dict[str, str]) -> Iterator[Process]:
    """Start a command in its own process group; stop that group (TERM, then KILL) after."""
    popen = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    process = Process(popen)
    reader = threading.Thread(target=lambda: process.lines.extend(popen.stdout), daemon=True)
    reader.start()
    try:
        yield process
    finally:
        if popen.poll() is None:
            os.killpg(popen.pid, signal.SIGTERM)
            try:
                popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(popen.pid, signal.SIGKILL)
                popen.wait(timeout=10)
        reader.join(timeout=5)


def http_get(url: str, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """GET without following redirects: (status, headers, body); HTTP errors are answers too."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def answers(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return http_get(url, timeout=2)[0] == 200
        except OSError:
            return False

    return check
