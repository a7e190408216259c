"""Issue 16's victim journey in headless Chromium at 360 px, in English and Spanish: the picker never moves on
with fewer fingerprints than files, "not safe now" says what to do, the done page follows the consents, and the
status page shows one card per request, new messages at the top, links per line and the PIN tries left."""

from __future__ import annotations

import io
from unittest import mock

import numpy as np
import pytest
from PIL import Image

from cases.casework.models import CaseMessage
from cases.intake.services import case_file
from cases.models import Case
from tests.cases.browser import MOBILE, check_page, open_page
from tests.cases.helpers import fingerprint
from tests.hashing.images import photo_like

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCALES = {"en": "en-GB", "es": "es-ES"}
TEXT = {
    "en": {
        "continue": "Save and continue",
        "safe": "Yes, I can do this now",
        "not_safe": "No, not right now",
        "adult": "18 or older",
        "self": "I am the person in the images",
        "still": "Still making fingerprints:",
        "check": "Check your answers",
        "three": "3 pictures or videos fingerprinted",
        "stop_here": "Stop here for now",
        "nothing_kept": "Nothing you chose here is kept",
        "emergency": "call your local emergency number",
        "site": "Helpline portal",
        "send": "Send my request",
        "no_authority": "so we will not send any in your name",
        "new_message": "You have a new message from your caseworker.",
        "tries_left": "after 2 more wrong tries this reference is locked for an hour",
        "open": "Open my case",
        "add_links": "Add these links",
        "added": "We added the new links to your case",
        "sent": "Request sent, waiting for an answer",
        "prepared": "Request prepared, waiting to be sent",
        "four_links": "4 links",
    },
    "es": {
        "continue": "Guardar y continuar",
        "safe": "Sí, puedo hacerlo ahora",
        "not_safe": "No, ahora no",
        "adult": "18 años o más",
        "self": "Soy la persona de las imágenes",
        "still": "Todavía se están creando las huellas:",
        "check": "Revisa tus respuestas",
        "three": "3 imágenes o vídeos con huella creada",
        "stop_here": "Para aquí por ahora",
        "nothing_kept": "No guardamos nada de lo que elegiste aquí",
        "emergency": "llama al número de emergencias de tu país",
        "site": "Portal de la línea de ayuda",
        "send": "Enviar mi solicitud",
        "no_authority": "no enviaremos ninguna en tu nombre",
        "new_message": "Tienes un mensaje nuevo de tu gestor/a de caso.",
        "tries_left": "tras 2 intentos fallidos más esta referencia se bloqueará durante una hora",
        "open": "Abrir mi caso",
        "add_links": "Añadir estos enlaces",
        "added": "Hemos añadido los enlaces nuevos a tu caso",
        "sent": "Solicitud enviada, esperando respuesta",
        "prepared": "Solicitud preparada, pendiente de envío",
        "four_links": "4 enlaces",
    },
}


def _assert_clean(watch) -> None:
    assert watch.foreign_requests == [], watch.foreign_requests
    assert watch.console_errors == [], watch.console_errors
    assert watch.accessibility == {}, watch.accessibility


@pytest.fixture(scope="module")
def large_photos(tmp_path_factory) -> list:
    """Three 12-megapixel photos (4000 x 3000 JPEGs), as a phone takes them."""
    folder = tmp_path_factory.mktemp("large-photos")
    paths = []
    for seed in range(3):
        path = folder / f"IMG_000{seed + 1}.jpg"
        Image.fromarray(photo_like(4000, 3000, seed + 40)).save(path, quality=90)
        paths.append(path)
    return paths


def _first_steps(page, base: str, t: dict) -> None:
    page.goto(base + "/help/step/safety/")
    page.get_by_label(t["safe"]).check()
    page.get_by_label(t["adult"]).check()
    page.get_by_label(t["self"]).check()
    page.get_by_role("button", name=t["continue"]).click()
    page.wait_for_url("**/help/step/what-happened/")
    page.get_by_role("button", name=t["continue"]).click()
    page.wait_for_url("**/help/step/where/")
    page.get_by_role("button", name=t["continue"]).click()
    page.wait_for_url("**/help/step/images/")


