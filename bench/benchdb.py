"""The benchmarks' own PostgreSQL databases: a name beside the configured one, made and dropped per run."""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_PASSWORD = "bench-password-123456"
BENCH_EMAIL_URL = "smtp://127.0.0.1:25"


def bench_database_url(url: str, *, suffix: str, tool: str) -> tuple[str, str, str]:
    """(URL of the bench database, URL of the server's `postgres` database, bench database name)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit(f"{tool} needs PostgreSQL: set DATABASE_URL=postgres://...")
    name = parts.path.lstrip("/") or "helpline"
    bench_name = f"{name}_{suffix}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    return urlunsplit(parts._replace(path=f"/{bench_name}")), admin, bench_name


def recreate_database(admin_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def bench_environment(database_url: str, *, data_key_label: bytes) -> None:
    """Production-like settings for a benchmark process talking to its own database over the test client.

    The field key is fixed per benchmark (a 32-byte label) so a database kept between runs stays readable."""
    root = Path(__file__).resolve().parents[1]
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789")
    os.environ.setdefault("FIELD_ENCRYPTION_KEY", base64.urlsafe_b64encode(data_key_label).decode())
    os.environ.setdefault("VAR_DIR", str(root / "var" / "bench"))
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("SECURE_COOKIES", "false")
    os.environ.setdefault("STATIC_MANIFEST", "false")
    os.environ.setdefault("PASSWORD_HASHERS", "django.contrib.auth.hashers.MD5PasswordHasher")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Benchmarks send no email, and a production start refuses the console backend: name a loopback server.
    os.environ.setdefault("EMAIL_URL", BENCH_EMAIL_URL)


def bench_staff(count: int) -> tuple[list, object]:
    """`count` caseworkers (worker00@bench.test, ...) and a supervisor, each enrolled in TOTP, after django.setup()."""
    from helpline.staff import roles, totp
    from helpline.staff.services import staff_create, staff_totp_enrol

    def make(email: str, role: str, first_name: str):
        user = staff_create(email=email, role=role, password=BENCH_PASSWORD, first_name=first_name)
        staff_totp_enrol(user=user, secret=totp.new_secret())
        return user

    staff = [make(f"worker{i:02d}@bench.test", roles.CASEWORKER, f"Worker {i}") for i in range(count)]
    return staff, make("supervisor@bench.test", roles.SUPERVISOR, "Sup")
