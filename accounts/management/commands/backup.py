"""`manage.py backup PATH [--force]`: the whole database into one file (see kam/backup.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kam.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the whole database to PATH: pg_dump's custom format on PostgreSQL, the "
        "sqlite3 backup API on SQLite. Restore it with `manage.py restore PATH`."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="The backup file to write")
        parser.add_argument("--force", action="store_true", help="Overwrite PATH if it exists")
        parser.add_argument("--database", default="default", help="Database alias")

    def handle(self, *args, path: str, force: bool, database: str, **options) -> None:
        try:
            outcome = backup(Path(path), alias=database, overwrite=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backed up the {outcome.vendor} database to {outcome.path} "
            f"({outcome.bytes / 1e6:.1f} MB in {outcome.seconds:.1f} s)."
        )
