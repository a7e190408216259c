"""The whole route with real parts: Celery beat schedules the poll, a real worker polls Dovecot over TLS, and a
reply delivered to the mailbox is on its request, ticket picked out, within one polling interval."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import pytest
from django.conf import settings

from cases.removals.replies.models import PlatformReply
from tests.removals.dovecot import start_dovecot, stop_dovecot
from tests.removals.replies_cast import TELEGRAM_RULES, emailed_request, reply_mail
from tests.services import ROOT, wait_for
from tests.services import test_database_url as worker_database_url

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
INTERVAL = 3


@pytest.fixture
def dovecot():
    server = start_dovecot()
    yield server
    stop_dovecot(server)


@pytest.fixture
def worker_with_beat(dovecot):
    queue = f"test-{uuid.uuid4().hex[:10]}"
    beat_dir = tempfile.mkdtemp(prefix="helpline-beat-")
    beat_file = os.path.join(beat_dir, "schedule")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.removals.reply_worker_settings",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "REPLY_IMAP_URL": dovecot.url,
        "REPLY_IMAP_CA_FILE": dovecot.ca_file,
        "REPLY_IMAP_POLL_SECONDS": str(INTERVAL),
        "REPLY_TEST_QUEUE": queue,
        "REPLY_TEST_BEAT_FILE": beat_file,
    }
    log = open(ROOT / "var" / f"worker-{queue}.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "helpline", "worker", "-B", "-Q", queue, "--concurrency", "1",
         "--loglevel", "INFO", "--without-mingle", "--without-gossip", "-n", f"{queue}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        log.close()
        shutil.rmtree(beat_dir, ignore_errors=True)


def test_a_reply_in_the_mailbox_is_on_its_request_within_one_polling_interval(
    platforms_tx, helpline, caseworker, sends, committed, dovecot, worker_with_beat
):
    request, message = emailed_request(caseworker, sends, committed, rules=TELEGRAM_RULES)
    # Warm-up: a first mail shows that beat and the worker are running (it goes to triage: it answers nothing).
    dovecot.deliver(reply_mail(to="requests@helpline.example", body="warm-up"))
    wait_for(lambda: PlatformReply.objects.filter(request__isnull=True).exists(), timeout=90, what="the first poll")

    dovecot.deliver(reply_mail(to=message.reply_to[0], body="Thanks for your report. Ticket # TG-900100", auto=True))
    delivered = time.monotonic()
    reply = wait_for(
        lambda: PlatformReply.objects.filter(request=request).first(), timeout=4 * INTERVAL, what="the reply"
    )
    elapsed = time.monotonic() - delivered
    print(f"reply filed {elapsed:.2f} s after delivery (polling interval {INTERVAL} s)")
    assert elapsed <= INTERVAL + 1.5  # one interval, plus the poll's own work
    assert reply.route == PlatformReply.Route.IMAP and reply.suggested_ticket == "TG-900100"
    request.refresh_from_db()
    assert request.ticket_number == "TG-900100" and request.status == "sent"
    assert dovecot.unseen() == 0
    assert worker_with_beat.poll() is None
