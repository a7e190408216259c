"""Real service processes for tests: a Celery worker against Redis and an S3 endpoint (moto) on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """A URL for the database this test run uses, so a child process sees the same rows."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("worker tests need PostgreSQL: set DATABASE_URL (see README, 'Running the tests').")
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@contextmanager
def celery_worker(*, queues: list[str] | None = None, extra_env: dict[str, str] | None = None, concurrency: int = 1):
    """Run `celery -A helpline worker` as a child process consuming private queues; yields (process, queue)."""
    if not settings.REDIS_URL:
        raise RuntimeError("worker tests need Redis: set REDIS_URL (see README, 'Running the tests').")
    queue = f"test-{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "DATABASE_URL": test_database_url(), "REDIS_URL": settings.REDIS_URL, **(extra_env or {})}
    log = open(ROOT / "var" / f"worker-{queue}.log", "w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "helpline",
            "worker",
            "-Q",
            ",".join([queue, *(queues or [])]),
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "--without-mingle",
            "--without-gossip",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process, queue
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        log.close()


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def worker_ran(queue: str, task_id: str) -> bool:
    """Whether the worker started by celery_worker for `queue` has finished task `task_id` (its INFO log line;
    the portal keeps no task results)."""
    log = ROOT / "var" / f"worker-{queue}.log"
    return log.exists() and f"[{task_id}] succeeded" in log.read_text(errors="replace")


@contextmanager
def s3_server():
    """moto's S3 in server mode on a loopback port: real HTTP, real signatures."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
