"""The production shape run without Docker: docker-compose.yml's own commands and environment, as local processes.

The test reads docker-compose.yml (and the Dockerfile's ENV and WORKDIR), takes each portal service's command
(migrate, web, worker, beat) and environment as they are, and changes only what Docker would provide:

- every URL in the environment whose host is a compose service (`db`, `redis`, `minio`, ...) is pointed at the
  matching test service: PostgreSQL (a fresh database of its own, every role named in the URLs created with its
  password), Redis (a database number of its own, so no other test's worker sees these tasks) and moto's S3
  server (with the bucket that `minio-bucket` would make);
- `${VAR:?...}` secrets get sample values; the image's working folder (`/app`) becomes a temporary folder for
  data paths, and `python`, `gunicorn` and `celery` run from this environment; the web port becomes a free
  loopback port.

Then it files one intake through gunicorn, waits for that worker to draft its removal requests, creates a partner
with `manage.py createpartner` as an operator would (`docker compose exec web ...`) and fetches the bank with its
key. A wrong command, a missing variable or a step compose leaves out (e.g. a table only `createcachetable`
makes) fails here.
"""

from __future__ import annotations

import os
import random
import re
import shlex
import signal
import subprocess
import sys
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests
import yaml
from psycopg import sql

from tests.cases.helpers import STEP_NAMES, wizard_answers
from tests.services import free_port, s3_server, wait_for

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PORTAL_SERVICES = ("migrate", "web", "worker", "beat")
# Values for the secrets compose requires (${NAME:?...}); anything compose defaults is left to compose.
SAMPLE_SECRETS = {
    "SECRET_KEY": "compose-processes-test-" + "k" * 40,
    "FIELD_ENCRYPTION_KEY": "Jd1mMm3R0nE9aL0Yv1YqkW7bJ3bC9qW8f7c3Wl1l2s8=",
    "EMAIL_URL": "smtp://127.0.0.1:2525",
}
SAMPLE_PASSWORD = "compose-test-password"
PDQ_URL = "https://www.reddit.com/r/compose_test/comments/abc123/"


def interpolate(value: str, secrets: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}; required names without a sample get a password."""

    def sub(match: re.Match) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3) or ""
        if name in secrets:
            return secrets[name]
        if op == ":-":
            return rest
        if op == ":?":
            return SAMPLE_PASSWORD  # POSTGRES_PASSWORD, MINIO_ROOT_PASSWORD and the like
        return ""

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", sub, value)


def dockerfile_env() -> tuple[dict[str, str], str]:
    """The image's ENV values and WORKDIR (continuation lines joined)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    workdir = "/"
    for line in text.splitlines():
        if line.startswith("ENV "):
            for pair in shlex.split(line[4:]):
                name, _, value = pair.partition("=")
                env[name] = value
        elif line.startswith("WORKDIR "):
            workdir = line.split(None, 1)[1].strip()
    return env, workdir


def image_build_python_steps() -> list[str]:
    """The Dockerfile's own build steps on the code (after `COPY . .`) that run Python: collectstatic, kernels."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    steps = []
    copied = False
    for line in text.splitlines():
        if line.startswith("COPY . "):
            copied = True
        elif copied and line.startswith("RUN "):
            for part in line[4:].split("&&"):
                words = shlex.split(part)
                command = [word for word in words if not re.fullmatch(r"[A-Z_]+=.*", word)]
                if command and command[0] == "python":
                    steps.append(part.strip())
    return steps


class ComposeTargets:
    """Where each compose service's URL points in this test: the real services the suite runs against."""

    def __init__(self, database_url: str, redis_url: str, s3_url: str) -> None:
        self.database = urlsplit(database_url)
        self.redis = urlsplit(redis_url)
        self.s3 = urlsplit(s3_url)
        self.database_name = f"compose_{uuid.uuid4().hex[:10]}"
        self.redis_db = random.randint(8, 15)  # a Redis database of its own
        self.roles: dict[str, str] = {}

    def map_url(self, value: str, service_names: set[str]) -> str:
        parts = urlsplit(value)
        if not parts.scheme or parts.hostname not in service_names:
            return value
        if parts.scheme.startswith("postgres"):
            if parts.username:
                self.roles[parts.username] = parts.password or ""
            auth = f"{parts.username}:{parts.password}@" if parts.username else ""
            netloc = f"{auth}{self.database.hostname}:{self.database.port or 5432}"
            return urlunsplit(parts._replace(netloc=netloc, path=f"/{self.database_name}"))
        if parts.scheme.startswith("redis"):
            return urlunsplit(parts._replace(netloc=self.redis.netloc, path=f"/{self.redis_db}"))
        if parts.scheme in ("http", "https"):  # the S3 endpoint (MinIO in compose)
            return urlunsplit(parts._replace(scheme=self.s3.scheme, netloc=self.s3.netloc))
        raise AssertionError(f"no test service for {value!r}")