@pytest.mark.parametrize("language", ["en", "es"])
def test_save_and_continue_while_fingerprints_are_made_waits_and_keeps_every_file(
    chromium, live_server, artifacts, large_photos, language
):
    """Item 1: "Save and continue" pressed while three 12 MP photos are still being fingerprinted used to save
    none of them without a word. Now the page says it is still working, waits, and goes on with all three."""
    t = TEXT[language]
    context, page, watch = open_page(chromium, live_server.url, locale=LOCALES[language])
    _first_steps(page, live_server.url, t)
    page.locator("[data-hash-picker] input[type=file]").set_input_files([str(p) for p in large_photos])
    # The attack's precondition: the click lands while the files are still being fingerprinted.
    assert page.evaluate("() => document.querySelectorAll('.hash-picker__item[data-state=done]').length") < 3
    page.get_by_role("button", name=t["continue"]).click()
    notice = page.locator("[data-picker-waiting]")
    notice.wait_for(state="visible")
    assert t["still"] in notice.inner_text()
    assert page.url.endswith("/help/step/images/")  # not moved on
    page.screenshot(path=str(artifacts / "images-still-working-360.png"), full_page=True)
    # It goes on by itself once every file has its fingerprint.
    page.wait_for_url("**/help/step/contact/", timeout=180_000)
    page.get_by_role("button", name=t["continue"]).click()
    page.wait_for_url("**/help/step/consent/")
    page.get_by_role("button", name=t["continue"]).click()
    page.wait_for_url("**/help/check/")
    assert t["three"] in page.locator('[data-check-section="images"]').inner_text()
    check_page(page, watch, artifacts, "check-answers-three-files")
    page.get_by_role("button", name=t["send"]).click()
    page.wait_for_url("**/help/done/")
    assert Case.objects.get().hashes.count() == 3
    _assert_clean(watch)
    context.close()


def test_a_file_that_could_not_be_fingerprinted_is_named_before_the_page_moves_on(
    chromium, live_server, artifacts, large_photos, tmp_path
):
    """Item 1, the other half: a held "Save and continue" does not go on by itself when a file failed; it says
    so, and a second press goes on with the fingerprints that were made."""
    t = TEXT["en"]
    fake = tmp_path / "not-really.jpg"
    fake.write_text("shopping list: milk, eggs")
    context, page, watch = open_page(chromium, live_server.url, locale=LOCALES["en"])
    _first_steps(page, live_server.url, t)
    page.locator("[data-hash-picker] input[type=file]").set_input_files([str(fake), str(large_photos[0])])
    assert page.evaluate("() => document.querySelectorAll('.hash-picker__item[data-state=done]').length") == 0
    page.get_by_role("button", name=t["continue"]).click()
    notice = page.locator("[data-picker-waiting]")
    page.wait_for_function(
        "() => document.querySelector('[data-picker-waiting]').textContent.includes('could not be fingerprinted')",
        timeout=120_000,
    )
    assert "1 of your files could not be fingerprinted" in notice.inner_text()
    assert page.url.endswith("/help/step/images/")
    assert page.locator(".hash-picker__item[data-state=done]").count() == 1
    page.screenshot(path=str(artifacts / "images-one-failed-360.png"), full_page=True)
    page.get_by_role("button", name=t["continue"]).click()
    page.wait_for_url("**/help/step/contact/")
    page.get_by_role("button", name=t["continue"]).click()
    page.wait_for_url("**/help/step/consent/")
    page.get_by_role("button", name=t["continue"]).click()
    page.wait_for_url("**/help/check/")
    assert "1 picture or video fingerprinted" in page.locator('[data-check-section="images"]').inner_text()
    # The failed file's own error is the hasher's message: not a console error of the page.
    assert watch.foreign_requests == []
    context.close()


