"""Benchmark: the bank index shared by a host's gunicorn workers (memory-mapped snapshots) against a copy each.

Run as `.venv/bin/python bench/bench_bank_shared.py [--pdq-entries 1000000] [--workers 1,2,4]` (`make bench-bank`)
with DATABASE_URL pointing at PostgreSQL. It uses bench_first_match's database (`<name>_bench_first`, seeded
once by COPY with PDQ entries and their 8 variants), starts gunicorn with the portal's gunicorn.conf.py on
loopback, and prints:

- the first start on an empty snapshot folder (one worker builds and writes the snapshot);
- for 1, 2 and 4 workers with the snapshot on disk (BANK_INDEX_DIR) and, as the reference, each worker with its
  own copy (BANK_INDEX_DIR empty): proportional set size (PSS, /proc/PID/smaps_rollup) per worker and in total,
  after the workers served matches; seconds until every worker is ready and the first match's latency;
  hashes matched per second through HTTP (`POST /api/v1/match`, 100 hashes a request, 4 client threads);
- threatexchange's PDQIndex (faiss) over the same vectors in this process: hashes per second, one query() a hash.

PSS counts a shared page once divided among the processes mapping it; pages of the snapshot never read by a
worker are in no process's PSS but may sit in the page cache (the snapshot's size on disk is printed too).
The load average is printed with the figures. Everything runs on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_feed_sync import BENCH_ENV, VIDEO_SHARE, create_database, free_port, seed, setup_django  # noqa: E402
from bench.bench_first_match import bench_database_url, match, queries  # noqa: E402

RUN_DIR = ROOT / "var" / "bench-shared"


def load() -> str:
    return "load average " + " ".join(open("/proc/loadavg").read().split()[:3])


def memory(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in bytes of one process."""
    values = {}
    for line in open(f"/proc/{pid}/smaps_rollup"):
        name, _, rest = line.partition(":")
        if name in ("Pss", "Rss"):
            values[name] = int(rest.split()[0]) * 1024
    return values["Pss"], values["Rss"]


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def start(database_url: str, workers: int, index_dir: str, log: Path) -> tuple[subprocess.Popen, int, float]:
    """gunicorn with the portal's config; returns once every worker logged its index ready (or fails)."""
    port = free_port()
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": database_url, "LOG_LEVEL": "INFO"}
    env["BANK_INDEX_DIR"] = index_dir
    env["VAR_DIR"] = str(RUN_DIR)
    env.pop("REDIS_URL", None)
    command = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "600"]
    started = time.perf_counter()
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True)
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if len(re.findall(r"bank indexes ready", log.read_text())) >= workers:
            return process, port, time.perf_counter() - started
        if process.poll() is not None:
            sys.exit(f"gunicorn exited while starting; see {log}")
        time.sleep(0.1)
    stop(process)
    sys.exit(f"gunicorn workers not ready within 900 s; see {log}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=120)


def throughput(port: int, raw_key: str, hashes: list[str], seconds: float, clients: int) -> float:
    """Hashes matched per second by `clients` threads posting the same request for `seconds`."""
    done = [0] * clients
    stop_at = time.monotonic() + seconds

    def client(i: int) -> None:
        while time.monotonic() < stop_at:
            match(port, raw_key, hashes)
            done[i] += 1

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) * len(hashes) / (time.perf_counter() - began)


