"""Benchmark of the caseworker queue and case page at a helpline's real volume, through Django's test client.

Run as `make bench-queue` (or `.venv/bin/python bench/bench_queue.py [--cases 100000] [--requests-per-case 5]
[--runs 60]`) with DATABASE_URL pointing at PostgreSQL. It works in a database of its own, `<name>_bench_queue`,
made afresh (migrations applied) and dropped at the end (`--keep` keeps it). It seeds, with COPY:
100,000 cases (70% finished, the rest new, in progress or waiting; 8% of open ones unassigned; 15% urgent),
500,000 removal requests (5 platforms per case; running deadlines on open cases, some past and most of
those marked overdue, as the hourly check does), 300,000 timeline
events, 200,000 audit records and 20 caseworkers. Then it signs in a caseworker (MFA enrolled) and requests
each queue tab, a deep page, filtered pages, the htmx fragment, the case page and the audit log, printing p50
and p95 latency, the SQL query count of each (BEGIN/COMMIT, which Django logs too, shown apart as +tx), and
the median time spent in SQL, and the ratio of p50 to the staff home page measured in the same process (the
fixed cost of a signed-in request). Pages are requested round robin, so load from elsewhere on the machine
spreads over all of them; the load average is printed.
Targets: at most 15 queries, p95 under 150 ms. `--keep` keeps the seeded database, `--reuse` measures it again.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchdb import bench_database_url, bench_environment, bench_staff, recreate_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STAFF = 20
LANGUAGES = ["en"] * 14 + ["es"] * 4 + ["fr", "pl"]
QUERY_TARGET = 15
P95_TARGET_MS = 150.0


def setup_django(database_url: str) -> None:
    bench_environment(database_url, data_key_label=b"bench-queue-fake-data-key-32byte")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# ---- Seeding ---------------------------------------------------------------------------------------------


def _column_values(model, rows: list[dict]) -> tuple[list[str], list[list]]:
    """Every concrete column of `model`: the value given, else the field's default, in COPY-ready form."""
    from django.db import models

    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in rows[0])]
    defaults = {}
    for column in fields:
        if column.has_default():
            defaults[column.attname] = column.get_default()
        elif column.null:
            defaults[column.attname] = None
        elif isinstance(column, models.CharField | models.TextField):
            defaults[column.attname] = ""
    columns = [f.column for f in fields]
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    out = []
    for row in rows:
        values = []
        for column in fields:
            value = row[column.attname] if column.attname in row else defaults[column.attname]
            if column.attname in json_fields:
                value = json.dumps(value)
            values.append(value)
        out.append(values)
    return columns, out


def copy_rows(model, rows: list[dict]) -> None:
    from django.db import connection

    columns, values = _column_values(model, rows)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f'COPY "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) FROM STDIN') as copy:
            for row in values:
                copy.write_row(row)


def reset_sequence(model) -> None:
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        # The table name is the model's own, never input.
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT MAX(id) FROM \"{table}\"))")  # noqa: S608


