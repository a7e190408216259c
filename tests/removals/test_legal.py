"""Legal bases: each request says exactly which required element is missing, and the texts carry the law's
required statements. Uses the tests' own directory (tests/removals/legal_cast.py)."""

import pytest
from django.template import engines
from django.utils import timezone

from cases.models import Case
from cases.removals import drafting, legal, services
from cases.removals.models import RemovalRequest
from tests.removals import legal_cast as cast
from tests.removals.factories import make_case

pytestmark = pytest.mark.usefixtures("cast_directory")
URL = cast.URL_ON["covered"]


def _request(case, slug="covered", kind="removal"):
    drafting.draft_for_case(case_id=case.pk)
    return RemovalRequest.objects.select_related("case", "platform", "channel").get(
        case=case, platform__slug=slug, kind=kind
    )


def _missing(request, basis):
    request.basis = basis
    return {m.code: m.message for m in services.render(request).missing}


def test_anonymous_victim_still_gets_a_valid_take_it_down_request_signed_by_the_helpline():
    request = _request(make_case(urls=[URL], signed=False, anonymous=True))
    assert request.basis == "take_it_down" and _missing(request, "take_it_down") == {}
    body = services.render(request).body
    assert f"Signed electronically by {cast.SIGNATORY}, for {cast.LEGAL_NAME}, authorised representative" in body
    assert "holds the written authority of the person pictured" in body


def test_without_a_helpline_signatory_an_anonymous_request_has_no_signature(settings):
    settings.HELPLINE_SIGNATORY = ""
    request = _request(make_case(urls=[URL], signed=False, anonymous=True))
    assert "HELPLINE_SIGNATORY" in _missing(request, "take_it_down")["signature"]


def test_without_consent_to_act_no_adult_basis_is_complete():
    request = _request(make_case(urls=[URL], consent_act_on_behalf=False))
    for basis in legal.REQUIRED:
        if "authority" in legal.required(basis):
            assert "authority" in _missing(request, basis), basis


def test_dmca_needs_own_pictures_and_the_victims_own_confirmation():
    request = _request(make_case(urls=[URL], images_taken_by=Case.TakenBy.SOMEONE_ELSE))
    assert {"ownership", "work", "victim_confirmed"} <= set(_missing(request, "dmca"))
    case = request.case
    case.images_taken_by = Case.TakenBy.SELF
    assert set(_missing(request, "dmca")) == {"victim_confirmed"}
    case.dmca_confirmed_at = timezone.now()
    assert _missing(request, "dmca") == {}


def test_a_dsa_notice_needs_an_explanation_and_the_victims_member_state():
    request = _request(make_case(urls=[URL], categories=[], country="FR"))
    assert request.basis == "dsa_art16"
    assert "explanation" in _missing(request, "dsa_art16")
    request.explanation_extra = "Posted by an ex-partner after the break-up."
    assert _missing(request, "dsa_art16") == {}
    request.case.country = "US"
    assert "member_state" in _missing(request, "dsa_art16")


def test_google_form_needs_the_name_of_the_person_pictured():
    request = _request(make_case(urls=[URL], signed=False, anonymous=True), "engine", "deindex")
    assert "person_name" in _missing(request, "google_ncii")


def test_take_it_down_text_has_every_element_of_a_valid_request():
    request = _request(make_case(urls=[URL, URL + "/2"]))
    rendered = services.render(request)
    assert rendered.missing == []
    body = rendered.body
    assert f"  1. {URL}\n  2. {URL}/2" in body  # location, numbered
    assert legal.STATEMENTS["en"]["good_faith"] in body  # good-faith statement
    assert "shared by someone the person pictured knows" in body  # information to judge consent
    assert "Signed electronically by Alex Example, the person pictured" in body  # signature
    assert "requests@helpline.example" in body  # contact information (the authorised helpline)
    assert "48 hours" in body
    assert rendered.subject.startswith(f"NCII removal request {request.code}: 2 items")


def test_a_template_that_drops_a_required_statement_cannot_be_sent(monkeypatch):
    request = _request(make_case(urls=[URL]))
    assert services.render(request).missing == []
    lacking = engines["django"].from_string("{% for url in urls %}{{ url }}{% endfor %} {{ explanation }}")
    monkeypatch.setattr(legal.render, "_template_for", lambda basis, language: lacking)
    assert "good_faith" in {m.code for m in services.render(request).missing}


