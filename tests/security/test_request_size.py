"""Only the fingerprint forms take long bodies: every other view refuses one over 2.5 MB before reading it."""

from __future__ import annotations

import json

import pytest

from tests.cases.helpers import post_form

pytestmark = pytest.mark.django_db

OVER = 2_621_440 + 1


def _padding() -> dict:
    return {"reference": "HL-AAAA-AAAA", "pin": "123456", "padding": "x" * OVER}


@pytest.mark.parametrize(
    "path",
    ["/status/", "/accounts/login/", "/help/step/what-happened/", "/help/check/", "/status/case/links/"],
)
def test_a_long_form_body_is_refused_with_413_on_views_that_take_no_fingerprints(client, path):
    from django.contrib.sessions.models import Session

    sessions = Session.objects.count()
    response = post_form(client, path, _padding())

    assert response.status_code == 413
    assert "too large" in response.content.decode()
    # Refused before anything read the body or started a session.
    assert Session.objects.count() == sessions


def test_a_long_json_body_is_refused_by_the_partner_api(client):
    body = json.dumps({"signal_type": "pdq", "hashes": ["0" * 64] * (OVER // 60)})
    response = client.post("/api/v1/match", body, content_type="application/json", HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code == 413


def test_a_form_at_the_limit_reaches_its_view(client):
    body = {"reference": "HL-AAAA-AAAA", "pin": "123456"}
    body["padding"] = "x" * (OVER - 1 - len("reference=HL-AAAA-AAAA&pin=123456&padding="))
    response = post_form(client, "/status/", body)
    assert response.status_code != 413


def test_the_wizard_takes_a_long_body_on_its_images_step_only(client):
    # The step view is one function for every step: the mark says which step may take more.
    assert post_form(client, "/help/step/where/", _padding()).status_code == 413
    assert post_form(client, "/help/step/images/", _padding()).status_code != 413


def test_the_limit_runs_before_the_csrf_check_reads_the_body(settings):
    order = list(settings.MIDDLEWARE)
    assert order.index("helpline.middleware.FormBodyLimitMiddleware") < order.index(
        "django.middleware.csrf.CsrfViewMiddleware"
    )
