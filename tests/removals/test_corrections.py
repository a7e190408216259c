"""Taking back the last recorded move of a removal request (issue 16, item 16): the pure rule in state.py and
the service that performs it with a history row, a timeline event and an audit row in one transaction."""

from __future__ import annotations

import pytest
from django.db import connection

from cases.casework.audit import Origin
from cases.casework.models import AuditRecord
from cases.models import CaseEvent
from cases.removals import services, state
from cases.removals.models import RemovalRequest, RequestTransition
from tests.removals.factories import sent_request

pytestmark = pytest.mark.usefixtures("platforms")
ORIGIN = Origin(ip="192.0.2.10", user_agent="test")


@pytest.mark.parametrize("answer", sorted(state.CORRECTABLE - {state.CLOSED}))
def test_a_recorded_answer_can_be_taken_back_to_the_state_before_it(answer):
    assert state.check_correction(answer, last_from=state.SENT, last_to=answer, last_by=state.STAFF) == state.SENT


@pytest.mark.parametrize(
    ("current", "last_from", "last_to", "last_by", "why"),
    [
        (state.SENT, state.READY, state.SENT, state.STAFF, "cannot be taken back"),  # the platform has it
        (state.ESCALATED, state.REFUSED, state.ESCALATED, state.STAFF, "cannot be taken back"),
        (state.OVERDUE, state.SENT, state.OVERDUE, state.SYSTEM, "portal itself"),
        (state.REMOVED, state.SENT, state.REFUSED, state.STAFF, "does not end in its current state"),
        (state.SENT, state.REMOVED, state.SENT, state.CORRECTION, "itself a correction"),
        (state.DRAFTED, None, None, None, "no recorded move"),
        (state.REMOVED, state.DRAFTED, state.REMOVED, state.STAFF, "not allowed"),
    ],
)
def test_moves_that_cannot_be_taken_back_are_refused_with_a_reason(current, last_from, last_to, last_by, why):
    with pytest.raises(state.IllegalMove, match=why):
        state.check_correction(current, last_from=last_from, last_to=last_to, last_by=last_by)


def test_taking_back_removed_returns_to_sent_with_history_timeline_and_audit(caseworker):
    request = sent_request(caseworker)
    deadline = request.deadline_at
    services.removal_record_answer(request_id=request.pk, actor=caseworker, answer="removed", expected_status="sent")
    services.removal_correct_last_move(
        request_id=request.pk, actor=caseworker, expected_status="removed", reason="wrong post", origin=ORIGIN
    )
    request.refresh_from_db()
    assert request.status == "sent" and request.deadline_at == deadline and request.ticket_number == "T-9"
    last = RequestTransition.objects.filter(request=request).order_by("-at", "-id").first()
    assert (last.from_status, last.to_status, last.actor, last.note) == (
        "removed",
        "sent",
        caseworker,
        "Correction: wrong post",
    )
    assert CaseEvent.objects.filter(case=request.case, kind="removal_request_corrected").count() == 1
    audit = AuditRecord.objects.get(action=AuditRecord.Action.REMOVAL_CHANGE, detail__step="correct")
    assert audit.ip == "192.0.2.10" and audit.case_reference == request.case.reference
    # A second correction would undo the correction: refused, nothing changed.
    with pytest.raises(services.RemovalError, match="itself a correction"):
        services.removal_correct_last_move(
            request_id=request.pk, actor=caseworker, expected_status="sent", reason="again", origin=ORIGIN
        )
    assert RemovalRequest.objects.get(pk=request.pk).status == "sent"


def test_a_correction_on_a_stale_page_changes_nothing(caseworker):
    request = sent_request(caseworker)
    services.removal_record_answer(request_id=request.pk, actor=caseworker, answer="refused", expected_status="sent")
    before = RequestTransition.objects.count(), AuditRecord.objects.count()
    with pytest.raises(services.RemovalConflict):
        services.removal_correct_last_move(
            request_id=request.pk, actor=caseworker, expected_status="removed", reason="x", origin=ORIGIN
        )
    with pytest.raises(services.RemovalError, match="what was wrong"):
        services.removal_correct_last_move(
            request_id=request.pk, actor=caseworker, expected_status="refused", reason="  ", origin=ORIGIN
        )
    assert (RequestTransition.objects.count(), AuditRecord.objects.count()) == before
    assert RemovalRequest.objects.get(pk=request.pk).status == "refused"


def test_the_audit_row_is_written_inside_the_services_transaction(caseworker, monkeypatch):
    """If the history row cannot be written, neither the move nor its audit row stays."""
    request = sent_request(caseworker)
    services.removal_record_answer(request_id=request.pk, actor=caseworker, answer="removed", expected_status="sent")
    audits = AuditRecord.objects.count()

    def broken(*args, **kwargs):
        raise RuntimeError("the timeline is down")

    monkeypatch.setattr(services, "event_record", broken)
    with pytest.raises(RuntimeError):
        services.removal_correct_last_move(
            request_id=request.pk, actor=caseworker, expected_status="removed", reason="x", origin=ORIGIN
        )
    assert RemovalRequest.objects.get(pk=request.pk).status == "removed"
    assert AuditRecord.objects.count() == audits
    assert not connection.needs_rollback
