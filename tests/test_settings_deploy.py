"""Settings: production values pass `check --deploy`; everything comes from the environment.

Each case runs in a subprocess with a clean environment, since settings are read once per
process. A developer's `.env` file is ignored there (it would leak into the cases).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The settings module reads `.env` from the project folder; these cases must not see it.
_NO_DOTENV = "import environ; environ.Env.read_env = classmethod(lambda *a, **k: None); "
_MANAGE = _NO_DOTENV + (
    "import sys; from django.core.management import execute_from_command_line; "
    "execute_from_command_line(['manage.py', *sys.argv[1:]])"
)
_PRINT_SETTINGS = _NO_DOTENV + (
    "import json; from django.conf import settings as s; db = s.DATABASES['default']; "
    "print(json.dumps({'SECRET_KEY': s.SECRET_KEY, 'DEBUG': s.DEBUG, "
    "'ENGINE': db['ENGINE'], 'NAME': str(db['NAME']), 'USER': db.get('USER'), "
    "'PASSWORD': db.get('PASSWORD'), 'HOST': db.get('HOST'), "
    "'BROKER': s.CELERY_BROKER_URL, 'EAGER': s.CELERY_TASK_ALWAYS_EAGER, "
    "'EMAIL_HOST_PASSWORD': getattr(s, 'EMAIL_HOST_PASSWORD', None), "
    "'BASE_CURRENCY': s.BASE_CURRENCY}))"
)


def clean_env(**values: str) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "kam.settings", **values}


def production_env() -> dict[str, str]:
    """The variables `make check-deploy` sets, read from the Makefile itself."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ncheck-deploy:", 1)[1].split("check --deploy", 1)[0]
    values = dict(re.findall(r"\b([A-Z_]+)=(\S+)", recipe))
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"} <= set(values)
    values["SECRET_KEY"] = secrets.token_urlsafe(48)  # the Makefile draws one from urandom
    return values


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _MANAGE, "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_with(**env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _PRINT_SETTINGS],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_production_values_pass_check_deploy():
    result = check_deploy(production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_with_the_embedded_default_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = check_deploy(env)
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout


def test_check_deploy_fails_with_debug_on():
    result = check_deploy({**production_env(), "DEBUG": "1"})
    assert result.returncode != 0
    assert "security.W018" in result.stderr + result.stdout


def test_check_deploy_fails_without_https_settings():
    env = production_env()
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "SECURE_HSTS_SECONDS"):
        env.pop(name)
    result = check_deploy(env)
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout  # SECURE_SSL_REDIRECT


def test_secrets_come_from_the_environment():
    key = secrets.token_urlsafe(48)
    values = settings_with(
        SECRET_KEY=key,
        DATABASE_URL="postgres://kam:db-s3cret@db.internal:5432/kam_prod",
        EMAIL_URL="smtp+tls://mailer:mail-s3cret@smtp.example.com:587",
    )
    assert values["SECRET_KEY"] == key
    assert values["PASSWORD"] == "db-s3cret"
    assert values["EMAIL_HOST_PASSWORD"] == "mail-s3cret"
    # Nothing secret is written into the settings module itself.
    source = (ROOT / "kam" / "settings.py").read_text()
    assert "s3cret" not in source and key not in source


def test_embedded_default_is_sqlite_in_the_project_folder_with_eager_celery():
    values = settings_with()
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(values["NAME"]) == ROOT / "db.sqlite3"
    assert values["DEBUG"] is False
    assert values["EAGER"] is True
    assert values["BASE_CURRENCY"] == "RUB"


def test_database_url_switches_to_postgresql_and_redis_url_to_a_real_broker():
    values = settings_with(
        DATABASE_URL="postgres://kam:pw@127.0.0.1:5432/kam_x",
        REDIS_URL="redis://127.0.0.1:6379/4",
    )
    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert (values["NAME"], values["USER"], values["HOST"]) == ("kam_x", "kam", "127.0.0.1")
    assert values["BROKER"] == "redis://127.0.0.1:6379/4"
    assert values["EAGER"] is False


def test_readme_configuration_table_lists_every_variable_of_env_example():
    readme = (ROOT / "README.md").read_text()
    table = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", readme, re.MULTILINE))
    names = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    assert names, ".env.example lists variables"
    assert names - table == set(), "README's configuration table misses these"
