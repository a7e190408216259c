"""gunicorn.conf.py: each worker builds the bank index before serving, and a long build does not get it killed.

gunicorn kills a worker that has not checked in for `timeout` seconds, and a worker first checks in from its
request loop, after post_worker_init. With the pinned gunicorn (27.0.1) a worker that has never checked in is
not timed out (its heartbeat file still holds its creation time, which the arbiter's monotonic clock never
catches up with), so a build of any length is safe and gunicorn.conf.py needs no heartbeat of its own. This
test holds that to be true: if an upgrade changes it, a big bank would have every new worker killed mid-build.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests import services
from tests.services import free_port, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
BUILD_SECONDS = 6
TIMEOUT_SECONDS = 2
TUNING = ["--workers", "1", "--timeout", str(TIMEOUT_SECONDS)]
# The portal's own config, with the index build made slower than gunicorn's worker timeout.
SLOW_BUILD_CONFIG = f"""
exec(open({str(ROOT / "gunicorn.conf.py")!r}).read())
_portal_post_worker_init = post_worker_init


def post_worker_init(worker):
    import time

    import hashing.bank.live as live

    def slow_build():
        time.sleep({BUILD_SECONDS})
        return {{}}

    live.live_indexes_warm = slow_build
    _portal_post_worker_init(worker)
"""


def test_a_build_longer_than_the_worker_timeout_still_ends_in_a_serving_worker(tmp_path):
    config = tmp_path / "slow.conf.py"
    config.write_text(SLOW_BUILD_CONFIG)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": services.test_database_url(), "ALLOWED_HOSTS": "127.0.0.1"}
    env.pop("REDIS_URL", None)
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(config), "--bind", f"127.0.0.1:{port}", *TUNING],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def answering() -> bool:
            assert process.poll() is None, log.read_text()
            try:
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code in (200, 503)
            except (requests.ConnectionError, requests.Timeout):  # bound by the master, worker still building
                return False

        wait_for(answering, timeout=BUILD_SECONDS * 6, what="the worker to finish its build and answer")
        text = log.read_text()
        assert "bank indexes ready" in text
        assert "WORKER TIMEOUT" not in text, text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_workers_started_together_build_the_shared_index_once_and_all_answer(tmp_path):
    from hashing.bank.partners import partner_create
    from hashing.models import BankEntry
    from tests.hashing.bank_helpers import image_hashes, make_case

    image = image_hashes()
    make_case(files=[image])
    entry = BankEntry.objects.get(value=image["pdq"])
    _partner, _key, raw_key = partner_create(name="Gunicorn test", scopes=["match"], rate_limit_per_minute=1000)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": services.test_database_url(), "ALLOWED_HOSTS": "127.0.0.1"}
    env["BANK_INDEX_DIR"] = str(tmp_path / "bank-index")
    env.pop("REDIS_URL", None)
    log = tmp_path / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "3", "--timeout", "60"]
    with open(log, "w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:

        def all_ready() -> bool:
            assert process.poll() is None, log.read_text()
            return log.read_text().count("bank indexes ready") >= 3

        wait_for(all_ready, timeout=120, what="three workers to map or build the bank index")
        text = log.read_text()
        assert text.count("ImagePDQ") == 3 and text.count("pHash") == 3 and text.count("vPDQ") == 3, text
        assert text.count("snapshot built") == 3, text  # one worker built PDQ, pHash and vPDQ, the others mapped them
        assert text.count("snapshot mapped") == 6, text
        assert len(list((tmp_path / "bank-index").glob("ImagePDQ-*/header.json"))) == 1
        for _ in range(6):  # requests spread over the workers
            answer = requests.post(
                f"http://127.0.0.1:{port}/api/v1/match",
                json={"signal_type": "pdq", "hashes": [image["pdq"]]},
                headers={"Authorization": f"Bearer {raw_key}"},
                timeout=30,
            )
            assert answer.status_code == 200, answer.text
            assert [m["entry_id"] for m in answer.json()["results"][0]["matches"]] == [entry.pk]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
