"""`manage.py restore PATH [--noinput]`: replace the database with a backup (kam/backup.py).

Stop the web, worker and beat processes first: the restore replaces every table in one
transaction and waits for the locks that open connections hold.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from kam.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace every row of the database with the backup at PATH (made by `manage.py "
        "backup`), in one transaction. Stop the web and Celery processes first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="The backup file to restore")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation",
        )
        parser.add_argument("--database", default="default", help="Database alias")

    def handle(self, *args, path: str, interactive: bool, database: str, **options) -> None:
        name = connections[database].settings_dict["NAME"]
        if interactive:
            answer = input(
                f"This replaces everything in the database {name} with the backup {path}.\n"
                "Type 'yes' to continue: "
            )
            if answer != "yes":
                raise CommandError("Restore cancelled.")
        try:
            outcome = restore(Path(path), alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored the {outcome.vendor} database {name} from {outcome.path} "
            f"in {outcome.seconds:.1f} s."
        )
