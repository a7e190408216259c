"""Benchmark: the first partner match answered by a freshly started gunicorn worker over a 1M-entry PDQ bank.

Run as `.venv/bin/python bench/bench_first_match.py [--pdq-entries 1000000]` (`make bench-first-match`, part of
`make bench-bank`) with DATABASE_URL pointing at PostgreSQL. It uses its own database (`<name>_bench_first`),
seeds it once by COPY (bench_feed_sync's seeder: PDQ entries with their 8 variants, plus one video MD5 in ten),
then starts gunicorn with the portal's own gunicorn.conf.py and one worker, as compose does. It prints the time
from start until the worker answers, and the latency of the first `POST /api/v1/match` (100 PDQ hashes, half
near copies of bank entries), then of the next ones. As a reference in the same run it starts a second worker
with the start-up warm-up switched off (an empty post_worker_init), where the first match builds the index. Each
start has an empty snapshot folder of its own: it is a host's first start.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_feed_sync import BENCH_ENV, VIDEO_SHARE, create_database, free_port, seed, setup_django  # noqa: E402

# The reference server: the same app and worker without gunicorn.conf.py's post_worker_init warm-up.
NO_WARM_CONFIG = 'wsgi_app = "helpline.wsgi:application"\n'


def bench_database_url(base: str) -> tuple[str, str]:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(base)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("bench_first_match needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/helpline")
    name = f"{parts.path.lstrip('/') or 'helpline'}_bench_first"
    return urlunsplit(parts._replace(path=f"/{name}")), name


def start(database_url: str, port: int, *, config: Path, index_dir: str) -> tuple[subprocess.Popen, float]:
    """gunicorn as compose runs it (one worker); returns the process and the seconds until it answered."""
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": database_url, "LOG_LEVEL": "INFO"}
    # A host's first start each time: an empty snapshot folder, so the worker (or its first match) builds the
    # index from the database instead of mapping a snapshot an earlier start wrote (bench_bank_shared measures that).
    env["BANK_INDEX_DIR"] = index_dir
    env.pop("REDIS_URL", None)
    command = [sys.executable, "-m", "gunicorn", "--config", str(config), "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "1", "--timeout", "120"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            connection.request("GET", "/healthz", headers={"Host": "localhost"})
            connection.getresponse().read()
            return process, time.perf_counter() - started
        except OSError:
            if process.poll() is not None:
                sys.exit("gunicorn exited while starting")
            time.sleep(0.05)
    os.killpg(process.pid, signal.SIGTERM)
    sys.exit("gunicorn did not answer within 300 s")


def match(port: int, raw_key: str, hashes: list[str]) -> tuple[float, dict]:
    body = json.dumps({"signal_type": "pdq", "hashes": hashes})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    began = time.perf_counter()
    connection.request(
        "POST",
        "/api/v1/match",
        body=body,
        headers={"Host": "localhost", "Authorization": f"Bearer {raw_key}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - began
    if response.status != 200:
        sys.exit(f"match answered {response.status}: {payload[:300]!r}")
    return elapsed, json.loads(payload)


def queries(count: int) -> list[str]:
    from hashing.models import BankEntry, SignalType

    values = list(
        BankEntry.objects.filter(signal_type=SignalType.IMAGE_PDQ)
        .order_by("?")
        .values_list("value", flat=True)[: count // 2]
    )
    near = []
    for value in values:
        number = int(value, 16) ^ 0b1011  # 3 bits away: well within 31
        near.append(f"{number:064x}")
    return near + [os.urandom(32).hex() for _ in range(count - len(near))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdq-entries", type=int, default=1_000_000)
    parser.add_argument("--hashes", type=int, default=100, help="hashes per match request")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpline")
    database_url, name = bench_database_url(base)
    create_database(base, name)
    setup_django(database_url)

    from hashing.bank.partners import partner_create
    from hashing.models import BankEntry, Partner, PartnerApiCall, SignalType

    # bench_feed_sync's seeder makes one video MD5 in VIDEO_SHARE hashes; size it for the PDQ count asked.
    total = args.pdq_entries * VIDEO_SHARE // (VIDEO_SHARE - 1)
    seconds = seed(total)
    pdq = BankEntry.objects.filter(signal_type=SignalType.IMAGE_PDQ).count()
    seeded = f", seeded in {seconds:.0f} s" if seconds else ""
    print(f"bank: {pdq:,} PDQ entries (8 variants each) in database {name}{seeded}")
    PartnerApiCall.objects.filter(partner__name="Bench first match").delete()
    Partner.objects.filter(name="Bench first match").delete()
    _partner, _key, raw_key = partner_create(
        name="Bench first match", scopes=["match"], rate_limit_per_minute=1_000_000
    )
    hashes = queries(args.hashes)

    reference_config = Path(tempfile.mkdtemp()) / "no_warm.conf.py"
    reference_config.write_text(NO_WARM_CONFIG)
    for warm, config in ((True, ROOT / "gunicorn.conf.py"), (False, reference_config)):
        port = free_port()
        index_dir = tempfile.mkdtemp(prefix="bench-first-match-")
        process, ready = start(database_url, port, config=config, index_dir=index_dir)
        try:
            first, answer = match(port, raw_key, hashes)
            later = sorted(match(port, raw_key, hashes)[0] for _ in range(5))
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
            shutil.rmtree(index_dir, ignore_errors=True)
        found = sum(1 for result in answer["results"] if result["matches"])
        label = "gunicorn.conf.py (index warmed at worker start)" if warm else "reference: warm-up switched off"
        print(
            f"{label}: worker answering {ready:.1f} s after start; first match {first * 1000:.0f} ms "
            f"({found}/{len(hashes)} hashes matched), next matches median {later[2] * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
