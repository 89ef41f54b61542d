"""`manage.py backup` / `restore`: a backup, a wiped database, a restore — and every table
has the same rows again (count and checksum per table).

PostgreSQL: pg_dump/pg_restore on the test database, in this process. SQLite: the real
commands in a child process on a SQLite file of their own, so the SQLite path is tested
whatever database the suite runs on.
"""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts import services
from accounts.models import AuditEvent, Interaction, User

ROOT = Path(__file__).resolve().parent.parent


def _pg_fingerprints() -> dict[str, tuple[int, str]]:
    """{table: (rows, md5 over the rows' md5s in order)} for every table of the database."""
    prints = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            name = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' "
                f"ORDER BY md5(t::text))), '') FROM {name} AS t"
            )
            prints[table] = tuple(cursor.fetchone())
    return prints


def _pg_sequences() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences")
        return dict(cursor.fetchall())


def _sqlite_fingerprints(path: Path) -> dict[str, tuple[int, str]]:
    db = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        prints = {}
        for table in tables:
            rows = sorted(repr(row) for row in db.execute(f'SELECT * FROM "{table}"'))
            digest = hashlib.md5("\n".join(rows).encode(), usedforsecurity=False).hexdigest()
            prints[table] = (len(rows), digest)
        return prints
    finally:
        db.close()


def _traces(head: User) -> None:
    """A deleted interaction (history rows) and an audit event, so those tables hold rows."""
    interaction = Interaction.objects.select_related("account").first()
    services.account_record_delete(user=head, record=interaction, account=interaction.account)
    services.audit_record(user=head, action=AuditEvent.Action.VIEW_ACCOUNT, account_id=1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_backup_wipe_restore_gives_back_every_row(tmp_path):
    call_command("seed_demo", "--accounts", "60", stdout=io.StringIO())
    _traces(User.objects.get(username="s.volkov"))
    before, sequences = _pg_fingerprints(), _pg_sequences()
    assert before["accounts_account"][0] == 60
    assert before["accounts_historicalinteraction"][0] >= 1
    assert before["accounts_auditevent"][0] == 1

    path = tmp_path / "kam.dump"
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    assert path.read_bytes().startswith(b"PGDMP") and "Backed up" in out.getvalue()

    call_command("flush", "--noinput")  # the wipe: every table emptied
    assert _pg_fingerprints()["accounts_account"] == (0, "")

    call_command("restore", str(path), "--noinput", stdout=io.StringIO())
    after = _pg_fingerprints()
    assert after == before
    assert _pg_sequences() == sequences  # new rows get fresh ids, not the restored ones'


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_broken_postgres_backup_changes_nothing(tmp_path, kam_user):
    from tests.factories import AccountFactory

    AccountFactory.create_batch(3, owner=kam_user)
    path = tmp_path / "kam.dump"
    call_command("backup", str(path), stdout=io.StringIO())
    before = _pg_fingerprints()
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CommandError, match="pg_restore failed"):
        call_command("restore", str(truncated), "--noinput")
    assert _pg_fingerprints() == before  # one transaction: all of it or nothing


def test_backup_refuses_to_overwrite_and_restore_refuses_a_stranger_file(tmp_path, db):
    path = tmp_path / "kam.backup"
    path.write_text("an earlier backup")
    with pytest.raises(CommandError, match="exists; pass --force"):
        call_command("backup", str(path))
    assert path.read_text() == "an earlier backup"
    with pytest.raises(CommandError, match="is not a .* backup"):
        call_command("restore", str(path), "--noinput")
    with pytest.raises(CommandError, match="No such backup file"):
        call_command("restore", str(tmp_path / "missing"), "--noinput")


def _manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_sqlite_backup_wipe_restore_gives_back_every_row(tmp_path):
    database = tmp_path / "kam.sqlite3"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["DATABASE_URL"] = f"sqlite:///{database}"
    # Set up in one process (migrating is the slow part); then the commands as an operator
    # runs them, each in its own process.
    _manage(
        "shell",
        "-c",
        "from django.core.management import call_command; "
        "call_command('migrate', '--noinput', verbosity=0); "
        "call_command('seed_demo', '--accounts', '60', verbosity=0); "
        "from accounts.models import User; from tests.test_backup import _traces; "
        "_traces(User.objects.get(username='s.volkov'))",
        env=env,
    )
    before = _sqlite_fingerprints(database)
    assert before["accounts_account"][0] == 60 and before["accounts_auditevent"][0] == 1

    path = tmp_path / "kam.backup"
    _manage("backup", str(path), env=env)
    assert path.read_bytes().startswith(b"SQLite format 3\x00")

    _manage("flush", "--noinput", env=env)
    assert _sqlite_fingerprints(database)["accounts_account"][0] == 0

    _manage("restore", str(path), "--noinput", env=env)
    assert _sqlite_fingerprints(database) == before
