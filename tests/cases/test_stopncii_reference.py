"""The victim's StopNCII case number: given on the status page, kept encrypted, cited only to StopNCII partners."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection

from cases.intake.services import case_file
from cases.models import Case, CaseEvent
from cases.removals import drafting
from cases.removals.models import RemovalRequest
from tests.cases.helpers import fingerprint, post_form
from tests.removals.conftest import helpline, platforms  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("platforms", "helpline")
NUMBER = "SN-7Q4K-2291"


@pytest.fixture
def filed():
    cache.clear()
    return case_file(
        draft={
            "safety": {"safe_now": "yes", "age": "adult", "filed_by": "self"},
            "where": {"urls": ["https://instagram.com/p/sn1", "https://t.me/chan/5"], "elsewhere": ""},
            "images": {"hashes": [fingerprint(5)]},
            "contact": {"name": "Ana", "email": "ana@example.net", "safe_channels": ["email"]},
            "consent": {"consent_share_hashes": True, "consent_contact": True, "consent_act_on_behalf": True},
        },
        language="en",
    )


@pytest.fixture
def victim(client, filed):
    assert post_form(client, "/status/", {"reference": filed.case.reference, "pin": filed.pin}).status_code == 302
    return client


def _raw_column(case: Case) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT stopncii_case FROM cases_case WHERE id = %s", [case.pk])
        return cursor.fetchone()[0]


def test_the_victim_gives_the_number_and_it_is_stored_encrypted_and_not_in_the_timeline(victim, filed):
    response = post_form(victim, "/status/case/stopncii/", {"stopncii_case": NUMBER})
    assert response.status_code == 302
    case = Case.objects.get(pk=filed.case.pk)
    assert case.stopncii_case == NUMBER
    assert NUMBER not in _raw_column(case) and _raw_column(case)
    event = CaseEvent.objects.get(case=case, kind="stopncii_case_given")
    assert NUMBER not in str(event.detail)


@pytest.mark.parametrize("bad", ["<script>alert(1)</script>", "ab", "x" * 41, "SN 123\nBcc: a@b.c"])
def test_a_malformed_number_is_refused_with_a_message_and_changes_nothing(victim, filed, bad):
    response = post_form(victim, "/status/case/stopncii/", {"stopncii_case": bad}, follow=True)
    assert "does not look like a StopNCII case number" in response.content.decode()
    assert Case.objects.get(pk=filed.case.pk).stopncii_case == ""


def test_the_number_is_cited_to_stopncii_partners_only(victim, filed):
    post_form(victim, "/status/case/stopncii/", {"stopncii_case": NUMBER})
    case = Case.objects.get(pk=filed.case.pk)
    drafting.draft_for_case(case_id=case.pk)
    partner = RemovalRequest.objects.get(case=case, platform__slug="instagram", kind="removal")
    other = RemovalRequest.objects.get(case=case, platform__slug="telegram", kind="removal")
    assert partner.platform.is_hash_partner and not other.platform.is_hash_partner
    from cases.removals.services import render

    assert NUMBER in render(partner).body
    assert NUMBER not in render(other).body


def test_erasing_the_case_erases_the_number(victim, filed):
    from cases.services import case_erase

    post_form(victim, "/status/case/stopncii/", {"stopncii_case": NUMBER})
    case_erase(case=Case.objects.get(pk=filed.case.pk))
    assert Case.objects.get(pk=filed.case.pk).stopncii_case == ""
