"""The hourly deadline check: overdue, the assignee told without victim details, the escalation drafted once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cases.removals import deadlines, services
from cases.removals.models import RemovalRequest
from tests.removals import legal_cast as cast
from tests.removals.factories import drafted_request, sent_request

pytestmark = pytest.mark.usefixtures("platforms")


def _tida_sent(caseworker, **fields):
    request = drafted_request(slug="covered", urls=(cast.URL_ON["covered"],), **fields)
    assert request.basis == "take_it_down" and request.channel.takeitdown_designated
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    return services.removal_mark_sent(
        request_id=request.pk, actor=caseworker, expected_status="ready", ticket_number="T-9"
    )


@pytest.mark.usefixtures("cast_directory")
def test_the_hourly_check_marks_overdue_tells_the_assignee_and_drafts_the_regulator_complaint(caseworker, committed):
    request = _tida_sent(caseworker, assigned_to=caseworker)
    assert request.deadline_statutory is True
    mail.outbox.clear()
    with committed():
        moved = deadlines.removal_deadlines_check(now=timezone.now() + timedelta(hours=49))
    assert moved == 1
    request.refresh_from_db()
    assert request.status == "overdue" and request.overdue_notified_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [caseworker.email]
    assert request.case.reference in mail.outbox[0].subject
    assert "TAKE IT DOWN" in mail.outbox[0].body
    assert "Alex" not in mail.outbox[0].body  # no victim details in the notification
    escalation = RemovalRequest.objects.get(escalates=request)
    assert escalation.kind == "escalation" and escalation.status == "drafted"
    assert escalation.basis == "regulator_complaint" and escalation.channel.platform.slug == "ftc"
    body = services.render(escalation).body
    assert "TAKE IT DOWN Act" in body and "T-9" in body
    # Running it again does nothing more.
    assert deadlines.removal_deadlines_check(now=timezone.now() + timedelta(hours=50)) == 0
    assert RemovalRequest.objects.filter(escalates=request).count() == 1


@pytest.mark.usefixtures("cast_directory")
def test_the_48_hours_count_from_the_submission_time_the_caseworker_gives(caseworker):
    request = drafted_request(slug="covered", urls=(cast.URL_ON["covered"],))
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    submitted = timezone.now() - timedelta(minutes=3)
    request = services.removal_mark_sent(
        request_id=request.pk, actor=caseworker, expected_status="ready", submitted_at=submitted
    )
    request.refresh_from_db()
    assert request.sent_at == submitted and request.deadline_at == submitted + timedelta(hours=48)


@pytest.mark.usefixtures("cast_directory")
def test_a_submission_time_in_the_future_is_refused_and_changes_nothing(caseworker):
    request = drafted_request(slug="covered", urls=(cast.URL_ON["covered"],))
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    with pytest.raises(services.RemovalError, match="in the future"):
        services.removal_mark_sent(
            request_id=request.pk,
            actor=caseworker,
            expected_status="ready",
            submitted_at=timezone.now() + timedelta(hours=3),
        )
    request.refresh_from_db()
    assert request.status == "ready" and request.sent_at is None


def test_a_follow_up_target_prompts_a_follow_up_never_an_overdue_or_an_appeal(caseworker, committed):
    request = sent_request(caseworker, assigned_to=caseworker)  # a policy report: no legal deadline
    assert request.deadline_statutory is False
    mail.outbox.clear()
    with committed():
        moved = deadlines.removal_deadlines_check(now=timezone.now() + timedelta(hours=121))
    assert moved == 0
    request.refresh_from_db()
    assert request.status == "sent" and request.overdue_notified_at is not None
    assert not RemovalRequest.objects.filter(escalates=request).exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith("Follow up:")
    assert "not a legal deadline" in mail.outbox[0].body and "TAKE IT DOWN" not in mail.outbox[0].body
    # Prompted once.
    with committed():
        deadlines.removal_deadlines_check(now=timezone.now() + timedelta(hours=122))
    assert len(mail.outbox) == 1


def test_a_request_within_its_deadline_is_left_alone(caseworker):
    request = sent_request(caseworker)
    assert deadlines.removal_deadlines_check(now=timezone.now() + timedelta(hours=47)) == 0
    request.refresh_from_db()
    assert request.status == "sent"
