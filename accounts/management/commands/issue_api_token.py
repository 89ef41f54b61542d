"""`manage.py issue_api_token USERNAME [--role integration|kam|head|admin] [--expires-days N]`.

Creates the user if missing (role default: integration) and prints a NEW token on its own
line, the only time it is shown (only its hash is stored). The user's other tokens are
revoked first, so this is also how a token is rotated.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import api_token_issue, api_token_revoke

MAX_EXPIRES_DAYS = 3650


class Command(BaseCommand):
    help = "Create or rotate the API token of USERNAME (creating the user if missing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--role",
            choices=User.Role.values,
            default=None,
            help="Role of a new user (default: integration); given for an existing user, "
            "changes their role.",
        )
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            metavar="N",
            help="The token stops working N days from now (default: no expiry).",
        )

    @transaction.atomic
    def handle(
        self, *args, username: str, role: str | None, expires_days: int | None, **options
    ) -> None:
        username = username.strip()
        if not username:
            raise CommandError("USERNAME must not be empty.")
        if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRES_DAYS:
            raise CommandError(f"--expires-days must be between 1 and {MAX_EXPIRES_DAYS}.")
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, role=role or User.Role.INTEGRATION)
            # A machine (or someone who signs in later via password reset) has no password.
            user.set_unusable_password()
            self._admin_flags(user)
            user.full_clean(exclude=["password"])
            user.save()
            self.stderr.write(f"Created user {username!r} with role {user.role}.")
        elif role and role != user.role:
            user.role = role
            self._admin_flags(user)
            user.save(update_fields=["role", "is_staff", "is_superuser"])
            self.stderr.write(f"Changed the role of {username!r} to {role}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive; activate it first.")
        revoked = api_token_revoke(user=user)
        if revoked:
            self.stderr.write(f"Revoked {revoked} earlier token(s) of {username!r}.")
        expires_at = timezone.now() + dt.timedelta(days=expires_days) if expires_days else None
        self.stdout.write(api_token_issue(user=user, expires_at=expires_at))
        if expires_at:
            self.stderr.write(f"The token expires at {expires_at:%Y-%m-%d %H:%M %Z}.")

    @staticmethod
    def _admin_flags(user: User) -> None:
        # The admin role means "everything, Django admin" (DESIGN.md): staff + superuser.
        if user.role == User.Role.ADMIN:
            user.is_staff = user.is_superuser = True
