"""`manage.py issue_api_token`: creates the user, prints a new token, rotates it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db


def issue(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("issue_api_token", *args, stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1  # the token alone on its own line, nothing else on stdout
    return lines[0]


def test_creates_integration_user_without_password_and_token_works():
    key = issue("erp-nightly")
    user = User.objects.get(username="erp-nightly")
    assert user.role == User.Role.INTEGRATION
    assert not user.has_usable_password()
    assert Token.objects.get(user=user).key == key
    AccountFactory(external_id="A-1")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/accounts/?external_id=A-1")
    assert response.status_code == 200 and response.json()["count"] == 1
    assert client.get("/api/v1/contacts/").status_code == 403


def test_second_call_rotates_the_token():
    old = issue("erp")
    new = issue("erp")
    assert old != new
    assert list(Token.objects.filter(user__username="erp").values_list("key", flat=True)) == [new]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert client.get("/api/v1/accounts/").status_code == 401


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
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert stranger.get("/api/v1/accounts/").status_code == 401
    assert APIClient().get("/api/v1/accounts/").status_code == 401


def test_session_login_still_works_for_the_browser(client, kam_user):
    client.force_login(kam_user)
    assert client.get("/api/v1/accounts/").status_code == 200
