"""Locust users for `make bench-load` (bench/bench_load.py starts the portal and passes the cast in BENCH_LOAD_CAST).

Victims file through the wizard with fingerprints and then check their case's status; caseworkers open the queue
and case pages and claim cases; supervisors open the reports; partners match batches of 100 PDQ hashes and fetch
the feed. Every intake a user saw succeed is appended (reference only) to BENCH_LOAD_FILED, which the bench checks
against the database afterwards.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
from pathlib import Path

from locust import HttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# Valid fingerprints, as the browser's picker posts them.
from tests.cases.helpers import fingerprint

CAST = json.loads(open(os.environ["BENCH_LOAD_CAST"]).read())
HOST = CAST["host"]
STEPS = ["safety", "what-happened", "where", "images", "contact", "consent"]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class PortalUser(HttpUser):
    """Talks to gunicorn as the TLS proxy would (https, Host); the Secure cookies are kept by hand."""

    abstract = True
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        self.jar: dict[str, str] = {}
        self.address = "198.51.100.7"

    def call(self, method: str, path: str, name: str, expect=(200,), **kwargs):
        headers = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": self.address}
        headers.update(kwargs.pop("headers", {}))
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        with self.client.request(
            method, path, name=name, headers=headers, allow_redirects=False, catch_response=True, timeout=60, **kwargs
        ) as response:
            self.jar.update(response.cookies.get_dict())
            if response.status_code not in expect:
                response.failure(f"HTTP {response.status_code}")
                return None
            response.success()
            return response

    def form(self, path: str, name: str, data: dict, expect=(302,)):
        page = self.call("GET", path, f"GET {name}")
        found = page is not None and TOKEN.search(page.text)
        if not found:
            return None
        headers = {"Origin": f"https://{HOST}", "Referer": f"https://{HOST}{path}"}
        return self.call(
            "POST", path, f"POST {name}", expect, data={**data, "csrfmiddlewaretoken": found.group(1)}, headers=headers
        )


class Victim(PortalUser):
    weight = 4

    @task(3)
    def file_and_check(self) -> None:
        self.jar = {}
        rng = random.Random()
        # Each filing from an address of its own, as victims on their own devices: the portal limits filings
        # per address (an abuse defence), which one shared address would hit after a few cases.
        self.address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        answers = {
            "safety": {"safe_now": "yes", "age": "adult", "filed_by": "self"},
            "what-happened": {"categories": ["known_person"], "description": "Posted without my consent."},
            "where": {"urls": f"https://www.reddit.com/r/load/comments/{rng.getrandbits(32):x}/", "elsewhere": ""},
            "images": {"hashes": json.dumps([fingerprint(rng.getrandbits(48)), fingerprint(rng.getrandbits(48))])},
            "contact": {"name": "Load Victim", "email": "victim@example.net", "safe_channels": ["email"]},
            "consent": {
                "consent_share_hashes": "on",
                "consent_contact": "on",
                "consent_act_on_behalf": "on",
                "signature_name": "Load Victim",
            },
        }
        if self.call("GET", "/help/", "GET /help/", expect=(200, 302)) is None:
            return
        for step in STEPS:
            if self.form(f"/help/step/{step}/", f"/help/step/{step}/", answers[step]) is None:
                return
        if self.form("/help/check/", "/help/check/", {}) is None:
            return
        done = self.call("GET", "/help/done/", "GET /help/done/")
        if done is None:
            return
        reference = re.search(r'id="case-reference">([^<]+)<', done.text)
        pin = re.search(r'id="case-pin">([^<]+)<', done.text)
        if not (reference and pin):
            return
        hashes = [fingerprint["sha256"] for fingerprint in json.loads(answers["images"]["hashes"])]
        with open(os.environ["BENCH_LOAD_FILED"], "a") as out:
            out.write(json.dumps({"reference": reference.group(1).strip(), "sha256": hashes}) + "\n")
        self.jar = {}
        signed = self.form(
            "/status/", "/status/", {"reference": reference.group(1).strip(), "pin": pin.group(1).strip()}
        )
        if signed is not None:
            self.call("GET", "/status/case/", "GET /status/case/")


class Caseworker(PortalUser):
    weight = 2

    def on_start(self) -> None:
        super().on_start()
        self.jar = {"sessionid": CAST["caseworker_session"]}

    @task(3)
    def queue(self) -> None:
        self.call("GET", "/staff/queue/", "GET /staff/queue/")

    @task(3)
    def case_page(self) -> None:
        self.call("GET", f"/staff/cases/{random.choice(CAST['references'])}/", "GET /staff/cases/[ref]/")

    @task(1)
    def claim(self) -> None:
        reference = random.choice(CAST["references"])
        page = self.call("GET", f"/staff/cases/{reference}/", "GET /staff/cases/[ref]/")
        token = page is not None and TOKEN.search(page.text)
        if token:
            self.call(
                "POST",
                f"/staff/cases/{reference}/claim/",
                "POST /staff/cases/[ref]/claim/",
                expect=(200, 302, 409),
                data={"csrfmiddlewaretoken": token.group(1)},
                headers={"Origin": f"https://{HOST}", "Referer": f"https://{HOST}/staff/cases/{reference}/"},
            )


class Supervisor(PortalUser):
    weight = 1

    def on_start(self) -> None:
        super().on_start()
        self.jar = {"sessionid": CAST["supervisor_session"]}

    @task
    def reports(self) -> None:
        path = random.choice(["/staff/reports/", "/staff/reports/removals/", "/staff/reports/queue/"])
        self.call("GET", path, f"GET {path}")


class Partner(PortalUser):
    weight = 2

    @task(3)
    def match(self) -> None:
        hashes = random.sample(CAST["bank_sample"], min(100, len(CAST["bank_sample"])))
        self.call(
            "POST",
            "/api/v1/match",
            "POST /api/v1/match (100)",
            data=json.dumps({"signal_type": "pdq", "hashes": hashes}),
            headers={"Authorization": f"Bearer {CAST['partner_key']}", "Content-Type": "application/json"},
        )

    @task(1)
    def feed(self) -> None:
        self.call(
            "GET",
            "/api/v1/bank/pdq",
            "GET /api/v1/bank/pdq",
            headers={"Authorization": f"Bearer {CAST['partner_key']}"},
        )
