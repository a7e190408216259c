"""Casework services: claim, assign, status, notes, messages; each writes an audit record and a timeline event."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from cases.casework import services
from cases.casework.access import NotAllowed
from cases.casework.audit import Origin
from cases.casework.models import AuditRecord, CaseAssignment, CaseMessage, CaseNote
from cases.casework.tasks import message_email_notice
from cases.models import Case, CaseEvent
from tests.casework.conftest import VICTIM, make_case, safe_contact

ORIGIN = Origin(ip="203.0.113.7", user_agent="pytest browser")


def records(case, action):
    return list(AuditRecord.objects.filter(case=case, action=action))


def events(case, kind):
    return list(CaseEvent.objects.filter(case=case, kind=kind))


def assert_no_victim_pii(record: AuditRecord) -> None:
    text = json.dumps(record.detail) + record.object_type + record.object_id + record.user_agent
    for value in VICTIM.values():
        assert value not in text


@pytest.mark.django_db
def test_claiming_a_new_case_assigns_it_starts_work_and_records_it(case, caseworker):
    claimed = services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    assert claimed.assigned_to == caseworker and claimed.assigned_at is not None
    assert claimed.status == Case.Status.IN_PROGRESS
    (record,) = records(case, AuditRecord.Action.CASE_CLAIM)
    assert (record.actor, record.ip, record.user_agent, record.case_reference) == (
        caseworker,
        "203.0.113.7",
        "pytest browser",
        case.reference,
    )
    assert_no_victim_pii(record)
    (event,) = events(case, "case_claimed")
    assert event.actor == caseworker and event.detail == {"status_from": "new", "status_to": "in_progress"}
    assert CaseAssignment.objects.get(case=case).kind == CaseAssignment.Kind.CLAIM


@pytest.mark.django_db
def test_second_claim_of_same_case_is_refused_and_says_who_has_it(case, caseworker, other_caseworker):
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    with pytest.raises(services.ClaimRefused) as refused:
        services.case_claim(case=Case.objects.get(pk=case.pk), actor=other_caseworker, origin=ORIGIN)
    assert refused.value.holder == caseworker
    assert "Casey claimed this case first" in str(refused.value)
    assert Case.objects.get(pk=case.pk).assigned_to == caseworker
    assert len(records(case, AuditRecord.Action.CASE_CLAIM)) == 1


@pytest.mark.django_db
def test_a_closed_case_cannot_be_claimed(caseworker):
    from django.utils import timezone

    closed = make_case(status=Case.Status.CLOSED, closed_at=timezone.now(), closing_reason="removed")
    with pytest.raises(services.ClaimRefused, match="reopen it"):
        services.case_claim(case=closed, actor=caseworker, origin=ORIGIN)


@pytest.mark.django_db
def test_a_supervisor_assigns_reassigns_and_unassigns(case, caseworker, other_caseworker, supervisor):
    services.case_assign(case=case, to=caseworker, actor=supervisor, origin=ORIGIN)
    services.case_assign(case=case, to=other_caseworker, actor=supervisor, origin=ORIGIN)
    services.case_assign(case=case, to=None, actor=supervisor, origin=ORIGIN)
    history = list(CaseAssignment.objects.filter(case=case).values_list("kind", "assigned_to", "previous"))
    assert history == [
        ("assign", caseworker.pk, None),
        ("reassign", other_caseworker.pk, caseworker.pk),
        ("unassign", None, other_caseworker.pk),
    ]
    assert [r.detail["kind"] for r in reversed(records(case, AuditRecord.Action.CASE_ASSIGN))] == [
        "assign",
        "reassign",
        "unassign",
    ]
    assert [e.kind for e in CaseEvent.objects.filter(case=case)] == [
        "case_assigned",
        "case_reassigned",
        "case_unassigned",
    ]


@pytest.mark.django_db
def test_a_caseworker_cannot_assign_cases(case, caseworker, other_caseworker):
    with pytest.raises(NotAllowed):
        services.case_assign(case=case, to=other_caseworker, actor=caseworker, origin=ORIGIN)
    assert Case.objects.get(pk=case.pk).assigned_to is None


@pytest.mark.django_db
def test_closing_needs_a_reason_and_reopening_clears_it(case, caseworker):
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    with pytest.raises(services.CaseworkError, match="closing reason"):
        services.case_status_change(case=case, status="closed", actor=caseworker, origin=ORIGIN)
    closed = services.case_status_change(
        case=case, status="closed", closing_reason="removed", actor=caseworker, origin=ORIGIN
    )
    assert closed.closed_at is not None and closed.closing_reason == "removed"
    with pytest.raises(services.CaseworkError, match="cannot go from closed to waiting"):
        services.case_status_change(case=case, status="waiting_on_victim", actor=caseworker, origin=ORIGIN)
    reopened = services.case_status_change(case=case, status="in_progress", actor=caseworker, origin=ORIGIN)
    assert (reopened.status, reopened.closed_at, reopened.closing_reason) == ("in_progress", None, "")
    assert [e.kind for e in CaseEvent.objects.filter(case=case)] == [
        "case_claimed",
        "case_status_changed",
        "case_reopened",
    ]
    status_records = records(case, AuditRecord.Action.CASE_STATUS)
    assert [r.detail["status_to"] for r in reversed(status_records)] == ["closed", "in_progress"]


@pytest.mark.django_db
def test_only_the_assigned_caseworker_changes_status(case, caseworker, other_caseworker):
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    with pytest.raises(NotAllowed, match="assigned to Casey"):
        services.case_status_change(case=case, status="waiting_on_victim", actor=other_caseworker, origin=ORIGIN)


@pytest.mark.django_db
def test_a_note_is_stored_encrypted_and_recorded_without_its_text(case, caseworker):
    from django.db import connection

    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    note = services.note_add(
        case=case, text="Victim prefers mornings; ex-partner is Jo Bloggs.", actor=caseworker, origin=ORIGIN
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM casework_casenote WHERE id = %s", [note.pk])
        (raw,) = cursor.fetchone()
    assert raw.startswith("fernet:") and "Bloggs" not in raw
    assert CaseNote.objects.get(pk=note.pk).text.endswith("Jo Bloggs.")
    (record,) = records(case, AuditRecord.Action.NOTE_ADD)
    assert record.object_id == str(note.pk) and "Bloggs" not in json.dumps(record.detail)
    assert events(case, "note_added")[0].detail == {"note_id": note.pk}


@pytest.mark.django_db
def test_an_empty_note_is_refused(case, caseworker):
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    with pytest.raises(services.CaseworkError, match="empty"):
        services.note_add(case=case, text="   ", actor=caseworker, origin=ORIGIN)


@pytest.mark.django_db
def test_a_message_is_emailed_as_a_notice_when_email_is_safe(
    caseworker, django_capture_on_commit_callbacks, monkeypatch
):
    case = make_case(safe_contact=safe_contact(["email"], name_helpline=True))
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    queued = []
    monkeypatch.setattr(message_email_notice, "delay", lambda message_id: queued.append(message_id))
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_send(
            case=case, body="We sent the request to Examplegram.", actor=caseworker, origin=ORIGIN
        )
    assert message.email_status == CaseMessage.Email.QUEUED and queued == [message.pk]

    message_email_notice(message.pk)
    message.refresh_from_db()
    assert message.email_status == CaseMessage.Email.SENT and message.emailed_at is not None
    (sent,) = mail.outbox
    assert sent.to == ["alex.victim@example.org"]
    assert "Examplegram" not in sent.body, "the email is a notice only, never the message itself"
    message_email_notice(message.pk)
    assert len(mail.outbox) == 1, "running the task twice sends once"


@pytest.mark.django_db
def test_a_notice_does_not_name_the_helpline_unless_they_allowed_it(caseworker, settings):
    case = make_case(safe_contact=safe_contact(["email"], name_helpline=False))
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    message = services.message_send(case=case, body="Update.", actor=caseworker, origin=ORIGIN)
    message_email_notice(message.pk)
    (sent,) = mail.outbox
    assert settings.SITE_NAME not in sent.subject + sent.body
    assert settings.PORTAL_BASE_URL not in sent.body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"safe_contact": safe_contact(["call"])}, CaseMessage.Email.FORBIDDEN),
        ({"safe_contact": ""}, CaseMessage.Email.FORBIDDEN),
        ({"consent_contact": False}, CaseMessage.Email.FORBIDDEN),
        ({"contact_email": ""}, CaseMessage.Email.NO_ADDRESS),
    ],
)
def test_a_message_is_not_emailed_when_their_preferences_do_not_allow_it(caseworker, fields, expected, monkeypatch):
    case = make_case(**fields)
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    monkeypatch.setattr(message_email_notice, "delay", lambda *_: pytest.fail("no email may be queued"))
    message = services.message_send(case=case, body="Update.", actor=caseworker, origin=ORIGIN)
    assert message.email_status == expected
    assert records(case, AuditRecord.Action.MESSAGE_SEND)[0].detail == {"email_status": expected}


@pytest.mark.django_db
def test_the_notice_task_checks_the_preferences_again(caseworker, monkeypatch):
    case = make_case(safe_contact=safe_contact(["email"]))
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    monkeypatch.setattr(message_email_notice, "delay", lambda *_: None)
    message = services.message_send(case=case, body="Update.", actor=caseworker, origin=ORIGIN)
    case.safe_contact = safe_contact(["text"])  # they changed their mind meanwhile
    case.save(update_fields=["safe_contact"])
    message_email_notice(message.pk)
    message.refresh_from_db()
    assert message.email_status == CaseMessage.Email.FORBIDDEN and mail.outbox == []


@pytest.mark.django_db
def test_casework_erase_deletes_notes_messages_and_evidence(case, caseworker, django_capture_on_commit_callbacks):
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    services.note_add(case=case, text="note", actor=caseworker, origin=ORIGIN)
    services.message_send(case=case, body="msg", actor=caseworker, origin=ORIGIN, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.casework_erase(case=case)
    assert not CaseNote.objects.filter(case=case).exists()
    assert not CaseMessage.objects.filter(case=case).exists()
    (record,) = records(case, AuditRecord.Action.CASEWORK_ERASE)
    assert record.detail == {"notes": 1, "messages": 1, "evidence": 0}