def test_dmca_text_has_all_six_elements_and_warns_that_notices_travel():
    request = _request(make_case(urls=[URL], dmca_confirmed_at=timezone.now(), images_taken_by="self"))
    request.basis = "dmca"
    rendered = services.render(request)
    assert rendered.missing == []
    assert "Lumen" in rendered.caution and "uploader" in rendered.caution
    body = rendered.body
    for element in ("Copyrighted work", "Infringing material", "Contact", "Signed electronically"):
        assert element in body
    assert f"{cast.SIGNATORY}, for {cast.LEGAL_NAME}, agent of the copyright owner" in body
    assert "Alex Example" not in body  # the helpline signs as agent: the notice may be published
    assert legal.STATEMENTS["en"]["good_faith_dmca"] in body
    assert legal.STATEMENTS["en"]["accuracy_perjury"] in body


def test_dsa_text_has_the_four_article_16_elements():
    request = _request(make_case(urls=[URL], country="DE"))
    body = services.render(request).body
    assert "(a) Why this content is illegal" in body and "Germany" in body
    assert "(b) Exact location" in body and URL in body
    assert "(c) Notifier: Example Helpline CIC, requests@helpline.example" in body
    assert legal.STATEMENTS["en"]["bona_fide"] in body


def test_search_engine_form_fields_are_prepared_for_copying():
    request = _request(make_case(urls=[URL]), "engine", "deindex")
    fields = dict(services.render(request).fields)
    assert fields["Name of the person pictured"] == "Alex Example"
    assert fields["URLs"] == f"1. {URL}"
    assert fields["Did the person consent to it being published?"] == "No"
    assert request.basis == "google_ncii"


def test_a_spanish_channel_gets_the_spanish_text_and_others_english():
    spanish = _request(make_case(urls=[URL], country="ES"))
    assert spanish.channel.language == "es" and spanish.basis == "dsa_art16"
    rendered = services.render(spanish)
    assert rendered.body.startswith("Notificación de contenido ilícito")
    assert legal.STATEMENTS["es"]["bona_fide"] in rendered.body and rendered.missing == []
    english = _request(make_case(urls=[URL], country="DE"))
    assert services.render(english).body.startswith("Notice of illegal content")


def test_no_phone_configured_means_none_in_the_request(settings):
    request = _request(make_case(urls=[URL]))
    assert "0345" not in services.render(request).body
    settings.HELPLINE_PHONE = "+1 800 555 0199"
    assert "+1 800 555 0199" in services.render(request).body


def test_preservation_request_when_the_victim_may_go_to_the_police():
    with_police = _request(make_case(urls=[URL], police=Case.Police.YES))
    without = _request(make_case(urls=[URL], police=Case.Police.NO))
    assert "Preservation request" in services.render(with_police).body
    assert "Preservation request" not in services.render(without).body


def test_fingerprints_go_only_with_consent_to_share_them():
    case = make_case(urls=[URL], consent_share_hashes=True)
    case.hashes.create(media_kind="image", pdq="ab" * 32, md5="0" * 32, sha256="1" * 64)
    request = _request(case)
    body = services.render(request).body
    assert "PDQ " + "ab" * 32 in body and "MD5 " + "0" * 32 in body and "uploaded again" in body
    case.consent_share_hashes = False
    case.save()
    request.case = case
    assert "ab" * 32 not in services.render(request).body


def test_video_fingerprints_are_cited_as_a_count_never_as_frame_hashes():
    case = make_case(urls=[URL], consent_share_hashes=True)
    frames = [["cd" * 32, 100, n * 25, float(n)] for n in range(7)]
    case.hashes.create(media_kind="video", md5="2" * 32, sha256="3" * 64, vpdq_frames=frames, video={"duration": 7.0})
    case.hashes.create(media_kind="video", md5="4" * 32, sha256="5" * 64, vpdq_error="unsupported")
    request = _request(case)
    body = services.render(request).body
    assert "video fingerprints (vPDQ, one frame a second: 7 frames of 1 video)" in body
    assert "MD5 " + "2" * 32 in body and "cd" * 32 not in body
    spanish = engines["django"].get_template("removals/requests/_extras.es.txt")
    spanish = spanish.render({"fingerprints": [{"md5": "2" * 32}], "video_fingerprints": {"videos": 2, "frames": 14}})
    assert "huellas digitales de vídeo (vPDQ, un fotograma por segundo: 14 fotogramas de 2 vídeos)" in spanish
    case.consent_share_hashes = False
    case.save()
    request.case = case
    assert "vPDQ" not in services.render(request).body