def admin_connection(database_url: str, dbname: str = "postgres") -> psycopg.Connection:
    parts = urlsplit(database_url)
    return psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=dbname,
        autocommit=True,
    )


@contextmanager
def fresh_database(services: ComposeTargets, admin_url: str, owner: str | None):
    """The test's own database, owned by the role the migrate service connects as; roles created as compose names."""
    with admin_connection(admin_url) as conn:
        for role, password in services.roles.items():
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password))
                )
        owner_sql = sql.SQL(" OWNER {}").format(sql.Identifier(owner)) if owner else sql.SQL("")
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(services.database_name)) + owner_sql)
    try:
        yield
    finally:
        with admin_connection(admin_url) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(services.database_name)))


def local_command(command: list[str] | str, workdir: str, data_dir: Path) -> list[str]:
    """The service's command as a local process: the image's paths under data_dir, its executables from here."""
    if isinstance(command, str):
        command = shlex.split(command)
    executables = {"python": sys.executable, "gunicorn": str(BIN / "gunicorn"), "celery": str(BIN / "celery")}
    local = [executables.get(part, part) for part in command]
    return [part.replace(workdir.rstrip("/") + "/", f"{data_dir}/") for part in local]


def portal_environment(compose: dict, services: ComposeTargets, workdir: str, data_dir: Path) -> dict[str, dict]:
    service_names = set(compose["services"])
    image_env, _ = dockerfile_env()
    environments = {}
    for name in PORTAL_SERVICES:
        declared = compose["services"][name].get("environment", {})
        if isinstance(declared, list):
            declared = dict(item.split("=", 1) for item in declared)
        env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
        env.update({k: v.replace(workdir.rstrip("/") + "/", f"{data_dir}/") for k, v in image_env.items()})
        for key, value in declared.items():
            env[key] = services.map_url(interpolate(str(value), SAMPLE_SECRETS), service_names)
        env["PATH"] = f"{BIN}:{env.get('PATH', '')}"
        environments[name] = env
    return environments


@contextmanager
def run_service(name: str, command: list[str], env: dict, logs: Path):
    log = open(logs / f"{name}.log", "w")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        log.close()