@pytest.mark.parametrize("language", ["en", "es"])
def test_not_safe_now_shows_what_to_do_and_the_done_page_follows_the_consents(
    chromium, live_server, artifacts, settings, language
):
    """Items 2, 4 and 12: "No, not right now" shows leave / come back / who to call; a filing without consent to
    act is not promised removal requests; the Spanish pages carry the site's name in Spanish."""
    settings.HELPLINE_PHONE = ""
    t = TEXT[language]
    context, page, watch = open_page(chromium, live_server.url, locale=LOCALES[language])
    page.goto(live_server.url + "/help/step/safety/")
    assert t["site"] in page.title() and t["site"] in page.locator(".brand").inner_text()
    page.get_by_label(t["not_safe"]).check()
    page.get_by_label(t["adult"]).check()
    page.get_by_label(t["self"]).check()
    page.get_by_role("button", name=t["continue"]).click()
    page.get_by_role("heading", name=t["stop_here"], level=1).wait_for()
    text = page.locator("main").inner_text()
    assert t["nothing_kept"] in text and t["emergency"] in text
    assert page.locator("[data-quick-exit-link]").is_visible()
    assert page.locator("[data-helpline-phone]").count() == 0  # no helpline number configured: none invented
    check_page(page, watch, artifacts, "not-safe-now")

    # Safe now: file without consent to act on their behalf.
    page.goto(live_server.url + "/help/step/safety/")
    _first_steps(page, live_server.url, t)
    page.get_by_role("button", name=t["continue"]).click()
    page.wait_for_url("**/help/step/contact/")
    page.get_by_role("button", name=t["continue"]).click()
    page.wait_for_url("**/help/step/consent/")
    page.get_by_role("button", name=t["continue"]).click()
    page.wait_for_url("**/help/check/")
    check_page(page, watch, artifacts, "check-answers")
    page.get_by_role("button", name=t["send"]).click()
    page.wait_for_url("**/help/done/")
    assert t["no_authority"] in page.locator("main").inner_text()
    assert page.locator('[data-next="requests"]').count() == 0
    check_page(page, watch, artifacts, "done-without-consent")
    _assert_clean(watch)
    context.close()


