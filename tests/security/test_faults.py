"""Faults with real services: Redis dies while victims file cases, and PostgreSQL drops away in the middle of a
filing. Every intake succeeds or fails whole, nothing is lost, and the work catches up once the service is back.

A worker SIGKILLed mid-task is tested where the tasks live: tests/removals/test_reliability.py (a pool process
and a whole worker killed mid-draft, and mid-email), with the queue settings that make it safe checked here.
"""

from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import kombu.pools
import pytest
import requests
from django.conf import settings
from django.test import Client
from django.utils import timezone

from cases.intake.views import FILED_KEY
from cases.models import Case, CaseHash, CaseURL
from cases.removals import sweeper
from cases.removals.models import RemovalRequest
from hashing.models import BankEntryCase
from helpline.celery import app
from tests import services
from tests.cases.helpers import STEP_NAMES, fingerprint, post_form, walk_wizard, wizard_answers
from tests.removals.conftest import load_directory
from tests.security.conftest import production_env
from tests.security.faults import CuttableProxy, Portal, redis_server, wait_until
from tests.services import ROOT, celery_worker, wait_for

URLS = "https://www.reddit.com/r/x/comments/{n}/\nhttps://x.com/someone/status/{n}"


@contextmanager
def web_broker(url: str, queue: str):
    """This process (the web side) publishes to `url`, removal tasks to the worker's private queue. The Celery app
    exists already, so its connection pools are dropped rather than relying on settings."""
    saved_url, saved_routes = app.conf.broker_url, app.conf.task_routes

    def reset():
        # kombu keeps producer pools per connection in a process-wide registry: empty it, or a closed pool is reused.
        kombu.pools.reset()
        app._pool = None
        app.amqp._producer_pool = None
        app.amqp.flush_routes()
        app.amqp.__dict__.pop("router", None)

    app.conf.broker_url = url
    app.conf.task_routes = {"removals.*": {"queue": queue}}
    reset()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_routes = saved_url, saved_routes
        reset()


def file_through_intake(n: int) -> dict:
    """A victim fills in every wizard step in a browser session; returns what the done page shows them."""
    # Each victim from an address of their own, as real filings are (one address's later filings are held).
    client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
    answers = wizard_answers(
        where={"urls": URLS.format(n=n), "elsewhere": ""},
        images={"hashes": json.dumps([fingerprint(100 + n)])},
    )
    response = walk_wizard(client, answers)
    assert response["Location"].endswith("/help/done/")
    filed = client.session[FILED_KEY]
    done = client.get("/help/done/").content.decode()
    assert filed["reference"] in done and filed["pin"] in done
    return filed


def requests_of(reference: str) -> int:
    return RemovalRequest.objects.filter(case__reference=reference).count()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_redis_dies_while_victims_file_every_intake_succeeds_and_drafting_catches_up_within_a_minute():
    load_directory()
    # The worker also takes the default queue, as in production: the sweep it runs queues drafting there. This
    # Redis is the test's own, so nobody else's work is in it.
    with (
        redis_server() as broker,
        celery_worker(queues=["celery"], extra_env={"REDIS_URL": broker.url}) as (worker, queue),
    ):
        with web_broker(broker.url, queue):
            before = file_through_intake(0)
            # Drafting is one transaction: once requests exist, all of them do (Reddit, X and the search engines).
            per_case = wait_for(lambda: requests_of(before["reference"]), timeout=60, what="drafting")

            broker.kill()
            assert not broker.is_up()
            filed = []
            for n in range(1, 5):
                started = time.monotonic()
                filed.append(file_through_intake(n))
                assert time.monotonic() - started < 15, "a victim must not wait on a dead broker"

            # Every case is whole: its links, its fingerprints (in the bank too), its PIN works.
            for entry in filed:
                case = Case.objects.get(reference=entry["reference"])
                assert CaseURL.objects.filter(case=case).count() == 2
                assert CaseHash.objects.filter(case=case).count() == 1
                assert BankEntryCase.objects.filter(case=case).exists()
                signed_in = post_form(Client(), "/status/", {"reference": entry["reference"], "pin": entry["pin"]})
                assert signed_in.status_code == 302
                assert requests_of(entry["reference"]) == 0  # the drafting messages were never queued

            broker.start()  # same port, empty: whatever it held is gone
            restarted = time.monotonic()
            # Beat's sweeper (every 60 s) looks at URLs past the drafting grace period; a filing during a real
            # outage is older than that by then. The sweep runs in the worker, as beat would have it.
            CaseURL.objects.update(created_at=timezone.now() - sweeper.DRAFTING_GRACE - timedelta(seconds=1))
            app.send_task("removals.sweep", queue=queue)
            wait_until(lambda: all(requests_of(entry["reference"]) == per_case for entry in filed), timeout=60)
            assert time.monotonic() - restarted < 60
            assert worker.poll() is None

            # Drafted once: the sweeper finds nothing more, and another sweep drafts nothing twice.
            assert sweeper.removals_sweep().cases_requeued == 0
            sweep = app.send_task("removals.sweep", queue=queue)
            wait_for(lambda: services.worker_ran(queue, sweep.id), timeout=30, what="the second sweep")
    assert RemovalRequest.objects.count() == per_case * 5
    targets = list(RemovalRequest.objects.values_list("case_id", "platform_id", "host", "kind", "sequence"))
    assert len(targets) == len(set(targets))


