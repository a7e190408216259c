"""Legal bases: each request says exactly which required element is missing, and the texts carry the law's
required statements."""

import pytest

from cases.removals import drafting, legal, services
from cases.removals.models import RemovalRequest
from tests.removals.factories import make_case

pytestmark = pytest.mark.usefixtures("platforms")


def _request(case, slug="instagram", kind="removal"):
    drafting.draft_for_case(case_id=case.pk)
    return RemovalRequest.objects.select_related("case", "platform", "channel").get(
        case=case, platform__slug=slug, kind=kind
    )


def _missing(request, basis):
    request.basis = basis
    return {m.code: m.message for m in services.render(request).missing}


def test_anonymous_filing_is_named_as_the_reason_there_is_no_signature():
    request = _request(make_case(urls=["https://instagram.com/p/1"], signed=False, anonymous=True))
    missing = _missing(request, "take_it_down")
    assert missing["signature"] == "no signature: the victim filed anonymously"


def test_a_named_but_unsigned_case_gets_a_different_signature_message():
    request = _request(make_case(urls=["https://instagram.com/p/1"], signed=False))
    assert "has not typed their full name" in _missing(request, "take_it_down")["signature"]


def test_without_consent_to_act_no_basis_is_complete():
    request = _request(make_case(urls=["https://instagram.com/p/1"], consent_act_on_behalf=False))
    for basis in legal.REQUIRED:
        assert "authority" in _missing(request, basis), basis


def test_dmca_needs_the_victim_to_own_the_copyright():
    request = _request(make_case(urls=["https://instagram.com/p/1"]))
    assert set(_missing(request, "dmca")) == {"copyright"}
    request.copyright_confirmed = True
    assert _missing(request, "dmca") == {}


def test_a_case_that_says_nothing_about_what_happened_needs_an_explanation():
    request = _request(make_case(urls=["https://instagram.com/p/1"], categories=[]))
    assert "explanation" in _missing(request, "dsa_art16")
    request.explanation_extra = "Posted by an ex-partner after the break-up."
    assert _missing(request, "dsa_art16") == {}


def test_google_form_needs_the_name_of_the_person_pictured():
    request = _request(make_case(urls=["https://instagram.com/p/1"], signed=False, anonymous=True), "google", "deindex")
    assert "person_name" in _missing(request, "google_ncii")


def test_take_it_down_text_has_every_element_of_a_valid_request():
    request = _request(make_case(urls=["https://instagram.com/p/1", "https://instagram.com/p/2"]))
    rendered = services.render(request)
    assert rendered.missing == []
    body = rendered.body
    assert "https://instagram.com/p/1" in body and "https://instagram.com/p/2" in body  # location
    assert legal.STATEMENTS["good_faith_tida"] in body  # good-faith statement
    assert "shared by someone the person pictured knows" in body  # information to judge consent
    assert "Signed electronically by Alex Example" in body  # signature
    assert "helpline@localhost" in body  # contact information (the authorised helpline)
    assert "48 hours" in body
    assert rendered.subject.startswith(f"Removal request {request.code}: 2 items")


def test_dmca_text_has_all_six_elements_and_warns_that_notices_travel():
    request = _request(make_case(urls=["https://instagram.com/p/1"]))
    request.basis, request.copyright_confirmed = "dmca", True
    rendered = services.render(request)
    assert "Lumen" in rendered.caution
    body = rendered.body
    for element in ("Copyrighted work", "Infringing material", "Contact", "Signed electronically"):
        assert element in body
    assert legal.STATEMENTS["good_faith_dmca"] in body
    assert legal.STATEMENTS["perjury_dmca"] in body


def test_dsa_text_has_the_four_article_16_elements():
    request = _request(make_case(urls=["https://instagram.com/p/1"]))
    request.basis = "dsa_art16"
    body = services.render(request).body
    assert "(a) Why this content is illegal" in body
    assert "(b) Exact location" in body and "https://instagram.com/p/1" in body
    assert "(c) Notifier:" in body and "helpline@localhost" in body
    assert legal.STATEMENTS["bona_fide_dsa"] in body


def test_search_engine_form_fields_are_prepared_for_copying():
    request = _request(make_case(urls=["https://instagram.com/p/1"]), "google", "deindex")
    fields = dict(services.render(request).fields)
    assert fields["Name of the person pictured"] == "Alex Example"
    assert fields["URLs"] == "https://instagram.com/p/1"
    assert fields["Did the person consent to it being published?"] == "No"
    assert request.basis == "google_ncii"


def test_the_platforms_language_selects_the_template_with_english_as_fallback():
    request = _request(make_case(urls=["https://instagram.com/p/1"]))
    request.language = "es"
    assert services.render(request).body.startswith("Removal request under the TAKE IT DOWN Act")
