"""docker-compose.yml and the Dockerfile describe a deployment that can actually start.

No Docker engine runs here: we check what can be checked offline — the file is valid
Compose, every command names modules and commands that exist, every variable it uses is
documented in `.env.example`, the web health probe really probes — and each app service's
command line runs for real against the machine's PostgreSQL and Redis (see below).
"""

from __future__ import annotations

import importlib
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from django.conf import settings
from django.core.management import get_commands

from tests.prodserver import free_port, started, throwaway_database

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def command_of(service: dict) -> list[str]:
    command = service["command"]
    if isinstance(command, str):
        return shlex.split(command)
    if command[:2] == ["sh", "-c"]:
        return shlex.split(command[2])
    return command


def env_example_names() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


def validate_compose(path: Path) -> subprocess.CompletedProcess:
    """The Compose specification's JSON schema, offline (check-jsonschema vendors it)."""
    checker = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run(
        [checker, "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
    )


def test_compose_file_is_valid_against_the_compose_spec():
    result = validate_compose(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validator_rejects_a_broken_compose_file(tmp_path):
    """The check above can fail: a service with a misspelt key is refused."""
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  web:\n    image: kam\n    comand: [gunicorn]\n")
    assert validate_compose(broken).returncode == 1


def test_production_shape_has_every_service_with_a_health_check(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
    for name in APP_SERVICES:
        assert services[name]["build"] == "."
        assert services[name]["env_file"] == ".env"
        env = services[name]["environment"]
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379/")


def test_web_serves_the_export_files_the_worker_writes_from_one_volume(compose):
    services = compose["services"]
    mounts = {}
    for name in ("web", "worker"):
        media_root = services[name]["environment"]["MEDIA_ROOT"]
        volumes = dict(v.split(":")[::-1] for v in services[name]["volumes"])
        mounts[name] = volumes[media_root]
    assert mounts["web"] == mounts["worker"] in compose["volumes"]
    # The image's user owns the mount point, so a fresh volume is writable.
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"mkdir -p [^\n]*" + re.escape(media_root), dockerfile)


def test_web_migrates_collects_static_and_serves_the_real_wsgi_app(compose):
    words = command_of(compose["services"]["web"])
    commands = get_commands()
    manage_calls = [words[i + 1] for i, w in enumerate(words) if w == "manage.py"]
    assert manage_calls == ["migrate", "collectstatic"]
    assert all(name in commands for name in manage_calls)
    target = words[words.index("gunicorn") + 1]
    module_name, attr = target.split(":")
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attr))
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE


@pytest.mark.parametrize("service, role", [("worker", "worker"), ("beat", "beat")])
def test_celery_services_point_at_the_kam_app(compose, service, role):
    words = command_of(compose["services"][service])
    assert words[0] == "celery" and role in words
    app = find_app(words[words.index("-A") + 1])  # how `celery -A …` resolves it
    assert isinstance(app, Celery)
    assert app.main == "kam"
    assert app is importlib.import_module("kam.celery").app


def test_dockerfile_builds_from_python_311_slim_and_installs_the_project():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    assert re.search(r"^RUN pip install \.$", dockerfile, re.MULTILINE)
    assert "kam.wsgi:application" in dockerfile
    # Secrets stay out of the image.
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def test_every_variable_the_compose_file_uses_is_documented_in_env_example(compose):
    text = COMPOSE.read_text()
    # ${VAR}, ${VAR:-default}, ${VAR:?error}; `$$VAR` is an escaped, in-container variable.
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", text))
    for name in APP_SERVICES:
        used |= set(compose["services"][name]["environment"])
    used |= set(compose["services"]["postgres"]["environment"])
    assert used, "the check must look at something"
    assert used - env_example_names() == set()


