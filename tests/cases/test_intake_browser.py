"""End to end in headless Chromium, in English and Spanish: file a case with two fingerprinted images, come back
with reference and PIN, add a link, withdraw sharing. Every page is checked with axe-core and photographed."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from cases.models import Case
from hashing.reference import hash_file
from tests.cases.browser import axe_check, check_page, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {
        "ask": "Ask for help",
        "start": "Start",
        "continue": "Save and continue",
        "send": "Send my request",
        "safe": "Yes, I can do this now",
        "adult": "18 or older",
        "self": "I am the person in the images",
        "known": "Someone I know shared them",
        "fingerprints_made": "Fingerprint made",
        "check": "Check your answers",
        "not_a_picture": "This file is named like a picture but is not one we can read.",
        "open": "Open my case",
        "add_links": "Add these links",
        "stop_sharing": "Stop sharing fingerprints with partner platforms",
        "understand": "Yes, I understand",
        "stop": "Stop sharing",
        "withdrawn": "Sharing is withdrawn",
        "wrong": "do not match a case",
    },
    "es": {
        "ask": "Pedir ayuda",
        "start": "Empezar",
        "continue": "Guardar y continuar",
        "send": "Enviar mi solicitud",
        "safe": "Sí, puedo hacerlo ahora",
        "adult": "18 años o más",
        "self": "Soy la persona de las imágenes",
        "known": "Alguien que conozco las compartió",
        "fingerprints_made": "Huella creada",
        "check": "Revisa tus respuestas",
        "not_a_picture": "Este archivo tiene nombre de imagen, pero no es una que podamos leer.",
        "open": "Abrir mi caso",
        "add_links": "Añadir estos enlaces",
        "stop_sharing": "Dejar de compartir las huellas con las plataformas asociadas",
        "understand": "Sí, lo entiendo",
        "stop": "Dejar de compartir",
        "withdrawn": "Se ha dejado de compartir",
        "wrong": "no coinciden con ningún caso",
    },
}


def _photos(folder, count: int = 2) -> list:
    paths = []
    for seed in range(count):
        rng = np.random.default_rng(seed + 10)
        y, x = np.mgrid[0:240, 0:320]
        base = np.stack([x * 0.7, y * 0.9, (x + y) * 0.3], axis=-1) + rng.normal(0, 20, (240, 320, 3))
        path = folder / f"holiday-{seed + 1}.{'jpg' if seed == 0 else 'png'}"
        Image.fromarray(np.clip(base, 0, 255).astype(np.uint8)).save(path)
        paths.append(path)
    return paths


def _assert_clean(watch) -> None:
    assert watch.foreign_requests == [], watch.foreign_requests
    assert [e for e in watch.console_errors if "Content Security Policy" in e or "Refused" in e] == []
    assert watch.console_errors == [], watch.console_errors
    assert watch.accessibility == {}, watch.accessibility


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_victim_files_a_case_comes_back_adds_a_link_and_withdraws_sharing(
    chromium, live_server, artifacts, tmp_path, language
):
    t = TEXT[language]
    context, page, watch = open_page(chromium, live_server.url, locale="es-ES" if language == "es" else "en-GB")
    shots = iter(range(1, 100))

    def check(label: str) -> None:
        check_page(page, watch, artifacts, f"{next(shots):02d}-{label}")

    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == language
    check("home")
    page.get_by_role("link", name=t["ask"]).first.click()
    check("start")
    page.get_by_role("link", name=t["start"], exact=True).click()

    check("step-1-safety")
    page.get_by_label(t["safe"]).check()
    page.get_by_label(t["adult"]).check()
    page.get_by_label(t["self"]).check()
    page.get_by_role("button", name=t["continue"]).click()

    check("step-2-what-happened")
    page.get_by_label(t["known"]).check()
    page.locator("#id_description").fill("Mi ex publicó las fotos." if language == "es" else "My ex posted them.")
    page.get_by_role("button", name=t["continue"]).click()

    check("step-3-where")
    page.locator("#id_urls").fill("https://www.example.com/p/1?utm_source=share&fbclid=x\nhttps://www.example.com/p/1")
    page.get_by_role("button", name=t["continue"]).click()

    check("step-4-images")
    # A file that only pretends to be a picture gets the hasher's advice in the page's language.
    fake = tmp_path / "not-really.jpg"
    fake.write_text("shopping list: milk, eggs")
    page.locator("[data-hash-picker] input[type=file]").set_input_files([str(fake)])
    page.wait_for_function("() => document.querySelector('.hash-picker__item[data-state=error]')", timeout=30_000)
    assert t["not_a_picture"] in page.locator(".hash-picker__item[data-state=error] .hash-picker__status").inner_text()
    page.locator(".hash-picker__item[data-state=error] .hash-picker__cancel").click()
    page.wait_for_function("() => !document.querySelector('.hash-picker__item[data-state=error]')", timeout=10_000)
    photos = _photos(tmp_path)
    page.locator("[data-hash-picker] input[type=file]").set_input_files([str(p) for p in photos])
    page.wait_for_function(
        "() => document.querySelectorAll('.hash-picker__item[data-state=done]').length === 2", timeout=30_000
    )
    assert page.locator(".hash-picker__status").first.inner_text() == t["fingerprints_made"]
    check("step-4-images-hashed")
    page.get_by_role("button", name=t["continue"]).click()

    check("step-5-contact")
    page.locator("#id_name").fill("Alex")
    page.locator("#id_email").fill("alex@example.net")
    page.locator("#id_safe_channels_0").check()
    page.get_by_role("button", name=t["continue"]).click()

    check("step-6-consent")
    page.locator("#id_consent_share_hashes").check()
    page.locator("#id_consent_contact").check()
    page.locator("#id_consent_act_on_behalf").check()
    page.locator("#id_signature_name").fill("Alex Example")
    page.get_by_role("button", name=t["continue"]).click()

    page.get_by_role("heading", name=t["check"], level=1).wait_for()
    assert "Alex Example" in page.content() and "https://www.example.com/p/1" in page.content()
    check("check-answers")
    page.get_by_role("button", name=t["send"]).click()

    reference = page.locator("#case-reference").inner_text().strip()
    pin = page.locator("#case-pin").inner_text().strip()
    assert re.fullmatch(r"HL-[2-9A-HJKMNP-TW-Z]{4}-[2-9A-HJKMNP-TW-Z]{4}", reference)
    assert re.fullmatch(r"\d{6}", pin)
    check("done")

    case = Case.objects.get(reference=reference)
    assert case.language == language and case.consent_share_hashes
    assert [u.url for u in case.urls.all()] == ["https://www.example.com/p/1"]
    # The fingerprints made in the browser are exactly the server's reference hashes of the same files.
    stored = {h.sha256: h for h in case.hashes.all()}
    assert len(stored) == 2
    for photo in photos:
        expected = hash_file(photo)
        got = stored[expected.sha256.hex]
        assert (got.pdq, got.phash, got.md5) == (expected.pdq.hex, expected.phash.hex, expected.md5.hex)

    # Coming back later, in a fresh browser session.
    context.close()
    context, page, watch2 = open_page(chromium, live_server.url, locale="es-ES" if language == "es" else "en-GB")
    page.goto(live_server.url + "/status/")
    check_page(page, watch2, artifacts, f"{next(shots):02d}-status-sign-in")
    page.locator("#id_reference").fill(reference)
    page.locator("#id_pin").fill("000000" if pin != "000000" else "111111")
    page.get_by_role("button", name=t["open"]).click()
    assert t["wrong"] in page.content()
    check_page(page, watch2, artifacts, f"{next(shots):02d}-status-wrong-pin")
    page.locator("#id_reference").fill(reference.lower().replace("-", " "))
    page.locator("#id_pin").fill(pin)
    page.get_by_role("button", name=t["open"]).click()
    page.locator("#id_urls").wait_for()
    check_page(page, watch2, artifacts, f"{next(shots):02d}-status-case")

    page.locator("#id_urls").fill("https://images.example.org/found/2#top")
    page.get_by_role("button", name=t["add_links"]).click()
    check_page(page, watch2, artifacts, f"{next(shots):02d}-status-link-added")
    page.get_by_role("link", name=t["stop_sharing"]).click()
    check_page(page, watch2, artifacts, f"{next(shots):02d}-status-withdraw")
    page.get_by_label(t["understand"]).check()
    page.get_by_role("button", name=t["stop"], exact=True).click()
    assert t["withdrawn"] in page.content()
    check_page(page, watch2, artifacts, f"{next(shots):02d}-status-withdrawn")

    case.refresh_from_db()
    assert not case.consent_share_hashes and case.hashes_withdrawn_at is not None
    assert sorted(u.url for u in case.urls.all()) == [
        "https://images.example.org/found/2",
        "https://www.example.com/p/1",
    ]

    # The remaining pages of the case: contact preferences, then deleting the case.
    page.goto(live_server.url + "/status/case/contact/")
    check_page(page, watch2, artifacts, f"{next(shots):02d}-status-contact")
    page.goto(live_server.url + "/status/case/delete/")
    check_page(page, watch2, artifacts, f"{next(shots):02d}-status-delete")
    page.locator("#id_confirm").check()
    page.locator("button.btn-danger").click()
    page.locator("h1").wait_for()
    check_page(page, watch2, artifacts, f"{next(shots):02d}-status-deleted")
    case.refresh_from_db()
    assert case.erased_at is not None and case.contact_name == "" and case.urls.count() == 0
    context.close()
    _assert_clean(watch)
    _assert_clean(watch2)


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_other_public_page_passes_axe_and_loads_nothing_from_elsewhere(
    chromium, live_server, artifacts, language
):
    context, page, watch = open_page(chromium, live_server.url, locale="es-ES" if language == "es" else "en-GB")
    for path in ["/guide/", "/guide/browse-privately/", "/privacy-check/", "/help/done/", "/status/"]:
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("#quick-exit").is_visible()
        check_page(page, watch, artifacts, path.strip("/").replace("/", "-") or "home")
    # An error state: the sign-in form with every field missing.
    page.locator("form.form button[type=submit]").click()
    axe_check(page, watch, "status-errors")
    context.close()
    _assert_clean(watch)
