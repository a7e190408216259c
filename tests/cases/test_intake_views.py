"""The intake wizard over HTTP: steps in order, friendly errors, the reference and PIN shown once, no uploads."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case, CaseEvent
from cases.pins import pin_check
from tests.cases.helpers import STEP_NAMES, post_form, walk_wizard, wizard_answers

pytestmark = pytest.mark.django_db


def test_a_case_is_filed_by_walking_every_step_and_the_pin_is_shown_once(client):
    response = walk_wizard(client)
    assert response["Location"] == "/help/done/"
    done = client.get("/help/done/").content.decode()
    case = Case.objects.get()
    assert case.reference in done
    pin = re.search(r'id="case-pin">(\d{6})<', done).group(1)
    assert pin_check(pin, case.pin_hash).ok and pin not in case.pin_hash
    assert (case.urls.count(), case.hashes.count()) == (2, 2)
    again = client.get("/help/done/").content.decode()
    assert pin not in again and case.reference not in again
    assert "shown only once" in again


def test_a_later_step_sends_you_back_to_the_first_unanswered_one(client):
    response = client.get("/help/step/contact/")
    assert response.status_code == 302 and response["Location"] == "/help/step/safety/"


def test_the_safety_step_says_what_is_missing_in_plain_words(client):
    response = post_form(client, "/help/step/safety/", {"safe_now": "yes"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please tell us if the person in the images is under 18." in html
    assert "Please tell us who is asking for help." in html
    assert 'role="alert"' in html


def test_a_minor_is_pointed_to_take_it_down_and_the_case_is_urgent(client):
    post_form(client, "/help/step/safety/", {"safe_now": "yes", "age": "minor", "filed_by": "self"})
    html = client.get("/help/step/what-happened/").content.decode()
    assert 'href="https://takeitdown.ncmec.org"' in html
    answers = wizard_answers(safety={"safe_now": "unsure", "age": "minor", "filed_by": "self"})
    walk_wizard(client, answers)
    case = Case.objects.get()
    assert case.is_minor and case.is_urgent


def test_threats_or_extortion_make_the_case_urgent(client):
    walk_wizard(client, wizard_answers(**{"what-happened": {"categories": ["extortion"]}}))
    assert Case.objects.get().is_urgent


def test_an_anonymous_case_can_be_filed_without_contact_or_signature(client):
    answers = wizard_answers(
        where={"urls": ""},
        images={"hashes": ""},
        contact={},
        consent={"consent_share_hashes": "on"},
        **{"what-happened": {}},
    )
    walk_wizard(client, answers)
    case = Case.objects.get()
    assert case.is_anonymous and not case.signature_name and case.signed_at is None
    assert case.consent_share_hashes and not case.consent_contact


def test_asking_to_be_contacted_without_a_way_to_reach_you_is_explained(client):
    answers = wizard_answers(contact={})
    for name in STEP_NAMES[:-1]:
        post_form(client, f"/help/step/{name}/", answers[name])
    response = post_form(client, "/help/step/consent/", {"consent_contact": "on"})
    assert response.status_code == 200
    assert "did not give an email or phone number" in response.content.decode()
    assert not Case.objects.exists()


def test_the_consent_step_explains_what_take_it_down_act_requests_need(client):
    answers = wizard_answers()
    for name in STEP_NAMES[:-1]:
        post_form(client, f"/help/step/{name}/", answers[name])
    html = client.get("/help/step/consent/").content.decode()
    assert "TAKE IT DOWN Act" in html and "signature" in html
    assert "some removal requests cannot be sent" in html


def test_bad_links_are_refused_with_a_message_naming_the_link(client):
    post_form(client, "/help/step/safety/", wizard_answers()["safety"])
    post_form(client, "/help/step/what-happened/", {})
    response = post_form(
        client, "/help/step/where/", {"urls": "https://example.com/ok\nhttp://192.168.1.1/x\nftp://a.com/"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Line 2" in html and "IP address" in html
    assert "Line 3" in html and "Only web links" in html


def test_a_request_carrying_a_file_is_refused_and_nothing_is_stored(client):
    answers = wizard_answers()
    for name in STEP_NAMES[:-1]:
        post_form(client, f"/help/step/{name}/", answers[name])
    draft_before = client.session["intake_draft"]
    photo = SimpleUploadedFile("me.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100, content_type="image/jpeg")
    response = client.post("/help/step/consent/", {**answers["consent"], "photo": photo})
    assert response.status_code == 415
    assert "We do not accept files" in response.content.decode()
    assert not Case.objects.exists() and not CaseEvent.objects.exists()
    assert client.session["intake_draft"] == draft_before


@pytest.mark.parametrize("path", ["/help/step/safety/", "/status/"])
def test_even_a_multipart_post_without_a_file_is_refused(client, path):
    response = client.post(path, {"safe_now": "yes"})  # the test client posts multipart by default
    assert response.status_code == 415


def test_the_wizard_forms_post_urlencoded_and_need_no_javascript(client):
    html = client.get("/help/step/safety/").content.decode()
    assert 'enctype="multipart' not in html
    assert 'type="radio"' in html and 'name="csrfmiddlewaretoken"' in html


def test_discarding_the_draft_forgets_everything_typed(client):
    post_form(client, "/help/step/safety/", wizard_answers()["safety"])
    post_form(client, "/help/discard/")
    assert "intake_draft" not in client.session


def test_a_second_send_while_the_first_is_filed_creates_no_second_case(client):
    from django.core.cache import cache

    from cases.intake.views import _claim_filing

    answers = wizard_answers()
    for name in STEP_NAMES[:-1]:
        post_form(client, f"/help/step/{name}/", answers[name])

    class Request:
        session = client.session

    post_form(client, "/help/step/consent/", answers["consent"])
    assert _claim_filing(Request())  # the first "Send" holds the claim
    response = post_form(client, "/help/check/")
    assert response["Location"] == "/help/done/"
    assert not Case.objects.exists()
    cache.clear()
