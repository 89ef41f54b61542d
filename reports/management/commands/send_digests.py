"""manage.py send_digests [--user U] [--weekly] [--dry-run]: the digests, by hand."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from reports.alerts.digests import DAILY, WEEKLY, digest_build, digest_recipients, digest_send


class Command(BaseCommand):
    help = (
        "Build the daily digests (or the heads' weekly ones with --weekly) now, print them "
        "and send those that say something (not with --dry-run)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", help="only this username (even if they opted out)")
        parser.add_argument("--weekly", action="store_true", help="the heads' weekly digest")
        parser.add_argument("--dry-run", action="store_true", help="print, send nothing")

    def handle(self, *args, user=None, weekly=False, dry_run=False, **options) -> None:
        kind = WEEKLY if weekly else DAILY
        if user:
            people = list(User.objects.filter(username=user))
            if not people:
                raise CommandError(f"no user {user!r}")
        else:
            people = digest_recipients(kind=kind)
        sent = empty = 0
        for person in people:
            digest = digest_build(user=person, kind=kind)
            self.stdout.write(f"=== {kind} digest for {person.username} <{person.email}>")
            if not digest.items:
                self.stdout.write("(nothing to say: no e-mail)\n")
                empty += 1
                continue
            self.stdout.write(f"Subject: {digest.subject}\n\n{digest.text}")
            if not dry_run and digest_send(digest):
                sent += 1
        verb = "would send" if dry_run else "sent"
        done = len(people) - empty if dry_run else sent
        self.stdout.write(f"{verb} {done}, nothing to say for {empty}")
