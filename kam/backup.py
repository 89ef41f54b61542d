"""Backing up and restoring the whole database (`manage.py backup PATH` / `restore PATH`).

PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists
--single-transaction` with the connection of DATABASES (the password goes through the
environment, never the command line). SQLite (the embedded demo): the sqlite3 online
backup API, page by page, consistent even while the demo serves requests.

A restore replaces every table the backup holds, in one transaction: it either ends with
the backup's rows everywhere or changes nothing. Restore into the same version of KAM
(the same migrations) that made the backup.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connections

SQLITE_HEADER = b"SQLite format 3\x00"
PG_CUSTOM_HEADER = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


@dataclass
class Outcome:
    path: Path
    vendor: str
    bytes: int
    seconds: float


def _vendor(alias: str) -> str:
    return connections[alias].vendor


def backup(path: Path, *, alias: str = "default", overwrite: bool = False) -> Outcome:
    """Write a backup of the database to `path` (a new file unless `overwrite`)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise BackupError(f"{path} exists; pass --force to overwrite it.")
    if not path.parent.is_dir():
        raise BackupError(f"No such folder: {path.parent}")
    started = time.monotonic()
    # Write beside the target and move it into place: a failed backup leaves no half file.
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    try:
        vendor = _vendor(alias)
        if vendor == "postgresql":
            _pg_dump(alias, Path(partial))
        elif vendor == "sqlite":
            _sqlite_backup(alias, Path(partial))
        else:
            raise BackupError(f"Backups of {vendor} databases are not supported.")
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return Outcome(path, vendor, path.stat().st_size, time.monotonic() - started)


def restore(path: Path, *, alias: str = "default") -> Outcome:
    """Replace the database's contents with the backup at `path`."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No such backup file: {path}")
    with path.open("rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    vendor = _vendor(alias)
    started = time.monotonic()
    if vendor == "postgresql":
        if not header.startswith(PG_CUSTOM_HEADER):
            raise BackupError(f"{path} is not a PostgreSQL backup (pg_dump --format=custom).")
        _pg_restore(alias, path)
    elif vendor == "sqlite":
        if header != SQLITE_HEADER:
            raise BackupError(f"{path} is not a SQLite backup.")
        _sqlite_restore(alias, path)
    else:
        raise BackupError(f"Restoring {vendor} databases is not supported.")
    return Outcome(path, vendor, path.stat().st_size, time.monotonic() - started)


# --- PostgreSQL ---------------------------------------------------------------------------
def _pg_env_and_args(alias: str) -> tuple[dict[str, str], list[str]]:
    """The connection of DATABASES[alias] as libpq environment and arguments."""
    db: dict[str, Any] = connections[alias].settings_dict
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        if options.get(option):
            env[variable] = str(options[option])
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    args += ["--no-password", "--dbname", str(db["NAME"])]
    return env, args


def _run(program: str, args: list[str], env: dict[str, str]) -> None:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} is not installed (apt-get install postgresql-client).")
    result = subprocess.run(
        [executable, *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip() or result.returncode}")


def _pg_dump(alias: str, target: Path) -> None:
    env, args = _pg_env_and_args(alias)
    _run("pg_dump", ["--format=custom", "--file", str(target), *args], env)


def _pg_restore(alias: str, source: Path) -> None:
    env, args = _pg_env_and_args(alias)
    # Our own idle connection must not hold locks the restore's DROPs wait for.
    connections[alias].close()
    _run(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            *args,
            str(source),
        ],
        env,
    )


# --- SQLite -------------------------------------------------------------------------------
def _sqlite_backup(alias: str, target: Path) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        with destination:
            connection.connection.backup(destination)
    finally:
        destination.close()


def _sqlite_restore(alias: str, source: Path) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        # The backup API replaces the whole database in one step (it holds the write lock).
        origin.backup(connection.connection)
    finally:
        origin.close()
