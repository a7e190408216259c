"""Situations x destinations: every drafted request has the right legal basis, deadline, signer and person named,
says nothing that identifies the victim where it must not, and carries every element of its basis."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.removals import drafting, legal, services
from cases.removals.models import Basis, RemovalRequest
from tests.removals import legal_cast as cast
from tests.removals.factories import add_url, make_case

B = Basis
TIDA, POLICY, DSA, UK, CHILD, GOOGLE = (
    B.TAKE_IT_DOWN,
    B.PLATFORM_POLICY,
    B.DSA_ART16,
    B.UK_OSA,
    B.CHILD_SAFETY,
    B.GOOGLE_NCII,
)

# (situation, destination) -> expected basis. Destinations: a covered platform with a designated TAKE IT DOWN
# process, an unknown site ('other website'), a host, and a search engine (de-listing the covered platform's URL).
EXPECTED_BASIS = {
    "adult_self_signed_us": {"covered": TIDA, "other": POLICY, "hostco": POLICY, "engine": GOOGLE},
    "anonymous": {"covered": TIDA, "other": POLICY, "hostco": POLICY, "engine": GOOGLE},
    "friend_filing": {"covered": TIDA, "other": POLICY, "hostco": POLICY, "engine": GOOGLE},
    "ai_generated": {"covered": TIDA, "other": POLICY, "hostco": POLICY, "engine": GOOGLE},
    "someone_else_took": {"covered": TIDA, "other": POLICY, "hostco": POLICY, "engine": GOOGLE},
    "minor": {"covered": CHILD, "other": CHILD, "hostco": CHILD, "engine": CHILD},
    "eu_victim": {"covered": DSA, "other": DSA, "hostco": DSA, "engine": GOOGLE},
    "uk_victim": {"covered": UK, "other": UK, "hostco": POLICY, "engine": GOOGLE},
    # No Australian basis binds the platform itself (eSafety is a separate report, see below): the TAKE IT DOWN
    # process of a covered platform is open to anyone pictured.
    "au_victim": {"covered": TIDA, "other": POLICY, "hostco": POLICY, "engine": GOOGLE},
}
# A search engine's NCII form asks for the name of the person pictured: for an anonymous victim that is the one
# thing the caseworker must ask for (the request says so and cannot be sent without it).
EXPECTED_MISSING = {("anonymous", "engine"): ["person_name"]}
# Destinations that may learn who is pictured: directory platforms reached through a verified channel.
KNOWN = {"covered", "engine"}

CASES = [(situation, destination) for situation in EXPECTED_BASIS for destination in EXPECTED_BASIS[situation]]


def _drafted(situation: cast.Situation, destination: str) -> RemovalRequest:
    case = make_case(signed=False, anonymous=True, **situation.fields)
    add_url(case, cast.URL_ON["covered" if destination == "engine" else destination])
    drafting.draft_for_case(case_id=case.pk)
    if destination == "engine":
        return RemovalRequest.objects.get(case=case, platform__slug="engine", kind=RemovalRequest.Kind.DEINDEX)
    request = RemovalRequest.objects.get(case=case, platform__slug=destination, kind=RemovalRequest.Kind.REMOVAL)
    if destination == "other":
        request.abuse_contact = "abuse@unknown-tube.example"
        request.save(update_fields=["abuse_contact"])
    return request


def _everything(rendered: legal.Rendered) -> str:
    return "\n".join([rendered.subject, rendered.body, *(f"{label}: {value}" for label, value in rendered.fields)])


@pytest.mark.parametrize(("situation_name", "destination"), CASES, ids=[f"{s}-{d}" for s, d in CASES])
def test_request_is_right_and_safe_for_its_situation(cast_directory, situation_name, destination):
    situation = cast.SITUATIONS[situation_name]
    request = _drafted(situation, destination)
    case = request.case
    rendered = services.render(request)
    text = _everything(rendered)

    # The legal basis.
    assert request.basis == EXPECTED_BASIS[situation_name][destination]

    # Every element of that basis is there: the completeness check finds nothing missing, and each statutory
    # element of the basis passes on its own (statements are found in the text itself).
    expected_missing = EXPECTED_MISSING.get((situation_name, destination), [])
    assert [m.code for m in rendered.missing] == expected_missing
    for element in legal.BASES[request.basis].elements:
        assert element.citation and element.requirement
    assert set(legal.required(request.basis)) == {e.code for e in legal.BASES[request.basis].elements}
    for code, by_basis in legal.render.STATEMENT_OF.items():
        if request.basis in by_basis and code in legal.required(request.basis):
            assert legal.STATEMENTS["en"][by_basis[request.basis]] in rendered.body

    # The deadline: 48 hours only for TAKE IT DOWN through the designated process; otherwise a follow-up target.
    sent_at = timezone.now()
    deadline = services.deadline_for(request, sent_at)
    if request.basis == TIDA:
        assert request.channel.takeitdown_designated and request.platform.covered_platform
        assert deadline == {"deadline_at": sent_at + timedelta(hours=48), "deadline_statutory": True}
    else:
        assert deadline["deadline_statutory"] is False
        assert deadline["deadline_at"] == sent_at + timedelta(hours=120)

    # Who signs, and who is named as pictured.
    may_name = destination in KNOWN and not case.is_minor
    if may_name and situation.victim_signs:
        assert rendered.signer == cast.VICTIM_NAME
    else:
        assert rendered.signer == f"{cast.SIGNATORY}, for {cast.LEGAL_NAME}"
    if request.basis == TIDA:
        assert "Signed electronically by" in rendered.body and rendered.signer in rendered.body
    if may_name and situation.pictured:
        assert f"The person pictured is {situation.pictured}." in rendered.body
        assert ("Name of the person pictured", situation.pictured) in rendered.fields
    elif case.is_minor:
        assert "We do not name the child." in rendered.body
    else:
        assert "we do not give their name here for their safety" in rendered.body
        assert not any(label == "Name of the person pictured" for label, _ in rendered.fields)

    # Nothing that identifies the victim where it must not: never their email or phone, never a friend's or
    # parent's name, and no name at all to unknown destinations or for a minor.
    assert cast.VICTIM_EMAIL not in text and cast.VICTIM_PHONE not in text
    assert cast.FRIEND_NAME not in text
    if not may_name:
        for private in situation.private:
            assert private not in text, f"{private!r} leaked to {destination}"
    assert cast.LEGAL_NAME in rendered.body and "requests@helpline.example" in rendered.body

    # Subject: says what it is, with the reference.
    expected_kind = "Child safety report" if case.is_minor else "NCII"
    assert expected_kind in rendered.subject and request.code in rendered.subject
    # Numbered items with exact URLs, a ticket number asked for, copies and re-uploads.
    assert "  1. https://" in rendered.body
    assert "ticket or case number" in rendered.body
    assert "uploaded again" in rendered.body


def test_minor_gets_child_protection_routes_and_no_adult_request(cast_directory):
    situation = cast.SITUATIONS["minor"]
    case = make_case(signed=False, anonymous=True, **situation.fields)
    add_url(case, cast.URL_ON["covered"])
    add_url(case, cast.URL_ON["other"])
    drafting.draft_for_case(case_id=case.pk)
    requests = list(RemovalRequest.objects.filter(case=case).select_related("platform"))
    assert {r.basis for r in requests} == {CHILD}
    slugs = {r.platform.slug for r in requests}
    assert {"ncmec", "iwf", "covered", "other", "engine"} <= slugs
    covered = next(r for r in requests if r.platform.slug == "covered")
    assert covered.channel.label == "Child safety form"
    # Edits cannot turn it into an adult request.
    with pytest.raises(services.RemovalError, match="under 18"):
        services.removal_edit_draft(
            request_id=covered.pk, actor=None, basis=TIDA, channel_id=covered.channel_id, explanation_extra=""
        )
    for r in requests:
        assert r.deadline_statutory is False


def test_minor_outside_the_uk_is_not_sent_to_the_iwf_report_remove(cast_directory):
    fields = {**cast.SITUATIONS["minor"].fields, "country": "US"}
    case = make_case(signed=False, anonymous=True, **fields)
    add_url(case, cast.URL_ON["covered"])
    drafting.draft_for_case(case_id=case.pk)
    slugs = set(RemovalRequest.objects.filter(case=case).values_list("platform__slug", flat=True))
    assert "ncmec" in slugs and "iwf" not in slugs


def test_australian_victim_gets_an_esafety_report_and_others_do_not(cast_directory):
    for name, expected in (("au_victim", True), ("uk_victim", False), ("adult_self_signed_us", False)):
        case = make_case(signed=False, anonymous=True, **cast.SITUATIONS[name].fields)
        add_url(case, cast.URL_ON["covered"])
        drafting.draft_for_case(case_id=case.pk)
        esafety = RemovalRequest.objects.filter(case=case, platform__slug="esafety").first()
        assert (esafety is not None) is expected, name
        if esafety is not None:
            assert esafety.basis == B.ESAFETY
            rendered = services.render(esafety)
            assert rendered.missing == []
            assert "section 33(3)" in rendered.body


def test_covered_platform_without_designated_process_gets_no_take_it_down(cast_directory):
    request = _drafted(cast.SITUATIONS["adult_self_signed_us"], "nodesig")
    assert request.basis == POLICY
    assert services.deadline_for(request, timezone.now())["deadline_statutory"] is False
    with pytest.raises(services.RemovalError, match="TAKE IT DOWN"):
        services.removal_edit_draft(
            request_id=request.pk, actor=None, basis=TIDA, channel_id=request.channel_id, explanation_extra=""
        )


def test_cdn_gets_policy_report_without_the_victims_name(cast_directory):
    request = _drafted(cast.SITUATIONS["eu_victim"], "cdnco")
    assert request.basis == POLICY  # a CDN is no hosting service: DSA Art. 16 does not bind it
    text = _everything(services.render(request))
    assert cast.VICTIM_NAME not in text and cast.VICTIM_EMAIL not in text


def test_dmca_is_offered_only_when_the_person_took_the_images(cast_directory):
    for name, offered in (("adult_self_signed_us", True), ("ai_generated", False), ("someone_else_took", False)):
        request = _drafted(cast.SITUATIONS[name], "covered")
        channels = list(request.platform.channels.all())
        assert (B.DMCA in legal.allowed_bases(request.platform, channels, case=request.case, kind="removal")) is offered
        assert request.basis != B.DMCA  # never chosen automatically: a last resort
        if not offered:
            with pytest.raises(services.RemovalError, match="took the images themselves"):
                services.removal_edit_draft(
                    request_id=request.pk, actor=None, basis=B.DMCA, channel_id=None, explanation_extra=""
                )


def test_eu_escalation_goes_to_the_victims_own_coordinator(cast_directory, caseworker):
    request = _drafted(cast.SITUATIONS["eu_victim"], "covered")
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    services.removal_mark_sent(request_id=request.pk, actor=caseworker, expected_status="ready")
    services.removal_record_answer(request_id=request.pk, actor=caseworker, answer="refused", expected_status="sent")
    services.removal_escalate(request_id=request.pk, actor=caseworker, expected_status="refused")
    escalation = RemovalRequest.objects.get(escalates=request)
    assert escalation.channel is not None and escalation.channel.platform.slug == "dsc-de"


def test_a_spanish_victims_dsa_complaint_goes_to_spains_coordinator_in_spanish(cast_directory, caseworker):
    request = _drafted(cast.Situation("es", {**cast.ADULT, "country": "ES"}), "covered")
    assert request.basis == DSA and request.channel.language == "es"
    assert services.render(request).body.startswith("Notificación de contenido ilícito")
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    services.removal_mark_sent(request_id=request.pk, actor=caseworker, expected_status="ready")
    services.removal_record_answer(request_id=request.pk, actor=caseworker, answer="refused", expected_status="sent")
    services.removal_escalate(request_id=request.pk, actor=caseworker, expected_status="refused")
    escalation = RemovalRequest.objects.get(escalates=request)
    assert escalation.channel.platform.slug == "dsc-es"
    body = services.render(escalation).body
    assert body.startswith("Reclamación") and "artículo 16" in body
    assert cast.VICTIM_NAME not in body  # a regulator complaint names the helpline, not the victim


def test_an_appeal_of_a_policy_report_claims_no_legal_time_limit(cast_directory, caseworker):
    request = _drafted(cast.SITUATIONS["adult_self_signed_us"], "hostco")
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    services.removal_mark_sent(request_id=request.pk, actor=caseworker, expected_status="ready")
    services.removal_transition(request_id=request.pk, to_status="overdue")  # as if a target passed
    services.removal_escalate(request_id=request.pk, actor=caseworker, expected_status="overdue")
    body = services.render(RemovalRequest.objects.get(escalates=request)).body
    assert "They are still online." in body and "48 hours" not in body and "TAKE IT DOWN" not in body
