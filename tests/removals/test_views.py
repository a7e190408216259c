"""The staff case board: facts without victim PII, one row per target, actions allowed from each state."""

import re

import pytest
from django.urls import reverse

from cases.casework.models import AuditRecord
from cases.models import CaseEvent
from cases.removals import drafting
from cases.removals.models import RemovalRequest
from tests.removals.factories import make_case

pytestmark = pytest.mark.usefixtures("platforms")


@pytest.fixture
def case(caseworker):
    # Assigned to the caseworker: only they and supervisors see a case's requests (other staff get 403, see
    # tests/security/test_authorization_matrix.py).
    case = make_case(
        assigned_to=caseworker,
        urls=["https://instagram.com/p/1", "https://badsite.example/v/9"],
        contact_phone="+44 7700 900123",
        description="He posted them after we split up.",
    )
    drafting.draft_for_case(case_id=case.pk)
    return case


def _board(client, case):
    return client.get(reverse("removals:case_board", args=[case.reference]))


def _act(client, request, action, **data):
    url = reverse("removals:request_action", args=[request.case.reference, request.pk, action])
    return client.post(url, {"from_status": request.status, **data}, follow=True)


def test_the_board_shows_one_row_per_target_with_text_fields_and_deadline_info(caseworker_client, case):
    response = _board(caseworker_client, case)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="card rr ') == RemovalRequest.objects.filter(case=case).count() == 5
    # Instagram's directory entry has no designated TAKE IT DOWN process: a policy report, no legal deadline.
    assert "Report: intimate images shared without consent" in html
    assert "none in law; a follow-up target is set once sent" in html
    assert "Approve naming the victim here" in html  # unverified channels and unknown sites
    assert 'data-copy="rr-body-' in html
    assert "no abuse contact: badsite.example is not in the directory" in html
    assert "unverified" in html


def test_the_case_facts_carry_no_victim_contact_or_description(caseworker_client, case):
    html = _board(caseworker_client, case).content.decode()
    facts = html[html.index('class="card case-facts"') : html.index('class="removal-board"')]
    for secret in ("Alex", "alex@example.org", "+44 7700 900123", "split up", "instagram.com/p/1"):
        assert secret not in facts
    for secret in ("alex@example.org", "+44 7700 900123", "split up"):
        assert secret not in html


def test_opening_the_board_records_that_victim_details_were_viewed(caseworker_client, caseworker, case):
    _board(caseworker_client, case)
    event = CaseEvent.objects.get(case=case, kind="pii_viewed")
    assert event.actor == caseworker
    assert sorted(event.detail["request_ids"]) == sorted(
        RemovalRequest.objects.filter(case=case).values_list("pk", flat=True)
    )
    audit = AuditRecord.objects.get(case=case, action=AuditRecord.Action.REMOVAL_VIEW)
    assert audit.actor == caseworker
    assert sorted(audit.detail["request_ids"]) == sorted(event.detail["request_ids"])


def test_every_move_through_the_board_is_in_the_audit_log(caseworker_client, caseworker, case):
    request = RemovalRequest.objects.get(case=case, platform__slug="instagram")
    _act(caseworker_client, request, "ready")
    audit = AuditRecord.objects.get(case=case, action=AuditRecord.Action.REMOVAL_CHANGE)
    assert (audit.actor, audit.object_id, audit.detail["step"]) == (caseworker, str(request.pk), "ready")


def test_the_board_runs_no_inline_script_and_loads_its_module(caseworker_client, case):
    html = _board(caseworker_client, case).content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert "style=" not in html
    assert "/static/removals/board.js" in html


def test_a_caseworker_moves_a_request_from_draft_to_removed_through_the_board(caseworker_client, case):
    request = RemovalRequest.objects.get(case=case, platform__slug="instagram")
    response = _act(caseworker_client, request, "ready")
    assert f"{request.code}: Marked ready." in response.content.decode()
    request.refresh_from_db()
    assert request.status == "ready"
    _act(caseworker_client, request, "mark-sent", ticket_number="IG-123")
    request.refresh_from_db()
    assert (request.status, request.ticket_number) == ("sent", "IG-123")
    html = _act(caseworker_client, request, "answer", answer="removed", note="Gone").content.decode()
    request.refresh_from_db()
    assert request.status == "removed"
    assert "ticket IG-123" in html and "Gone" in html


