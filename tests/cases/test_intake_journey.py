"""Issue 16's victim journey on the server side: not safe now, check your answers, a done page that says what
will really happen, the site's name in Spanish, and the demo case's messages."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from cases.models import Case
from tests.cases.helpers import STEP_NAMES, post_form, walk_wizard, wizard_answers

pytestmark = pytest.mark.django_db


def _to_check(client, answers=None):
    answers = answers or wizard_answers()
    for name in STEP_NAMES:
        response = post_form(client, f"/help/step/{name}/", answers[name])
        assert response.status_code == 302, (name, response.content.decode()[:1000])
    assert response["Location"] == "/help/check/"
    return answers


@pytest.mark.parametrize("phone", ["", "+44 20 7946 0000"], ids=["no-helpline-phone", "helpline-phone"])
def test_not_safe_now_says_what_to_do_and_keeps_nothing(client, settings, phone):
    settings.HELPLINE_PHONE = phone
    response = post_form(client, "/help/step/safety/", {"safe_now": "no", "age": "adult", "filed_by": "self"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-not-safe="leave"' in html and "data-quick-exit-link" in html
    assert 'data-not-safe="later"' in html and "Nothing you chose here is kept" in html
    assert "call your local emergency number" in html
    assert ("data-helpline-phone" in html) == bool(phone)
    if phone:
        assert phone in html
    assert "intake_draft" not in client.session
    # Nothing moved on: the next step still sends the victim back to the first.
    assert client.get("/help/step/what-happened/")["Location"] == "/help/step/safety/"


def test_not_safe_now_forgets_a_draft_already_begun(client):
    post_form(client, "/help/step/safety/", wizard_answers()["safety"])
    post_form(client, "/help/step/what-happened/", {"description": "private words"})
    post_form(client, "/help/step/safety/", {"safe_now": "no", "age": "adult", "filed_by": "self"})
    assert "intake_draft" not in client.session


def test_the_check_page_shows_every_answer_with_a_change_link_and_sends_nothing_until_asked(client):
    answers = wizard_answers()
    answers["what-happened"] = {
        "categories": ["known_person"],
        "person_name": "Jo Pictured",
        "images_taken_by": "someone_else",
        "country": "ES",
        "police": "unsure",
        "description": "My ex posted them.",
    }
    answers["safety"] = {"safe_now": "yes", "age": "adult", "filed_by": "authorised"}
    _to_check(client, answers)
    assert not Case.objects.exists()
    html = client.get("/help/check/").content.decode()
    for text in [
        "I am helping someone and they asked me to",  # who filed
        "Jo Pictured",  # who is pictured
        "Someone else took them",  # who took them
        "Spain",  # country
        "I have not decided",  # police
        "Someone I know shared them",
        "My ex posted them.",
        "https://www.example.com/post/1",
        "https://example.org/a",
        "2 pictures or videos fingerprinted",
        "alex@example.net",
        "Alex Example",
    ]:
        assert text in html, text
    for step in STEP_NAMES:
        assert f'href="/help/step/{step}/?from=check"' in html
    # A change goes back to the check page, not through the rest of the steps.
    changed = post_form(client, "/help/step/where/", {"urls": "https://example.net/new", "from_check": "1"})
    assert changed["Location"] == "/help/check/"
    html = client.get("/help/check/").content.decode()
    assert "https://example.net/new" in html and "https://example.org/a" not in html
    assert not Case.objects.exists()
    sent = post_form(client, "/help/check/")
    assert sent["Location"] == "/help/done/"
    case = Case.objects.get()
    assert [u.url for u in case.urls.all()] == ["https://example.net/new"]
    assert case.person_name == "Jo Pictured" and case.country == "ES" and case.filed_by == "authorised"


def test_the_check_page_is_in_spanish(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    _to_check(client)
    html = client.get("/help/check/").content.decode()
    assert "Revisa tus respuestas" in html and "Enviar mi solicitud" in html and "Cambiar" in html
    assert "2 imágenes o vídeos con huella creada" in html


def test_the_check_page_needs_every_step_first(client):
    post_form(client, "/help/step/safety/", wizard_answers()["safety"])
    assert client.get("/help/check/")["Location"] == "/help/step/what-happened/"
    assert post_form(client, "/help/check/")["Location"] == "/help/step/what-happened/"
    assert not Case.objects.exists()


def test_removing_contact_details_after_consenting_to_contact_sends_the_victim_back_to_consent(client):
    _to_check(client)
    post_form(client, "/help/step/contact/", {"from_check": "1"})
    assert client.get("/help/check/")["Location"] == "/help/step/consent/"
    assert post_form(client, "/help/check/")["Location"] == "/help/step/consent/"
    assert not Case.objects.exists()


def _done(client, **consent) -> str:
    answers = wizard_answers(consent={k: "on" for k, v in consent.items() if v})
    walk_wizard(client, answers)
    return client.get("/help/done/").content.decode()


def test_the_done_page_without_consent_to_act_promises_no_removal_request(client):
    html = _done(client, consent_share_hashes=False, consent_contact=False, consent_act_on_behalf=False)
    assert 'data-next="no-authority"' in html
    assert "We prepare removal requests" not in html and 'data-next="requests"' not in html
    assert 'data-next="not-sharing"' in html and 'data-next="no-contact"' in html


def test_the_done_page_with_consent_to_act_counts_the_links(client):
    html = _done(client, consent_share_hashes=True, consent_contact=True, consent_act_on_behalf=True)
    assert "We prepare removal requests for the 2 links you gave us." in html
    assert "We share the 2 fingerprints of your files with partner platforms" in html
    assert "A caseworker may contact you in the ways you said are safe." in html


def test_the_done_page_in_spanish_says_no_request_is_sent_without_consent(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    html = _done(client, consent_act_on_behalf=False)
    assert "no enviaremos ninguna en tu nombre" in html
    assert "Preparamos solicitudes de retirada" not in html


def test_the_default_site_name_is_translated_on_spanish_pages(client, settings):
    settings.SITE_NAME = "Helpline portal"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    html = client.get("/").content.decode()
    assert "Portal de la línea de ayuda" in html and "Helpline portal" not in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Helpline portal" in client.get("/").content.decode()


def test_a_site_name_the_helpline_sets_is_used_in_both_languages(client, settings):
    settings.SITE_NAME = "Línea Segura"
    for language in ("en", "es"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        assert "Línea Segura" in client.get("/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_demo_case_waiting_on_the_victim_has_the_messages_it_refers_to(client, settings):
    from tests.removals.conftest import load_directory

    load_directory()
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    case = Case.objects.get(reference="HL-DEM0-0004")
    assert case.status == Case.Status.WAITING_ON_VICTIM
    assert case.victim_messages.count() == 2
    call_command("seed_demo", stdout=io.StringIO())
    assert case.victim_messages.count() == 2  # re-running adds none
    response = post_form(client, "/status/", {"reference": "HL-DEM0-0004", "pin": "246810"})
    assert response["Location"] == "/status/case/"
    html = client.get("/status/case/").content.decode()
    assert "please read the messages below" in html
    assert "You have 2 new messages from your caseworker." in html
    assert "add the links on this page" in html
