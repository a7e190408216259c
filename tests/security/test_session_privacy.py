"""What a victim types into the intake wizard is kept in the session until the case is filed. The review found
it in `django_session` as base64 + zlib, readable from any database dump, with the new PIN beside it and no purge
of abandoned drafts. These tests take a real pg_dump and decode everything in it that Django's own session
encoding could have produced."""

from __future__ import annotations

import base64
import binascii
import json
import re
import subprocess
import zlib
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from helpline.models import WindowCounter
from helpline.sessions import SessionStore
from helpline.tasks import purge_expired
from tests.cases.helpers import fingerprint, post_form, wizard_answers

pytestmark = pytest.mark.django_db(transaction=True)

TYPED = {
    "name": "Zebedee Quokkason",
    "email": "zebedee.quokka@mailbox.example",
    "phone": "+44 7700 900461",
    "code_word": "marmalade-lantern",
    "description": "He sent them to my manager at Quokkaworks",
    "url": "https://quokka-pictures.com/album/zebedee",
}


def _answers() -> dict[str, dict]:
    return wizard_answers(
        **{
            "what-happened": {"categories": ["known_person"], "description": TYPED["description"]},
            "where": {"urls": TYPED["url"], "elsewhere": ""},
            "images": {"hashes": json.dumps([fingerprint(41)])},
            "contact": {
                "name": TYPED["name"],
                "email": TYPED["email"],
                "phone": TYPED["phone"],
                "safe_channels": ["email", "text"],
                "code_word": TYPED["code_word"],
            },
        }
    )


def _abandon_wizard_after_contact(client) -> None:
    answers = _answers()
    for name in ["safety", "what-happened", "where", "images", "contact"]:
        response = post_form(client, f"/help/step/{name}/", answers[name])
        assert response.status_code == 302, (name, response.content.decode()[:1500])


def _decoded_blobs(text: str) -> str:
    """Everything in `text` that base64 (optionally zlib) decodes to readable text, as signed sessions carry it."""
    found = []
    for blob in re.findall(r"[A-Za-z0-9_\-+/=]{16,}", text):
        padded = blob + "=" * (-len(blob) % 4)
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                raw = decode(padded)
            except (binascii.Error, ValueError):
                continue
            for candidate in (raw, _inflate(raw)):
                if candidate:
                    found.append(candidate.decode("utf-8", "ignore"))
    return "\n".join(found)


def _inflate(raw: bytes) -> bytes | None:
    try:
        return zlib.decompress(raw)
    except zlib.error:
        return None


def _database_dump() -> str:
    settings = connection.settings_dict
    result = subprocess.run(
        [
            *("pg_dump", "--data-only", "-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432)),
            *("-U", settings["USER"] or "postgres", settings["NAME"]),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PGPASSWORD": settings.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _typed_values_in(haystack: str) -> list[str]:
    haystack = haystack.lower()
    return [name for name, value in TYPED.items() if value.lower() in haystack]


def test_a_dump_after_an_abandoned_wizard_holds_none_of_the_typed_values(client):
    _abandon_wizard_after_contact(client)
    # The draft is really in the session (so the dump below is not vacuously clean).
    draft = client.session["intake_draft"]
    assert draft["contact"]["code_word"] == TYPED["code_word"]
    assert draft["what-happened"]["description"] == TYPED["description"]
    dump = _database_dump()
    assert Session.objects.count() == 1 and "fernet:" in Session.objects.get().session_data
    assert _typed_values_in(dump) == []
    assert _typed_values_in(_decoded_blobs(dump)) == []


def test_the_pin_leaves_the_session_when_the_page_showing_it_is_rendered(client):
    _abandon_wizard_after_contact(client)
    assert post_form(client, "/help/step/consent/", _answers()["consent"]).status_code == 302
    assert post_form(client, "/help/check/").status_code == 302
    session_key = client.session.session_key
    filed = SessionStore(session_key=session_key).load()["intake_filed"]
    assert set(filed) >= {"reference", "pin"}
    raw = Session.objects.get(session_key=session_key).session_data
    assert filed["pin"] not in raw and filed["reference"] not in _decoded_blobs(raw)
    page = client.get("/help/done/").content.decode()
    assert filed["pin"] in page
    assert "intake_filed" not in SessionStore(session_key=client.session.session_key).load()
    assert _typed_values_in(_database_dump()) == []  # the filed case holds them encrypted


def test_a_session_row_that_was_tampered_with_reads_as_empty(client):
    _abandon_wizard_after_contact(client)
    row = Session.objects.get()
    Session.objects.filter(pk=row.pk).update(session_data=row.session_data[:-6] + "AAAAAA")
    response = client.get("/help/step/contact/")
    assert response.status_code == 302 and response["Location"] == "/help/step/safety/"


def test_the_nightly_purge_deletes_expired_sessions_and_counter_windows(client, settings):
    _abandon_wizard_after_contact(client)
    other = SessionStore()
    other["intake_draft"] = {"contact": {"name": "Still typing"}}
    other.create()
    Session.objects.exclude(session_key=other.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    WindowCounter.objects.create(key="ended", count=3, window_ends_at=timezone.now() - timedelta(seconds=1))
    WindowCounter.objects.create(key="live", count=3, window_ends_at=timezone.now() + timedelta(minutes=5))
    assert purge_expired() == {"sessions": 1, "counters": 1}
    assert list(Session.objects.values_list("session_key", flat=True)) == [other.session_key]
    assert list(WindowCounter.objects.values_list("key", flat=True)) == ["live"]
    assert purge_expired() == {"sessions": 0, "counters": 0}  # safe to run twice
    assert "sessions-purge-nightly" in settings.CELERY_BEAT_SCHEDULE
    assert settings.CELERY_BEAT_SCHEDULE["sessions-purge-nightly"]["task"] == purge_expired.name


@pytest.mark.services
def test_the_nightly_purge_runs_in_a_real_worker_and_an_abandoned_draft_is_gone(client):
    from helpline.celery import app
    from tests.services import celery_worker, wait_for

    assert not app.conf.task_always_eager, "this test must go through the broker"
    _abandon_wizard_after_contact(client)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    with celery_worker() as (process, queue):
        app.send_task("helpline.purge_expired", queue=queue)
        wait_for(lambda: not Session.objects.exists(), timeout=60, what="the expired session to be purged")
        assert process.poll() is None
    assert _typed_values_in(_database_dump()) == []
