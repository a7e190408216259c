"""`manage.py migrate` alone makes a database ready: the partner API works with no other set-up step."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parents[2]
# Runs in the migrated database: a partner, then the match and bank calls a platform makes first.
PROBE = """
import json, django
django.setup()
from django.test import Client
from hashing.bank.partners import partner_create
_partner, _key, raw = partner_create(name="First platform", scopes=["fetch", "match"], rate_limit_per_minute=60)
client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
match = client.post("/api/v1/match", {"signal_type": "md5", "hashes": ["0" * 32]}, content_type="application/json")
bank = client.get("/api/v1/bank/md5")
print(json.dumps({"match": match.status_code, "bank": bank.status_code}))
"""


def test_a_database_made_by_migrate_alone_serves_the_partner_api():
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpline")
    parts = urlsplit(base)
    name = f"migrate_alone_{uuid.uuid4().hex[:10]}"
    admin = dict(host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres", dbname="postgres")
    with psycopg.connect(**admin, password=parts.password or None, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}")),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "helpline.settings",
    }
    env.pop("REDIS_URL", None)
    try:
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        probe = subprocess.run(
            [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert probe.returncode == 0, probe.stderr[-3000:]
        assert json.loads(probe.stdout.strip().splitlines()[-1]) == {"match": 200, "bank": 200}
    finally:
        with psycopg.connect(**admin, password=parts.password or None, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
