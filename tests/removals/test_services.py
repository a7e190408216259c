"""Moves, edits, sending and escalation: every move recorded, illegal ones refused with a clear message."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cases.models import CaseEvent
from cases.removals import services
from cases.removals.models import RemovalRequest, RequestTransition
from tests.removals.factories import drafted_request, sent_request

pytestmark = pytest.mark.usefixtures("platforms")


def test_every_move_is_recorded_with_who_when_note_and_ticket(caseworker):
    request = sent_request(caseworker)
    services.removal_record_answer(
        request_id=request.pk,
        actor=caseworker,
        answer="acknowledged",
        expected_status="sent",
        note="Auto-reply",
        ticket_number="IG-77",
    )
    history = list(
        RequestTransition.objects.filter(request=request).values_list(
            "from_status", "to_status", "actor", "ticket_number"
        )
    )
    assert history == [
        ("drafted", "ready", caseworker.pk, ""),
        ("ready", "sent", caseworker.pk, "T-9"),
        ("sent", "acknowledged", caseworker.pk, "IG-77"),
    ]
    assert RequestTransition.objects.filter(request=request).last().note == "Auto-reply"
    events = CaseEvent.objects.filter(case=request.case, kind="removal_request_moved")
    assert events.count() == 3
    assert "Auto-reply" not in str(list(events.values_list("detail", flat=True)))  # no free text on the timeline


def test_marking_sent_sets_the_helplines_follow_up_target_where_no_law_sets_a_deadline(caseworker):
    # Instagram's directory entry has no designated TAKE IT DOWN process: a policy report, no 48-hour duty.
    before = timezone.now()
    request = sent_request(caseworker)
    request.refresh_from_db()
    assert request.sent_via == "web_form" and request.ticket_number == "T-9"
    assert request.basis == "platform_policy" and request.deadline_statutory is False
    assert before + timedelta(hours=120) <= request.deadline_at <= timezone.now() + timedelta(hours=120)
    assert "Alex Example" not in request.sent_body  # an unverified channel does not learn who is pictured


def test_an_illegal_move_is_refused_with_a_clear_message(caseworker):
    request = drafted_request()
    with pytest.raises(services.RemovalError, match="A request that is drafted cannot become removed"):
        services.removal_transition(request_id=request.pk, to_status="removed", actor=caseworker)
    assert RequestTransition.objects.filter(request=request).count() == 0


def test_an_incomplete_request_cannot_be_marked_ready_and_the_message_names_what_is_missing(caseworker):
    request = drafted_request(urls=("https://badsite.example/1",), slug="other")
    with pytest.raises(
        services.RemovalError, match=re.escape("no abuse contact: badsite.example is not in the directory")
    ):
        services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    RemovalRequest.objects.filter(pk=request.pk).update(abuse_contact="abuse@badsite.example")
    assert services.removal_mark_ready(request_id=request.pk, actor=caseworker).status == "ready"


def test_a_move_from_a_state_the_person_no_longer_sees_is_refused(caseworker, other_caseworker):
    request = drafted_request()
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    with pytest.raises(services.RemovalConflict, match="Someone else has just changed this request: it is now ready"):
        services.removal_close(request_id=request.pk, actor=other_caseworker, expected_status="drafted")


def test_approving_an_email_request_sends_it_once_and_records_the_message_id(caseworker, sends, committed):
    request = drafted_request(slug="telegram", urls=("https://t.me/somechannel/12",))
    assert request.channel.method == "email"
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    with committed():
        services.removal_approve_send(request_id=request.pk, actor=caseworker)
    assert len(sends) == 1 and sends[0]["request_id"] == request.pk
    assert services.removal_send_email(**sends[0]) == "sent"
    assert services.removal_send_email(**sends[0]) != "sent"  # a second delivery of the task sends nothing
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["abuse@telegram.org"]
    assert "https://t.me/somechannel/12" in message.body
    request.refresh_from_db()
    assert request.status == "sent" and request.sent_via == "email"
    assert request.message_id and message.extra_headers["Message-ID"] == request.message_id
    assert request.send_claimed_at is None and request.deadline_at is not None


def test_a_web_form_request_cannot_be_sent_by_email(caseworker, sends):
    request = drafted_request()
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    with pytest.raises(services.RemovalError, match="goes by web form or in the app"):
        services.removal_approve_send(request_id=request.pk, actor=caseworker)
    assert sends == []


def test_escalating_a_refusal_under_platform_policy_drafts_an_appeal(caseworker):
    request = sent_request(caseworker, signed=False, anonymous=True)
    assert request.basis == "platform_policy"
    services.removal_record_answer(request_id=request.pk, actor=caseworker, answer="refused", expected_status="sent")
    services.removal_escalate(request_id=request.pk, actor=caseworker, expected_status="refused")
    escalation = RemovalRequest.objects.get(escalates=request)
    assert escalation.basis == "appeal" and escalation.channel.purpose == "appeal"
    assert "You refused the request" in services.render(escalation).body


def test_editing_a_draft_changes_basis_and_channel_and_rechecks_completeness(caseworker, helpline):
    request = drafted_request(images_taken_by="self")
    dmca_form = next(c for c in request.platform.channels.all() if "dmca" in c.bases)
    edited = services.removal_edit_draft(
        request_id=request.pk, actor=caseworker, basis="dmca", channel_id=dmca_form.pk, copyright_confirmed=False
    )
    assert edited.missing_elements == ["victim_confirmed"]  # the victim confirms the statements themselves
    with pytest.raises(services.RemovalError, match="does not apply to Instagram"):
        services.removal_edit_draft(request_id=request.pk, actor=caseworker, basis="google_ncii", channel_id=None)