def _case_with_requests(language: str):
    """A filed case whose example-tube.com link is in an 'other website' request and whose four example.com
    links are in a search engine's de-indexing request, with one message from the caseworker."""
    from cases.removals.models import Basis, Platform, RemovalRequest

    urls = ["https://example-tube.com/v/1", *(f"https://example.com/p/{n}" for n in range(4))]
    with mock.patch("cases.intake.services.queue_drafting"):
        filed = case_file(
            draft={
                "safety": {"safe_now": "yes", "age": "adult", "filed_by": "self"},
                "where": {"urls": urls, "elsewhere": ""},
                "images": {"hashes": [fingerprint(3)]},
                "contact": {},
                "consent": {"consent_act_on_behalf": True},
            },
            language=language,
        )
    case = filed.case
    other = Platform.objects.create(slug="other-website-b", name="Other website", kind=Platform.Kind.HOST)
    engine = Platform.objects.create(slug="search-b", name="Search Engine B", kind=Platform.Kind.SEARCH_ENGINE)
    tube = RemovalRequest.objects.create(
        case=case, platform=other, host="example-tube.com", status="sent", basis=Basis.values[0]
    )
    tube.urls.add(case.urls.get(host="example-tube.com"))
    deindex = RemovalRequest.objects.create(
        case=case, platform=engine, kind=RemovalRequest.Kind.DEINDEX, status="drafted", basis=Basis.values[0]
    )
    deindex.urls.add(*case.urls.filter(host="example.com"))
    CaseMessage.objects.create(case=case, body="Please check the links we found.")
    return filed


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_status_page_warns_before_the_lock_shows_new_messages_first_and_one_card_per_request(
    chromium, live_server, artifacts, language
):
    """Items 5 to 8 on the status page at 360 px."""
    t = TEXT[language]
    filed = _case_with_requests(language)
    context, page, watch = open_page(chromium, live_server.url, locale=LOCALES[language])
    page.goto(live_server.url + "/status/")
    wrong = "000000" if filed.pin != "000000" else "111111"
    for _ in range(3):
        page.locator("#id_reference").fill(filed.case.reference)
        page.locator("#id_pin").fill(wrong)
        page.get_by_role("button", name=t["open"]).click()
        page.locator("#error-summary").wait_for()
    assert t["tries_left"] in page.locator("#error-summary").inner_text()
    check_page(page, watch, artifacts, "status-tries-left")
    page.locator("#id_reference").fill(filed.case.reference)
    page.locator("#id_pin").fill(filed.pin)
    page.get_by_role("button", name=t["open"]).click()
    page.wait_for_url("**/status/case/")

    # The new message is announced at the top, in the first screen of a phone.
    notice = page.locator("[data-new-message]")
    assert t["new_message"] in notice.inner_text()
    box = notice.bounding_box()
    assert box is not None and box["y"] + box["height"] <= MOBILE["height"]

    cards = page.locator(".progress-item")
    texts = cards.all_inner_texts()
    assert len(texts) == 2, texts  # no phantom "Other website" card
    assert "example-tube.com" in texts[0] and t["sent"] in texts[0]
    assert "Search Engine B" in texts[1] and t["prepared"] in texts[1] and t["four_links"] in texts[1]
    check_page(page, watch, artifacts, "status-new-message")

    # A line of words is one entry: the good link is saved, the line listed with its reason.
    page.locator("#id_urls").fill("not a link\nhttps://example-tube.com/v/2")
    page.get_by_role("button", name=t["add_links"]).click()
    page.locator("#error-summary").wait_for()
    summary = page.locator("#error-summary").inner_text()
    assert "(not a link)" in summary and "(not)" not in summary and "(link)" not in summary
    assert t["added"] in page.locator(".messages").inner_text()
    assert page.locator("#id_urls").input_value() == "not a link"
    assert "https://example-tube.com/v/2" in [u.url for u in filed.case.urls.all()]
    check_page(page, watch, artifacts, "status-links-partly-added")

    # Seen once: the notice is gone on the next visit, the message itself stays.
    page.goto(live_server.url + "/status/case/")
    assert page.locator("[data-new-message]").count() == 0
    assert "Please check the links we found." in page.locator("main").inner_text()
    _assert_clean(watch)
    context.close()


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "7 November 2017"), ("es", "7 de noviembre de 2017")], ids=["en", "es"]
)
def test_the_privacy_check_shows_the_date_taken_in_words_in_the_pages_language(
    chromium, live_server, artifacts, tmp_path, language, expected
):
    """Item 10: EXIF's "2017:11:07 22:14:06" read as a date, in English and in Spanish."""
    exif = Image.Exif()
    exif[0x0132] = "2017:11:07 22:14:06"
    out = io.BytesIO()
    Image.fromarray(np.full((60, 80, 3), 128, dtype=np.uint8)).save(out, format="JPEG", exif=exif)
    path = tmp_path / "photo.jpg"
    path.write_bytes(out.getvalue())
    context, page, watch = open_page(chromium, live_server.url, locale=LOCALES[language])
    page.goto(live_server.url + "/privacy-check/")
    page.locator("#privacy-file").set_input_files(str(path))
    page.locator(".pc-save:not([hidden])").wait_for()
    details = page.locator(".pc-details").inner_text()
    assert expected in details and "22:14" in details and "2017:11:07" not in details
    check_page(page, watch, artifacts, "privacy-check-date")
    _assert_clean(watch)
    context.close()
