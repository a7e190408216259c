"""Benchmark of removal drafting through a real Celery worker: files cases, queues their drafting, times it.

Run as `make bench-drafting` (or `.venv/bin/python bench/bench_drafting.py [--cases 2000] [--concurrency N]`)
with DATABASE_URL (PostgreSQL) and REDIS_URL set. It works in a database of its own, `<name>_bench_drafting`,
made afresh and dropped at the end. It files the cases (each with URLs on 5 platforms, so 5 removal requests
and 3 de-index requests per case), drafts a few in this process as the reference, then starts one worker on a
private queue, queues every case as intake does, and prints requests drafted per second, the time until the
last request is drafted, and the ratio to the in-process reference.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import redis
from benchdb import bench_database_url, recreate_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PLATFORM_URLS = [
    "https://www.instagram.com/p/{n}/",
    "https://x.com/someone/status/{n}",
    "https://www.reddit.com/r/some/comments/{n}/",
    "https://www.tiktok.com/@someone/video/{n}",
    "https://www.pornhub.com/view_video.php?viewkey={n}",
]
REQUESTS_PER_CASE = len(PLATFORM_URLS) + 3  # one per platform, one per search engine


def setup_django(database_url: str) -> None:
    from cryptography.fernet import Fernet

    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789")
    os.environ.setdefault("FIELD_ENCRYPTION_KEY", Fernet.generate_key().decode())
    os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def file_cases(count: int, start: int) -> list[int]:
    """Cases as intake files them: signed, with consent to act, one URL on each of five platforms."""
    from django.db import transaction
    from django.utils import timezone

    from cases.models import Case, CaseURL
    from cases.removals.directory import host_of, platform_slug_for_host
    from helpline.crypto import keyed_digest

    now = timezone.now()
    with transaction.atomic():
        cases = Case.objects.bulk_create(
            [
                Case(
                    pin_hash="bench",
                    categories=["known_person"],
                    consent_act_on_behalf=True,
                    contact_name="Bench Person",
                    contact_email="bench@example.org",
                    signature_name="Bench Person",
                    signature_statement="I confirm these images of me were shared without my consent.",
                    signed_at=now,
                )
                for _ in range(count)
            ],
            batch_size=500,
        )
        urls = []
        for offset, case in enumerate(cases):
            for template in PLATFORM_URLS:
                url = template.format(n=start + offset)
                host = host_of(url)
                urls.append(
                    CaseURL(
                        case=case,
                        url=url,
                        url_digest=keyed_digest(url, purpose="case-url"),
                        host=host,
                        platform_slug=platform_slug_for_host(host),
                    )
                )
        CaseURL.objects.bulk_create(urls, batch_size=2000)
    return [case.pk for case in cases]


def start_worker(queue: str, concurrency: int) -> subprocess.Popen:
    log = open(ROOT / "var" / f"bench-worker-{queue}.log", "w")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "helpline",
            "worker",
            "-Q",
            queue,
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "WARNING",
            "--without-mingle",
            "--without-gossip",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--reference-cases", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=1, help="pool processes of the one worker")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("bench-drafting needs Redis: set REDIS_URL=redis://...")
    database_url, admin_url, bench_name = bench_database_url(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpline"),
        suffix="bench_drafting",
        tool="bench-drafting",
    )
    (ROOT / "var").mkdir(exist_ok=True)
    recreate_database(admin_url, bench_name)
    worker = None
    queue = f"bench-{uuid.uuid4().hex[:10]}"
    try:
        setup_django(database_url)
        from django.db import connection

        from cases.removals import drafting
        from cases.removals.models import RemovalRequest
        from cases.removals.tasks import draft_for_case
        from helpline.celery import app

        # Reference: the same drafting, called in this process without a broker or worker.
        reference_ids = file_cases(args.reference_cases, start=10_000_000)
        began = time.perf_counter()
        for case_id in reference_ids:
            drafting.draft_for_case(case_id=case_id)
        reference_seconds = time.perf_counter() - began
        reference_rate = RemovalRequest.objects.count() / reference_seconds

        began = time.perf_counter()
        case_ids = file_cases(args.cases, start=0)
        filing_seconds = time.perf_counter() - began
        expected = RemovalRequest.objects.count() + len(case_ids) * REQUESTS_PER_CASE
        connection.close()

        worker = start_worker(queue, args.concurrency)
        # Wait until the worker consumes (its start-up is not drafting): it takes a heartbeat off the queue.
        broker = redis.Redis.from_url(os.environ["REDIS_URL"])
        app.send_task("helpline.heartbeat", queue=queue)
        while broker.llen(queue):
            if worker.poll() is not None:
                sys.exit("the worker did not start; see var/bench-worker-*.log")
            time.sleep(0.05)
        time.sleep(0.5)

        began = time.perf_counter()
        for case_id in case_ids:
            draft_for_case.apply_async(args=(case_id,), queue=queue)
        queued_seconds = time.perf_counter() - began
        while True:
            drafted = RemovalRequest.objects.count()
            if drafted >= expected:
                break
            if time.perf_counter() - began > args.timeout:
                sys.exit(f"timed out: {drafted} of {expected} requests drafted after {args.timeout:.0f} s")
            if worker.poll() is not None:
                sys.exit("the worker stopped; see var/bench-worker-*.log")
            time.sleep(0.1)
        last_seconds = time.perf_counter() - began
        worker_requests = len(case_ids) * REQUESTS_PER_CASE
        duplicates = RemovalRequest.objects.count() - expected

        print(f"cases filed: {len(case_ids)} with {len(PLATFORM_URLS)} platforms each ({filing_seconds:.1f} s)")
        print(f"requests expected: {worker_requests} ({REQUESTS_PER_CASE} per case: 5 removal + 3 de-index)")
        print(f"worker: 1 Celery worker, prefork pool of {args.concurrency}, Redis broker, PostgreSQL")
        print(f"time to queue every case: {queued_seconds:.2f} s")
        print(f"time until the last request was drafted: {last_seconds:.2f} s")
        print(f"requests drafted per second (worker): {worker_requests / last_seconds:.0f}")
        print(f"cases drafted per second (worker): {len(case_ids) / last_seconds:.1f}")
        print(
            f"reference, in-process without broker ({len(reference_ids)} cases): {reference_rate:.0f} requests/s; "
            f"worker/reference ratio: {worker_requests / last_seconds / reference_rate:.2f}"
        )
        print(f"duplicates: {duplicates}")
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may not be set up if setup failed
            pass
        recreate_database(admin_url, bench_name, drop_only=True)
        redis.Redis.from_url(os.environ["REDIS_URL"]).delete(queue)


if __name__ == "__main__":
    main()
