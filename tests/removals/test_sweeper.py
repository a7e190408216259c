"""The sweeper: cases whose URLs have no request are queued again; stale email claims are resent or handed back."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.removals import drafting, queueing, services, state, sweeper
from cases.removals.models import RemovalRequest
from tests.removals.factories import drafted_request, make_case

pytestmark = pytest.mark.usefixtures("platforms")


def test_the_sweeper_requeues_cases_whose_urls_have_no_request(monkeypatch):
    queued = []
    monkeypatch.setattr(queueing, "queue_drafting", lambda **kw: queued.append(kw["case_id"]))
    old = make_case(urls=["https://instagram.com/p/1"])
    old.urls.update(created_at=timezone.now() - timedelta(minutes=5))
    make_case(urls=["https://instagram.com/p/2"])  # just filed: its task may still be running
    drafted = make_case(urls=["https://instagram.com/p/3"])
    drafted.urls.update(created_at=timezone.now() - timedelta(minutes=5))
    drafting.draft_for_case(case_id=drafted.pk)
    result = sweeper.removals_sweep()
    assert queued == [old.pk] and result.cases_requeued == 1


def test_the_sweeper_resends_a_stale_claim_that_never_reached_smtp_and_flags_one_that_did(caseworker, sends, committed):
    first = drafted_request(slug="telegram", urls=("https://t.me/a/1",))
    second = drafted_request(slug="telegram", urls=("https://t.me/b/2",))
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
    result = sweeper.removals_sweep()
    assert (result.sends_requeued, result.sends_interrupted) == (1, 1)
    assert [s["request_id"] for s in sends] == [first.pk]
    second.refresh_from_db()
    assert second.send_claimed_at is None and "<x@localhost>" in second.send_problem
    assert second.status == state.READY  # not stuck: the caseworker can mark it sent or approve it again
    assert services.removal_send_email(**sends[0]) == "sent"
