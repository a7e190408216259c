"""Every public page of the victim's side: strict CSP, no inline script or style, nothing loaded from elsewhere."""

from __future__ import annotations

import re

import pytest

from tests.cases.helpers import STEP_NAMES, post_form, wizard_answers

pytestmark = pytest.mark.django_db


def _public_pages(client) -> dict[str, str]:
    pages = {}
    for path in ["/", "/help/", "/help/done/", "/status/", "/guide/", "/guide/browse-privately/", "/privacy-check/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = response
    answers = wizard_answers()
    for name in STEP_NAMES:
        pages[f"/help/step/{name}/"] = client.get(f"/help/step/{name}/")
        if name != "consent":
            post_form(client, f"/help/step/{name}/", answers[name])
    return pages


@pytest.mark.parametrize("language", ["en", "es"])
def test_public_pages_have_a_strict_csp_and_no_inline_code(client, language):
    client.cookies["django_language"] = language
    for path, response in _public_pages(client).items():
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert "'unsafe-eval'" not in csp, path
        html = response.content.decode()
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, path
        assert re.search(r"<style\b", html) is None and " style=" not in html, path
        assert re.search(r"\son[a-z]+=", html) is None, path  # no inline event handlers
        loads = re.findall(r'<(?:script|link|img|iframe|source|video)[^>]+(?:src|href)="((?:https?:)?//[^"]+)"', html)
        assert loads == [], (path, loads)
        assert 'id="quick-exit"' in html and "no-store" in response["Cache-Control"], path


def test_the_victims_navigation_is_not_shown_in_the_staff_area(client):
    assert 'class="wrap public-nav"' in client.get("/guide/").content.decode()
    assert 'class="wrap public-nav"' not in client.get("/accounts/login/").content.decode()
