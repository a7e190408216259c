"""In headless Chromium, the staff journeys of issue 16: signing in lands on the queue (13), the two-factor pages
are styled like the rest (14), enrolment shows the recovery codes without a second password prompt (21), and the
Permissions-Policy header names only features Chromium recognises (23)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.test import override_settings
from django.utils import timezone

from tests import totp
from tests.cases.browser import DESKTOP, axe_check, open_page
from tests.conftest import STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "staff"
END = "__end_of_page_messages__"


@pytest.fixture(scope="module")
def chromium(shared_chromium):
    return shared_chromium


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-1280.png"), full_page=True)


def totp_code(secret: str) -> str:
    return totp.code(secret, timezone.now().timestamp())


def sign_in_with_password(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.locator("main form button[type=submit]").first.click()


def page_warnings(page) -> list[str]:
    """Every console message of the page so far: a marker logged last is the proof that all earlier ones arrived."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(f"{m.type}: {m.text}"))
    return seen


def drain(page, seen: list[str]) -> list[str]:
    with page.expect_console_message(lambda m: m.text == END):
        page.evaluate(f"() => console.log('{END}')")
    return [m for m in seen if END not in m]


def styled(page, selector: str) -> dict:
    """A few computed styles that the portal's stylesheet sets and a browser's defaults do not."""
    return page.locator(selector).first.evaluate(
        "el => { const s = getComputedStyle(el); return {radius: s.borderRadius, border: s.borderTopStyle,"
        " background: s.backgroundColor, padding: s.paddingTop}; }"
    )


def test_staff_sign_in_with_totp_lands_on_the_queue_not_an_empty_welcome_page(chromium, live_server, caseworker):
    context, page, watch = open_page(chromium, live_server.url, viewport=DESKTOP)
    try:
        sign_in_with_password(page, live_server.url, caseworker.email)
        page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
        axe_check(page, watch, "2fa authenticate")
        assert styled(page, "main")["border"] == "solid"  # the two-factor pages sit on the portal's card
        assert page.locator("main form.form .field input[name=code]").count() == 1
        shot(page, "2fa-authenticate")
        page.fill("input[name=code]", totp_code(caseworker.totp_secret))
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_url(re.compile(r"/staff/queue/$"))
        assert page.locator("h1").first.inner_text().strip() != f"Welcome, {caseworker.first_name}"
        assert page.locator("table.queue-table, .queue-empty, #count-unassigned").count() > 0
        # "Home" is no empty welcome either: it counts the queue's tabs and leads to them.
        page.click("nav.staff-nav >> text=Home")
        page.wait_for_url(re.compile(r"/staff/$"))
        assert page.locator("[data-count=mine]").inner_text() == "0"
        assert page.get_by_role("link", name="Open the queue").count() == 1
        # The two-factor overview: its panels are the portal's cards, its actions the portal's buttons.
        page.click("nav.staff-nav >> text=Two-factor")
        page.wait_for_url(re.compile(r"/accounts/2fa/$"))
        assert styled(page, "main")["border"] == "solid"
        assert page.locator("main section.card").count() >= 2
        assert page.locator("main section.card a.btn, main section.card button.btn").count() >= 1
        axe_check(page, watch, "2fa overview")
        shot(page, "2fa-overview")
        assert watch.accessibility == {} and watch.foreign_requests == [] and watch.console_errors == []
    finally:
        context.close()


def test_enrolment_shows_the_recovery_codes_once_without_asking_for_the_password_again(
    chromium, live_server, staff_without_mfa
):
    context, page, watch = open_page(chromium, live_server.url, viewport=DESKTOP)
    page.set_default_timeout(15_000)
    try:
        sign_in_with_password(page, live_server.url, staff_without_mfa.email)
        page.goto(live_server.url + "/staff/queue/")
        page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
        # The page is the portal's: its card, its form fields and its buttons, not allauth's bare elements.
        assert styled(page, "main")["border"] == "solid"
        assert page.locator("main form.form .field input[name=code]").count() == 1
        assert page.locator("main img.mfa-qr").count() == 1
        assert styled(page, "main form button[type=submit]")["background"] != "rgba(0, 0, 0, 0)"
        axe_check(page, watch, "2fa activate")
        shot(page, "2fa-activate")
        secret = page.input_value("#authenticator_secret")
        assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
        page.fill("input[name=code]", totp_code(secret))
        page.locator("main form button[type=submit]").first.click()

        page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
        codes = page.locator("[data-recovery-code]").all_inner_texts()
        assert len(codes) == 10 and all(re.fullmatch(r"[0-9a-z]{8}", c.strip()) for c in codes), codes
        rc = Authenticator.objects.get(user=staff_without_mfa, type=Authenticator.Type.RECOVERY_CODES)
        assert sorted(c.strip() for c in codes) == sorted(rc.wrap().get_unused_codes())
        axe_check(page, watch, "recovery codes")
        shot(page, "2fa-recovery-codes")

        # Later, in another session, the codes are behind the password again.
        other = chromium.new_context(viewport=DESKTOP)
        try:
            later = other.new_page()
            sign_in_with_password(later, live_server.url, staff_without_mfa.email)
            later.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
            later.fill("input[name=code]", totp_code(secret))
            later.locator("main form button[type=submit]").first.click()
            later.wait_for_url(re.compile(r"/staff/queue/$"))
            later.goto(live_server.url + "/accounts/2fa/recovery-codes/")
            later.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
            assert later.locator("[data-recovery-code]").count() == 0
            assert styled(later, "main")["border"] == "solid"
            assert later.locator("main form.form .field input[name=password]").count() == 1
            shot(later, "2fa-reauthenticate")
        finally:
            other.close()
        assert watch.accessibility == {} and watch.foreign_requests == [] and watch.console_errors == []
    finally:
        context.close()


def test_the_permissions_policy_names_only_features_chromium_recognises(chromium, live_server, caseworker):
    context, page, _watch = open_page(chromium, live_server.url, viewport=DESKTOP)
    try:
        seen = page_warnings(page)
        for path in ("/", "/accounts/login/"):
            response = page.goto(live_server.url + path)
            assert "camera=()" in response.headers["permissions-policy"]
        problems = [m for m in drain(page, seen) if "Permissions-Policy" in m or "Unrecognized feature" in m]
        assert problems == []
    finally:
        context.close()


@override_settings(PERMISSIONS_POLICY="camera=(), bluetooth=()")
def test_the_permissions_policy_check_sees_chromium_warn_about_an_unknown_feature(chromium, live_server):
    """The control for the test above: the same reading of the console does catch the old header."""
    context, page, _watch = open_page(chromium, live_server.url, viewport=DESKTOP)
    try:
        seen = page_warnings(page)
        page.goto(live_server.url + "/")
        problems = [m for m in drain(page, seen) if "Unrecognized feature" in m]
        assert problems == ["warning: Error with Permissions-Policy header: Unrecognized feature: 'bluetooth'."]
        assert urlsplit(page.url).path == "/"
    finally:
        context.close()
