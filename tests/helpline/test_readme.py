"""The README's commands work as written on a fresh clone: `make run` serves the demo and, after it, the
createpartner command prints a key. Blocks that need other servers must say so in the README."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.services import free_port, wait_for

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```sh\n(.*?)```", README, re.S)
# Blocks this test runs on a fresh clone, in order.
RUN_ON_A_FRESH_CLONE = [
    "make run",
    '.venv/bin/python manage.py createpartner "Platform X" --scopes fetch,match,feedback',
]
# Blocks it does not run, and what the README must say next to each about the environment it needs.
NEEDS = {
    "make test": "The suite uses real services",
    "DATABASE_URL=postgres://me:secret@db.local": "This command needs such servers",
    "SECRET_KEY=...": "a file's contents, not commands",
    "pip install helpline-threatexchange": "The package is not on PyPI yet",
}
# A new user's shell: none of the variables the test run itself is given.
SCRUBBED = ("DATABASE_URL", "REDIS_URL", "DEBUG", "VAR_DIR", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "ALLOWED_HOSTS")


def test_every_readme_command_block_is_run_here_or_names_the_environment_it_needs():
    for block in BLOCKS:
        text = block.strip()
        if text in RUN_ON_A_FRESH_CLONE:
            continue
        needs = [phrase for start, phrase in NEEDS.items() if text.startswith(start)]
        assert needs, f"README block neither run by tests/helpline/test_readme.py nor explained: {text[:80]!r}"
        at = README.index(block)
        around = README[max(0, at - 700) : at + len(block) + 900]  # the paragraph before or after the block
        assert needs[0] in around, f"README does not say what {text[:40]!r} needs"
    assert [b.strip() for b in BLOCKS if b.strip() in RUN_ON_A_FRESH_CLONE] == RUN_ON_A_FRESH_CLONE


def test_on_a_fresh_clone_make_run_serves_the_demo_and_the_createpartner_command_prints_a_key(tmp_path):
    clone = tmp_path / "helpline"
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "checkout", "--quiet", head.stdout.strip()], cwd=clone, check=True)
    assert not (clone / "var").exists()
    # The environment this test runs in stands in for `make run`'s install (same pinned requirements);
    # `-o` tells make to take it as installed rather than install into it.
    (clone / ".venv").symlink_to(Path(sys.prefix))
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    port = free_port()
    log_path = tmp_path / "make-run.log"
    try:
        with open(log_path, "w") as log:
            make = subprocess.Popen(
                [*RUN_ON_A_FRESH_CLONE[0].split(), "-o", ".venv/.installed-run", f"PORT={port}"],
                cwd=clone,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:

                def serving() -> bool:
                    assert make.poll() is None, log_path.read_text()[-4000:]
                    try:
                        return requests.get(f"http://127.0.0.1:{port}/help/", timeout=10).status_code == 200
                    except requests.ConnectionError:
                        return False

                wait_for(serving, timeout=400, interval=0.5, what="make run to serve the portal")
            finally:
                os.killpg(make.pid, signal.SIGTERM)
                make.wait(timeout=30)
        output = log_path.read_text()
        for step in ("== Starting the demo's PostgreSQL", "== Applying database migrations", "== Serving the portal"):
            assert step in output, output[-3000:]
        assert "Demo cases: HL-DEM0-0001" in output
        assert (clone / "var" / "demo.env").exists()

        created = subprocess.run(
            ["sh", "-c", RUN_ON_A_FRESH_CLONE[1]], cwd=clone, env=env, capture_output=True, text=True, timeout=120
        )
        assert created.returncode == 0, created.stderr[-3000:]
        assert re.fullmatch(r"\S{30,}", created.stdout.strip()), created.stdout
        assert "Created partner Platform X" in created.stderr
    finally:
        subprocess.run([str(clone / ".venv/bin/python"), "-m", "helpline.demo", "stop"], cwd=clone, env=env)


def test_make_run_installs_the_runtime_requirements_only_and_make_test_adds_the_test_stack():
    def installs(target: str) -> list[str]:
        plan = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, check=True)
        return re.findall(r"pip install .*?-r (\S+)", plan.stdout)

    assert installs("run") == ["requirements.txt"]
    assert installs("test") == ["requirements.txt", "requirements-dev.txt"]
    runtime = (ROOT / "requirements.txt").read_text().lower()
    test_tools = ("pytest", "playwright", "faiss", "moto", "hypothesis", "schemathesis", "bandit", "ruff", "threatex")
    for tool in test_tools:
        assert not re.search(rf"^{tool}", runtime, re.M), f"{tool} is a test tool, not a runtime requirement"
