"""gunicorn.conf.py preloads the app in the master: it forks with no database connection and no thread running.

A connection opened in the master would be shared by every forked worker (two processes writing one socket's
protocol stream); a thread would be missing in each worker while holding whatever lock it held at the fork.
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


def _start(config: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": services.test_database_url(), "ALLOWED_HOSTS": "127.0.0.1"}
    env.pop("REDIS_URL", None)
    with open(log, "w") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(config),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _database_sockets(pid: int, database_port: int) -> int:
    """TCP sockets of one process connected to the database's port (from /proc, by socket inode)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes and int(fields[2].rsplit(":", 1)[1], 16) == database_port:
                count += 1
    return count


def test_master_preloads_and_forks_with_one_thread_and_no_database_connection(tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    process = _start(ROOT / "gunicorn.conf.py", port, log)
    try:

        def answering() -> bool:
            assert process.poll() is None, log.read_text()
            try:
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code in (200, 503)
            except (requests.ConnectionError, requests.Timeout):
                return False

        wait_for(answering, timeout=120, what="gunicorn's preloaded workers to answer")
        # The first worker can answer before the second has logged its start: wait for both.
        wait_for(lambda: log.read_text().count("bank indexes ready") == 2, timeout=120, what="both workers ready")
        assert "code and kernels loaded in the master" in log.read_text()
        # Also after the start: a worker that dies is replaced by a fork of the master as it is then.
        assert len(list(Path(f"/proc/{process.pid}/task").iterdir())) == 1
        from urllib.parse import urlsplit

        database_port = urlsplit(services.test_database_url()).port or 5432
        assert _database_sockets(process.pid, database_port) == 0
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def test_a_thread_started_in_the_master_before_fork_stops_the_start(tmp_path):
    # What a library starting a background thread at import time would do under preload_app.
    config = tmp_path / "threaded.conf.py"
    config.write_text(
        f"exec(open({str(ROOT / 'gunicorn.conf.py')!r}).read())\n"
        "_portal_when_ready = when_ready\n\n\n"
        "def when_ready(server):\n"
        "    import threading\n"
        "    import time\n\n"
        "    threading.Thread(target=time.sleep, args=(60,), name='stray', daemon=True).start()\n"
        "    _portal_when_ready(server)\n"
    )
    port = free_port()
    log = tmp_path / "gunicorn.log"
    process = _start(config, port, log)
    try:
        wait_for(lambda: process.poll() is not None, timeout=120, what="gunicorn to refuse to fork")
        text = log.read_text()
        assert process.returncode != 0
        assert "threads running in the gunicorn master before fork: ['stray']" in text, text
        assert "bank indexes ready" not in text
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
