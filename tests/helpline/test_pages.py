"""The public home page works and carries the privacy headers every page must send."""

import re

import pytest


@pytest.mark.django_db
def test_home_page_shows_the_service_and_a_quick_exit(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="quick-exit"' in html
    assert "never leave your device" in html


@pytest.mark.django_db
def test_every_page_sends_a_strict_csp_and_privacy_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval'" not in csp.replace("wasm-unsafe-eval'", "")
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_pages_load_nothing_from_another_host(client):
    html = client.get("/").content.decode()
    external = re.findall(r'(?:src|href)="(https?:)?//[^"]+"', html)
    # The one allowed external link is the quick-exit destination, a plain navigation, not a load.
    loads = [m for m in re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="((?:https?:)?//[^"]+)"', html)]
    assert loads == [], loads
    assert len(external) <= 1


@pytest.mark.django_db
def test_no_inline_scripts_or_styles(client):
    html = client.get("/").content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert "style=" not in html
