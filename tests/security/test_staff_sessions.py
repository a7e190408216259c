"""Staff sessions end after SESSION_COOKIE_AGE seconds without activity; every request starts the clock again."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone


def session_of(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_staff_idle_timeout_is_thirty_minutes_sliding_and_ends_with_the_browser():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_activity_pushes_the_staff_session_expiry_forward(caseworker_client):
    assert caseworker_client.get("/staff/queue/").status_code == 200
    # 29 idle minutes later: one minute left, then the caseworker acts again.
    Session.objects.filter(pk=session_of(caseworker_client).pk).update(
        expire_date=timezone.now() + timedelta(minutes=1)
    )
    assert caseworker_client.get("/staff/queue/").status_code == 200
    left = session_of(caseworker_client).expire_date - timezone.now()
    assert timedelta(seconds=settings.SESSION_COOKIE_AGE - 60) < left <= timedelta(seconds=settings.SESSION_COOKIE_AGE)


def test_a_staff_session_idle_past_the_limit_must_sign_in_again(caseworker_client):
    assert caseworker_client.get("/staff/queue/").status_code == 200
    # As if 30 minutes and 1 second passed without a request.
    Session.objects.filter(pk=session_of(caseworker_client).pk).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = caseworker_client.get("/staff/queue/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
