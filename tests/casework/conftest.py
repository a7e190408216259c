"""Casework test data: cases with victim details, platforms with removal requests, and headless Chromium."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from django.utils import timezone

from cases.models import Case
from tests.factories import PIN_HASH, VICTIM, CaseFactory, safe_contact  # noqa: F401 - shared with casework tests

_references = count(1)


def make_case(**fields) -> Case:
    """A case with the victim's details and safe-contact preferences, as caseworkers see it (tests.factories)."""
    n = next(_references)
    return CaseFactory(victim=True, reference=f"HL-T{n:03d}-{n:04d}"[:12], **fields)


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