def seed(case_count: int, per_case: int, rng: random.Random) -> dict:
    from django.db import connection, transaction

    from cases.casework.models import AuditRecord, CaseMessage, CaseNote
    from cases.models import Case, CaseEvent, CaseHash
    from cases.removals import state
    from cases.removals.models import Platform, RemovalRequest
    from helpline.crypto import encrypt_text

    started = time.perf_counter()
    staff, supervisor = bench_staff(STAFF)
    platforms = list(Platform.objects.filter(is_catch_all=False).order_by("id"))
    extra = [Platform(slug=f"bench-site-{i}", name=f"Bench site {i}", deadline_hours=48) for i in range(25)]
    platforms += Platform.objects.bulk_create(extra)
    if len(platforms) < per_case:
        sys.exit(f"need at least {per_case} platforms")
    platform_hours = {p.pk: p.deadline_hours or 48 for p in platforms}

    # A few real ciphertexts, reused: same size and decryption cost as real data, without 100,000 encryptions.
    names = [encrypt_text(f"Person {i}") for i in range(50)]
    emails = [encrypt_text(f"person{i}@example.org") for i in range(50)]
    descriptions = [encrypt_text("What happened, in their words. " * 8) for _ in range(10)]
    safe = encrypt_text(json.dumps({"channels": ["email"], "times": "mornings", "code_word": "tulip"}))

    now = datetime.now(UTC)
    cases, requests, events, audits = [], [], [], []
    open_states = ["new"] * 10 + ["in_progress"] * 70 + ["waiting_on_victim"] * 20
    request_id = 0
    for case_id in range(1, case_count + 1):
        created = now - timedelta(minutes=rng.randint(10, 3 * 365 * 24 * 60))
        finished = rng.random() < 0.7
        status = rng.choice(["resolved", "closed", "closed", "closed"]) if finished else rng.choice(open_states)
        unassigned = (not finished and rng.random() < 0.08) or status == "new"
        assignee = None if unassigned else rng.choice(staff).pk
        is_minor = rng.random() < 0.03
        categories = rng.sample(["known_person", "hacked", "ai_generated", "extortion", "view_once"], rng.randint(1, 2))
        cases.append(
            {
                "id": case_id,
                "reference": f"HL-{case_id:08d}"[:7] + "-" + f"{case_id:08d}"[4:],
                "pin_hash": "bench",
                "status": status,
                "is_urgent": is_minor or "extortion" in categories or rng.random() < 0.05,
                "is_minor": is_minor,
                "categories": categories,
                "language": rng.choice(LANGUAGES),
                "created_at": created,
                "updated_at": created,
                "assigned_to_id": assignee,
                "assigned_at": created + timedelta(hours=2) if assignee else None,
                "closed_at": created + timedelta(days=20) if status == "closed" else None,
                "closing_reason": "removed" if status == "closed" else "",
                "consent_contact": True,
                "contact_name": rng.choice(names),
                "contact_email": rng.choice(emails),
                "safe_contact": safe,
                "description": rng.choice(descriptions),
            }
        )
        for platform in rng.sample(platforms, per_case):
            request_id += 1
            if finished:
                request_status = rng.choice([state.REMOVED, state.REMOVED, state.CLOSED, state.REFUSED])
            else:
                request_status = rng.choice(
                    [state.DRAFTED, state.READY, state.SENT, state.SENT, state.ACKNOWLEDGED, state.NEEDS_INFO]
                )
            sent_at = deadline = None
            if request_status not in (state.DRAFTED, state.READY):
                sent_at = created + timedelta(hours=rng.randint(1, 72))
                if not finished:
                    # Most deadlines still running, some passed (overdue).
                    sent_at = now - timedelta(hours=rng.uniform(1, 60))
                deadline = sent_at + timedelta(hours=platform_hours[platform.pk])
                if not finished and deadline < now and rng.random() < 0.9:
                    request_status = state.OVERDUE  # as the hourly deadline check marks them
            requests.append(
                {
                    "id": request_id,
                    "case_id": case_id,
                    "platform_id": platform.pk,
                    "kind": "removal",
                    "sequence": 1,
                    "status": request_status,
                    "basis": "platform_policy",
                    "sent_at": sent_at,
                    "deadline_at": deadline,
                    "created_at": created,
                    "status_changed_at": sent_at or created,
                }
            )
        for kind in ("case_filed", "case_claimed", "removal_request_moved"):
            events.append({"case_id": case_id, "at": created, "kind": kind, "actor_label": "system", "detail": {}})
        if case_id % 2 == 0:
            for _ in range(4):
                audits.append(
                    {
                        "at": created,
                        "actor_id": assignee,
                        "actor_email": "worker@bench.test",
                        "action": "case.view_pii",
                        "case_id": case_id,
                        "case_reference": cases[-1]["reference"],
                        "detail": {"shown": ["contact_name"]},
                        "ip": "192.0.2.1",
                        "user_agent": "bench",
                    }
                )
    with transaction.atomic():
        copy_rows(Case, cases)
        copy_rows(RemovalRequest, requests)
        copy_rows(CaseEvent, events)
        # The audit log's trigger refuses UPDATE and DELETE only: COPY (an insert) is allowed.
        copy_rows(AuditRecord, audits)
        for model in (Case, RemovalRequest, CaseEvent, AuditRecord):
            reset_sequence(model)
    with connection.cursor() as cursor:
        # The steady state autovacuum reaches in production: statistics, and visibility maps for index-only scans.
        cursor.execute("VACUUM ANALYZE")

    # The case the detail page shows: assigned to the bench caseworker, with hashes, notes and messages.
    me = staff[0]
    detail_case = Case.objects.filter(assigned_to=me, status="in_progress").order_by("id").first()
    for i in range(3):
        CaseHash.objects.create(case=detail_case, media_kind="image", md5=f"{i:032x}", sha256=f"{i:064x}", pdq="a" * 64)
    for i in range(5):
        CaseNote.objects.create(case=detail_case, author=me, text=f"Note {i}")
        CaseMessage.objects.create(case=detail_case, author=me, body=f"Message {i}")
    seconds = time.perf_counter() - started
    print(
        f"seeded {len(cases):,} cases, {len(requests):,} removal requests, {len(events):,} events, "
        f"{len(audits):,} audit records in {seconds:.1f} s"
    )
    return {"me": me, "supervisor": supervisor, "detail_case": detail_case, "platforms": platforms}


def seeded() -> dict:
    """The cast of a database seeded earlier (--keep), found again (--reuse)."""
    from django.contrib.auth import get_user_model

    from cases.models import Case
    from cases.removals.models import Platform

    User = get_user_model()
    me = User.objects.get(email="worker00@bench.test")
    return {
        "me": me,
        "supervisor": User.objects.get(email="supervisor@bench.test"),
        "detail_case": Case.objects.filter(assigned_to=me, notes__isnull=False).distinct().get(),
        "platforms": list(Platform.objects.filter(is_catch_all=False).order_by("id")),
    }


# ---- Measuring -------------------------------------------------------------------------------------------


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


@dataclass
class Measured:
    times: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    counts: set[int] = field(default_factory=set)
    control: set[int] = field(default_factory=set)
    size: int = 0


