"""API tokens: `manage.py issue_api_token`, hashed storage, expiry, revocation, the admin."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.services import api_token_issue
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db


def issue(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("issue_api_token", *args, stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1  # the token alone on its own line, nothing else on stdout
    return lines[0]


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_creates_integration_user_without_password_and_token_works():
    key = issue("erp-nightly")
    user = User.objects.get(username="erp-nightly")
    assert user.role == User.Role.INTEGRATION
    assert not user.has_usable_password()
    AccountFactory(external_id="A-1")
    client = client_with(key)
    response = client.get("/api/v1/accounts/?external_id=A-1")
    assert response.status_code == 200 and response.json()["count"] == 1
    assert client.get("/api/v1/contacts/").status_code == 403


def test_only_a_hash_of_the_key_is_stored():
    key = issue("erp")
    token = ApiToken.objects.get(user__username="erp")
    assert len(key) == 40
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:8]
    stored = [str(v) for v in ApiToken.objects.values_list().get()]
    assert key not in stored


def test_second_call_rotates_the_token():
    old = issue("erp")
    new = issue("erp")
    assert old != new
    assert client_with(old).get("/api/v1/accounts/").status_code == 401
    assert client_with(new).get("/api/v1/accounts/").status_code == 200
    # The old one is kept, revoked, for the record.
    tokens = ApiToken.objects.filter(user__username="erp").order_by("created_at")
    assert [t.is_revoked for t in tokens] == [True, False]


def test_expiring_token_works_until_it_expires_then_answers_401():
    key = issue("erp", "--expires-days", "30")
    token = ApiToken.objects.get(user__username="erp")
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    client = client_with(key)
    assert client.get("/api/v1/accounts/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/api/v1/accounts/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Token expired."


@pytest.mark.parametrize("days", ["0", "-3", "100000"])
def test_expiry_out_of_range_is_refused(days):
    with pytest.raises(CommandError, match="--expires-days"):
        call_command("issue_api_token", "erp", "--expires-days", days, stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_changing_the_password_revokes_the_users_tokens():
    user = UserFactory(username="anna", role="head")
    key = api_token_issue(user=user)
    other = api_token_issue(user=UserFactory(username="boris", role="head"))
    assert client_with(key).get("/api/v1/accounts/").status_code == 200
    user.last_name = "Ivanova"
    user.save()  # an unrelated change keeps the token
    assert client_with(key).get("/api/v1/accounts/").status_code == 200
    user.set_password("a-new-pass-word-456")
    user.save()
    assert client_with(key).get("/api/v1/accounts/").status_code == 401
    assert client_with(other).get("/api/v1/accounts/").status_code == 200


def test_a_password_reset_through_the_site_revokes_the_tokens(client):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = UserFactory(username="olga", role="head")
    key = api_token_issue(user=user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = f"/reset/{uid}/{default_token_generator.make_token(user)}/"
    response = client.get(url)  # redirects to .../set-password/ with the token in the session
    new_password = "brand-new-pass-789"
    response = client.post(
        response.url, {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == 302
    assert client_with(key).get("/api/v1/accounts/").status_code == 401


def test_last_used_is_written_at_most_once_a_minute():
    user = UserFactory(username="erp", role="integration")
    key = api_token_issue(user=user)
    token = ApiToken.objects.get(user=user)
    assert token.last_used_at is None
    client = client_with(key)
    client.get("/api/v1/accounts/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get("/api/v1/accounts/")
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    client.get("/api/v1/accounts/")
    token.refresh_from_db()
    assert token.last_used_at > first


@pytest.mark.parametrize("role", ["kam", "head", "admin", "integration"])
def test_role_option_for_new_user(role):
    issue("someone", "--role", role)
    user = User.objects.get(username="someone")
    assert user.role == role
    assert user.is_superuser == (role == "admin")


def test_existing_user_keeps_role_unless_given():
    UserFactory(username="anna", role="kam")
    issue("anna")
    assert User.objects.get(username="anna").role == "kam"
    assert User.objects.get(username="anna").has_usable_password()
    issue("anna", "--role", "head")
    assert User.objects.get(username="anna").role == "head"


def test_unknown_role_is_refused():
    with pytest.raises(CommandError):
        call_command("issue_api_token", "x", "--role", "king", stdout=StringIO())
    assert not User.objects.filter(username="x").exists()


def test_inactive_or_unknown_token_is_401_and_request_auth_is_the_token(api_client_for):
    user = UserFactory(username="gone", role="head")
    client = api_client_for(user)
    response = client.get("/api/v1/accounts/")
    assert response.status_code == 200
    assert response.wsgi_request.user == user
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/api/v1/accounts/").status_code == 401
    assert client_with("0" * 40).get("/api/v1/accounts/").status_code == 401
    assert client_with("x" * 5000).get("/api/v1/accounts/").status_code == 401
    assert APIClient().get("/api/v1/accounts/").status_code == 401


def test_session_login_still_works_for_the_browser(client, kam_user):
    client.force_login(kam_user)
    assert client.get("/api/v1/accounts/").status_code == 200


def test_plain_drf_tokens_are_carried_over_hashed_and_keep_working():
    """The data migration: a database that still has DRF authtoken's table."""
    user = UserFactory(username="erp", role="integration")
    plain = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamp with time zone NOT NULL, user_id bigint NOT NULL)"
            if connection.vendor == "postgresql"
            else "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created datetime NOT NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [plain, connection.ops.adapt_datetimefield_value(timezone.now()), user.pk],
        )
    migration = importlib.import_module("accounts.migrations.0007_api_tokens_from_drf_authtoken")
    # It only reads the editor's connection (SQLite refuses a real editor inside a test).
    migration.copy_plain_tokens(apps, SimpleNamespace(connection=connection))
    assert client_with(plain).get("/api/v1/accounts/").status_code == 200
    token = ApiToken.objects.get(user=user)
    assert token.prefix == plain[:8] and token.key_hash != plain
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0  # no plain key is left behind


def test_admin_lists_tokens_without_the_hash_and_revokes_them(client, admin_user_):
    key = api_token_issue(user=UserFactory(username="erp", role="integration"))
    token = ApiToken.objects.get()
    client.force_login(admin_user_)
    html = client.get("/admin/accounts/apitoken/").content.decode()
    assert token.prefix in html and "erp" in html
    assert token.key_hash not in html and key not in html
    detail = client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert token.key_hash not in detail and key not in detail
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.is_revoked
    assert client_with(key).get("/api/v1/accounts/").status_code == 401


def test_staff_who_are_not_superusers_do_not_see_tokens(client):
    staff = UserFactory(username="kam-staff", role="kam", is_staff=True)
    api_token_issue(user=staff)
    client.force_login(staff)
    assert client.get("/admin/accounts/apitoken/").status_code == 403
