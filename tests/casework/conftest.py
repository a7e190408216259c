"""Casework test data: cases with victim details, platforms with removal requests, and headless Chromium."""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import count

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from cases.models import Case

_references = count(1)
# A cheap, fixed hash: the PIN is never checked in these tests.
PIN_HASH = make_password("246810", hasher="md5")

VICTIM = {
    "contact_name": "Alex Example",
    "contact_email": "alex.victim@example.org",
    "contact_phone": "+44 20 7946 0000",
    "signature_name": "Alexandra Example",
    "description": "My former partner posted the pictures on a forum.",
    "elsewhere": "a private group chat",
}


def safe_contact(channels=("email",), *, name_helpline=False, voicemail=False, times="weekdays 9-12", code="tulip"):
    return json.dumps(
        {
            "channels": list(channels),
            "times": times,
            "voicemail_ok": voicemail,
            "email_may_name_helpline": name_helpline,
            "code_word": code,
        }
    )


def make_case(**fields) -> Case:
    n = next(_references)
    values = {
        "reference": f"HL-T{n:03d}-{n:04d}"[:12],
        "pin_hash": PIN_HASH,
        "consent_contact": True,
        "safe_contact": safe_contact(),
        **VICTIM,
    }
    values.update(fields)
    return Case.objects.create(**values)


@pytest.fixture
def case(db):
    return make_case()


@pytest.fixture
def platform(db):
    from cases.removals.models import Platform

    return Platform.objects.create(slug="examplegram", name="Examplegram", deadline_hours=48)


def make_request(case: Case, platform, *, status="drafted", deadline_in_hours: float | None = None, **fields):
    """A removal request in a given state; with a deadline it counts as sent that long before the deadline."""
    from cases.removals.models import Basis, RemovalRequest

    values = {"case": case, "platform": platform, "status": status, "basis": Basis.PLATFORM_POLICY}
    if deadline_in_hours is not None:
        values["sent_at"] = timezone.now() - timedelta(hours=1)
        values["deadline_at"] = timezone.now() + timedelta(hours=deadline_in_hours)
    values.update(fields)
    return RemovalRequest.objects.create(**values)


@pytest.fixture(scope="module")
def chromium(shared_chromium):
    return shared_chromium


def page_queries(captured) -> int:
    """Queries a page ran, leaving out the SAVEPOINTs that exist only because each test runs in a transaction."""
    return sum(1 for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT")))


def plain_text(html: str) -> str:
    """The page's text with tags removed and spaces collapsed, to match what a person reads."""
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
