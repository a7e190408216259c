"""Production configuration: `check --deploy` is clean, and every kind of page (public, victim, staff, partner API)
carries the security headers and cookie flags that configuration promises."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.test import Client, override_settings

from tests.cases.helpers import post_form
from tests.security.conftest import production_env, production_settings
from tests.services import ROOT

HOST = "helpline.example.org"


def run_check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_with_production_settings_reports_nothing():
    result = run_check_deploy(production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_does_complain_about_relaxed_settings():
    """The check above can fail: switching off secure cookies and HSTS is reported."""
    result = run_check_deploy(production_env(SECURE_COOKIES="false", SECURE_HSTS_SECONDS="0"))
    assert result.returncode != 0
    assert "security.W012" in result.stderr + result.stdout  # SESSION_COOKIE_SECURE
    assert "security.W004" in result.stderr + result.stdout  # SECURE_HSTS_SECONDS


def test_production_settings_turn_on_tls_hsts_and_secure_cookies():
    prod = production_settings()
    assert prod["DEBUG"] is False
    assert prod["SECURE_SSL_REDIRECT"] is True
    assert prod["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert prod["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and prod["SECURE_HSTS_PRELOAD"]
    assert prod["SESSION_COOKIE_SECURE"] and prod["CSRF_COOKIE_SECURE"]
    assert prod["SESSION_COOKIE_HTTPONLY"] and prod["CSRF_COOKIE_HTTPONLY"]
    assert prod["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert prod["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.fixture
def production_security():
    """This process, switched to the production process's security settings (read from a child process)."""
    prod = production_settings()
    values = {name: value for name, value in prod.items() if name != "DEBUG"}
    with override_settings(**values, ALLOWED_HOSTS=[HOST, "testserver"]):
        yield prod


def https_client(**kwargs) -> Client:
    # Created inside override_settings: a client builds its middleware (SecurityMiddleware reads HSTS) on first use.
    return Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https", **kwargs)


def assert_security_headers(response) -> None:
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()", "display-capture=()"):
        assert feature in policy
    assert "no-store" in headers["Cache-Control"]


def assert_strict_csp(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    for sources in directives.values():
        # No other host: every asset comes from the portal itself.
        assert all(s.startswith("'") or s in ("data:", "blob:") for s in sources), sources


def assert_cookie_flags(response, name: str) -> None:
    cookie = response.cookies[name]
    assert cookie["secure"] is True, f"{name} must be Secure"
    assert cookie["httponly"] is True, f"{name} must be HttpOnly"
    assert cookie["samesite"] == "Lax"


def test_plain_http_is_redirected_to_https(production_security, db):
    response = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="http").get("/status/")
    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}/status/"


@pytest.mark.parametrize("path", ["/", "/help/", "/guide/", "/status/"])
def test_public_pages_carry_every_security_header(production_security, db, path):
    response = https_client().get(path, follow=False)
    assert response.status_code in (200, 302), path
    assert_security_headers(response)
    assert_strict_csp(response)


def test_the_status_sign_in_form_sets_a_secure_httponly_csrf_cookie(production_security, db):
    response = https_client().get("/status/")
    assert response.status_code == 200
    assert_cookie_flags(response, "csrftoken")


def test_a_signed_in_victim_gets_a_secure_httponly_session_cookie(production_security, pii_case):
    client = https_client()
    response = post_form(
        client, "/status/", {"reference": pii_case.case.reference, "pin": pii_case.pin}, HTTP_ORIGIN=f"https://{HOST}"
    )
    assert response.status_code == 302
    assert_cookie_flags(response, "sessionid")
    assert "max-age" not in response.cookies["sessionid"].output().lower()  # ends with the browser
    page = client.get("/status/case/")
    assert page.status_code == 200
    assert_security_headers(page)
    assert_strict_csp(page)


def test_staff_pages_carry_every_security_header_and_secure_cookies(production_security, caseworker):
    client = https_client()
    client.force_login(caseworker)
    response = client.get("/staff/queue/")
    assert response.status_code == 200
    assert_security_headers(response)
    assert_strict_csp(response)
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert_cookie_flags(response, "sessionid")  # saved on every request: idle expiry restarts
    login = https_client().get("/accounts/login/")
    assert login.status_code == 200
    assert_security_headers(login)
    assert_cookie_flags(login, "csrftoken")


def test_partner_api_answers_carry_the_security_headers(production_security, partner_keys):
    client = https_client()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {partner_keys.live}"}
    native = client.get("/api/v1/bank/pdq", **bearer)
    assert native.status_code == 200
    assert_security_headers(native)
    feed = client.get("/stopncii/v1/FetchHashes", HTTP_OCP_APIM_SUBSCRIPTION_KEY=partner_keys.live)
    assert feed.status_code == 200
    assert_security_headers(feed)
    refused = client.get("/api/v1/bank/pdq")
    assert refused.status_code == 401
    assert_security_headers(refused)
    for response in (native, feed, refused):
        assert "sessionid" not in response.cookies  # machine callers get no session
