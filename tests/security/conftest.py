"""Shared cast for the security tests: a production-like environment, a victim's case with known personal
data, victims signed in through the real status page, and partner API keys (live and revoked)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cache

import pytest
from cryptography.fernet import Fernet
from django.test import Client

from cases.intake.services import case_file
from cases.models import Case
from hashing.bank.partners import partner_create, partner_key_issue, partner_key_revoke
from tests.cases.helpers import fingerprint, post_form
from tests.removals.conftest import load_directory
from tests.services import ROOT

# Test-run defaults (pyproject's pytest-env) that a production deployment never has.
_TEST_ONLY = {
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "STATIC_MANIFEST",
    "SECURE_HSTS_SECONDS",
    "BEHIND_TLS_PROXY",
    "DEBUG",
    # Set by the browser tests' fixtures (Playwright's event loop); `check --deploy` rightly flags it (async.E001).
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a real deployment as README and docker-compose.yml describe it: DEBUG off, real secrets,
    a public host name behind a TLS proxy, and none of the test run's relaxations."""
    env = {name: value for name, value in os.environ.items() if name not in _TEST_ONLY}
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "k7Jf2-pQ9zX_w4LmN8vR1tY6uB3cE5gH0iA-sD7fG2hJ9kL4zX1cV6bN8mQ3wE5r",
            "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "helpline.example.org",
            "CSRF_TRUSTED_ORIGINS": "https://helpline.example.org",
            "PORTAL_BASE_URL": "https://helpline.example.org",
            "BEHIND_TLS_PROXY": "true",
            "TRUSTED_PROXY_HOPS": "1",
            "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
        }
    )
    env.update(overrides)
    return env


_DUMP = """
import json
import django
django.setup()
from django.conf import settings
names = {names!r}
print(json.dumps({{name: getattr(settings, name, None) for name in names}}))
"""

SECURITY_SETTINGS = (
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_AGE",
    "SESSION_SAVE_EVERY_REQUEST",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
)


@cache
def production_settings() -> dict:
    """The security settings a production process actually ends up with (read in a child process)."""
    result = subprocess.run(
        [sys.executable, "-c", _DUMP.format(names=SECURITY_SETTINGS)],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    if values["SECURE_PROXY_SSL_HEADER"] is not None:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


# Personal data of the victim's case, each string unusual enough that finding it in a page is no accident.
PII = {
    "name": "Quillon Marwether",
    "email": "quillon.marwether@example.net",
    "phone": "+44 7700 900417",
    "description": "Posted by Zebulon Thraxby on his channel",
    "elsewhere": "a forum called velvetmoss",
    "url_path": "velvetmoss-thread-88231",
}


@dataclass
class FiledCase:
    case: Case
    pin: str


def file_pii_case(*, seed: int = 7, **pii: str) -> FiledCase:
    """A case filed through intake's own service, carrying the given (default: PII) personal data."""
    data = {**PII, **pii}
    draft = {
        "safety": {"safe_now": "yes", "age": "adult", "filed_by": "self"},
        "what-happened": {"categories": ["known_person"], "description": data["description"]},
        "where": {
            "urls": [f"https://www.reddit.com/r/x/comments/{data['url_path']}/"],
            "elsewhere": data["elsewhere"],
        },
        "images": {"hashes": [fingerprint(seed)]},
        "contact": {
            "name": data["name"],
            "email": data["email"],
            "phone": data["phone"],
            "safe_channels": ["email"],
        },
        "consent": {
            "consent_share_hashes": True,
            "consent_contact": True,
            "consent_act_on_behalf": True,
            "signature_name": data["name"],
        },
    }
    filed = case_file(draft=draft, language="en")
    return FiledCase(case=filed.case, pin=filed.pin)


@pytest.fixture
def pii_case(db) -> FiledCase:
    return file_pii_case()


@pytest.fixture
def other_case(db) -> FiledCase:
    return file_pii_case(
        seed=8,
        name="Ottoline Brasswick",
        email="ottoline.brasswick@example.net",
        phone="+44 7700 900555",
        description="Shared by a stranger called Fenwick Osgood",
        elsewhere="an imageboard named copperfen",
        url_path="copperfen-thread-4410",
    )


def victim_client(filed: FiledCase) -> Client:
    """A browser signed in to the case's status page with its reference and PIN, through the real form."""
    client = Client()
    response = post_form(client, "/status/", {"reference": filed.case.reference, "pin": filed.pin})
    assert response.status_code == 302 and response["Location"].endswith("/status/case/"), response.status_code
    return client


@dataclass
class PartnerKeys:
    live: str
    revoked: str


@pytest.fixture
def partner_keys(db) -> PartnerKeys:
    partner, _key, live = partner_create(name="Platform Q", scopes=["fetch", "match", "feedback"])
    old_key, revoked = partner_key_issue(partner=partner)
    partner_key_revoke(key=old_key)
    return PartnerKeys(live=live, revoked=revoked)


@pytest.fixture
def platforms(db):
    """The platform directory as its data migration loads it (drafting and URL classification need it)."""
    load_directory()