def test_an_incomplete_request_is_refused_with_what_is_missing(caseworker_client, case):
    request = RemovalRequest.objects.get(case=case, platform__slug="other")
    html = _act(caseworker_client, request, "ready").content.decode()
    assert "missing required elements" in html and "no abuse contact" in html
    request.refresh_from_db()
    assert request.status == "drafted"


def test_the_caseworker_supplies_the_abuse_contact_of_an_unknown_site(caseworker_client, case):
    request = RemovalRequest.objects.get(case=case, platform__slug="other")
    _act(caseworker_client, request, "edit", basis="platform_policy", abuse_contact="abuse@badsite.example")
    request.refresh_from_db()
    assert request.abuse_contact == "abuse@badsite.example" and request.missing_elements == []
    html = _board(caseworker_client, case).content.decode()
    assert "Approve and send email" not in html  # only once ready
    _act(caseworker_client, request, "ready")
    assert "Approve and send email" in _board(caseworker_client, case).content.decode()


def test_a_stale_page_cannot_move_a_request_someone_else_moved(caseworker_client, case):
    request = RemovalRequest.objects.get(case=case, platform__slug="instagram")
    _act(caseworker_client, request, "ready")
    html = _act(caseworker_client, request, "close").content.decode()  # the page still said 'drafted'
    assert "Someone else has just changed this request" in html
    request.refresh_from_db()
    assert request.status == "ready"


def test_unknown_actions_and_other_cases_requests_are_not_found(caseworker_client, case):
    request = RemovalRequest.objects.filter(case=case).first()
    assert (
        caseworker_client.post(
            reverse("removals:request_action", args=[case.reference, request.pk, "delete"]), {"from_status": "drafted"}
        ).status_code
        == 404
    )
    other = make_case()
    assert (
        caseworker_client.post(
            reverse("removals:request_action", args=[other.reference, request.pk, "ready"]), {"from_status": "drafted"}
        ).status_code
        == 404
    )


def test_people_without_a_staff_role_cannot_open_the_board(client, django_user_model, case):
    from tests import totp

    outsider = django_user_model.objects.create_user(email="someone@example.org", password="x" * 16)
    totp.enrol(outsider, totp.new_secret())
    client.force_login(outsider)
    assert _board(client, case).status_code == 403
    assert not CaseEvent.objects.filter(case=case, kind="pii_viewed").exists()


def test_an_action_returns_to_the_page_that_showed_the_board_but_never_off_site(caseworker_client, case):
    request = RemovalRequest.objects.get(case=case, platform__slug="instagram")
    url = reverse("removals:request_action", args=[case.reference, request.pk, "ready"])
    response = caseworker_client.post(url, {"from_status": "drafted", "next": f"/staff/cases/{case.reference}/"})
    assert response["Location"] == f"/staff/cases/{case.reference}/#request-{request.pk}"
    response = caseworker_client.post(url, {"from_status": "ready", "next": "https://evil.example/"})
    assert response["Location"] == f"{reverse('removals:case_board', args=[case.reference])}#request-{request.pk}"
    response = caseworker_client.post(url, {"from_status": "ready", "next": "//evil.example/"})
    assert response["Location"].startswith("/staff/cases/")


def test_a_move_and_its_audit_row_commit_together_or_not_at_all(caseworker_client, case, monkeypatch):
    """The audit row is written inside the service's transaction: if it cannot be written, the move is undone."""
    request = RemovalRequest.objects.get(case=case, platform__slug="instagram")

    def refuse(**fields):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(AuditRecord.objects, "create", refuse)
    caseworker_client.raise_request_exception = False
    response = caseworker_client.post(
        reverse("removals:request_action", args=[case.reference, request.pk, "ready"]), {"from_status": "drafted"}
    )
    assert response.status_code == 500
    request.refresh_from_db()
    assert request.status == "drafted"
    assert not request.transitions.exists()


def test_each_board_action_is_audited_once_with_the_staff_members_address(caseworker_client, caseworker, case):
    request = RemovalRequest.objects.get(case=case, platform__slug="instagram")
    _act(caseworker_client, request, "ready")
    request.refresh_from_db()
    _act(caseworker_client, request, "reopen", note="wrong channel")
    request.refresh_from_db()
    _act(caseworker_client, request, "close", note="done elsewhere")
    steps = [
        (a.detail["step"], a.ip)
        for a in AuditRecord.objects.filter(case=case, action=AuditRecord.Action.REMOVAL_CHANGE).order_by("id")
    ]
    assert [step for step, _ in steps] == ["ready", "reopen", "close"]
    assert all(ip == "127.0.0.1" for _, ip in steps)
