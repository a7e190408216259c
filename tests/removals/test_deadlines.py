"""The hourly deadline check: overdue, the assignee told without victim details, the escalation drafted once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cases.removals import deadlines, services
from cases.removals.models import RemovalRequest
from tests.removals.factories import sent_request

pytestmark = pytest.mark.usefixtures("platforms")


def test_the_hourly_check_marks_overdue_tells_the_assignee_and_drafts_the_regulator_complaint(caseworker, committed):
    request = sent_request(caseworker, assigned_to=caseworker)
    mail.outbox.clear()
    with committed():
        moved = deadlines.removal_deadlines_check(now=timezone.now() + timedelta(hours=49))
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
    assert deadlines.removal_deadlines_check(now=timezone.now() + timedelta(hours=50)) == 0
    assert RemovalRequest.objects.filter(escalates=request).count() == 1


def test_a_request_within_its_deadline_is_left_alone(caseworker):
    request = sent_request(caseworker)
    assert deadlines.removal_deadlines_check(now=timezone.now() + timedelta(hours=47)) == 0
    request.refresh_from_db()
    assert request.status == "sent"
