"""case_file: one atomic write, urgent flags, PIN as a hash only, personal data encrypted, drafting after commit."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.db import connection

from cases.intake.services import case_file
from cases.models import Case, CaseEvent, CaseHash, CaseURL
from tests.cases.helpers import fingerprint

pytestmark = pytest.mark.django_db


def _draft(**overrides) -> dict:
    draft = {
        "safety": {"safe_now": "yes", "age": "adult", "filed_by": "authorised"},
        "what-happened": {"categories": ["hacked"], "description": "Someone got into my cloud account."},
        "where": {"urls": ["https://example.com/a", "https://example.org/b"], "elsewhere": "A group chat at work"},
        "images": {"hashes": [fingerprint(1), fingerprint(2, image=False)]},
        "contact": {
            "name": "Jo Private",
            "email": "jo@example.net",
            "phone": "+44 20 7946 0000",
            "safe_channels": ["email", "text"],
            "safe_times": "weekday mornings",
            "voicemail_ok": False,
            "email_may_name_helpline": True,
            "code_word": "bluebird",
        },
        "consent": {
            "consent_share_hashes": True,
            "consent_contact": True,
            "consent_act_on_behalf": True,
            "signature_name": "Jo Private",
        },
    }
    draft.update(overrides)
    return draft


def test_filing_creates_the_case_links_fingerprints_consents_and_one_event():
    filed = case_file(draft=_draft(), language="es")
    case = Case.objects.get(pk=filed.case.pk)
    assert case.filed_by == "authorised" and case.language == "es" and case.categories == ["hacked"]
    assert (case.urls.count(), case.hashes.count()) == (2, 2)
    assert case.consent_share_hashes and case.consent_contact and case.consent_act_on_behalf
    assert case.consent_given_at is not None and case.signed_at is not None
    assert "I ask the helpline" in case.signature_statement or "solicito" in case.signature_statement.lower()
    assert json.loads(case.safe_contact) == {
        "channels": ["email", "text"],
        "times": "weekday mornings",
        "voicemail_ok": False,
        "email_may_name_helpline": True,
        "code_word": "bluebird",
    }
    event = CaseEvent.objects.get(case=case)
    assert event.kind == "case_filed" and event.actor_label == "victim"
    assert event.detail == {"url_count": 2, "hash_count": 2, "urgent": False, "anonymous": False, "signed": True}
    video = case.hashes.get(media_kind="video")
    assert video.pdq == "" and video.pdq_dihedral == []


def test_the_pin_is_stored_only_as_a_password_hash():
    filed = case_file(draft=_draft(), language="en")
    assert len(filed.pin) == 6 and filed.pin.isdigit()
    assert filed.pin not in filed.case.pin_hash and "$" in filed.case.pin_hash


def test_personal_data_is_encrypted_in_the_raw_rows():
    filed = case_file(draft=_draft(), language="en")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_name, contact_email, contact_phone, safe_contact, signature_name, description, elsewhere"
            " FROM cases_case WHERE id = %s",
            [filed.case.pk],
        )
        row = " ".join(cursor.fetchone())
        cursor.execute("SELECT url, url_digest FROM cases_caseurl WHERE case_id = %s", [filed.case.pk])
        url_rows = " ".join(" ".join(r) for r in cursor.fetchall())
    for secret in ("Jo Private", "jo@example.net", "7946", "bluebird", "cloud account", "group chat"):
        assert secret not in row
    assert "example.com" not in url_rows and "example.org" not in url_rows
    assert row.count("fernet:") == 7


@pytest.mark.parametrize(
    ("safety", "categories", "urgent"),
    [
        ({"age": "minor"}, [], True),
        ({"age": "adult"}, ["extortion"], True),
        ({"age": "adult"}, ["known_person", "ai_generated"], False),
    ],
)
def test_minors_and_threats_make_a_case_urgent(safety, categories, urgent):
    draft = _draft(
        safety={"safe_now": "yes", "filed_by": "self", **safety}, **{"what-happened": {"categories": categories}}
    )
    case = case_file(draft=draft, language="en").case
    assert case.is_urgent is urgent
    assert case.is_minor is (safety["age"] == "minor")


def test_the_bank_is_synced_inside_the_filing_transaction_after_the_hashes_exist():
    seen = {}

    def bank_sync_case(*, case):
        seen["hashes"] = CaseHash.objects.filter(case=case).count()
        seen["in_transaction"] = connection.in_atomic_block

    with mock.patch("cases.intake.services.case_bank_sync", side_effect=bank_sync_case):
        case_file(draft=_draft(), language="en")
    assert seen == {"hashes": 2, "in_transaction": True}


def test_a_failure_inside_the_filing_leaves_no_partial_case():
    with mock.patch("cases.intake.services.case_bank_sync", side_effect=RuntimeError("bank down")):
        with pytest.raises(RuntimeError):
            case_file(draft=_draft(), language="en")
    assert not Case.objects.exists() and not CaseURL.objects.exists() and not CaseHash.objects.exists()
    assert not CaseEvent.objects.exists()


def test_drafting_is_queued_only_after_the_filing_commits(django_capture_on_commit_callbacks):
    with mock.patch("cases.intake.services.queue_drafting") as queue:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            filed = case_file(draft=_draft(), language="en")
        queue.assert_not_called()
        for callback in callbacks:
            callback()
    queue.assert_called_once_with(case_id=filed.case.pk)


def test_a_broker_that_is_down_does_not_fail_the_filing(django_capture_on_commit_callbacks):
    with mock.patch("cases.removals.tasks.draft_for_case.delay", side_effect=ConnectionError("redis down")):
        with django_capture_on_commit_callbacks(execute=True):
            filed = case_file(draft=_draft(), language="en")
    assert Case.objects.filter(pk=filed.case.pk).exists()


def test_links_are_mapped_to_a_platform_where_the_directory_knows_the_host():
    with mock.patch(
        "cases.urls_normalise.platform_slug_for_host",
        side_effect=lambda host: "example" if host == "example.com" else "",
    ):
        case = case_file(draft=_draft(), language="en").case
    assert dict(case.urls.values_list("host", "platform_slug")) == {"example.com": "example", "example.org": ""}


def test_an_anonymous_case_stores_no_contact_preferences():
    case = case_file(draft=_draft(contact={}, consent={}), language="en").case
    assert case.is_anonymous and case.safe_contact == "" and case.consent_given_at is None
