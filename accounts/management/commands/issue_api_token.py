"""`manage.py issue_api_token USERNAME [--role integration|kam|head|admin]`.

Creates the user if missing (role default: integration) and prints a NEW token on its own
line; an existing token is deleted first, so this is also how a token is rotated.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import User


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

    @transaction.atomic
    def handle(self, *args, username: str, role: str | None, **options) -> None:
        username = username.strip()
        if not username:
            raise CommandError("USERNAME must not be empty.")
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
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        self.stdout.write(token.key)

    @staticmethod
    def _admin_flags(user: User) -> None:
        # The admin role means "everything, Django admin" (DESIGN.md): staff + superuser.
        if user.role == User.Role.ADMIN:
            user.is_staff = user.is_superuser = True
