"""Moves, sending, deadlines and escalation: every move recorded, illegal ones refused with a clear message."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cases.models import CaseEvent
from cases.removals import drafting, queueing, services, state
from cases.removals.models import RemovalRequest, RequestTransition
from tests.removals.factories import make_case

pytestmark = pytest.mark.usefixtures("platforms")


@pytest.fixture
def sends(monkeypatch):
    """Queued email sends, captured instead of published to the broker (tests call the send themselves)."""
    queued = []
    monkeypatch.setattr(queueing, "queue_send", lambda **kw: queued.append(kw))
    return queued


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on-commit callbacks as if the block had committed (the test's own transaction never does)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _drafted(slug="instagram", urls=("https://instagram.com/p/1",), **case_fields):
    case = make_case(urls=list(urls), **case_fields)
    drafting.draft_for_case(case_id=case.pk)
    return RemovalRequest.objects.get(case=case, platform__slug=slug, kind="removal")


def _sent(caseworker, **kw):
    request = _drafted(**kw)
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    return services.removal_mark_sent(
        request_id=request.pk, actor=caseworker, expected_status="ready", ticket_number="T-9"
    )


def test_every_move_is_recorded_with_who_when_note_and_ticket(caseworker):
    request = _sent(caseworker)
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


def test_marking_sent_starts_the_platforms_deadline(caseworker):
    before = timezone.now()
    request = _sent(caseworker)
    request.refresh_from_db()
    assert request.sent_via == "web_form" and request.ticket_number == "T-9"
    assert before + timedelta(hours=48) <= request.deadline_at <= timezone.now() + timedelta(hours=48)
    assert "Signed electronically by Alex Example" in request.sent_body


def test_an_illegal_move_is_refused_with_a_clear_message(caseworker):
    request = _drafted()
    with pytest.raises(services.RemovalError, match="A request that is drafted cannot become removed"):
        services.removal_transition(request_id=request.pk, to_status="removed", actor=caseworker)
    assert RequestTransition.objects.filter(request=request).count() == 0


def test_an_incomplete_request_cannot_be_marked_ready_and_the_message_names_what_is_missing(caseworker):
    request = _drafted(urls=("https://badsite.example/1",), slug="other")
    with pytest.raises(
        services.RemovalError, match=re.escape("no abuse contact: badsite.example is not in the directory")
    ):
        services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    RemovalRequest.objects.filter(pk=request.pk).update(abuse_contact="abuse@badsite.example")
    assert services.removal_mark_ready(request_id=request.pk, actor=caseworker).status == "ready"


def test_a_move_from_a_state_the_person_no_longer_sees_is_refused(caseworker, other_caseworker):
    request = _drafted()
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    with pytest.raises(services.RemovalConflict, match="Someone else has just changed this request: it is now ready"):
        services.removal_close(request_id=request.pk, actor=other_caseworker, expected_status="drafted")


def test_approving_an_email_request_sends_it_once_and_records_the_message_id(caseworker, sends, committed):
    request = _drafted(slug="telegram", urls=("https://t.me/somechannel/12",))
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
    request = _drafted()
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    with pytest.raises(services.RemovalError, match="goes by web form or in the app"):
        services.removal_approve_send(request_id=request.pk, actor=caseworker)
    assert sends == []


def test_the_hourly_check_marks_overdue_tells_the_assignee_and_drafts_the_regulator_complaint(caseworker, committed):
    request = _sent(caseworker, assigned_to=caseworker)
    mail.outbox.clear()
    with committed():
        moved = services.removal_deadlines_check(now=timezone.now() + timedelta(hours=49))
    assert moved == 1
    request.refresh_from_db()
    assert request.status == "overdue" and request.overdue_notified_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [caseworker.email]
    assert request.case.reference in mail.outbox[0].subject
    assert "Alex" not in mail.outbox[0].body  # no victim details in the notification
    escalation = RemovalRequest.objects.get(escalates=request)
    assert escalation.kind == "escalation" and escalation.status == "drafted"
    assert escalation.basis == "regulator_complaint" and escalation.channel.platform.slug == "us-ftc"
    body = services.render(escalation).body
    assert "TAKE IT DOWN Act" in body and "T-9" in body
    # Running it again does nothing more.
    assert services.removal_deadlines_check(now=timezone.now() + timedelta(hours=50)) == 0
    assert RemovalRequest.objects.filter(escalates=request).count() == 1


def test_a_request_within_its_deadline_is_left_alone(caseworker):
    request = _sent(caseworker)
    assert services.removal_deadlines_check(now=timezone.now() + timedelta(hours=47)) == 0
    request.refresh_from_db()
    assert request.status == "sent"


def test_escalating_a_refusal_under_platform_policy_drafts_an_appeal(caseworker):
    request = _sent(caseworker, signed=False, anonymous=True)
    assert request.basis == "platform_policy"
    services.removal_record_answer(request_id=request.pk, actor=caseworker, answer="refused", expected_status="sent")
    services.removal_escalate(request_id=request.pk, actor=caseworker, expected_status="refused")
    escalation = RemovalRequest.objects.get(escalates=request)
    assert escalation.basis == "appeal" and escalation.channel.purpose == "appeal"
    assert "You refused the request" in services.render(escalation).body


def test_editing_a_draft_changes_basis_and_channel_and_rechecks_completeness(caseworker):
    request = _drafted()
    dmca_form = next(c for c in request.platform.channels.all() if "dmca" in c.bases)
    edited = services.removal_edit_draft(
        request_id=request.pk, actor=caseworker, basis="dmca", channel_id=dmca_form.pk, copyright_confirmed=False
    )
    assert edited.missing_elements == ["copyright"]
    with pytest.raises(services.RemovalError, match="does not take this legal basis"):
        services.removal_edit_draft(request_id=request.pk, actor=caseworker, basis="google_ncii", channel_id=None)


def test_the_sweeper_requeues_cases_whose_urls_have_no_request(monkeypatch):
    queued = []
    monkeypatch.setattr(queueing, "queue_drafting", lambda **kw: queued.append(kw["case_id"]))
    old = make_case(urls=["https://instagram.com/p/1"])
    old.urls.update(created_at=timezone.now() - timedelta(minutes=5))
    make_case(urls=["https://instagram.com/p/2"])  # just filed: its task may still be running
    drafted = make_case(urls=["https://instagram.com/p/3"])
    drafted.urls.update(created_at=timezone.now() - timedelta(minutes=5))
    drafting.draft_for_case(case_id=drafted.pk)
    result = services.removals_sweep()
    assert queued == [old.pk] and result.cases_requeued == 1


def test_the_sweeper_resends_a_stale_claim_that_never_reached_smtp_and_flags_one_that_did(caseworker, sends, committed):
    first = _drafted(slug="telegram", urls=("https://t.me/a/1",))
    second = _drafted(slug="telegram", urls=("https://t.me/b/2",))
    for request in (first, second):
        services.removal_mark_ready(request_id=request.pk, actor=caseworker)
        with committed():
            services.removal_approve_send(request_id=request.pk, actor=caseworker)
    long_ago = timezone.now() - timedelta(minutes=30)
    RemovalRequest.objects.filter(pk=first.pk).update(send_claimed_at=long_ago)
    RemovalRequest.objects.filter(pk=second.pk).update(
        send_claimed_at=long_ago, send_attempted_at=long_ago, message_id="<x@localhost>"
    )
    sends.clear()
    result = services.removals_sweep()
    assert (result.sends_requeued, result.sends_interrupted) == (1, 1)
    assert [s["request_id"] for s in sends] == [first.pk]
    second.refresh_from_db()
    assert second.send_claimed_at is None and "<x@localhost>" in second.send_problem
    assert second.status == state.READY  # not stuck: the caseworker can mark it sent or approve it again
    assert services.removal_send_email(**sends[0]) == "sent"