def threatexchange_rate(
    hashes: list[str], seconds: float, limit: int | None, found_ids: set[int]
) -> tuple[float, float, set, int, int]:
    """PDQIndex over the PDQ vectors of the bank (variants included): build seconds, hashes/s, results, entries.

    With `limit`, over the first `limit` PDQ entries plus those the portal found for the queries (so the answers
    can still be compared): PDQIndex keeps a Python tuple and hex string per vector, several times the bytes of
    its faiss arrays, which at 10M entries x 8 variants would not fit this machine's memory.
    """
    import faiss
    from django.db.models import Q, Subquery
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    from hashing.bank.live import _entry_vectors
    from hashing.models import BankEntry, BankStatus, SignalType

    entries = BankEntry.objects.filter(signal_type=SignalType.IMAGE_PDQ, status=BankStatus.ACTIVE)
    if limit:
        below = entries.order_by("id").values_list("id", flat=True)[limit - 1 : limit]
        entries = entries.filter(Q(id__lte=Subquery(below)) | Q(id__in=found_ids))
    counted = [0]

    def pairs():
        rows = entries.order_by().values_list("id", "value", "pdq_variants").iterator(chunk_size=20_000)
        for entry_id, value, variants in rows:
            counted[0] += 1
            raw = _entry_vectors(SignalType.IMAGE_PDQ, value, variants)
            for i in range(0, len(raw), 32):
                yield raw[i : i + 32].hex(), entry_id

    began = time.perf_counter()
    index = PDQIndex(pairs())
    built = time.perf_counter() - began
    faiss.omp_set_num_threads(1)
    found: set = set()
    count = 0
    began = time.perf_counter()
    while count < len(hashes) and time.perf_counter() - began < seconds:
        found |= {(count, m.metadata) for m in index.query(hashes[count])}
        count += 1
    return built, count / (time.perf_counter() - began), found, count, counted[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdq-entries", type=int, default=1_000_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--reference-workers", default="1,4", help="worker counts run with a copy each")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of HTTP load per configuration")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--threatexchange-seconds", type=float, default=30.0)
    parser.add_argument(
        "--threatexchange-entries",
        type=int,
        default=None,
        help="build PDQIndex over this many PDQ entries (plus those matched) instead of the whole bank",
    )
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpline")
    database_url, name = bench_database_url(base)
    create_database(base, name)
    setup_django(database_url)

    from hashing.bank.partners import partner_create
    from hashing.models import BankEntry, Partner, SignalType

    seconds = seed(args.pdq_entries * VIDEO_SHARE // (VIDEO_SHARE - 1))
    pdq = BankEntry.objects.filter(signal_type=SignalType.IMAGE_PDQ).count()
    print(
        f"bank: {pdq:,} PDQ entries, 8 variants each, in database {name}"
        + (f", seeded in {seconds:.0f} s" if seconds else "")
    )
    Partner.objects.filter(name="Bench shared index").delete()
    _partner, _key, raw_key = partner_create(
        name="Bench shared index", scopes=["match"], rate_limit_per_minute=100_000_000
    )
    hashes = queries(100)
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    RUN_DIR.mkdir(parents=True)
    index_dir = RUN_DIR / "bank-index"
    log = RUN_DIR / "gunicorn.log"

    print(f"\n{load()} before the first start")
    process, port, ready = start(database_url, 1, str(index_dir), log)
    first, answer = match(port, raw_key, hashes)
    stop(process)
    size = sum(f.stat().st_size for f in index_dir.rglob("*.npy"))
    print(
        f"first start, no snapshot: worker ready {ready:.1f} s (built and wrote the snapshot, {size / 2**20:.0f} MiB"
        f" on disk for PDQ and pHash), first match {first * 1000:.0f} ms; {load()}"
    )
    reference = [sorted(json.dumps(r, sort_keys=True) for r in answer["results"])]

    header = f"{'':26} {'workers':>7} {'ready s':>8} {'1st match ms':>12} {'PSS/worker MiB':>15}"
    header += f" {'PSS total MiB':>14} {'hashes/s':>9}"
    print("\n" + header)
    totals = {}
    plans = [("shared snapshot", str(index_dir), int(n)) for n in args.workers.split(",")]
    plans += [("reference: a copy each", "", int(n)) for n in args.reference_workers.split(",")]
    with_master = {}
    for label, directory, workers in plans:
        process, port, ready = start(database_url, workers, directory, log)
        try:
            first, answer = match(port, raw_key, hashes)
            if sorted(json.dumps(r, sort_keys=True) for r in answer["results"]) != reference[0]:
                sys.exit(f"{label}, {workers} workers: answers differ from the first run's")
            rate = throughput(port, raw_key, hashes, args.seconds, args.clients)
            pids = children(process.pid)
            pss = [memory(pid)[0] for pid in pids]
            master = memory(process.pid)[0]
        finally:
            stop(process)
        totals[(label, workers)] = sum(pss)
        # gunicorn.conf.py preloads the app: the master shares its code pages with the workers, so PSS splits
        # them between all of them and the host's cost is the workers' total plus the master's.
        with_master[(label, workers)] = sum(pss) + master
        print(
            f"{label:26} {workers:>7} {ready:>8.1f} {first * 1000:>12.0f} {sum(pss) / len(pss) / 2**20:>15.0f}"
            f" {sum(pss) / 2**20:>14.0f} {rate:>9.0f}   (master {master / 2**20:.0f} MiB; {load()})"
        )
    for label in ("shared snapshot", "reference: a copy each"):
        if (label, 1) in totals and (label, 4) in totals:
            print(
                f"{label}: total PSS of 4 workers / 1 worker = {totals[(label, 4)] / totals[(label, 1)]:.2f}x;"
                f" with the master = {with_master[(label, 4)] / with_master[(label, 1)]:.2f}x"
            )

    found_ids = {m["entry_id"] for r in answer["results"] for m in r["matches"]}
    built, rate, found, count, entries = threatexchange_rate(
        hashes, args.threatexchange_seconds, args.threatexchange_entries, found_ids
    )
    ours = {(i, m["entry_id"]) for i, r in enumerate(answer["results"][:count]) for m in r["matches"]}
    over = "the same vectors" if entries == pdq else f"{entries:,} of the {pdq:,} entries' vectors (see --help)"
    print(
        f"\nthreatexchange PDQIndex over {over}, in this process (1 thread, one query() a hash):"
        f" built in {built:.0f} s, {rate:.0f} hashes/s over {count} hashes; same entries found as the portal:"
        f" {'yes' if ours == found else 'NO'}; {load()}"
    )


if __name__ == "__main__":
    main()
