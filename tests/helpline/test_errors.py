"""When the database is unreachable people get a calm 503 page, never a stack trace."""

import os
import subprocess
import sys
from pathlib import Path

from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
client.cookies["sessionid"] = "a" * 32
for path in ("/", "/staff/", "/accounts/login/"):
    response = client.get(path)
    print(path, response.status_code, response.get("Retry-After"), "Traceback" in response.content.decode(),
          "temporarily unavailable" in response.content.decode())
"""


def test_an_unreachable_database_gives_a_503_page_without_a_trace():
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/helpline",
        "DB_CONNECT_TIMEOUT": "1",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines == [
        "/ 503 60 False True",
        "/staff/ 503 60 False True",
        "/accounts/login/ 503 60 False True",
    ], result.stdout
