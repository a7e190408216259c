"""Settings come from the environment, strictly: a bad value stops start-up and names the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "Jd1mMm3R0nE9aL0Yv1YqkW7bJ3bC9qW8f7c3Wl1l2s8="
PROBE = "import django; django.setup(); from django.conf import settings; print({expr})"


def _start(env_overrides: dict[str, str], expr: str = "'started'", *, drop: tuple[str, ...] = ()):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION"))}
    for name in drop:
        env.pop(name, None)
    env.update({"DJANGO_SETTINGS_MODULE": "helpline.settings", **env_overrides})
    return subprocess.run(
        [sys.executable, "-c", PROBE.format(expr=expr)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_a_non_boolean_debug_stops_startup_naming_the_variable():
    result = _start({"DEBUG": "maybe", "SECRET_KEY": "x" * 50, "FIELD_ENCRYPTION_KEY": GOOD_KEY})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_secret_key_is_required_when_debug_is_off():
    result = _start({"DEBUG": "false", "FIELD_ENCRYPTION_KEY": GOOD_KEY}, drop=("SECRET_KEY",))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_field_encryption_key_is_required_when_debug_is_off():
    result = _start({"DEBUG": "false", "SECRET_KEY": "x" * 50})
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY must be set" in result.stderr


def test_a_malformed_field_encryption_key_is_refused_with_advice():
    result = _start({"DEBUG": "false", "SECRET_KEY": "x" * 50, "FIELD_ENCRYPTION_KEY": "not-a-key"})
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY must be one or more comma-separated Fernet keys" in result.stderr


def test_behind_a_tls_proxy_start_up_needs_the_number_of_proxy_hops():
    base = {"DEBUG": "false", "SECRET_KEY": "x" * 50, "FIELD_ENCRYPTION_KEY": GOOD_KEY, "BEHIND_TLS_PROXY": "true"}
    refused = _start({**base, "TRUSTED_PROXY_HOPS": "0"})
    assert refused.returncode != 0
    assert "BEHIND_TLS_PROXY is set but TRUSTED_PROXY_HOPS is 0" in refused.stderr
    assert _start(base, drop=("TRUSTED_PROXY_HOPS",)).returncode != 0  # 0 is the default
    started = _start(
        {**base, "TRUSTED_PROXY_HOPS": "1"}, "settings.TRUSTED_PROXY_HOPS, settings.AXES_CLIENT_IP_CALLABLE"
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "1 helpline.client.client_address"


def test_secrets_can_be_read_from_files(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file-" + "y" * 40 + "\n")
    key_file = tmp_path / "key"
    key_file.write_text(GOOD_KEY)
    result = _start(
        {"DEBUG": "false", "SECRET_KEY_FILE": str(secret_file), "FIELD_ENCRYPTION_KEY_FILE": str(key_file)},
        expr="settings.SECRET_KEY",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "from-a-file-" + "y" * 40


def test_a_missing_secret_file_is_named(tmp_path):
    result = _start({"DEBUG": "false", "SECRET_KEY_FILE": str(tmp_path / "absent"), "FIELD_ENCRYPTION_KEY": GOOD_KEY})
    assert result.returncode != 0
    assert "SECRET_KEY_FILE points to" in result.stderr


def test_the_default_database_is_a_local_postgresql():
    result = _start(
        {"DEBUG": "true"},
        expr="settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['HOST']",
        drop=("DATABASE_URL",),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "127.0.0.1"]


def test_sqlite_is_refused_with_the_way_to_a_postgresql_demo(tmp_path):
    result = _start({"DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    assert result.returncode != 0
    assert "DATABASE_URL names SQLite" in result.stderr and "make run" in result.stderr


def test_a_bad_database_url_is_named():
    result = _start({"DEBUG": "true", "DATABASE_URL": "nonsense"})
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_a_bad_redis_url_is_named():
    result = _start({"DEBUG": "true", "REDIS_URL": "http://localhost"})
    assert result.returncode != 0
    assert "REDIS_URL='http://localhost' must start with" in result.stderr


def test_without_redis_tasks_run_in_process_and_with_it_they_use_the_broker():
    eager = _start({"DEBUG": "true"}, expr="settings.CELERY_TASK_ALWAYS_EAGER", drop=("REDIS_URL",))
    broker = _start(
        {"DEBUG": "true", "REDIS_URL": "redis://127.0.0.1:6379/3"},
        expr="settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL",
    )
    assert eager.stdout.strip() == "True"
    assert broker.stdout.strip() == "False redis://127.0.0.1:6379/3"


def test_s3_storage_is_chosen_when_a_bucket_is_named():
    result = _start(
        {"DEBUG": "true", "AWS_STORAGE_BUCKET_NAME": "evidence", "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000"},
        expr="settings.STORAGES['default']['BACKEND'], settings.STORAGES['default']['OPTIONS']['default_acl']",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "storages.backends.s3.S3Storage private"


def test_production_refuses_to_start_with_an_email_backend_that_sends_nothing():
    # Finding 6: with EMAIL_URL unset, production silently logged every email (victims' addresses, invitation links).
    production = {"DEBUG": "false", "SECRET_KEY": "x" * 50, "FIELD_ENCRYPTION_KEY": GOOD_KEY}
    for url in ("consolemail://", "filemail:///tmp/mail", "memorymail://", "dummymail://"):
        result = _start({**production, "EMAIL_URL": url})
        assert result.returncode != 0, url
        assert f"EMAIL_URL={url!r} does not send email, and DEBUG is off" in result.stderr, url
    unset = _start(production, drop=("EMAIL_URL",))
    assert unset.returncode != 0
    assert "EMAIL_URL='consolemail://' does not send email" in unset.stderr


def test_production_starts_with_an_smtp_email_url_and_the_demo_keeps_the_console():
    production = _start(
        {
            "DEBUG": "false",
            "SECRET_KEY": "x" * 50,
            "FIELD_ENCRYPTION_KEY": GOOD_KEY,
            "EMAIL_URL": "smtp+tls://mailer:pw@smtp.example.org:587",
        },
        expr="settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_USE_TLS",
    )
    assert production.returncode == 0, production.stderr
    assert production.stdout.split() == ["django.core.mail.backends.smtp.EmailBackend", "smtp.example.org", "True"]
    demo = _start({"DEBUG": "true"}, expr="settings.EMAIL_BACKEND", drop=("EMAIL_URL",))
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.strip() == "django.core.mail.backends.console.EmailBackend"


def test_password_hashers_cannot_be_weakened_from_the_environment():
    base = {"DEBUG": "false", "SECRET_KEY": "x" * 50, "FIELD_ENCRYPTION_KEY": GOOD_KEY}
    result = _start(
        {**base, "PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher"}, "settings.PASSWORD_HASHERS"
    )
    assert result.returncode == 0, result.stderr
    assert "MD5" not in result.stdout and "PBKDF2PasswordHasher" in result.stdout


def test_the_test_run_hashes_passwords_with_the_fast_hasher_set_in_conftest():
    from django.contrib.auth.hashers import make_password

    assert make_password("anything").startswith("md5$")


def test_an_unknown_log_level_stops_startup_naming_the_variable():
    base = {"DEBUG": "false", "SECRET_KEY": "x" * 50, "FIELD_ENCRYPTION_KEY": GOOD_KEY}
    result = _start({**base, "LOG_LEVEL": "verbose"})
    assert result.returncode != 0
    assert "LOG_LEVEL='verbose' is not one of: CRITICAL, DEBUG, ERROR, INFO, WARNING." in result.stderr
    started = _start({**base, "LOG_LEVEL": "WARNING"}, "settings.LOGGING['root']['level']")
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "WARNING"


def test_inbound_webhook_secrets_must_be_a_user_password_pair_and_the_ses_topic_an_arn():
    base = {"DEBUG": "false", "SECRET_KEY": "x" * 50, "FIELD_ENCRYPTION_KEY": GOOD_KEY}
    for name in ("INBOUND_POSTMARK_BASIC_AUTH", "INBOUND_SENDGRID_BASIC_AUTH", "INBOUND_SES_BASIC_AUTH"):
        refused = _start({**base, name: "just-a-password"})
        assert refused.returncode != 0 and f"{name} must be user:password" in refused.stderr
    refused = _start({**base, "INBOUND_SES_TOPIC_ARN": "helpline-replies"})
    assert refused.returncode != 0 and "INBOUND_SES_TOPIC_ARN must be an SNS topic ARN" in refused.stderr
    started = _start(
        {
            **base,
            "INBOUND_POSTMARK_BASIC_AUTH": "pm:secret",
            "INBOUND_SES_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:r",
        },
        "settings.INBOUND_POSTMARK_BASIC_AUTH, settings.INBOUND_SES_TOPIC_ARN",
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "pm:secret arn:aws:sns:eu-west-1:123456789012:r"