class PortalBrowser:
    """HTTP to gunicorn as the TLS proxy in front of it would send it (https, Host), cookies kept by hand:
    the portal's cookies are Secure, which a plain-HTTP client would otherwise never send back."""

    def __init__(self, base: str, host: str) -> None:
        self.base = base
        self.host = host
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {
            "Host": self.host,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "198.51.100.7",
            **kwargs.pop("headers", {}),
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = requests.request(
            method, self.base + path, headers=headers, allow_redirects=False, timeout=60, **kwargs
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def post_form(self, path: str, data: dict) -> requests.Response:
        page = self.request("GET", path)
        assert page.status_code == 200, (path, page.status_code, page.text[:500])
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return self.request(
            "POST",
            path,
            data={**data, "csrfmiddlewaretoken": token},
            headers={"Origin": f"https://{self.host}", "Referer": f"https://{self.host}{path}"},
        )


def test_compose_services_run_as_local_processes_file_an_intake_draft_it_and_serve_the_bank(tmp_path):
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    admin_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpline")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    _, workdir = dockerfile_env()
    data_dir = tmp_path / "app"
    (data_dir / "var").mkdir(parents=True)
    logs = tmp_path / "logs"
    logs.mkdir()

    with ExitStack() as stack:
        s3_url = stack.enter_context(s3_server())
        services = ComposeTargets(admin_url, redis_url, s3_url)
        envs = portal_environment(compose, services, workdir, data_dir)
        migrate_user = urlsplit(envs["migrate"]["DATABASE_URL"]).username
        stack.enter_context(fresh_database(services, admin_url, migrate_user))
        # What the minio-bucket service does: the private bucket the portal is told to use.
        bucket = envs["web"]["AWS_STORAGE_BUCKET_NAME"]
        import boto3

        boto3.client(
            "s3",
            endpoint_url=s3_url,
            region_name=envs["web"].get("AWS_S3_REGION_NAME") or "us-east-1",
            aws_access_key_id=envs["web"]["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=envs["web"]["AWS_SECRET_ACCESS_KEY"],
        ).create_bucket(Bucket=bucket)
        redis_flush(envs["worker"]["REDIS_URL"])

        # What building the image does to the code (collectstatic, kernel compilation), then migrate: a
        # one-shot service that must finish with 0.
        image_env, _ = dockerfile_env()
        build_env = {k: v for k, v in os.environ.items() if k in {"HOME", "LANG", "TMPDIR"}}
        build_env.update({k: v.replace(workdir.rstrip("/") + "/", f"{data_dir}/") for k, v in image_env.items()})
        build_env["PATH"] = envs["web"]["PATH"]
        build_steps = image_build_python_steps()
        assert any("collectstatic" in step for step in build_steps), build_steps
        for step in build_steps:
            built = subprocess.run(
                ["sh", "-c", step], cwd=ROOT, env=build_env, capture_output=True, text=True, timeout=600
            )
            assert built.returncode == 0, (step, built.stderr[-3000:])
        migrate = subprocess.run(
            local_command(compose["services"]["migrate"]["command"], workdir, data_dir),
            cwd=ROOT,
            env=envs["migrate"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert migrate.returncode == 0, migrate.stdout[-3000:] + migrate.stderr[-3000:]

        def service_command(name: str) -> list[str]:
            return local_command(compose["services"][name]["command"], workdir, data_dir)

        port = free_port()
        web_command = [
            re.sub(r"^0\.0\.0\.0:\d+$", f"127.0.0.1:{port}", part)
            for part in local_command(compose["services"]["web"]["command"], workdir, data_dir)
        ]
        assert f"127.0.0.1:{port}" in web_command, "compose's web command binds no 0.0.0.0 port"
        web = stack.enter_context(run_service("web", web_command, envs["web"], logs))
        worker = stack.enter_context(run_service("worker", service_command("worker"), envs["worker"], logs))
        beat = stack.enter_context(run_service("beat", service_command("beat"), envs["beat"], logs))

        host = envs["web"]["ALLOWED_HOSTS"].split(",")[0].strip()
        browser = PortalBrowser(f"http://127.0.0.1:{port}", host)

        def healthy():
            for process in (web, worker, beat):
                assert process.poll() is None, _logs(logs)
            try:
                return browser.request("GET", "/healthz").status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(healthy, timeout=120, what="gunicorn to answer /healthz with 200")
        health = browser.request("GET", "/healthz").json()
        assert all(check["ok"] for check in health["checks"].values()), health

        # gunicorn.conf.py's post_worker_init built the bank indexes before the worker took a request.
        assert re.search(r"bank indexes ready in [\d.]+ s \(ImagePDQ", (logs / "web.log").read_text()), _logs(logs)

        # One intake, through gunicorn, as a victim's browser files it.
        answers = wizard_answers(where={"urls": PDQ_URL, "elsewhere": ""})
        assert browser.request("GET", "/help/").status_code in (200, 302)
        for step in STEP_NAMES:
            response = browser.post_form(f"/help/step/{step}/", answers[step])
            assert response.status_code == 302, (step, response.status_code, response.text[:1500])
        response = browser.post_form("/help/check/", {})  # "Send my request" on the check-your-answers page
        assert response.status_code == 302, (response.status_code, response.text[:1500])
        done = browser.request("GET", "/help/done/")
        assert done.status_code == 200, done.text[:500]
        reference = re.search(r"HL-[0-9A-Z]{4}-[0-9A-Z]{4}", done.text).group(0)

        # Its removal requests are drafted by that worker (the web process queues; only the worker consumes).
        with admin_connection(admin_url, services.database_name) as db:

            def drafted() -> int:
                row = db.execute(
                    "SELECT count(*) FROM removals_removalrequest r JOIN cases_case c ON c.id = r.case_id "
                    "WHERE c.reference = %s",
                    [reference],
                ).fetchone()
                return row[0]

            assert wait_for(drafted, timeout=90, what="the worker to draft the case's removal requests")
        assert "removals.draft_for_case" in (logs / "worker.log").read_text()

        # A partner, created as an operator would in the web container, fetches the bank with its key.
        created = subprocess.run(
            local_command(["python", "manage.py", "createpartner", "Compose", "--scopes", "fetch"], workdir, data_dir),
            cwd=ROOT,
            env=envs["web"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert created.returncode == 0, created.stderr[-3000:]
        key = created.stdout.strip().splitlines()[-1]
        bank = browser.request("GET", "/api/v1/bank/pdq", headers={"Authorization": f"Bearer {key}"})
        assert bank.status_code == 200, bank.text[:500]
        filed_pdq = {fingerprint["pdq"] for fingerprint in _filed_fingerprints(answers)}
        assert filed_pdq <= {entry["value"] for entry in bank.json()["entries"]}
        refused = browser.request("GET", "/api/v1/bank/pdq", headers={"Authorization": "Bearer not-a-key"})
        assert refused.status_code == 401


def _filed_fingerprints(answers: dict) -> list[dict]:
    import json

    return json.loads(answers["images"]["hashes"])


def redis_flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def _logs(folder: Path) -> str:
    return "\n".join(f"--- {path.name}\n{path.read_text()[-3000:]}" for path in sorted(folder.glob("*.log")))
