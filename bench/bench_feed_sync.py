"""Benchmark: a full StopNCII FetchHashes sync of the bank through python-threatexchange's own client.

Run as `.venv/bin/python bench/bench_feed_sync.py [--hashes 1000000]` (`make bench-feed`) with DATABASE_URL
pointing at a PostgreSQL server. It uses its own database (`<name>_bench_feed`), seeds it once with COPY
(90% ImagePDQ with their 8 variants, 10% VideoMD5, ten hashes per case; reused while the size matches),
serves the portal with gunicorn on loopback, and syncs the whole bank with `StopNCIIAPI.fetch_hashes_iter()`
at the client's default page size. It prints hashes per second for that sync and, as a reference run in
the same process, for building the same pages in-process (the feed's queries and JSON, no HTTP, no client).
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
    "FIELD_ENCRYPTION_KEY": "Jd1mMm3R0nE9aL0Yv1YqkW7bJ3bC9qW8f7c3Wl1l2s8=",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_COOKIES": "false",
    "STATIC_MANIFEST": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "WARNING",
    # Benchmarks send no email, and a production start refuses the console backend: name a loopback server.
    "EMAIL_URL": "smtp://127.0.0.1:25",
}
HASHES_PER_CASE = 10
VIDEO_SHARE = 10  # one hash in ten is a video MD5


def bench_database_url(base: str) -> tuple[str, str]:
    parts = urlsplit(base)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("bench_feed_sync needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/helpline")
    name = f"{parts.path.lstrip('/') or 'helpline'}_bench_feed"
    return urlunsplit(parts._replace(path=f"/{name}")), name


def create_database(base: str, name: str) -> None:
    import psycopg

    parts = urlsplit(base)
    admin = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(database_url: str) -> None:
    os.environ.update(BENCH_ENV)
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    import django

    django.setup()


# Rows are made by numpy in fixed-width text (zero-padded numbers parse as numbers), 100,000 at a time: a
# Python loop over rows took minutes per million, which at 10M entries was most of the benchmark.
_CHUNK = 100_000
_HEX = np.frombuffer(b"".join(f"{i:02x}".encode() for i in range(256)), dtype=np.uint16)


def _hex(data: np.ndarray) -> np.ndarray:
    """(n, k) uint8 -> (n, 2k) ASCII bytes of lowercase hex."""
    return _HEX[data].view(np.uint8).reshape(len(data), -1)


def _digits(numbers: np.ndarray, width: int) -> np.ndarray:
    """(n,) non-negative integers -> (n, width) ASCII bytes, zero-padded."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (numbers[:, None] // powers % 10 + ord("0")).astype(np.uint8)


def _rows(columns: list) -> bytes:
    """Glue byte columns ((n, w) arrays or constant bytes) with tabs into COPY text lines."""
    n = next(len(c) for c in columns if isinstance(c, np.ndarray))
    parts = []
    for i, column in enumerate(columns):
        if i:
            parts.append(np.full((n, 1), ord("\t"), dtype=np.uint8))
        if isinstance(column, bytes):
            column = np.broadcast_to(np.frombuffer(column, dtype=np.uint8), (n, len(column)))
        parts.append(column)
    parts.append(np.full((n, 1), ord("\n"), dtype=np.uint8))
    return np.ascontiguousarray(np.hstack(parts)).tobytes()


def _entry_rows(begin: int, end: int, first_seq: int, stamp: bytes) -> bytes:
    """Entries begin+1..end: one in VIDEO_SHARE a video MD5, the others PDQ with 8 random variants."""
    from hashing.models import SignalType

    rng = np.random.default_rng([begin, end])
    index = np.arange(begin, end, dtype=np.int64)
    video = index % VIDEO_SHARE == VIDEO_SHARE - 1
    out = []
    pdq = index[~video]
    variants = rng.integers(0, 256, size=(len(pdq), 256), dtype=np.uint8)
    out.append(
        _rows(
            [
                _digits(pdq + 1, 12),
                SignalType.IMAGE_PDQ.value.encode(),
                _hex(variants[:, :32]),
                b"Active",
                np.hstack([np.full((len(pdq), 3), list(b"\\\\x"), dtype=np.uint8), _hex(variants)]),
                b"100",
                _digits(first_seq + pdq, 15),
                stamp,
                stamp,
                b"",
            ]
        )
    )
    md5 = index[video]
    if len(md5):
        values = rng.integers(0, 256, size=(len(md5), 16), dtype=np.uint8)
        out.append(
            _rows(
                [
                    _digits(md5 + 1, 12),
                    SignalType.VIDEO_MD5.value.encode(),
                    _hex(values),
                    b"Active",
                    b"\\N",
                    b"\\N",
                    _digits(first_seq + md5, 15),
                    stamp,
                    stamp,
                    b"",
                ]
            )
        )
    return b"".join(out)


