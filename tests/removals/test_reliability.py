"""Reliability with a real Celery worker and Redis: drafting after commit, a dead broker at filing time,
and workers killed mid-task. Nothing is lost, nothing is duplicated, nothing is left stuck."""

from __future__ import annotations

import json
import os
import signal
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cases.models import CaseURL
from cases.removals import queueing, services, state, sweeper
from cases.removals.models import RemovalRequest, RequestURL
from helpline.celery import app
from tests.removals.factories import make_case
from tests.services import ROOT, celery_worker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

URLS = ["https://instagram.com/p/1", "https://x.com/a/status/1", "https://www.reddit.com/r/a/comments/1/"]
EXPECTED = 6  # three platforms and three search engines


@contextmanager
def removals_routed_to(queue: str):
    """Send removal tasks to the test worker's private queue (as production routes them to the default one)."""
    saved = app.conf.task_routes
    app.conf.task_routes = {"removals.*": {"queue": queue}}
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)
    try:
        yield
    finally:
        app.conf.task_routes = saved
        app.amqp.flush_routes()
        app.amqp.__dict__.pop("router", None)
        _forget_queue(queue)


def _forget_queue(queue: str) -> None:
    """Leave nothing behind in the shared Redis: the queue and any unacknowledged message of it."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(queue)
    for tag, raw in client.hgetall("unacked").items():
        try:
            if json.loads(raw)[2] == queue:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
        except (ValueError, IndexError, TypeError):
            continue


@contextmanager
def broker_down():
    """The broker is unreachable: publishing fails fast, as with Redis stopped."""
    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.broker_url = saved
        app._pool = None
        app.amqp._producer_pool = None


def file_case(urls=URLS):
    """As intake does: one atomic write, then drafting queued after commit."""
    with transaction.atomic():
        case = make_case(urls=urls)
        transaction.on_commit(lambda: queueing.queue_drafting(case_id=case.pk))
    return case


def requests_of(case) -> int:
    return RemovalRequest.objects.filter(case=case).count()


@contextmanager
def draft_held_midway(case):
    """Another connection inserts, uncommitted, the Reddit request that drafting is about to insert. Drafting's
    INSERT of its requests then waits on that unique key with part of its rows written, so a kill lands in
    the middle of its work. On release the other transaction rolls back and drafting can go on."""
    from cases.removals.models import Platform

    holding, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                RemovalRequest.objects.create(
                    case=case, platform=Platform.objects.get(slug="reddit"), kind="removal", basis="platform_policy"
                )
                holding.set()
                release.wait(120)
                transaction.set_rollback(True)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert holding.wait(10)
    try:
        yield release
    finally:
        release.set()
        done.wait(10)


def sessions_waiting_on_a_lock() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return {row[0] for row in cursor.fetchall()}


def drafting_waits_on_lock() -> bool:
    return bool(sessions_waiting_on_a_lock())


def pool_children(pid: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        children.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return children


def sweep_as_beat_would():
    """The sweeper looks only at URLs older than its grace period; age them instead of waiting a minute."""
    CaseURL.objects.update(created_at=timezone.now() - sweeper.DRAFTING_GRACE - timedelta(seconds=1))
    return sweeper.removals_sweep()


def assert_drafted_once_and_nothing_stuck(case):
    targets = list(RemovalRequest.objects.filter(case=case).values_list("platform_id", "host", "kind", "sequence"))
    assert len(targets) == len(set(targets)) == EXPECTED
    assert RequestURL.objects.filter(request__case=case).count() == 3 + 3 * 3
    assert set(RemovalRequest.objects.filter(case=case).values_list("status", flat=True)) == {state.DRAFTED}
    assert sweep_as_beat_would().cases_requeued == 0


def test_a_filed_case_is_drafted_by_a_real_worker_after_commit(platforms_tx):
    assert not app.conf.task_always_eager
    with celery_worker() as (process, queue), removals_routed_to(queue):
        case = file_case()
        wait_for(lambda: requests_of(case) == EXPECTED, timeout=60, what="drafting by the worker")
        assert process.poll() is None
    assert_drafted_once_and_nothing_stuck(case)


def test_redis_down_when_a_case_is_filed_loses_nothing_the_sweeper_queues_it_again(platforms_tx, caplog):
    with broker_down(), caplog.at_level("WARNING", logger="cases.removals.queueing"):
        case = file_case()  # the victim's filing succeeds although the task could not be queued
    assert requests_of(case) == 0
    # One line per filing while the broker is down, not a traceback each.
    (record,) = [r for r in caplog.records if r.name == "cases.removals.queueing"]
    assert record.getMessage().startswith(f"could not queue drafting for case id {case.pk}; the sweeper will retry (")
    assert record.exc_info is None
    with celery_worker() as (_process, queue), removals_routed_to(queue):
        assert sweep_as_beat_would().cases_requeued == 1
        wait_for(lambda: requests_of(case) == EXPECTED, timeout=60, what="drafting of the swept case")
    assert_drafted_once_and_nothing_stuck(case)


def test_a_pool_process_killed_mid_draft_is_redelivered_and_drafts_once(platforms_tx):
    with celery_worker() as (process, queue), removals_routed_to(queue):
        case = make_case(urls=URLS)
        with draft_held_midway(case) as release:
            queueing.queue_drafting(case_id=case.pk)
            first = wait_for(sessions_waiting_on_a_lock, timeout=60, what="the worker to be mid-draft")
            for child in pool_children(process.pid):
                os.kill(child, signal.SIGKILL)
            # Late ack + reject on worker loss: the message comes back and a new pool process takes it.
            wait_for(
                lambda: sessions_waiting_on_a_lock() - first,
                timeout=60,
                what="the redelivered task to be mid-draft in a new session",
            )
            assert requests_of(case) == 0  # the killed transaction left nothing half-done
            release.set()
        wait_for(lambda: requests_of(case) == EXPECTED, timeout=60, what="drafting after the kill")
        assert process.poll() is None
    assert_drafted_once_and_nothing_stuck(case)


def test_a_whole_worker_killed_mid_draft_is_caught_up_by_the_sweeper_and_drafts_once(platforms_tx):
    case = make_case(urls=URLS)
    with celery_worker() as (process, queue), removals_routed_to(queue):
        with draft_held_midway(case) as release:
            queueing.queue_drafting(case_id=case.pk)
            wait_for(drafting_waits_on_lock, timeout=60, what="the worker to be mid-draft")
            os.killpg(process.pid, signal.SIGKILL)  # the whole worker: its message stays unacknowledged
            process.wait(timeout=10)
            release.set()
        # The dead worker's session finishes its statement, finds its client gone and rolls back.
        wait_for(lambda: not drafting_waits_on_lock(), timeout=30, what="PostgreSQL to end the dead session")
        assert requests_of(case) == 0
    with celery_worker() as (_process, queue), removals_routed_to(queue):
        assert sweep_as_beat_would().cases_requeued == 1
        wait_for(lambda: requests_of(case) == EXPECTED, timeout=60, what="drafting of the swept case")
    assert_drafted_once_and_nothing_stuck(case)


def test_an_approved_email_request_is_sent_by_the_worker_with_its_message_id(platforms_tx, caseworker):
    case = make_case(urls=["https://t.me/channel/5"])
    from cases.removals import drafting

    drafting.draft_for_case(case_id=case.pk)
    request = RemovalRequest.objects.get(case=case, platform__slug="telegram")
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    # A real SMTP conversation: the test settings point EMAIL_URL at a closed port, so a worker without its own
    # mail server fails the send (as it should); this one gets a server that accepts and records the message.
    smtp = RecordingSmtpServer()
    try:
        with celery_worker(extra_env={"EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}"}) as (_process, queue):
            with removals_routed_to(queue):
                services.removal_approve_send(request_id=request.pk, actor=caseworker)
                wait_for(
                    lambda: RemovalRequest.objects.filter(pk=request.pk, status=state.SENT).exists(),
                    timeout=60,
                    what="the worker to send the email",
                )
    finally:
        smtp.close()
    request.refresh_from_db()
    assert request.message_id.startswith("<") and request.sent_via == "email"
    assert request.send_claimed_at is None and request.deadline_at is not None
    assert len(smtp.messages) == 1 and f"Message-ID: {request.message_id}" in smtp.messages[0]
    assert request.sent_to in smtp.recipients


class RecordingSmtpServer:
    """Just enough SMTP for one client at a time: accepts every message and keeps its text and recipients."""

    def __init__(self):
        import socket

        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.messages: list[str] = []
        self.recipients: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as reader:
                self._talk(conn, reader)

    def _talk(self, conn, reader):
        conn.sendall(b"220 test ESMTP\r\n")
        for raw in reader:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                conn.sendall(b"250 test\r\n")
            elif verb == "RCPT":
                self.recipients.append(line.partition(":")[2].strip().strip("<>"))
                conn.sendall(b"250 OK\r\n")
            elif verb == "DATA":
                conn.sendall(b"354 go ahead\r\n")
                body = []
                for data in reader:
                    text = data.decode("utf-8", "replace").rstrip("\r\n")
                    if text == ".":
                        break
                    body.append(text)
                self.messages.append("\n".join(body))
                conn.sendall(b"250 queued\r\n")
            elif verb == "QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 OK\r\n")

    def close(self):
        self.sock.close()


class SilentSmtpServer:
    """Accepts SMTP connections and never answers, so a worker sending mail hangs in the SMTP conversation."""

    def __init__(self):
        import socket

        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.connections:
            conn.close()


def test_a_worker_killed_while_emailing_neither_sends_twice_nor_leaves_the_request_stuck(platforms_tx, caseworker):
    from cases.removals import drafting

    case = make_case(urls=["https://t.me/channel/5"])
    drafting.draft_for_case(case_id=case.pk)
    request = RemovalRequest.objects.get(case=case, platform__slug="telegram")
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    smtp = SilentSmtpServer()
    try:
        env = {"EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}"}
        with celery_worker(extra_env=env) as (process, queue), removals_routed_to(queue):
            services.removal_approve_send(request_id=request.pk, actor=caseworker)
            wait_for(lambda: len(smtp.connections) == 1, timeout=60, what="the worker to open the SMTP conversation")
            for child in pool_children(process.pid):
                os.kill(child, signal.SIGKILL)
            # The message is redelivered (late ack); the new run sees the recorded attempt and does not resend.
            wait_for(
                lambda: "left for the sweeper" in (ROOT / "var" / f"worker-{queue}.log").read_text(),
                timeout=60,
                what="the redelivered send to stand down",
            )
            assert len(smtp.connections) == 1
            request.refresh_from_db()
            assert request.status == state.READY and request.send_attempted_at is not None and request.message_id
            # The sweeper, once the claim is stale, hands the request back to a person with the Message-ID.
            result = sweeper.removals_sweep(now=timezone.now() + sweeper.STALE_CLAIM + timedelta(seconds=1))
            assert result.sends_interrupted == 1
    finally:
        smtp.close()
    request.refresh_from_db()
    assert request.send_claimed_at is None and request.message_id in request.send_problem
    assert request.status == state.READY  # the caseworker marks it sent or approves it again


def test_a_stalled_recheck_is_stopped_by_the_tasks_soft_time_limit_in_a_real_worker(platforms_tx):
    """The attack: a site that answers a byte every second. Here the fetch's own deadline is set far off (worker
    settings), so only Celery's time limit can stop it: at the soft limit the check releases its claim, records why,
    and the worker goes on working."""
    from cases.removals.models import UrlCheck
    from helpline.models import WorkerHeartbeat
    from tests.removals.factories import add_url
    from tests.removals.test_recheck import DripServer

    server = DripServer(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 500\r\n\r\n", b"a" * 500, 1.0)
    try:
        case_url = add_url(make_case(), server.url + "/slow", slug="other")
        env = {"DJANGO_SETTINGS_MODULE": "tests.removals.worker_settings"}
        with celery_worker(extra_env=env) as (process, queue):
            app.send_task("removals.recheck_url", args=[case_url.pk], queue=queue, soft_time_limit=2, time_limit=10)
            check = wait_for(
                lambda: UrlCheck.objects.filter(case_url=case_url, reason="the check ran out of time").first(),
                timeout=60,
                what="the soft time limit to stop the check",
            )
            assert check.result == "error" and check.claimed_at is None and server.sent < 20
            app.send_task("helpline.heartbeat", queue=queue)
            wait_for(lambda: WorkerHeartbeat.objects.exists(), timeout=60, what="the worker to go on working")
            assert process.poll() is None
    finally:
        server.close()


def test_an_unexpected_error_while_queueing_keeps_its_traceback_in_the_log(caplog, monkeypatch):
    from cases.removals import tasks

    def broken(*args, **kwargs):
        raise ValueError("not a broker problem")

    monkeypatch.setattr(tasks.draft_for_case, "delay", broken)
    with caplog.at_level("WARNING", logger="cases.removals.queueing"):
        queueing.queue_drafting(case_id=7)
    (record,) = caplog.records
    assert record.getMessage() == "could not queue drafting for case id 7; the sweeper will retry"
    assert record.exc_info is not None and record.exc_info[0] is ValueError