def get_once(client, url: str, headers: dict, into: Measured) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # it keeps the last 9,000 only: a full log would make the capture empty
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        into.times.append((time.perf_counter() - start) * 1000)
    if response.status_code != 200:
        sys.exit(f"{url} answered {response.status_code}")
    # Django logs transaction control too; those are counted apart from the queries.
    statements = [q["sql"] for q in captured.captured_queries]
    control = sum(1 for sql in statements if sql.startswith(TRANSACTION_CONTROL))
    into.control.add(control)
    into.counts.add(len(statements) - control)
    into.sql_ms.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    into.size = len(response.content)


def measure(pages: list, runs: int) -> list[Measured]:
    """Round robin over the pages, so a burst of load from elsewhere on the machine spreads over all of them."""
    results = [Measured() for _ in pages]
    for _ in range(3):  # warm-up: caches, plans, the template loader
        for _label, client, url, headers in pages:
            get_once(client, url, headers or {}, Measured())
    for _ in range(runs):
        for (_label, client, url, headers), into in zip(pages, results, strict=True):
            get_once(client, url, headers or {}, into)
    return results


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests-per-case", type=int, default=5)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure a database kept by --keep, without seeding")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/helpline"
    bench_url, admin_url, bench_name = bench_database_url(database_url, suffix="bench_queue", tool="bench-queue")
    if not args.reuse:
        recreate_database(admin_url, bench_name)
    try:
        setup_django(bench_url)
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        data = seeded() if args.reuse else seed(args.cases, args.requests_per_case, random.Random(args.seed))
        me, detail_case = data["me"], data["detail_case"]
        platform = data["platforms"][0].slug
        client = Client()
        client.force_login(me)
        supervisor_client = Client()
        supervisor_client.force_login(data["supervisor"])
        queue = reverse("casework:queue")
        pages = [
            ("reference: staff home", client, reverse("staff:home"), None),
            ("queue: Unassigned", client, f"{queue}?tab=unassigned", None),
            ("queue: Mine", client, f"{queue}?tab=mine", None),
            ("queue: Overdue", client, f"{queue}?tab=overdue", None),
            ("queue: Waiting on victim", client, f"{queue}?tab=waiting", None),
            ("queue: Closed", client, f"{queue}?tab=closed", None),
            ("queue: Closed, page 400", client, f"{queue}?tab=closed&page=400", None),
            ("queue: Mine by next deadline", client, f"{queue}?tab=mine&sort=deadline", None),
            (
                "queue: filtered (platform+language+priority)",
                client,
                f"{queue}?tab=closed&platform={platform}&language=es&priority=normal&sort=newest",
                None,
            ),
            ("queue: filtered by assignee", client, f"{queue}?tab=waiting&assignee={me.pk}&sort=oldest", None),
            ("queue: reference search", client, f"{queue}?tab=closed&reference={detail_case.reference[:7]}", None),
            ("queue: htmx fragment (Overdue)", client, f"{queue}?tab=overdue", {"HX-Request": "true"}),
            ("case page (assigned caseworker)", client, reverse("casework:case", args=[detail_case.reference]), None),
            ("case page (supervisor)", supervisor_client, reverse("casework:case", args=[detail_case.reference]), None),
            ("audit log (supervisor)", supervisor_client, reverse("casework:audit"), None),
        ]
        load = os.getloadavg()[0]
        print(
            f"PostgreSQL {connection.pg_version // 10000}; {args.runs} rounds over all pages after 3 warm-up rounds; "
            f"load average {load:.1f} on {os.cpu_count()} CPUs\n"
        )
        print(
            f"{'page':<46} {'p50 ms':>8} {'p95 ms':>8} {'SQL ms':>7} {'x home':>7} {'queries':>8} {'+tx':>4} {'KB':>6}"
        )
        reference_p50 = None
        failures = []
        for (label, *_), result in zip(pages, measure(pages, args.runs), strict=True):
            p50, p95 = statistics.median(result.times), percentile(result.times, 95)
            reference_p50 = reference_p50 or p50
            query_text = "/".join(str(c) for c in sorted(result.counts))
            tx_text = "/".join(str(c) for c in sorted(result.control))
            print(
                f"{label:<46} {p50:8.1f} {p95:8.1f} {statistics.median(result.sql_ms):7.1f} {p50 / reference_p50:7.1f}"
                f" {query_text:>8} {tx_text:>4} {result.size / 1024:6.0f}"
            )
            if max(result.counts) > QUERY_TARGET:
                failures.append(f"{label}: {max(result.counts)} queries")
            if p95 > P95_TARGET_MS:
                failures.append(f"{label}: p95 {p95:.0f} ms")
        print()
        if failures:
            print("over target: " + "; ".join(failures))
        else:
            print(f"every page within target: at most {QUERY_TARGET} queries, p95 under {P95_TARGET_MS:.0f} ms")
        connection.close()
        return 1 if failures else 0
    finally:
        if not (args.keep or args.reuse):
            from django.db import connections

            connections.close_all()
            recreate_database(admin_url, bench_name, drop_only=True)


if __name__ == "__main__":
    sys.exit(main())