@pytest.mark.django_db(transaction=True)
def test_web_health_check_passes_against_a_running_server(live_server):
    result = subprocess.run(
        [sys.executable, str(ROOT / "docker" / "healthcheck.py")],
        env={"HEALTHCHECK_URL": f"{live_server.url}/livez", "ALLOWED_HOSTS": "localhost"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


def test_web_health_check_probes_liveness_not_the_dependencies(compose):
    """The container's probe is /livez: a Redis outage must not mark a web process that
    still serves pages unhealthy (monitoring reads /healthz)."""
    assert compose["services"]["web"]["healthcheck"]["test"] == [
        "CMD",
        "python",
        "docker/healthcheck.py",
    ]
    source = (ROOT / "docker" / "healthcheck.py").read_text()
    assert '"HEALTHCHECK_URL", "http://127.0.0.1:8000/livez"' in source


def test_web_health_check_fails_when_nothing_answers():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        unused_tcp_port = sock.getsockname()[1]
    result = subprocess.run(
        [sys.executable, str(ROOT / "docker" / "healthcheck.py")],
        env={"HEALTHCHECK_URL": f"http://127.0.0.1:{unused_tcp_port}/livez"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "unhealthy" in result.stderr


# --- Each service's command line, run for real ------------------------------------------
# No engine runs here, so the commands of docker-compose.yml run as they are written, as
# processes on this machine, with the environment the containers get: `.env.example` (the
# README's `cp .env.example .env`) under the service's own `environment`. Only what points
# at other containers or the image's folders is moved: `postgres:5432` to a throwaway
# database of the machine's PostgreSQL (SQLite without DATABASE_URL), `redis:6379` to the
# machine's Redis, `/app/...` paths and the published port to free ones.
COMPOSE_REDIS_DB = 7  # away from the suite's own Celery databases (conftest: 2, 3, …)


def env_example_values() -> dict[str, str]:
    text = (ROOT / ".env.example").read_text()
    return dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", text, re.MULTILINE))


@pytest.fixture(scope="module")
def service_env(compose, tmp_path_factory):
    """service name -> the environment its container would have, moved onto this machine."""
    from tests.prodserver import BIN

    redis_url = os.environ.get("REDIS_URL")
    with throwaway_database() as database_url:
        folder = tmp_path_factory.mktemp("compose")
        envs = {}
        for name in APP_SERVICES:
            env = {**env_example_values(), **compose["services"][name]["environment"]}
            assert "@postgres:5432/" in env["DATABASE_URL"]
            env["DATABASE_URL"] = database_url
            if redis_url:
                env["REDIS_URL"] = f"{redis_url.rpartition('/')[0]}/{COMPOSE_REDIS_DB}"
            for key, value in env.items():
                if value.startswith("/app/"):  # the image's folder (volumes included)
                    env[key] = str(folder / value.removeprefix("/app/"))
            env.update(
                PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
                HOME=str(folder),
                HOSTNAME=socket.gethostname(),
                STATIC_ROOT=str(folder / "staticfiles"),
                SECRET_KEY=secrets.token_urlsafe(48),
                PYTHONUNBUFFERED="1",
            )
            envs[name] = env
        yield envs
    if redis_url:
        import redis

        redis.Redis.from_url(envs["worker"]["REDIS_URL"]).flushdb()


def shell_of(service: dict, **replace: str) -> list[str]:
    """The service's command as the container runs it, with `replace` applied to each word."""
    command = service["command"]
    if command[:2] == ["sh", "-c"]:
        script = command[2]
        for old, new in replace.items():
            script = script.replace(old, new)
        return ["sh", "-c", script]
    return [replace.get(word, word) for word in command]


def healthcheck_of(service: dict) -> list[str]:
    test = service["healthcheck"]["test"]
    if test[0] == "CMD-SHELL":
        return ["sh", "-c", test[1].replace("$$", "$")]
    assert test[0] == "CMD"
    return test[1:]


def passes(command: list[str], env: dict[str, str]) -> bool:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=60)
    return result.returncode == 0


@pytest.mark.redis  # its health check asks the broker too: compose's redis, here REDIS_URL
def test_web_service_migrates_collects_static_serves_and_passes_its_health_check(
    compose, service_env
):
    service = compose["services"]["web"]
    port = free_port()
    env = {**service_env["web"], "HEALTHCHECK_URL": f"http://127.0.0.1:{port}/healthz"}
    command = shell_of(service, **{"0.0.0.0:8000": f"127.0.0.1:{port}"})
    assert command != shell_of(service), "the published port must be moved"
    with started(command, env) as web:
        web.wait_for(
            lambda: passes(healthcheck_of(service), env), "a passing health check", timeout=120
        )
    assert "static files copied" in web.output
    assert "Booting worker" in web.output  # gunicorn, after migrate and collectstatic
    assert (Path(env["STATIC_ROOT"]) / "staticfiles.json").is_file()


@pytest.mark.redis
def test_worker_service_starts_and_answers_its_health_check(compose, service_env):
    service = compose["services"]["worker"]
    env = service_env["worker"]
    with started(shell_of(service), env) as worker:
        worker.wait_for_line("ready.", timeout=90)
        assert passes(healthcheck_of(service), env), worker.output
    assert "reports.tasks.recompute_metrics" in worker.output  # the tasks are registered


@pytest.mark.redis
def test_beat_service_starts_with_the_nightly_schedule_and_reaches_the_broker(compose, service_env):
    service = compose["services"]["beat"]
    env = service_env["beat"]
    schedule = Path(env["HOME"]) / "celerybeat-schedule"
    command = shell_of(service, **{"/tmp/celerybeat-schedule": str(schedule)})
    with started(command, env) as beat:
        beat.wait_for_line("beat: Starting...", timeout=60)
        assert passes(healthcheck_of(service), env), beat.output
    assert "celery beat" in beat.output and env["REDIS_URL"].rpartition("/")[0] in beat.output
