"""Benchmark: the whole portal under load with faults (`make bench-load`), on private services only.

Run as `.venv/bin/python bench/bench_load.py [--cases 2000 --bank 20000 --steps 4,8,16 --step-seconds 40]`;
`--full` is the issue's size (100,000 cases, a 1M-entry bank, steps 10,25,50,100 users of 120 s each).

It starts, all on 127.0.0.1 and all its own (the shared PostgreSQL and Redis of the machine are never touched):
a PostgreSQL cluster (initdb + pg_ctl into var/bench-load/, a free port), a redis-server (a free port, no
persistence), moto's S3 server, and then docker-compose.yml's own commands as local processes (the same mapping
as tests/helpline/test_compose_processes.py): migrate, gunicorn with 4 workers, a Celery worker and beat. It seeds
the cases (bench_queue's seeder) and the bank (bench_feed_sync's), then runs Locust (bench/locustfile_portal.py,
headless) once per step and prints, per endpoint and step, requests per second, p50/p95/p99 and errors, and the
highest step where every p95 < 500 ms with no error.

Faults, on the private processes only, in a step of their own after the load steps (step F, at the highest
clean step's users): the Celery worker SIGKILLed (and started again, as compose's restart policy would), Redis
stopped for 30 s, then PostgreSQL restarted once. Keeping them out of the load steps lets those say what load the
portal sustains, and step F what each fault costs at such a load (its errors are printed with their messages).
After the load, once the queue drained, it checks from the database that every intake a Locust user
saw succeed exists whole with its hashes, that no case has a draft twice for the same platform, that no case
is stuck without its drafts and that no removal work is stuck in flight (STUCK_QUERIES), and prints those counts.
Everything is stopped and removed at the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from tests.helpline.test_compose_processes import (  # noqa: E402
    ComposeTargets,
    admin_connection,
    dockerfile_env,
    fresh_database,
    image_build_python_steps,
    local_command,
    portal_environment,
)
from tests.services import free_port, s3_server, wait_for  # noqa: E402

RUN_DIR = ROOT / "var" / "bench-load"
PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1] if Path("/usr/lib/postgresql").exists() else None
P95_LIMIT_MS = 500
SLOW_STATEMENT_MS = 200
# The fault step: long enough for the three faults one after the other (fault_schedule) and a minute after them.
FAULT_SECONDS = 150


def load() -> str:
    return "load average " + " ".join(open("/proc/loadavg").read().split()[:3])


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---- Private services --------------------------------------------------------------------------------------


def slow_statements(log_file: Path, offset: int, top: int = 8) -> list[str]:
    """The statements PostgreSQL logged as slow after `offset` bytes of its log (the load, not the seeding), grouped
    by their first words: count, median, max."""
    if not log_file.exists():
        return []
    found: dict[str, list[float]] = {}
    pattern = re.compile(r"duration: ([0-9.]+) ms\s+(?:statement|execute [^:]*): (.*)")
    with open(log_file, "rb") as handle:
        handle.seek(offset)
        lines = handle.read().decode(errors="replace").splitlines()
    for number, line in enumerate(lines):
        match = pattern.search(line)
        if not match:
            continue
        # The statement runs on over the following lines (no prefix): join them, then keep a recognisable head.
        text = match.group(2)
        for more in lines[number + 1 : number + 40]:
            if re.match(r"\d{4}-\d\d-\d\d ", more):
                break
            text += " " + more.strip()
        head = re.sub(r"\s+", " ", re.sub(r"'[^']*'|\$\d+|\b\d+\b", "?", text)).strip()[:150]
        found.setdefault(head, []).append(float(match.group(1)))
    ranked = sorted(found.items(), key=lambda item: -sum(item[1]))[:top]
    return [
        f"{len(times):>5} x  median {sorted(times)[len(times) // 2]:>7.0f} ms  max {max(times):>7.0f} ms  {head}"
        for head, times in ranked
    ]


def as_postgres_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: then run its binaries as the system's postgres user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    """A cluster of this benchmark's own: trust auth, loopback only, restartable."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / "postgres"
        self.data = self.folder / "pgdata"
        self.port = free_port()
        self.log = self.folder / "postgres.log"

    def pg_ctl(self, *args: str) -> None:
        command = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args]
        subprocess.run(as_postgres_user(command), check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c max_connections=200 -c fsync=off"
        # Statements slower than this are logged, and summarised after the run (slow_statements).
        options += f" -c log_min_duration_statement={SLOW_STATEMENT_MS} -c log_line_prefix='%m '"
        self.pg_ctl("-w", "-o", options, "start")

    def __enter__(self) -> str:
        self.folder.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        initdb = [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        subprocess.run(as_postgres_user(initdb), check=True, capture_output=True, timeout=120)
        self.start()
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def restart(self) -> None:
        self.pg_ctl("-w", "-m", "fast", "stop")
        self.start()

    def __exit__(self, *exc) -> None:
        stop = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
        subprocess.run(as_postgres_user(stop), capture_output=True, timeout=120)


class PrivateRedis:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", str(self.folder)]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)  # fmt: skip
        wait_for(self.answers, timeout=30, what="the private redis-server")

    def answers(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_timeout=1).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def __enter__(self) -> str:
        self.start()
        return f"redis://127.0.0.1:{self.port}/0"

    def __exit__(self, *exc) -> None:
        self.stop()


class Service:
    """One of compose's portal services as a local process, restartable after a fault."""

    def __init__(self, name: str, command: list[str], env: dict, logs: Path) -> None:
        self.name, self.command, self.env, self.logs = name, command, env, logs
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        out = open(self.logs / f"{self.name}.log", "a")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True)  # fmt: skip

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@contextmanager
def running(service: Service):
    service.start()
    try:
        yield service
    finally:
        service.stop()


# ---- Seeding (a subprocess with the web service's environment, so its keys encrypt what it writes) -----------


def seed_main(cases: int, bank: int, out: Path) -> None:
    import random

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from bench import bench_feed_sync, bench_queue
    from cases.models import Case
    from hashing.models import BankEntry, SignalType

    cast = bench_queue.seed(cases, 1, random.Random(18))
    bench_feed_sync.seed(bank)
    sessions = {}
    for role, user in (("caseworker", cast["me"]), ("supervisor", cast["supervisor"])):
        client = Client()
        client.force_login(user)
        sessions[role] = client.cookies["sessionid"].value
    from io import StringIO

    printed = StringIO()
    # A rate limit above the load's, so the figures are the portal's, not the limiter's 429s.
    call_command("createpartner", "Load partner", "--scopes", "fetch,match", "--rate-limit", "100000", stdout=printed)
    references = list(Case.objects.order_by("?").values_list("reference", flat=True)[:500])
    sample = list(
        BankEntry.objects.filter(signal_type=SignalType.IMAGE_PDQ).order_by("?").values_list("value", flat=True)[:1000]
    )
    out.write_text(
        json.dumps(
            {
                "caseworker_session": sessions["caseworker"],
                "supervisor_session": sessions["supervisor"],
                "partner_key": printed.getvalue().strip().splitlines()[-1],
                "references": references,
                "bank_sample": sample,
            }
        )
    )


# ---- Load, faults, figures -----------------------------------------------------------------------------------


def run_step(users: int, seconds: int, base: str, env: dict, prefix: Path) -> list[dict]:
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile_portal.py"), "--headless",
               "-u", str(users), "-r", str(max(1, users // 2)), "-t", f"{seconds}s", "--host", base,
               "--csv", str(prefix), "--only-summary", "--stop-timeout", "10", "--exit-code-on-error", "0"]  # fmt: skip
    subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=seconds + 120)
    with open(f"{prefix}_stats.csv") as rows:
        return list(csv.DictReader(rows))


def fault_schedule(services: dict, private: dict, started: float, events: list) -> threading.Thread:
    """The three faults, one after the other, during the fault step (times from its start)."""

    def at(delay: float) -> None:
        time.sleep(max(0.0, started + delay - time.monotonic()))

    def act() -> None:
        at(10)
        worker = services["worker"]
        os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait(timeout=10)
        events.append(f"Celery worker SIGKILLed at +10 s ({load()})")
        at(15)
        worker.start()
        events.append("Celery worker started again at +15 s")
        at(25)
        private["redis"].stop()
        events.append(f"Redis stopped at +25 s ({load()})")
        at(55)
        private["redis"].start()
        events.append("Redis started again at +55 s (30 s down)")
        at(75)
        began = time.monotonic()
        private["postgres"].restart()
        events.append(f"PostgreSQL restarted at +75 s, down {time.monotonic() - began:.1f} s ({load()})")

    thread = threading.Thread(target=act, daemon=True)
    thread.start()
    return thread


def step_is_clean(rows: list[dict]) -> bool:
    """Every endpoint's p95 under the limit and no error."""
    endpoints = [row for row in rows if row["Name"] != "Aggregated"]
    return bool(endpoints) and all(
        float(row["95%"] or 0) < P95_LIMIT_MS and not int(row["Failure Count"]) for row in endpoints
    )


def failures(prefix: Path) -> list[str]:
    """Locust's failure lines of a step: how many of which error on which endpoint."""
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with open(path) as rows:
        return [f"{row['Occurrences']} x {row['Name']}: {row['Error'][:160]}" for row in csv.DictReader(rows)]


# Removal requests have no "queued" or "drafting" state (cases/removals/state.py): work in flight is a link no request
# covers yet (drafting), a send claimed by a worker (send_claimed_at) or a link check claimed (claimed_at), and a
# sent request whose deadline passed without the hourly check marking it overdue. Each counts as stuck once past the
# time the portal gives it: cases.removals.sweeper's DRAFTING_GRACE (60 s) and STALE_CLAIM (10 min), the deadline
# check's hour. The last two use the same limits as the sweeper, which re-queues such work every minute.
STUCK_QUERIES = {
    "links of live cases no request covers, 60 s after they were added": (
        "SELECT count(*) FROM cases_caseurl u JOIN cases_case c ON c.id = u.case_id WHERE c.erased_at IS NULL "
        "AND c.status <> 'closed' AND u.created_at < now() - interval '60 seconds' "
        "AND NOT EXISTS (SELECT 1 FROM removals_requesturl l WHERE l.case_url_id = u.id)",
        [],
    ),
    "sends claimed and unfinished after 10 min": (
        "SELECT count(*) FROM removals_removalrequest WHERE send_claimed_at < now() - interval '10 minutes'",
        [],
    ),
    "sends claimed and unfinished, any age (the queue drained)": (
        "SELECT count(*) FROM removals_removalrequest WHERE send_claimed_at IS NOT NULL",
        [],
    ),
    "link checks claimed and unfinished after 10 min": (
        "SELECT count(*) FROM removals_urlcheck WHERE claimed_at < now() - interval '10 minutes'",
        [],
    ),
    "sent requests past their deadline by an hour, not overdue": (
        "SELECT count(*) FROM removals_removalrequest WHERE status IN ('sent', 'acknowledged') "
        "AND deadline_at < now() - interval '1 hour'",
        [],
    ),
}


def checks(admin_url: str, database: str, filed: Path) -> dict:
    seen = [json.loads(line) for line in filed.read_text().splitlines()] if filed.exists() else []
    with admin_connection(admin_url, database) as db:
        whole = 0
        missing = []
        for record in seen:
            row = db.execute(
                "SELECT c.id, array_agg(h.sha256) FROM cases_case c LEFT JOIN cases_casehash h ON h.case_id = c.id "
                "WHERE c.reference = %s GROUP BY c.id",
                [record["reference"]],
            ).fetchone()
            if row and set(record["sha256"]) <= set(row[1] or []):
                whole += 1
            else:
                missing.append(record["reference"])
        references = [record["reference"] for record in seen]
        duplicates = db.execute(
            "SELECT count(*) FROM (SELECT case_id, platform_id FROM removals_removalrequest GROUP BY 1, 2 "
            "HAVING count(*) > 1) d"
        ).fetchone()[0]
        undrafted = db.execute(
            "SELECT count(*) FROM cases_case c WHERE c.reference = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM removals_removalrequest r WHERE r.case_id = c.id)",
            [references],
        ).fetchone()[0]
        stuck = {name: db.execute(sql, params).fetchone()[0] for name, (sql, params) in STUCK_QUERIES.items()}
    return {
        "seen": len(seen),
        "whole": whole,
        "missing": missing,
        "duplicates": duplicates,
        "undrafted": undrafted,
        "stuck": stuck,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--bank", type=int, default=20_000, help="bank entries (each with 8 PDQ variants)")
    parser.add_argument("--steps", default=None, help="users per step (4,8,16; with --full 10,25,50,100)")
    parser.add_argument("--step-seconds", type=int, default=40)
    parser.add_argument("--full", action="store_true", help="100,000 cases, 1M bank, steps 10,25,50,100 of 120 s")
    parser.add_argument("--no-faults", action="store_true", help="no fault step after the load steps")
    parser.add_argument("--fault-users", type=int, help="users of the fault step (default: the highest clean step)")
    parser.add_argument("--seed-into", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_into:
        seed_main(args.cases, args.bank, Path(args.seed_into))
        return 0
    if args.full:
        # The size; --steps still chooses the users, as a shared machine may not take 100.
        args.cases, args.bank, args.step_seconds = 100_000, 1_000_000, 120
        args.steps = args.steps or "10,25,50,100"
    args.steps = args.steps or "4,8,16"
    if PG_BIN is None:
        sys.exit("bench-load needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin: apt install postgresql)")
    steps = [int(s) for s in args.steps.split(",")]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs each S3 request
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    (RUN_DIR / "logs").mkdir(parents=True)
    logs = RUN_DIR / "logs"
    data_dir = RUN_DIR / "app"
    (data_dir / "var").mkdir(parents=True)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    _, workdir = dockerfile_env()
    print(f"bench-load: {args.cases:,} cases, {args.bank:,} bank entries, steps {steps} users x {args.step_seconds} s")
    print(load() + " before the start")

    with ExitStack() as stack:
        postgres = PrivatePostgres(RUN_DIR)
        admin_url = stack.enter_context(postgres)
        redis = PrivateRedis(RUN_DIR)
        redis_url = stack.enter_context(redis)
        s3_url = stack.enter_context(s3_server())
        targets = ComposeTargets(admin_url, redis_url, s3_url)
        targets.redis_db = 0
        envs = portal_environment(compose, targets, workdir, data_dir)
        stack.enter_context(
            fresh_database(targets, admin_url, envs["migrate"]["DATABASE_URL"].split("//")[1].split(":")[0])
        )
        import boto3

        web_env = envs["web"]
        boto3.client(
            "s3",
            endpoint_url=s3_url,
            region_name=web_env.get("AWS_S3_REGION_NAME") or "us-east-1",
            aws_access_key_id=web_env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=web_env["AWS_SECRET_ACCESS_KEY"],
        ).create_bucket(Bucket=web_env["AWS_STORAGE_BUCKET_NAME"])
        build_env = {**web_env}
        for step in image_build_python_steps():
            subprocess.run(["sh", "-c", step], cwd=ROOT, env=build_env, check=True, capture_output=True, timeout=900)
        subprocess.run(local_command(compose["services"]["migrate"]["command"], workdir, data_dir), cwd=ROOT,
                       env=envs["migrate"], check=True, capture_output=True, timeout=900)  # fmt: skip
        log(f"private PostgreSQL :{postgres.port}, Redis :{redis.port}, S3 {s3_url}; migrated")

        began = time.perf_counter()
        cast_file = RUN_DIR / "cast.json"
        seed_env = {**envs["migrate"], "DJANGO_SETTINGS_MODULE": "helpline.settings", "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, __file__, "--seed-into", str(cast_file), "--cases", str(args.cases),
                        "--bank", str(args.bank)], cwd=ROOT, env=seed_env, check=True, timeout=7200)  # fmt: skip
        log(f"seeded in {time.perf_counter() - began:.0f} s ({load()})")

        port = free_port()
        web_command = [
            re.sub(r"^0\.0\.0\.0:\d+$", f"127.0.0.1:{port}", part)
            for part in local_command(compose["services"]["web"]["command"], workdir, data_dir)
        ]
        web_command += ["--workers", "4"]
        services = {
            "web": Service("web", web_command, web_env, logs),
            "worker": Service(
                "worker",
                local_command(compose["services"]["worker"]["command"], workdir, data_dir),
                envs["worker"],
                logs,
            ),
            "beat": Service(
                "beat", local_command(compose["services"]["beat"]["command"], workdir, data_dir), envs["beat"], logs
            ),
        }
        for service in services.values():
            stack.enter_context(running(service))
        host = web_env["ALLOWED_HOSTS"].split(",")[0].strip()
        cast = json.loads(cast_file.read_text())
        cast["host"] = host
        cast_file.write_text(json.dumps(cast))

        import requests

        def ready() -> bool:
            assert services["web"].process.poll() is None, (logs / "web.log").read_text()[-3000:]
            text = (logs / "web.log").read_text()
            if len(re.findall(r"bank indexes ready", text)) < 4:
                return False
            try:
                headers = {"Host": host, "X-Forwarded-Proto": "https"}
                return requests.get(f"http://127.0.0.1:{port}/healthz", headers=headers, timeout=5).status_code == 200
            except requests.RequestException:
                return False

        began = time.perf_counter()
        wait_for(ready, timeout=1800, what="gunicorn's 4 workers to build their indexes and answer /healthz")
        log(f"gunicorn (4 workers), Celery worker and beat ready in {time.perf_counter() - began:.0f} s")

        filed = RUN_DIR / "filed.jsonl"
        log_offset = postgres.log.stat().st_size if postgres.log.exists() else 0
        locust_env = {**os.environ, "BENCH_LOAD_CAST": str(cast_file), "BENCH_LOAD_FILED": str(filed)}
        events: list[str] = []
        results = []
        private = {"redis": redis, "postgres": postgres}
        for number, users in enumerate(steps):
            rows = run_step(users, args.step_seconds, f"http://127.0.0.1:{port}", locust_env, RUN_DIR / f"step{number}")
            results.append((users, rows, load(), failures(RUN_DIR / f"step{number}")))
            log(f"step {number + 1}: {users} users done ({load()})")
        clean = [users for users, rows, _load, _failed in results if step_is_clean(rows)]
        fault_result = None
        if not args.no_faults:
            # The faults get a step of their own, at the highest clean load so far (the lowest step if none was):
            # the steps above measure what the portal sustains, this one what a fault costs at such a load.
            fault_users = args.fault_users or (clean[-1] if clean else steps[0])
            fault = fault_schedule(services, private, time.monotonic(), events)
            rows = run_step(fault_users, FAULT_SECONDS, f"http://127.0.0.1:{port}", locust_env, RUN_DIR / "faults")
            fault.join(timeout=120)
            fault_result = (fault_users, rows, load(), failures(RUN_DIR / "faults"))
            log(f"fault step: {fault_users} users done ({load()})")

        # Let the queue drain (drafting of every filed case), bounded.
        def drained() -> bool:
            import redis as redis_client

            pending = redis_client.Redis(port=redis.port).llen("celery")
            return pending == 0

        counts: dict = {}
        try:
            wait_for(drained, timeout=300, what="the Celery queue to drain")
        except AssertionError:
            counts["not_drained"] = True

        def settled() -> bool:
            counts.update(checks(admin_url, targets.database_name, filed))
            return counts["undrafted"] == 0 and not any(counts["stuck"].values())

        try:
            wait_for(settled, timeout=180, what="every filed case to have its drafts")
        except AssertionError:
            pass  # the counts below say how many are stuck

    print()
    header = ["step", "users", "endpoint", "reqs", "rps", "p50", "p95", "p99", "errors"]
    print("{:>4} {:>5}  {:<38} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}".format(*header) + "   (ms)")
    highest = clean[-1] if clean else None
    labelled = [(str(number + 1), result) for number, result in enumerate(results)]
    labelled += [("F", fault_result)] if fault_result else []
    for label, (users, rows, step_load, failed) in labelled:
        for row in rows:
            name = row["Name"] if row["Name"] != "Aggregated" else "(all)"
            count, rate = int(row["Request Count"]), float(row["Requests/s"])
            print(
                f"{label:>4} {users:>5}  {name[:38]:<38} {count:>6} {rate:>6.1f} {row['50%']:>6} {row['95%']:>6}"
                f" {row['99%']:>6} {int(row['Failure Count']):>6}"
            )
        print(f"     ({step_load})")
        for line in failed:
            print(f"     error: {line}")
    print()
    if fault_result:
        print(f"step F: {fault_result[0]} users for {FAULT_SECONDS} s with these faults:")
    for event in events:
        print("fault: " + event)
    print()
    print(
        f"intakes users saw succeed: {counts.get('seen', 0)}; whole in the database with their hashes: "
        f"{counts.get('whole', 0)}; missing: {len(counts.get('missing', []))}"
    )
    print(f"cases with a draft twice for one platform: {counts.get('duplicates', '?')}")
    drained_note = "after the queue drained" if not counts.get("not_drained") else "(the queue did NOT drain in 300 s)"
    print(f"filed cases stuck without drafts {drained_note}: {counts.get('undrafted', '?')}")
    for name, count in counts.get("stuck", {}).items():
        print(f"stuck {drained_note}: {name}: {count}")
    slow = slow_statements(RUN_DIR / "postgres" / "postgres.log", log_offset)
    print(f"\nstatements over {SLOW_STATEMENT_MS} ms during the load (PostgreSQL's log), by total time:")
    for line in slow or ["none"]:
        print("  " + line)
    if highest is None:
        print(f"no step had every p95 < {P95_LIMIT_MS} ms with no error")
    else:
        print(f"highest step with every p95 < {P95_LIMIT_MS} ms and no error: {highest} users")
    shutil.rmtree(RUN_DIR / "postgres", ignore_errors=True)
    (RUN_DIR / "cast.json").unlink(missing_ok=True)  # staff session ids and the partner key of the run
    return 0


if __name__ == "__main__":
    sys.exit(main())
