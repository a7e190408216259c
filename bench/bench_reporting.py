"""Benchmark of the supervisor reports at two years of a busy helpline, through Django's test client.

Run as `make bench-reporting` (or `.venv/bin/python bench/bench_reporting.py [--requests 1000000] [--runs 20]`)
with DATABASE_URL pointing at PostgreSQL. It works in a database of its own, `<name>_bench_reporting`, made
afresh (migrations applied, so the reporting indexes too) and dropped at the end (`--keep` keeps it, `--reuse`
measures a kept one again). It seeds with COPY, over the two years up to now:

  1,000,000 removal requests (about 3.3 per case, on the 18 platforms and search engines of the directory;
  1.5% of them escalations of refused requests), about 300,000 cases, ~2.9 million request transitions, a
  timeline event for every move and every case action (~4.5 million), ~270,000 assignments, 21 staff,
  300,000 hash-bank entries with their case links, 5 partners and 600,000 pieces of partner feedback.

Seeding bypasses the reporting triggers (as a restore would); the rollups are then built by the same refresh the
Celery beat task runs (`reporting.refresh_rollups`, timed), and run again before measuring as beat would have.

Then it signs in a supervisor (MFA enrolled) and requests every report page with the default period (the last
90 days) and with the longest period a supervisor can choose (period.MAX_DAYS, ending today: the two years of data
and more), the caseworker's own page, and some CSV exports (internal and external), printing p50 and p95 latency
and the number of SQL queries of each, and the load average over the run. Target: every page under 1 s at p95.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from benchdb import bench_database_url, bench_environment, bench_staff, recreate_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STAFF = 20
PARTNERS = 5
YEARS_DAYS = 730
P95_TARGET_MS = 1000.0
CATEGORY_SETS = [
    ["known_person"],
    ["known_person", "extortion"],
    ["hacked"],
    ["ai_generated"],
    ["extortion"],
    ["view_once"],
    ["other"],
    [],
    ["hacked", "extortion"],
    ["ai_generated", "extortion"],
    ["known_person", "view_once"],
    ["known_person", "hacked", "extortion"],
]
LANGUAGES = ["en"] * 12 + ["es"] * 5 + ["fr", "pl", "de"]


def setup_django(database_url: str, *, migrate: bool) -> None:
    os.environ.pop("REDIS_URL", None)  # tasks in-process: the bench queues none
    bench_environment(database_url, data_key_label=b"bench-reporting-fake-data-key-32")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # on --reuse too: a kept database gets new migrations
    if migrate:
        call_command("createcachetable", verbosity=0)


# ---- Seeding ---------------------------------------------------------------------------------------------


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f+00")


class Copier:
    """Rows for one table, kept as COPY text and sent in one COPY when closed (a connection runs one COPY at a
    time, and the seeding writes several tables at once). Values are numbers, plain words, timestamps or JSON
    without tabs, newlines or backslashes; None is NULL."""

    def __init__(self, table: str, columns: list[str]):
        self.table, self.columns = table, columns
        self.lines: list[str] = []

    def row(self, values: tuple) -> None:
        self.lines.append("\t".join("\\N" if v is None else str(v) for v in values))

    def close(self) -> int:
        from django.db import connection

        names = ", ".join(f'"{c}"' for c in self.columns)
        with connection.cursor() as cursor, cursor.cursor.copy(f'COPY "{self.table}" ({names}) FROM STDIN') as copy:
            for start in range(0, len(self.lines), 100_000):
                copy.write("\n".join(self.lines[start : start + 100_000]) + "\n")
        count = len(self.lines)
        self.lines = []
        return count


def reset_sequences(*models) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table  # the model's own name, never input
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))"  # noqa: S608
            )


def seed(total_requests: int, seed_value: int) -> dict:
    from django.db import connection, transaction

    from cases.casework.models import CaseAssignment
    from cases.models import Case, CaseEvent
    from cases.removals.models import Platform, RemovalRequest, RequestTransition
    from hashing.models import BankEntry, BankEntryCase, Partner, PartnerFeedback

    rng = np.random.default_rng(seed_value)
    started = time.perf_counter()
    staff, supervisor = bench_staff(STAFF)
    staff_ids = np.array([u.pk for u in staff])
    platforms = list(Platform.objects.exclude(kind=Platform.Kind.AUTHORITY).order_by("id"))
    partners = [Partner.objects.create(name=f"Partner {i + 1}") for i in range(PARTNERS)]

    now = datetime.now(UTC)
    origin = now - timedelta(days=YEARS_DAYS)
    span = YEARS_DAYS * 86400.0

    # Requests per case: 1 + Poisson(2.3), at most 8 (distinct platforms), about 3.3 on average.
    escalations = int(total_requests * 0.015)
    originals = total_requests - escalations
    per_case = np.minimum(1 + rng.poisson(2.3, size=originals), 8)
    per_case = per_case[np.cumsum(per_case) <= originals]
    per_case = np.append(per_case, originals - per_case.sum()) if per_case.sum() < originals else per_case
    n_cases = len(per_case)

    # Cases, in order of filing, evenly over the two years.
    offsets = np.sort(span * rng.random(n_cases))
    created = [origin + timedelta(seconds=float(s)) for s in offsets]
    age_days = (span - offsets) / 86400
    urgent = rng.random(n_cases) < 0.25
    language = rng.choice(LANGUAGES, size=n_cases)
    categories = rng.integers(0, len(CATEGORY_SETS), size=n_cases)
    roll = rng.random(n_cases)
    status = np.where(
        age_days < 3,
        np.where(roll < 0.4, "new", np.where(roll < 0.8, "in_progress", "waiting_on_victim")),
        np.where(
            age_days < 45,
            np.where(
                roll < 0.03,
                "new",
                np.where(
                    roll < 0.35,
                    "in_progress",
                    np.where(roll < 0.5, "waiting_on_victim", np.where(roll < 0.7, "resolved", "closed")),
                ),
            ),
            np.where(
                roll < 0.02,
                "in_progress",
                np.where(roll < 0.03, "waiting_on_victim", np.where(roll < 0.3, "resolved", "closed")),
            ),
        ),
    )
    first_action_hours = rng.exponential(8.0, size=n_cases)
    acted = (status != "new") & (rng.random(n_cases) < 0.98)
    assignee = np.where(acted | (rng.random(n_cases) < 0.1), rng.choice(staff_ids, size=n_cases), 0)
    assignee = np.where((status == "new") & (rng.random(n_cases) < 0.7), 0, assignee)
    finish_days = rng.uniform(3, 60, size=n_cases)
    categories_json = [json.dumps(c) for c in CATEGORY_SETS]

    counts = {}
    with transaction.atomic():
        with connection.cursor() as cursor:  # no reporting triggers while seeding: the rollups are built after
            cursor.execute("SET LOCAL session_replication_role = replica")
        cases = Copier(
            Case._meta.db_table,
            [
                "id",
                "reference",
                "pin_hash",
                "status",
                "is_urgent",
                "language",
                "created_at",
                "updated_at",
                "assigned_to_id",
                "assigned_at",
                "closed_at",
                "closing_reason",
                "is_minor",
                "filed_by",
                "categories",
                "consent_share_hashes",
                "consent_contact",
                "consent_act_on_behalf",
                "contact_name",
                "contact_email",
                "contact_phone",
                "safe_contact",
                "signature_name",
                "signature_statement",
                "description",
                "elsewhere",
            ],
        )
        events = Copier(CaseEvent._meta.db_table, ["case_id", "at", "actor_id", "actor_label", "kind", "detail"])
        assignments = Copier(CaseAssignment._meta.db_table, ["case_id", "kind", "assigned_to_id", "by_id", "at"])
        case_times = []
        for i in range(n_cases):
            case_id = i + 1
            made = created[i]
            first = made + timedelta(hours=float(first_action_hours[i]))
            if first > now:
                first = now
            who = int(assignee[i]) or None
            finished_at = min(made + timedelta(days=float(finish_days[i])), now)
            closed_at = finished_at if status[i] == "closed" else None
            cases.row(
                (
                    case_id,
                    f"HL-{case_id:08d}"[:7] + "-" + f"{case_id:08d}"[4:],
                    "bench",
                    status[i],
                    bool(urgent[i]),
                    language[i],
                    stamp(made),
                    stamp(made),
                    who,
                    stamp(first) if who else None,
                    stamp(closed_at) if closed_at else None,
                    "removed" if closed_at else "",
                    False,
                    "self",
                    categories_json[categories[i]],
                    True,
                    True,
                    True,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                )
            )
            events.row((case_id, stamp(made + timedelta(minutes=1)), None, "system", "removal_requests_drafted", "{}"))
            if acted[i]:
                actor = who or int(staff_ids[i % STAFF])
                events.row((case_id, stamp(first), actor, "staff", "case_claimed", '{"status_to": "in_progress"}'))
            if who:
                assignments.row((case_id, "claim", who, who, stamp(first)))
            if status[i] == "resolved" or (status[i] == "closed" and i % 2):
                at = finished_at - timedelta(days=1) if status[i] == "closed" else finished_at
                events.row(
                    (
                        case_id,
                        stamp(max(at, first)),
                        who or int(staff_ids[i % STAFF]),
                        "staff",
                        "case_status_changed",
                        '{"status_from": "in_progress", "status_to": "resolved"}',
                    )
                )
            if closed_at:
                events.row(
                    (
                        case_id,
                        stamp(closed_at),
                        who or int(staff_ids[i % STAFF]),
                        "staff",
                        "case_status_changed",
                        '{"status_from": "resolved", "status_to": "closed"}',
                    )
                )
            case_times.append((made, who))
        counts["cases"] = cases.close()
        counts["assignments"] = assignments.close()
        print(f"  cases: {counts['cases']:,} in {time.perf_counter() - started:.0f} s", flush=True)

        requests = Copier(
            RemovalRequest._meta.db_table,
            [
                "id",
                "case_id",
                "platform_id",
                "host",
                "kind",
                "sequence",
                "escalates_id",
                "status",
                "basis",
                "language",
                "abuse_contact",
                "copyright_confirmed",
                "explanation_extra",
                "missing_elements",
                "sent_at",
                "sent_via",
                "sent_to",
                "sent_body",
                "message_id",
                "ticket_number",
                "deadline_at",
                "send_claim_token",
                "send_problem",
                "created_at",
                "status_changed_at",
                "send_approved_by_id",
            ],
        )

        def request_row(request_id, c, p, host_seed, kind, escalates, state, basis, created, changed, **sent):
            """One request row; `sent` (sent_at, sent_via, deadline_at, send_approved_by_id) once it went out."""
            at, deadline = sent.get("sent_at"), sent.get("deadline_at")
            requests.row(
                (
                    request_id, c + 1, int(platform_ids[p]), f"site{host_seed % 997}.example" if catch_all[p] else "",
                    kind, 1, escalates, state, basis, "en", "", False, "", "[]",
                    stamp(at) if at else None, sent.get("sent_via", ""), "", "", "", "",
                    stamp(deadline) if deadline else None, "", "", stamp(created), stamp(changed),
                    sent.get("send_approved_by_id"),
                )
            )  # fmt: skip

        transitions = Copier(
            RequestTransition._meta.db_table,
            ["request_id", "from_status", "to_status", "at", "actor_id", "actor_label", "note", "ticket_number"],
        )
        platform_ids = np.array([p.pk for p in platforms])
        platform_kind = [p.kind for p in platforms]
        platform_hours = [p.deadline_hours for p in platforms]
        platform_basis = [p.default_basis for p in platforms]
        catch_all = [p.is_catch_all for p in platforms]
        n = originals
        case_of = np.repeat(np.arange(n_cases), per_case)
        slot = np.arange(n) - np.repeat(np.cumsum(per_case) - per_case, per_case)
        base = rng.integers(0, len(platforms), size=n_cases)
        platform_of = (base[case_of] + slot) % len(platforms)
        sent_delay = rng.exponential(6.0, size=n)
        outcome_roll = rng.random(n)
        removal_hours = rng.lognormal(np.log(30.0), 1.2, size=n)
        answer_hours = rng.lognormal(np.log(40.0), 1.0, size=n)
        actor_pick = rng.choice(staff_ids, size=n)
        by_email = rng.random(n) < 0.4
        tida_roll = rng.random(n)
        escalated_pool = []

        def move(request_id, before, after, at, actor):
            transitions.row((request_id, before, after, stamp(at), actor, "staff" if actor else "system", "", ""))
            events.row(
                (
                    int(case_of[request_id - 1]) + 1,
                    stamp(at),
                    actor,
                    "staff" if actor else "system",
                    "removal_request_moved",
                    f'{{"request_id": {request_id}, "to_status": "{after}"}}',
                )
            )

        for j in range(n):
            request_id = j + 1
            c = int(case_of[j])
            made, _who = case_times[c]
            p = int(platform_of[j])
            kind = "deindex" if platform_kind[p] == "search_engine" else "removal"
            hours = platform_hours[p]
            basis = "take_it_down" if platform_kind[p] == "platform" and tida_roll[j] < 0.7 else platform_basis[p]
            sent = made + timedelta(hours=float(sent_delay[j]))
            actor = int(actor_pick[j])
            created_at = made + timedelta(minutes=2)
            if sent >= now or outcome_roll[j] < 0.03:
                request_row(request_id, c, p, j, kind, None, "drafted", basis, created_at, created_at)
                continue
            sender = None if by_email[j] else actor
            move(request_id, "drafted", "ready", sent - timedelta(minutes=30), actor)
            move(request_id, "ready", "sent", sent, sender)
            deadline = sent + timedelta(hours=hours) if hours else None
            removed_at = sent + timedelta(hours=float(removal_hours[j]))
            answered = sent + timedelta(hours=float(answer_hours[j]))
            r = outcome_roll[j]
            state, changed = "sent", sent
            if r < 0.61 and removed_at < now:
                move(request_id, "sent", "removed", removed_at, actor)
                state, changed = "removed", removed_at
                if r < 0.09 and removed_at + timedelta(days=10) < now:
                    move(request_id, "removed", "closed", removed_at + timedelta(days=10), actor)
                    state, changed = "closed", removed_at + timedelta(days=10)
            elif 0.61 <= r < 0.70 and answered < now:
                move(request_id, "sent", "refused", answered, actor)
                state, changed = "refused", answered
            elif 0.70 <= r < 0.75 and answered < now:
                move(request_id, "sent", "closed", answered, actor)
                state, changed = "closed", answered
            elif 0.75 <= r < 0.79 and answered < now:
                move(request_id, "sent", "needs_info", answered, actor)
                state, changed = "needs_info", answered
            elif 0.79 <= r < 0.83 and answered + timedelta(hours=2) < now:
                move(request_id, "sent", "refused", answered, actor)
                move(request_id, "refused", "escalated", answered + timedelta(hours=2), actor)
                state, changed = "escalated", answered + timedelta(hours=2)
                escalated_pool.append((request_id, c, p, changed))
            elif 0.83 <= r < 0.90 and deadline is not None and deadline < now:
                move(request_id, "sent", "overdue", deadline, None)
                state, changed = "overdue", deadline
            elif answered < now and r < 0.95:
                move(request_id, "sent", "acknowledged", answered, actor)
                state, changed = "acknowledged", answered
            request_row(
                request_id, c, p, j, kind, None, state, basis, created_at, changed,
                sent_at=sent, sent_via="email" if sender is None else "web_form", deadline_at=deadline,
                send_approved_by_id=actor if sender is None else None,
            )  # fmt: skip
        # Escalations of refused requests: an appeal, removed half of the time.
        picks = np.sort(rng.choice(len(escalated_pool), size=min(escalations, len(escalated_pool)), replace=False))
        chosen = [escalated_pool[k] for k in picks]
        for k, (original, c, p, escalated_at) in enumerate(chosen):
            request_id = n + k + 1
            sent = escalated_at + timedelta(hours=1)
            state, changed = "sent", sent
            actor = int(staff_ids[k % STAFF])
            transitions.row((request_id, "ready", "sent", stamp(sent), actor, "staff", "", ""))
            removed_at = sent + timedelta(hours=float(removal_hours[k]) * 2)
            if k % 2 == 0 and removed_at < now:
                transitions.row((request_id, "sent", "removed", stamp(removed_at), actor, "staff", "", ""))
                state, changed = "removed", removed_at
            request_row(
                request_id, c, p, original, "escalation", original, state, "appeal", escalated_at, changed,
                sent_at=sent, sent_via="email",
            )  # fmt: skip
        counts["requests"] = requests.close()
        counts["transitions"] = transitions.close()
        counts["events"] = events.close()
        print(
            f"  requests: {counts['requests']:,}, transitions: {counts['transitions']:,}, "
            f"events: {counts['events']:,} in {time.perf_counter() - started:.0f} s",
            flush=True,
        )

        entries = Copier(
            BankEntry._meta.db_table, ["id", "signal_type", "value", "status", "seq", "last_modified", "created_at"]
        )
        links = Copier(BankEntryCase._meta.db_table, ["entry_id", "case_id", "status", "changed_at"])
        n_entries = n_cases
        entry_offsets = np.sort(span * rng.random(n_entries))
        entry_status = rng.choice(["Active", "Withdrawn", "Deleted"], size=n_entries, p=[0.85, 0.1, 0.05])
        entry_case = rng.integers(1, n_cases + 1, size=n_entries)
        entry_type = rng.choice(["ImagePDQ", "MD5", "SHA256"], size=n_entries, p=[0.6, 0.2, 0.2])
        stop_days = rng.uniform(1, 200, size=n_entries)
        for e in range(n_entries):
            made = origin + timedelta(seconds=float(entry_offsets[e]))
            value = f"{e + 1:032x}" if entry_type[e] == "MD5" else f"{e + 1:064x}"
            entries.row((e + 1, entry_type[e], value, entry_status[e], e + 1, stamp(made), stamp(made)))
            changed = made if entry_status[e] == "Active" else min(made + timedelta(days=float(stop_days[e])), now)
            links.row((e + 1, int(entry_case[e]), entry_status[e], stamp(changed)))
        counts["bank entries"] = entries.close()
        links.close()
        feedback = Copier(PartnerFeedback._meta.db_table, ["partner_id", "entry_id", "value", "tags", "at"])
        n_feedback = 600_000
        partner_ids = np.array([p.pk for p in partners])
        fb_partner = rng.choice(partner_ids, size=n_feedback, p=[0.4, 0.25, 0.15, 0.12, 0.08])
        fb_entry = rng.integers(1, n_entries + 1, size=n_feedback)
        fb_value = rng.choice(
            ["Blocked", "NotBlocked", "PendingReview", "Unknown"], size=n_feedback, p=[0.6, 0.25, 0.1, 0.05]
        )
        fb_at = np.sort(span * rng.random(n_feedback))
        for f in range(n_feedback):
            feedback.row(
                (
                    int(fb_partner[f]),
                    int(fb_entry[f]),
                    fb_value[f],
                    "[]",
                    stamp(origin + timedelta(seconds=float(fb_at[f]))),
                )
            )
        counts["feedback"] = feedback.close()
        reset_sequences(Case, RemovalRequest, BankEntry)
    print(
        f"  bank: {counts['bank entries']:,} entries, {counts['feedback']:,} feedback; "
        f"seeded in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return {"supervisor": supervisor, "caseworker": staff[0], "counts": counts}


def vacuum_analyze() -> None:
    """Fresh statistics and visibility maps (index-only scans), as autovacuum would give a real database."""
    from django.db import connection

    with connection.cursor() as cursor:  # Django's autocommit: VACUUM may not run in a transaction
        cursor.execute("VACUUM (ANALYZE)")


# ---- Measuring -------------------------------------------------------------------------------------------


def measure(client, url: str, runs: int) -> tuple[float, float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        client.get(url)
    times, queries, status = [], 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        status = response.status_code
        queries = len(captured.captured_queries)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, queries, status


def refresh_rollups() -> None:
    from cases.reporting.rollup import refresh_rollups

    started = time.perf_counter()
    done = refresh_rollups()
    print(f"  rollup refresh (the beat task): {done} in {time.perf_counter() - started:.1f} s", flush=True)


def run(args) -> int:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from cases.reporting.period import MAX_DAYS
    from helpline.staff import roles

    refresh_rollups()
    user_model = get_user_model()
    supervisor = user_model.objects.get(email="supervisor@bench.test")
    caseworker = user_model.objects.filter(groups__name=roles.CASEWORKER).order_by("id").first()
    boss, worker = Client(), Client()
    boss.force_login(supervisor)
    worker.force_login(caseworker)
    today = timezone.localdate()
    longest = f"?start={today - timedelta(days=MAX_DAYS - 1)}&end={today}"
    span = f"{MAX_DAYS} days"
    external_removals = "/staff/reports/export/external/removals-platforms.csv"
    pages = [
        ("cases (90 days)", boss, "/staff/reports/"),
        ("removals (90 days)", boss, "/staff/reports/removals/"),
        ("queue (90 days)", boss, "/staff/reports/queue/"),
        ("hash bank (90 days)", boss, "/staff/reports/hash-bank/"),
        ("my figures (90 days)", worker, "/staff/reports/mine/"),
        ("CSV removals-platforms", boss, "/staff/reports/export/removals-platforms.csv"),
        ("CSV external cases-weekly", boss, "/staff/reports/export/external/cases-weekly.csv"),
        ("CSV external removals-platforms", boss, "/staff/reports/export/external/removals-platforms.csv"),
        (f"cases ({span})", boss, "/staff/reports/" + longest),
        (f"removals ({span})", boss, "/staff/reports/removals/" + longest),
        (f"queue ({span})", boss, "/staff/reports/queue/" + longest),
        (f"hash bank ({span})", boss, "/staff/reports/hash-bank/" + longest),
        (f"my figures ({span})", worker, "/staff/reports/mine/" + longest),
        (f"CSV external removals-platforms ({span})", boss, external_removals + longest),
    ]
    print(f"\n{'page':40} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}  status")
    load_before = os.getloadavg()
    worst = 0.0
    for label, client, url in pages:
        p50, p95, queries, status = measure(client, url, args.runs)
        worst = max(worst, p95)
        flag = "" if p95 < P95_TARGET_MS else f"  over the {P95_TARGET_MS:.0f} ms target"
        print(f"{label:40} {p50:8.1f} {p95:8.1f} {queries:8d}  {status}{flag}", flush=True)
        if status != 200:
            print(f"  {url} answered {status}")
            return 1
    load_after = os.getloadavg()
    print(
        f"\nload average (1, 5, 15 min): before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
        f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} ({os.cpu_count()} CPUs)"
    )
    print(f"slowest p95: {worst:.0f} ms (target: under {P95_TARGET_MS:.0f} ms at p95 for every page)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", action="store_true", help="measure a kept bench database again")
    args = parser.parse_args()
    url, admin, name = bench_database_url(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpline"),
        suffix="bench_reporting",
        tool="bench-reporting",
    )
    if not args.reuse:
        recreate_database(admin, name)
    try:
        setup_django(url, migrate=not args.reuse)
        if not args.reuse:
            print(f"seeding {name} with {args.requests:,} removal requests over two years (COPY)...", flush=True)
            seed(args.requests, args.seed)
            started = time.perf_counter()
            vacuum_analyze()
            print(f"  VACUUM ANALYZE in {time.perf_counter() - started:.0f} s", flush=True)
        return run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            recreate_database(admin, name, drop_only=True)


if __name__ == "__main__":
    sys.exit(main())
