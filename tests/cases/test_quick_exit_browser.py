"""Quick exit in Chromium ends the server session before it leaves: Back after it shows nothing of the case or
of the draft being typed, and the status page asks for the reference and PIN again. The review found Back showing
the case page, and the previous wizard step with the description filled in."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from cases.intake.services import case_file
from tests.cases.browser import open_page
from tests.cases.helpers import fingerprint
from tests.services import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXIT_URL = "https://weather.quick-exit.test/"
DESCRIPTION = "He threatened to send them to my sister Marguerite"
ADDED_LINK = "https://pictures-of-marguerite.com/album/7"


@pytest.fixture
def neutral_site(settings):
    settings.QUICK_EXIT_URL = EXIT_URL
    return EXIT_URL


def _serve_neutral_site(page):
    page.route(
        f"{EXIT_URL}**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Weather</title><h1>Weather</h1>"
        ),
    )


def _session_key(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "sessionid")


def _wait_until_session_is_gone(session_key: str, timeout: float = 10.0) -> None:
    wait_for(
        lambda: not Session.objects.filter(session_key=session_key).exists(),
        timeout=timeout,
        interval=0.05,
        what="quick exit to end the server session",
    )


def _everything_shown(page) -> str:
    """The page's text and every form control's current value (Chrome may restore typed values on Back)."""
    page.wait_for_load_state("load")
    values = page.evaluate("() => [...document.querySelectorAll('input, textarea, select')].map(e => e.value)")
    return page.content() + "\n" + "\n".join(values)


def test_quick_exit_from_the_status_page_signs_out_and_back_shows_nothing_of_the_case(
    chromium, live_server, neutral_site
):
    filed = case_file(
        draft={
            "safety": {"safe_now": "yes", "age": "adult", "filed_by": "self"},
            "where": {"urls": [ADDED_LINK], "elsewhere": ""},
            "images": {"hashes": [fingerprint(3)]},
            "contact": {"name": "", "email": "", "safe_channels": []},
            "consent": {"consent_share_hashes": True, "consent_contact": False, "consent_act_on_behalf": True},
        },
        language="en",
    )
    reference = filed.case.reference
    context, page, _watch = open_page(chromium, live_server.url)
    _serve_neutral_site(page)
    page.goto(live_server.url + "/status/")
    page.locator("#id_reference").fill(reference)
    page.locator("#id_pin").fill(filed.pin)
    page.locator("#id_pin").press("Enter")
    page.wait_for_url("**/status/case/")
    assert reference in page.content() and "pictures-of-marguerite.com" in page.content()
    session_key = _session_key(context)

    page.locator("#quick-exit").click()
    page.wait_for_url(EXIT_URL)
    _wait_until_session_is_gone(session_key)

    page.go_back()
    shown = _everything_shown(page)
    assert reference not in shown and reference.replace("-", "") not in shown
    assert "pictures-of-marguerite.com" not in shown
    # A fresh visit to the case page asks for the reference and PIN again.
    page.goto(live_server.url + "/status/case/")
    page.wait_for_url("**/status/")
    assert page.locator("#id_reference").is_visible() and page.locator("#id_pin").is_visible()
    assert reference not in _everything_shown(page)
    context.close()


def test_quick_exit_with_shift_from_the_wizard_drops_the_draft_and_back_shows_no_description(
    chromium, live_server, neutral_site
):
    context, page, _watch = open_page(chromium, live_server.url)
    _serve_neutral_site(page)
    page.goto(live_server.url + "/help/step/safety/")
    page.locator("label[for=id_safe_now_0]").click()
    page.locator("label[for=id_age_0]").click()
    page.locator("label[for=id_filed_by_0]").click()
    page.locator("button[type=submit].btn-primary").click()
    page.wait_for_url("**/help/step/what-happened/")
    page.locator("label[for=id_categories_0]").click()
    page.locator("#id_description").fill(DESCRIPTION)
    page.locator("button[type=submit].btn-primary").click()
    page.wait_for_url("**/help/step/where/")
    session_key = _session_key(context)
    assert (
        DESCRIPTION
        in Client().session.__class__(session_key=session_key).load()["intake_draft"]["what-happened"]["description"]
    )

    page.locator("#id_urls").click()
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(EXIT_URL)
    _wait_until_session_is_gone(session_key)

    page.go_back()
    assert DESCRIPTION not in _everything_shown(page)
    page.go_back()  # and the step before that
    assert DESCRIPTION not in _everything_shown(page)
    page.goto(live_server.url + "/help/step/where/")
    page.wait_for_url("**/help/step/safety/")  # the draft is gone: the wizard starts again
    context.close()


def test_a_sign_out_beacon_from_another_site_is_refused_and_changes_nothing(live_server, client):
    session = client.session
    session["victim_case"] = {"id": 1, "seen": time.time()}
    session.save()
    refused = client.post("/exit/", HTTP_SEC_FETCH_SITE="cross-site")
    assert refused.status_code == 403
    assert Session.objects.filter(session_key=session.session_key).exists()
    no_token = client.post("/exit/", {"token": "guess"})  # a browser without Fetch Metadata, a wrong token
    assert no_token.status_code == 403
    assert Session.objects.filter(session_key=session.session_key).exists()
    assert client.post("/exit/", HTTP_SEC_FETCH_SITE="same-origin").status_code == 204
    assert not Session.objects.filter(session_key=session.session_key).exists()


def test_without_fetch_metadata_the_token_from_the_portals_own_page_signs_out(client):
    session = client.session
    session["intake_draft"] = {"safety": {"safe_now": "yes"}}
    session.save()
    page = client.get("/help/").content.decode()
    token = re.search(r'data-sign-out-token="([0-9a-f]{32})"', page).group(1)
    assert client.post("/exit/", {"token": token[::-1]}).status_code == 403
    assert Session.objects.filter(session_key=session.session_key).exists()
    assert client.post("/exit/", {"token": token}).status_code == 204
    assert not Session.objects.filter(session_key=session.session_key).exists()


def test_a_page_restored_from_the_back_forward_cache_is_hidden_and_fetched_again(chromium, live_server):
    # Whether Chromium puts a no-store page in its back/forward cache depends on its version and flags, so the
    # restore is simulated with the event the browser fires then: the page must hide at once and ask again.
    context, page, _watch = open_page(chromium, live_server.url)
    page.goto(live_server.url + "/status/")
    page.evaluate("() => { window.__before_reload = true; }")
    with page.expect_navigation():
        hidden = page.evaluate(
            """() => {
                window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}));
                return document.documentElement.classList.contains('exiting');
            }"""
        )
    assert hidden is True
    page.wait_for_load_state("load")
    assert page.evaluate("() => window.__before_reload === undefined")  # a new document from the server
    assert page.evaluate("() => document.documentElement.classList.contains('exiting')") is False
    context.close()
