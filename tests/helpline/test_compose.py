"""docker-compose.yml is the production recipe; with no Docker engine here, check it piece by piece."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
PORTAL_SERVICES = {"migrate", "web", "worker", "beat"}
SAMPLE = {
    "SECRET_KEY": "compose-test-" + "k" * 40,
    "FIELD_ENCRYPTION_KEY": "Jd1mMm3R0nE9aL0Yv1YqkW7bJ3bC9qW8f7c3Wl1l2s8=",
    "POSTGRES_PASSWORD": "pw",
    "DB_OWNER_PASSWORD": "owner-pw",
    "DB_PORTAL_PASSWORD": "portal-pw",
    "MINIO_ROOT_USER": "minio",
    "MINIO_ROOT_PASSWORD": "minio-password",
    "EMAIL_URL": "smtp+tls://mailer:pw@smtp.example.org:587",
}


def _interpolate(value: str, env: dict[str, str]) -> str:
    def sub(match: re.Match) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3) or ""
        if name in env:
            return env[name]
        if op == ":-":
            return rest
        raise AssertionError(f"{name} is required by docker-compose.yml: {rest}")

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", sub, value)


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_production_service_is_there(compose):
    assert set(compose["services"]) >= PORTAL_SERVICES | {"db", "redis", "minio", "minio-bucket"}


def test_long_running_services_have_health_checks_and_data_has_volumes(compose):
    services = compose["services"]
    for name in ("web", "worker", "db", "redis", "minio"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no health check"
    for name, mount in (("db", "/var/lib/postgresql/data"), ("redis", "/data"), ("minio", "/data")):
        volumes = services[name]["volumes"]
        assert any(v.endswith(":" + mount) and v.split(":")[0] in compose["volumes"] for v in volumes), name


def test_third_party_images_are_pinned(compose):
    for name, service in compose["services"].items():
        image = service.get("image", "")
        if name in PORTAL_SERVICES:
            assert service["build"] == "."
            continue
        assert ":" in image and not image.endswith(":latest"), f"{name} image {image!r} is not pinned"


def test_the_bucket_is_created_private(compose):
    script = " ".join(compose["services"]["minio-bucket"]["entrypoint"])
    assert "mc mb --ignore-existing local/helpline-private" in script
    assert "anonymous set none" in script
    assert compose["services"]["web"]["environment"]["AWS_STORAGE_BUCKET_NAME"] == "helpline-private"


def test_commands_the_services_run_exist_in_the_project(compose):
    services = compose["services"]
    web = services["web"]["command"]
    assert web[0] == "gunicorn"
    # The app is the one positional argument, or the config file's wsgi_app.
    gunicorn_target = next((part for part in web[1:] if re.fullmatch(r"[\w.]+:\w+", part)), None)
    if "--config" in web:
        config = (ROOT / web[web.index("--config") + 1]).read_text()
        assert "post_worker_init" in config
        gunicorn_target = gunicorn_target or re.search(r'wsgi_app = "([^"]+)"', config).group(1)
    module, attribute = gunicorn_target.split(":")
    assert callable(getattr(importlib.import_module(module), attribute))
    for name in ("worker", "beat"):
        command = services[name]["command"]
        assert command[:3] == ["celery", "-A", "helpline"]
        assert command[3] == name
    assert importlib.import_module("helpline").celery_app.main == "helpline"
    migrate = " ".join(services["migrate"]["command"])
    assert "createcachetable" not in migrate, "migrate alone makes the cache table (helpline migration 0002)"
    for management_command in re.findall(r"manage\.py (\w+)", migrate):
        assert management_command in get_commands(), management_command
    requirements = (ROOT / "requirements.txt").read_text()
    for executable in ("gunicorn", "celery"):
        assert re.search(rf"^{executable}(\[[^\]]+\])?==", requirements, re.M), f"{executable} is not pinned"
    assert (ROOT / "Dockerfile").exists()


def test_the_portal_starts_with_the_environment_compose_gives_it(compose):
    environment = {k: _interpolate(str(v), SAMPLE) for k, v in compose["services"]["web"]["environment"].items()}
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DATABASE_URL", "REDIS_URL", "AWS_STORAGE_BUCKET_NAME"):
        assert environment.get(name), name
    for service in PORTAL_SERVICES - {"migrate"}:
        assert compose["services"][service]["environment"] == compose["services"]["web"]["environment"]
    # Only the migrate service connects as the owner role; it differs in nothing else.
    migrate_env = dict(compose["services"]["migrate"]["environment"])
    assert migrate_env.pop("DATABASE_URL").startswith("postgres://helpline_owner:")
    assert migrate_env == {k: v for k, v in compose["services"]["web"]["environment"].items() if k != "DATABASE_URL"}
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    env.update(environment, DJANGO_SETTINGS_MODULE="helpline.settings", VAR_DIR=str(ROOT / "var" / "compose-test"))
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.DATABASES['default']['HOST'], s.CELERY_BROKER_URL, "
        "s.STORAGES['default']['BACKEND'], s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "django.db.backends.postgresql",
        "db",
        "redis://redis:6379/0",
        "storages.backends.s3.S3Storage",
        "True",
        "True",
    ]


def test_compose_refuses_to_start_without_secrets(compose):
    with pytest.raises(AssertionError, match="SECRET_KEY is required"):
        _interpolate(compose["services"]["web"]["environment"]["SECRET_KEY"], {})


def test_compose_has_no_console_email_default_and_refuses_to_start_without_email_url(compose):
    # Finding 6: the recipe defaulted to consolemail://, which logs every email instead of sending it.
    setting = str(compose["services"]["web"]["environment"]["EMAIL_URL"])
    assert "consolemail" not in setting
    with pytest.raises(AssertionError, match="EMAIL_URL is required"):
        _interpolate(setting, {k: v for k, v in SAMPLE.items() if k != "EMAIL_URL"})


def test_the_portal_connects_as_a_role_that_owns_nothing_and_the_owner_role_migrates_and_grants(compose):
    services = compose["services"]
    assert services["web"]["environment"]["DATABASE_URL"].startswith("postgres://helpline_portal:")
    assert "manage.py db_grant_portal_role helpline_portal" in services["migrate"]["command"][-1]
    # The postgres image runs the roles script once, on a new volume; its superuser is not the portal's.
    db = services["db"]
    assert "./deploy/postgres-init:/docker-entrypoint-initdb.d:ro" in db["volumes"]
    assert db["environment"]["POSTGRES_USER"] not in {"helpline_portal", "helpline_owner"}
    script = (ROOT / "deploy/postgres-init/10-helpline-roles.sh").read_text()
    assert "owner_role=helpline_owner" in script and "portal_role=helpline_portal" in script
    assert os.access(ROOT / "deploy/postgres-init/10-helpline-roles.sh", os.X_OK)
    # Only *.sh, *.sql (and compressed SQL) run by themselves there: the psql file is run by the script, once.
    assert not list((ROOT / "deploy/postgres-init").glob("*.sql"))
