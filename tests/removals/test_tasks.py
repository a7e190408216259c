"""The tasks stay thin and classify errors: a gone row is dropped, a failed email releases its claim."""

import smtplib

import pytest
from django.core.mail import EmailMessage

from cases.removals import drafting, queueing, services, tasks
from cases.removals.models import RemovalRequest
from tests.removals.factories import make_case

pytestmark = pytest.mark.usefixtures("platforms")


def test_drafting_a_case_that_is_gone_is_dropped_not_retried():
    assert tasks.draft_for_case.run(999_999) == "case gone"


def test_the_drafting_task_reports_what_it_did():
    case = make_case(urls=["https://instagram.com/p/1"])
    assert tasks.draft_for_case.run(case.pk).startswith("created 4, extended 0")


def test_a_failed_email_releases_the_claim_and_tells_the_caseworker(
    caseworker, monkeypatch, django_capture_on_commit_callbacks
):
    sends = []
    monkeypatch.setattr(queueing, "queue_send", lambda **kw: sends.append(kw))
    case = make_case(urls=["https://t.me/a/1"])
    drafting.draft_for_case(case_id=case.pk)
    request = RemovalRequest.objects.get(case=case, kind="removal")
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        services.removal_approve_send(request_id=request.pk, actor=caseworker)

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({"abuse@telegram.org": (550, b"no")})

    monkeypatch.setattr(EmailMessage, "send", refuse)
    assert tasks.send_request.run(sends[0]["request_id"], sends[0]["token"]) == "failed"
    request.refresh_from_db()
    assert request.status == "ready" and request.send_claimed_at is None
    assert "SMTPRecipientsRefused" in request.send_problem
