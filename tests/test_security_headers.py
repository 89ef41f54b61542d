"""Security headers: a strict Content-Security-Policy on every answer, templates that keep to
it, `Cache-Control: no-store` for signed-in users, and Django's own headers kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import AccountFactory, EventFactory, TenderFactory

ROOT = Path(__file__).resolve().parent.parent

# --- Templates keep to the policy ----------------------------------------------------
# <script> with a body (json_script is a filter, so data blocks never appear literally),
# on…= handler attributes, style= attributes, <style> elements, javascript: URLs, and
# htmx's hx-on (it evaluates code).
INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "on…= handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "style= attribute": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "hx-on": re.compile(r"\shx-on\b", re.IGNORECASE),
}


def inline_code(text: str) -> list[str]:
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", text, flags=re.DOTALL)
    text = re.sub(r"{#.*?#}", "", text)
    return [name for name, pattern in INLINE.items() if pattern.search(text)]


def project_templates() -> list[Path]:
    folders = [ROOT / "templates", *(ROOT.glob("*/templates"))]
    found = [p for folder in folders for p in folder.rglob("*.html") if ".venv" not in p.parts]
    assert len(found) > 40, "the search must find the project's templates"
    return sorted(found)


def test_no_template_has_inline_script_style_or_handlers():
    offenders = {
        str(path.relative_to(ROOT)): problems
        for path in project_templates()
        # E-mails are not pages: mail clients need inline styles, and no CSP applies.
        if "email" not in path.parts and (problems := inline_code(path.read_text()))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="module">go()</script>',
        '<select onchange="this.form.submit()">',
        '<button type="button" onClick="x()">',
        '<span class="swatch" style="background:red"></span>',
        "<style>p { color: red }</style>",
        '<a href="javascript:history.back()">',
        '<div hx-on:click="go()">',
    ],
)
def test_the_template_check_catches_each_kind(snippet):
    assert inline_code(f"<div>{snippet}</div>")


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="/static/js/kam.js" defer></script>',
        '{{ data|json_script:"chart-data" }}',
        '<select data-autosubmit name="period">',
        "<p>Tap on the button; style matters.</p>",
        "{% comment %}<style> was here{% endcomment %}",
    ],
)
def test_the_template_check_lets_clean_markup_pass(snippet):
    assert inline_code(snippet) == []


# --- The header ---------------------------------------------------------------------
def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def assert_strict_csp(response, path: str) -> None:
    assert response.has_header("Content-Security-Policy"), path
    policy = csp_directives(response)
    assert policy["default-src"] == ["'self'"], path
    assert policy["script-src"] == ["'self'"], path
    assert policy["style-src"] == ["'self'"], path
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "unsafe" not in response["Content-Security-Policy"], path


def page_paths() -> list[str]:
    """Every route without parameters, walked from the URL configuration."""
    paths = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = str(pattern.pattern)
            if "<" in route or "(?P" in route or route.startswith("^"):
                continue  # parameters (admin's regexes included): covered by pages below
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern):
                paths.append("/" + prefix + route)

    walk(get_resolver().url_patterns)
    return sorted(set(paths))


@pytest.fixture
def head_client(client, head_user):
    client.force_login(head_user)
    return client


@pytest.mark.django_db
def test_every_page_carries_the_policy(head_client, head_user, kam_user):
    account = AccountFactory(owner=kam_user)
    event = EventFactory()
    tender = TenderFactory(account=account)
    paths = page_paths()
    assert {"/", "/login/", "/portfolio/", "/events/new/", "/tenders/new/", "/api/docs/"} <= set(
        paths
    )
    paths += [
        f"/accounts/{account.pk}/",
        f"/events/{event.pk}/",
        f"/tenders/{tender.pk}/",
        "/admin/accounts/account/",
        f"/admin/accounts/account/{account.pk}/change/",
        "/no-such-page/",
        "/api/v1/accounts/",
    ]
    for path in paths:
        response = head_client.get(path)
        assert response.status_code < 500, path
        assert_strict_csp(response, path)


@pytest.mark.django_db
def test_signed_out_pages_and_refusals_carry_the_policy_too(client):
    for response, path in [
        (client.get("/login/"), "/login/"),
        (client.get("/password_reset/"), "/password_reset/"),
        (
            client.generic("POST", "/login/", content_type="text/plain", CONTENT_LENGTH="9999999"),
            "413",
        ),
    ]:
        assert_strict_csp(response, path)


def test_the_api_docs_load_no_inline_code(client, admin_user_):
    client.force_login(admin_user_)
    html = client.get("/api/docs/").content.decode()
    assert inline_code(html) == []
    script = re.search(r'<script src="([^"]*\?script=?)"', html)
    assert script, "Swagger UI's start-up script comes from a URL"
    response = client.get(script.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert "SwaggerUIBundle" in response.content.decode()


# --- Caching ------------------------------------------------------------------------------
def no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return "no-store" in directives


@pytest.mark.django_db
def test_signed_in_pages_are_not_stored(client, kam_user):
    account = AccountFactory(owner=kam_user)
    client.force_login(kam_user)
    for path in ["/", f"/accounts/{account.pk}/", "/events/", "/tenders/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert no_store(response), path
        assert "private" in response["Cache-Control"], path


@pytest.mark.django_db
def test_exports_are_not_stored(client, head_user):
    client.force_login(head_user)
    response = client.get("/portfolio/export/accounts.csv")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert no_store(response)


@pytest.mark.django_db
def test_api_answers_to_a_token_are_not_stored(kam_user, api_client_for):
    response = api_client_for(kam_user).get("/api/v1/accounts/")
    assert response.status_code == 200
    assert no_store(response)


@pytest.mark.django_db
def test_public_answers_keep_their_caching(client):
    # An anonymous visitor's page: nothing of anyone's data, the middleware leaves it alone.
    assert not no_store(client.get("/password_reset/"))


# --- Django's headers are kept ------------------------------------------------------
@pytest.mark.django_db
def test_existing_security_headers_are_kept(client, kam_user, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    client.force_login(kam_user)
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert settings.SESSION_COOKIE_HTTPONLY