def _link_rows(begin: int, end: int, first_case: int, stamp: bytes) -> bytes:
    index = np.arange(begin, end, dtype=np.int64)
    return _rows([_digits(index + 1, 12), _digits(first_case + index // HASHES_PER_CASE, 12), b"Active", stamp])


def seed(total: int) -> float:
    """Fill the bank with `total` feed hashes by COPY; returns seconds taken. Keeps an existing bank of that size."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from cases.models import REFERENCE_ALPHABET, Case
    from hashing.bank.clock import clock_allocate, clock_lock
    from hashing.models import BankEntry, BankEntryCase

    call_command("migrate", verbosity=0)
    if BankEntry.objects.count() == total and BankEntryCase.objects.count() == total:
        return 0.0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE hashing_partnerfeedback, hashing_bankentrycase, hashing_bankentry, hashing_bankclock, "
            "hashing_partnerapicall, hashing_partnerkey, hashing_partner, cases_case RESTART IDENTITY CASCADE"
        )
    cases = (total + HASHES_PER_CASE - 1) // HASHES_PER_CASE
    base = len(REFERENCE_ALPHABET)

    def reference(number: int) -> str:
        chars = ""
        for _ in range(8):
            number, digit = divmod(number, base)
            chars += REFERENCE_ALPHABET[digit]
        return f"HL-{chars[:4]}-{chars[4:]}"

    batch = 10_000
    for begin in range(0, cases, batch):
        Case.objects.bulk_create(
            [
                Case(reference=reference(i), pin_hash="!", consent_share_hashes=True)
                for i in range(begin, min(begin + batch, cases))
            ]
        )
    first_case = Case.objects.order_by("pk").values_list("pk", flat=True).first()
    with transaction.atomic():
        first_seq = clock_allocate(clock_lock(), total)
    now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
    raw = connection.connection  # psycopg 3
    stamp = now.encode()
    with raw.cursor() as cursor:
        with (
            _indexes_built_after(cursor, "hashing_bankentry"),
            cursor.copy(
                "COPY hashing_bankentry (id, signal_type, value, status, pdq_variants, pdq_quality, seq, "
                "last_modified, created_at, vpdq_signal) FROM STDIN"
            ) as copy,
        ):
            for begin in range(0, total, _CHUNK):
                copy.write(_entry_rows(begin, min(begin + _CHUNK, total), first_seq, stamp))
        with (
            _indexes_built_after(cursor, "hashing_bankentrycase"),
            cursor.copy("COPY hashing_bankentrycase (entry_id, case_id, status, changed_at) FROM STDIN") as copy,
        ):
            for begin in range(0, total, _CHUNK):
                copy.write(_link_rows(begin, min(begin + _CHUNK, total), first_case, stamp))
        cursor.execute("SELECT setval(pg_get_serial_sequence('hashing_bankentry', 'id'), %s)", [total])
        cursor.execute("ANALYZE hashing_bankentry")
        cursor.execute("ANALYZE hashing_bankentrycase")
    raw.commit()
    return time.perf_counter() - started


@contextlib.contextmanager
def _indexes_built_after(cursor, table: str):
    """Drop a table's plain indexes (not its keys and constraints) for a bulk COPY and build them again after:
    one sort per index instead of millions of random inserts (the 10M-entry bank loads in minutes, not an hour)."""
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        [table],
    )
    plain = cursor.fetchall()
    for name, _definition in plain:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    cursor.execute("SET maintenance_work_mem = '1GB'")
    for _name, definition in plain:
        cursor.execute(definition)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(database_url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": database_url}
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "helpline.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    sys.exit("gunicorn did not start")


def client_sync(port: int, raw_key: str) -> tuple[float, int, int, int]:
    from threatexchange.exchanges.clients.stopncii.api import StopNCIIAPI

    api = StopNCIIAPI(raw_key, raw_key, base_url_override=f"http://127.0.0.1:{port}/stopncii/v1")
    started = time.perf_counter()
    records = pages = 0
    values: set[str] = set()
    last_stamp = 0
    for page in api.fetch_hashes_iter():
        pages += 1
        records += len(page.hashRecords)
        values.update(record.hashValue for record in page.hashRecords)
        if page.nextSetTimestamp < last_stamp:
            sys.exit("nextSetTimestamp went back: the feed rewound")
        last_stamp = page.nextSetTimestamp
    return time.perf_counter() - started, records, len(values), pages


def in_process_reference(partner) -> tuple[float, int]:
    """The same pages built in this process: the feed's queries plus JSON encoding, nothing on the wire."""
    from hashing.bank.selectors import feed_page
    from hashing.bank.stopncii import DEFAULT_PAGE_SIZE, _hash_record

    started = time.perf_counter()
    records, cursor = 0, None
    while True:
        page = feed_page(partner=partner, start=10, cursor=cursor, size=DEFAULT_PAGE_SIZE)
        numbers: dict[int, str] = {}
        json.dumps({"hashRecords": [_hash_record(record, partner, numbers) for record in page.records]})
        records += len(page.records)
        if not page.has_more:
            return time.perf_counter() - started, records
        last = page.records[-1]
        cursor = (last.seq, last.id)


def client_parse_rate(partner) -> float:
    """Hashes per second StopNCIIAPI.fetch_hashes can turn into records, on one page's worth of this bank."""
    import dacite
    from threatexchange.exchanges.clients.stopncii.api import StopNCIIHashRecord

    from hashing.bank.selectors import feed_page
    from hashing.bank.stopncii import DEFAULT_PAGE_SIZE, _hash_record

    numbers: dict[int, str] = {}
    page = feed_page(partner=partner, start=10, cursor=None, size=DEFAULT_PAGE_SIZE)
    payload = json.dumps([_hash_record(record, partner, numbers) for record in page.records])
    config = dacite.Config(cast=[enum.Enum, set])
    started = time.perf_counter()
    for record in json.loads(payload):
        dacite.from_dict(data_class=StopNCIIHashRecord, data=record, config=config)
    return len(page.records) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hashes", type=int, default=1_000_000)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpline")
    database_url, name = bench_database_url(base)
    create_database(base, name)
    setup_django(database_url)

    from django.db.models import Avg

    from hashing.bank.partners import partner_create
    from hashing.bank.stopncii import DEFAULT_PAGE_SIZE
    from hashing.models import Partner, PartnerApiCall

    seconds = seed(args.hashes)
    seeded = f" (seeded in {seconds:.1f} s)" if seconds else " (seeded before)"
    print(f"bank: {args.hashes:,} feed hashes in database {name}{seeded}")
    PartnerApiCall.objects.filter(partner__name="Bench").delete()
    Partner.objects.filter(name="Bench").delete()
    partner, _key, raw_key = partner_create(name="Bench", scopes=["fetch"], rate_limit_per_minute=1_000_000)

    port = free_port()
    server = serve(database_url, port)
    try:
        elapsed, records, unique, pages = client_sync(port, raw_key)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    if records != args.hashes or unique != args.hashes:
        sys.exit(f"the sync returned {records:,} records ({unique:,} distinct), expected {args.hashes:,}")
    print(
        f"FetchHashes full sync through StopNCIIAPI.fetch_hashes_iter (gunicorn, 1 worker, {pages:,} pages of "
        f"up to {DEFAULT_PAGE_SIZE}): {records:,} hashes in {elapsed:.1f} s = {records / elapsed:,.0f} hashes/s"
    )
    server_ms = PartnerApiCall.objects.filter(partner=partner).aggregate(ms=Avg("duration_ms"))["ms"]
    print(
        f"  of which the portal's own time per page (audit log): {server_ms:.0f} ms average = "
        f"{DEFAULT_PAGE_SIZE * 1000 / server_ms:,.0f} hashes/s of server capacity; the rest is HTTP and the client"
    )
    reference_seconds, reference_records = in_process_reference(partner)
    print(
        f"reference, same pages built in-process (queries + JSON, no HTTP or client): "
        f"{reference_records / reference_seconds:,.0f} hashes/s; the client sync runs at "
        f"{(records / elapsed) / (reference_records / reference_seconds):.2f}x of that"
    )
    parse_rate = client_parse_rate(partner)
    print(f"reference, the client's own record parsing (dacite, as fetch_hashes does): {parse_rate:,.0f} hashes/s")


if __name__ == "__main__":
    main()
