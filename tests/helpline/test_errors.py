"""When the database is unreachable people get a calm 503 page, never a stack trace."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.django_db
def test_a_connection_lost_while_the_session_is_saved_gives_the_503_page_not_a_400(client, monkeypatch):
    """Seen under load when PostgreSQL restarted: a wizard step in flight answered 400 Bad Request."""
    from django.contrib.sessions.models import Session
    from django.db import OperationalError

    from tests.cases.helpers import post_form, wizard_answers

    client.raise_request_exception = False
    assert post_form(client, "/help/step/safety/", wizard_answers()["safety"]).status_code == 302
    saved = Session.objects.get().session_data

    def connection_lost(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(Session, "save", connection_lost)
    response = post_form(client, "/help/step/what-happened/", wizard_answers()["what-happened"])

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "temporarily unavailable" in response.content.decode()
    # Nothing was lost: the session is as the last step left it.
    assert Session.objects.get().session_data == saved


@pytest.mark.django_db
def test_a_session_row_deleted_during_the_request_still_raises_djangos_update_error(client):
    """The other cause of a failed update (signed out in another tab) keeps Django's answer, which its session
    middleware turns into a 400: only lost connections become the 503 page."""
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.models import Session

    from tests.cases.helpers import post_form, wizard_answers

    assert post_form(client, "/help/step/safety/", wizard_answers()["safety"]).status_code == 302
    session = client.session
    assert session.items()  # read before the row goes, as the middleware reads it at the request's start
    Session.objects.all().delete()

    session["touched"] = True
    with pytest.raises(UpdateError):
        session.save()
