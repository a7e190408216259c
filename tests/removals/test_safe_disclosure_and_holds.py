"""What may leave the portal, and when: the victim named to an unknown place only with an audited approval;
requests held for evidence while the victim may go to the police; a DMCA notice only once the victim confirmed
its statements on their own status page; a minor's fingerprints kept out of the adult bank."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from cases.casework.models import AuditRecord
from cases.intake.services import case_file
from cases.models import Case, CaseEvent
from cases.removals import drafting, services
from cases.removals.models import RemovalRequest
from tests.cases.helpers import fingerprint, post_form
from tests.removals import legal_cast as cast
from tests.removals.factories import add_url, make_case

pytestmark = pytest.mark.usefixtures("cast_directory")


def _draft_on(destination: str, **fields) -> RemovalRequest:
    case = make_case(urls=[cast.URL_ON[destination]], **fields)
    drafting.draft_for_case(case_id=case.pk)
    return RemovalRequest.objects.get(case=case, platform__slug=destination, kind="removal")


def _act(client, request, action, **data):
    url = reverse("removals:request_action", args=[request.case.reference, request.pk, action])
    return client.post(url, {"from_status": request.status, **data}, follow=True)


def test_an_unknown_site_learns_the_victims_name_only_after_an_audited_approval(caseworker, caseworker_client):
    request = _draft_on("other", assigned_to=caseworker)
    request.abuse_contact = "abuse@unknown-tube.example"
    request.save(update_fields=["abuse_contact"])
    before = services.render(request)
    assert "Alex Example" not in before.body + before.subject and not before.names_victim
    html = caseworker_client.get(reverse("removals:case_board", args=[request.case.reference])).content.decode()
    assert "Approve naming the victim here" in html
    _act(caseworker_client, request, "approve-disclosure")
    request.refresh_from_db()
    assert request.disclosure_approved_at is not None and request.disclosure_approved_by == caseworker
    after = services.render(request)
    assert "The person pictured is Alex Example." in after.body and after.names_victim
    audit = AuditRecord.objects.filter(case=request.case, detail__step="approve_disclosure")
    assert audit.count() == 1 and audit.get().actor == caseworker
    assert CaseEvent.objects.filter(case=request.case, kind="removal_disclosure_approved").count() == 1


def test_a_minor_is_never_named_even_with_an_approval(caseworker):
    request = _draft_on("other", is_minor=True, country="US")
    with pytest.raises(services.RemovalError, match="never named"):
        services.removal_approve_disclosure(request_id=request.pk, actor=caseworker)


def test_requests_are_held_until_a_caseworker_confirms_the_evidence(caseworker, caseworker_client):
    request = _draft_on("covered", assigned_to=caseworker, police=Case.Police.YES)
    assert "evidence" in request.missing_elements
    with pytest.raises(services.RemovalError, match="held for evidence"):
        services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    assert "Preservation request" in services.render(request).body
    board = reverse("removals:case_board", args=[request.case.reference])
    assert "data-evidence-held" in caseworker_client.get(board).content.decode()
    caseworker_client.post(reverse("removals:evidence_confirm", args=[request.case.reference]), {"next": board})
    case = Case.objects.get(pk=request.case_id)
    assert case.evidence_confirmed_at is not None and case.evidence_confirmed_by == caseworker
    assert AuditRecord.objects.filter(case=case, detail__step="evidence_confirmed", actor=caseworker).count() == 1
    assert services.removal_mark_ready(request_id=request.pk, actor=caseworker).status == "ready"


def test_another_caseworker_cannot_release_held_requests(caseworker, other_caseworker, client):
    request = _draft_on("covered", assigned_to=caseworker, police=Case.Police.UNSURE)
    client.force_login(other_caseworker)
    response = client.post(reverse("removals:evidence_confirm", args=[request.case.reference]))
    assert response.status_code == 403
    assert Case.objects.get(pk=request.case_id).evidence_confirmed_at is None


def test_a_dmca_notice_waits_for_the_victims_own_confirmation_on_their_status_page(caseworker, client, helpline):
    cache.clear()
    draft = {
        "safety": {"safe_now": "yes", "age": "adult", "filed_by": "self"},
        "what-happened": {"categories": ["known_person"], "images_taken_by": "self", "country": "US"},
        "where": {"urls": [], "elsewhere": ""},
        "images": {"hashes": [fingerprint(1)]},
        "contact": {"name": "Sam", "email": "sam@example.net", "safe_channels": ["email"]},
        "consent": {"consent_share_hashes": True, "consent_contact": True, "consent_act_on_behalf": True},
    }
    filed = case_file(draft=draft, language="en")
    add_url(filed.case, cast.URL_ON["covered"])
    drafting.draft_for_case(case_id=filed.case.pk)
    request = RemovalRequest.objects.get(case=filed.case, platform__slug="covered")
    copyright_form = request.platform.channels.get(label="Copyright form")
    services.removal_edit_draft(request_id=request.pk, actor=caseworker, basis="dmca", channel_id=copyright_form.pk)
    with pytest.raises(services.RemovalError, match="not confirmed by the victim"):
        services.removal_mark_ready(request_id=request.pk, actor=caseworker)

    post_form(client, "/status/", {"reference": filed.case.reference, "pin": filed.pin})
    page = client.get("/status/case/").content.decode()
    assert "data-dmca-prompt" in page
    form = client.get("/status/case/copyright-notice/").content.decode()
    assert "Lumen" in form and "penalty of perjury" in form
    # Ticking only some of the statements confirms nothing.
    response = post_form(client, "/status/case/copyright-notice/", {"own_pictures": "on", "good_faith": "on"})
    assert response.status_code == 200 and "Please tick this to confirm" in response.content.decode()
    assert Case.objects.get(pk=filed.case.pk).dmca_confirmed_at is None
    post_form(client, "/status/case/copyright-notice/", {"own_pictures": "on", "good_faith": "on", "accurate": "on"})
    case = Case.objects.get(pk=filed.case.pk)
    assert case.dmca_confirmed_at is not None and "penalty of perjury" in case.dmca_statement
    assert services.removal_mark_ready(request_id=request.pk, actor=caseworker).status == "ready"
    assert "data-dmca-prompt" not in client.get("/status/case/").content.decode()


def test_no_dmca_prompt_for_a_victim_without_a_dmca_draft(client):
    cache.clear()
    filed = case_file(
        draft={
            "safety": {"safe_now": "yes", "age": "adult", "filed_by": "self"},
            "where": {"urls": [], "elsewhere": ""},
            "consent": {"consent_act_on_behalf": True},
        },
        language="en",
    )
    add_url(filed.case, cast.URL_ON["covered"])
    drafting.draft_for_case(case_id=filed.case.pk)
    post_form(client, "/status/", {"reference": filed.case.reference, "pin": filed.pin})
    assert "data-dmca-prompt" not in client.get("/status/case/").content.decode()
    assert "data-dmca-none" in client.get("/status/case/copyright-notice/").content.decode()
    response = post_form(
        client, "/status/case/copyright-notice/", {"own_pictures": "on", "good_faith": "on", "accurate": "on"}
    )
    assert response["Location"] == "/status/case/"
    assert Case.objects.get(pk=filed.case.pk).dmca_confirmed_at is None


def test_the_board_labels_a_legal_deadline_and_a_finished_request_shows_none(caseworker, caseworker_client):
    request = _draft_on("covered", assigned_to=caseworker)
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    services.removal_mark_sent(request_id=request.pk, actor=caseworker, expected_status="ready")
    board = reverse("removals:case_board", args=[request.case.reference])
    html = caseworker_client.get(board).content.decode()
    assert 'data-deadline-kind="statutory"' in html and "48 hours under the TAKE IT DOWN Act" in html
    services.removal_record_answer(request_id=request.pk, actor=caseworker, answer="removed", expected_status="sent")
    html = caseworker_client.get(board).content.decode()
    assert 'data-deadline-kind="none"' in html and "data-deadline>" not in html and "due in" not in html


def test_the_board_labels_a_follow_up_target_as_no_legal_deadline(caseworker, caseworker_client):
    request = _draft_on("hostco", assigned_to=caseworker)
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    services.removal_mark_sent(request_id=request.pk, actor=caseworker, expected_status="ready")
    html = caseworker_client.get(reverse("removals:case_board", args=[request.case.reference])).content.decode()
    assert 'data-deadline-kind="follow_up"' in html and "no legal deadline applies" in html