def test_the_queue_is_configured_so_a_killed_worker_redoes_its_task():
    """What tests/removals/test_reliability.py relies on when it SIGKILLs workers mid-task."""
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    app.loader.import_default_modules()
    for name, task in app.tasks.items():
        if not name.startswith("celery."):
            assert task.acks_late is True, name
            assert task.reject_on_worker_lost in (None, True), name
    # A task that outlives the visibility timeout would be delivered twice while still running.
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] >= 3600


# --- PostgreSQL unreachable ---


def wizard_session(base: str) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = "fault-test"
    return session


def post_step(session: requests.Session, base: str, name: str, data: dict) -> requests.Response:
    """Post a wizard step; name "check" is "Send my request" on the check-your-answers page."""
    path = "/help/check/" if name == "check" else f"/help/step/{name}/"
    page = session.get(f"{base}{path}", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, (name, page.status_code, page.text[:500])
    return session.post(
        f"{base}{path}",
        data={**data, "csrfmiddlewaretoken": token.group(1)},
        headers={"Origin": base},
        allow_redirects=False,
        timeout=30,
    )


def open_transactions() -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state LIKE 'idle in transaction%%'"
        )
        return cursor.fetchall()


def assert_calm_503(response: requests.Response) -> None:
    assert response.status_code == 503
    assert response.headers.get("Retry-After") == "60"
    text = response.text
    assert "temporarily unavailable" in text
    for leak in ("Traceback", "OperationalError", "psycopg", 'File "', "INSERT INTO", "cases_case"):
        assert leak not in text, leak


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_database_lost_mid_filing_gives_a_503_leaves_no_partial_case_and_the_same_filing_works_once_back(tmp_path):
    load_directory()
    proxy = CuttableProxy()
    real = urlsplit(services.test_database_url())
    proxy.target = (real.hostname, real.port or 5432)
    netloc = real.netloc.rsplit("@", 1)[0] + f"@127.0.0.1:{proxy.port}"
    env = production_env(
        DATABASE_URL=urlunsplit((real.scheme, netloc, real.path, "sslmode=disable", "")),
        DB_CONNECT_TIMEOUT="2",
        FIELD_ENCRYPTION_KEY=settings.FIELD_ENCRYPTION_KEY,  # this process reads what the portal wrote
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        STATIC_MANIFEST="false",
        VAR_DIR=str(tmp_path),
    )
    env.pop("REDIS_URL", None)  # tasks in-process: this test is about the database alone
    portal = Portal(env, ROOT / "var" / "fault-gunicorn.log")
    try:
        base = portal.base
        session = wizard_session(base)
        answers = wizard_answers(where={"urls": URLS.format(n=9), "elsewhere": ""})
        for name in STEP_NAMES:
            assert post_step(session, base, name, answers[name]).status_code == 302, name

        # The filing's transaction inserts the case, then its links: the line drops between the two.
        proxy.cut_on(b'INSERT INTO "cases_caseurl"')
        response = post_step(session, base, "check", {})
        assert proxy.cut_done.is_set(), "the line was cut in the middle of the filing"
        assert_calm_503(response)
        # While the database is away every page says so calmly, the staff side too.
        for path in ("/", "/help/", "/status/", "/staff/queue/"):
            assert_calm_503(session.get(f"{base}{path}", timeout=30))

        # PostgreSQL ends the dead connection and rolls its transaction back: nothing is left open or half-written.
        wait_for(lambda: not open_transactions(), timeout=30, what="the cut transaction to roll back")
        assert not Case.objects.exists() and not CaseURL.objects.exists() and not CaseHash.objects.exists()

        proxy.restore()
        # The victim's answers were kept (the failed request saved nothing); sending the last step again files once.
        again = post_step(session, base, "check", {})
        assert again.status_code == 302 and again.headers["Location"].endswith("/help/done/")
        done = session.get(f"{base}/help/done/", timeout=30).text
        case = Case.objects.get()
        assert case.reference in done
        assert CaseURL.objects.filter(case=case).count() == 2 and CaseHash.objects.filter(case=case).count() == 2
        assert requests.get(f"{base}/", timeout=30).status_code == 200
    finally:
        portal.stop()
        proxy.close()
