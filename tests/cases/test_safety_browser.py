"""Safety and access in Chromium: quick exit (button and Shift three times), the whole intake by keyboard, the
wizard without JavaScript, and the photo privacy check that strips metadata without sending a byte."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from cases.models import Case
from tests.cases.browser import check_page, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXIT_URL = "https://weather.quick-exit.test/"


@pytest.fixture
def neutral_site(settings):
    settings.QUICK_EXIT_URL = EXIT_URL
    return EXIT_URL


def _serve_neutral_site(page):
    def fulfil(route):
        route.fulfill(status=200, content_type="text/html", body="<title>Weather</title><h1>Weather</h1>")

    page.route(f"{EXIT_URL}**", fulfil)


def test_quick_exit_replaces_the_page_so_back_does_not_return(chromium, live_server, neutral_site):
    context, page, _watch = open_page(chromium, live_server.url)
    _serve_neutral_site(page)
    page.goto(live_server.url + "/guide/")
    page.goto(live_server.url + "/help/")
    page.locator("#quick-exit").click()
    page.wait_for_url(EXIT_URL)
    page.go_back()
    assert page.url.endswith("/guide/")  # the page that was left is not in the history
    context.close()


def test_quick_exit_hides_the_content_at_once(chromium, live_server, neutral_site):
    context, page, _watch = open_page(chromium, live_server.url)
    _serve_neutral_site(page)
    page.goto(live_server.url + "/help/")
    # Click and read the page's state in one go, before the neutral site has loaded.
    state = page.evaluate(
        """() => {
            document.getElementById('quick-exit').click();
            return {
                exiting: document.documentElement.classList.contains('exiting'),
                visibility: getComputedStyle(document.body).visibility,
                title: document.title,
            };
        }"""
    )
    assert state == {"exiting": True, "visibility": "hidden", "title": "Weather"}
    context.close()


def test_pressing_shift_three_times_leaves_but_typing_capitals_does_not(chromium, live_server, neutral_site):
    context, page, _watch = open_page(chromium, live_server.url)
    _serve_neutral_site(page)
    page.goto(live_server.url + "/status/")
    page.locator("#id_reference").click()
    page.keyboard.type("HL-ABCD-EFGH")  # Shift held for every capital
    assert page.url.endswith("/status/")
    assert page.locator("#id_reference").input_value() == "HL-ABCD-EFGH"
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(EXIT_URL)
    context.close()


def _tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_the_whole_intake_can_be_done_with_the_keyboard(chromium, live_server, artifacts):
    context, page, watch = open_page(chromium, live_server.url)
    page.goto(live_server.url + "/")
    _tab_to(page, ".skip-link")
    _tab_to(page, ".hero-actions a.btn-primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/help/")
    _tab_to(page, "main a.btn-primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/help/step/safety/")
    # Radio groups: Tab reaches the group, the arrow keys choose within it.
    _tab_to(page, "#id_safe_now_0")
    page.keyboard.press("Space")
    _tab_to(page, "#id_age_0")
    page.keyboard.press("Space")
    _tab_to(page, "#id_filed_by_0")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_url("**/help/step/what-happened/")
    _tab_to(page, "#id_categories_3")
    page.keyboard.press("Space")
    _tab_to(page, "#id_description")
    page.keyboard.type("Typed with the keyboard.")
    _tab_to(page, "button[type=submit].btn-primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/help/step/where/")
    _tab_to(page, "#id_urls")
    page.keyboard.type("https://example.com/keyboard")
    _tab_to(page, "button[type=submit].btn-primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/help/step/images/")
    _tab_to(page, "[data-hash-picker] input[type=file]")  # the picker is reachable; choosing files is optional
    _tab_to(page, "button[type=submit].btn-primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/help/step/contact/")
    _tab_to(page, "button[type=submit].btn-primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/help/step/consent/")
    _tab_to(page, "#id_consent_share_hashes")
    page.keyboard.press("Space")
    _tab_to(page, "#id_consent_act_on_behalf")
    page.keyboard.press("Space")
    _tab_to(page, "#id_signature_name")
    page.keyboard.type("Kim Keyboard")
    _tab_to(page, "button[type=submit].btn-primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/help/check/")
    _tab_to(page, "button[type=submit].btn-primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/help/done/")
    check_page(page, watch, artifacts, "keyboard-done")
    case = Case.objects.get()
    assert case.is_urgent and case.categories == ["extortion"] and case.filed_by == "authorised"
    assert case.signature_name == "Kim Keyboard" and case.consent_act_on_behalf and not case.consent_contact
    assert [u.url for u in case.urls.all()] == ["https://example.com/keyboard"]
    assert watch.accessibility == {}
    context.close()


def test_the_wizard_works_without_javascript(chromium, live_server, artifacts):
    context, page, watch = open_page(chromium, live_server.url, javascript=False)

    def submit_and_wait(next_path: str) -> str:
        page.locator("button[type=submit].btn-primary").click()
        page.wait_for_url(f"**{next_path}")
        page.wait_for_load_state("load")
        return page.content()

    page.goto(live_server.url + "/help/step/safety/")
    page.locator("label[for=id_safe_now_0]").click()
    page.locator("label[for=id_age_1]").click()
    page.locator("label[for=id_filed_by_0]").click()
    assert "takeitdown.ncmec.org" in submit_and_wait("/help/step/what-happened/")
    submit_and_wait("/help/step/where/")
    assert "needs JavaScript" in submit_and_wait("/help/step/images/")
    page.screenshot(path=str(artifacts / "no-js-images-360.png"), full_page=True)
    submit_and_wait("/help/step/contact/")
    submit_and_wait("/help/step/consent/")
    submit_and_wait("/help/check/")
    submit_and_wait("/help/done/")
    assert page.locator("#case-reference").inner_text().startswith("HL-")
    case = Case.objects.get()
    assert case.is_minor and case.is_urgent and case.is_anonymous and case.hashes.count() == 0
    assert watch.foreign_requests == []
    context.close()


def _photo_with_metadata() -> bytes:
    rng = np.random.default_rng(5)
    image = Image.fromarray(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X1"
    exif[0x0132] = "2026:01:02 03:04:05"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)})
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="SecretEditor"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, xmp=xmp)
    return out.getvalue()


def test_the_privacy_check_shows_what_a_photo_reveals_and_saves_a_copy_without_metadata(
    chromium, live_server, artifacts, tmp_path
):
    original = _photo_with_metadata()
    assert b"Exif" in original and b"http://ns.adobe.com/xap/1.0/" in original
    path = tmp_path / "beach.jpg"
    path.write_bytes(original)
    context, page, watch = open_page(chromium, live_server.url)
    uploads = []
    page.on("request", lambda request: request.method != "GET" and uploads.append(request.url))
    page.goto(live_server.url + "/privacy-check/")
    page.locator("#privacy-file").set_input_files(str(path))
    page.locator(".pc-save:not([hidden])").wait_for()
    details = page.locator(".pc-details").inner_text()
    assert "51.50347, -0.12750" in details  # 51°30'12.5" N, 0°7'39" W
    # The date in words, not EXIF's raw "2026:01:02 03:04:05".
    assert "PhoneMaker Model X1" in details and "2 January 2026" in details and "XMP" in details
    assert "2026:01:02" not in details
    check_page(page, watch, artifacts, "privacy-check-result")
    with page.expect_download() as download_info:
        page.locator(".pc-save").click()
    clean = download_info.value.path().read_bytes()
    assert clean[:2] == b"\xff\xd8"
    for marker in (b"Exif", b"http://ns.adobe.com/xap", b"PhoneMaker", b"SecretEditor", b"GPS"):
        assert marker not in clean, marker
    reopened = Image.open(io.BytesIO(clean))
    assert reopened.size == (160, 120)
    assert not reopened.getexif() and "xmp" not in reopened.info and "exif" not in reopened.info
    assert uploads == [] and watch.foreign_requests == [] and watch.accessibility == {}
    context.close()
