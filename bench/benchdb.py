"""The benchmarks' own PostgreSQL databases: a name beside the configured one, made and dropped per run."""

from __future__ import annotations

import sys
from urllib.parse import urlsplit, urlunsplit


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
