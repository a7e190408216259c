"""What one partner's feedback does to the bank, and what partners see of each other (issue 14, findings 10, 12, 13)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from cases import retention
from hashing.bank import services as bank_services
from hashing.bank.partners import partner_create
from hashing.models import BankEntry, BankStatus, SignalType
from tests.hashing.bank_helpers import image_hashes, make_case, withdraw_consent

pytestmark = pytest.mark.django_db


def _feedback(client, raw_key: str, value: str, feedback: str = "Blocked", tags: list[str] | None = None):
    body = {"count": 1, "hashFeedbacks": [{"hashValue": value, "feedbackValue": feedback, "tags": tags or []}]}
    response = client.post(
        "/stopncii/v1/SubmitFeedback", json.dumps(body), content_type="application/json", HTTP_X_FUNCTIONS_KEY=raw_key
    )
    assert response.status_code == 200, response.content
    return response


class _Clock:
    """Stands in for django.utils.timezone inside the bank's services, so feedback can arrive days later."""

    def __init__(self, at):
        self.at = at

    def now(self):
        return self.at


def test_feedback_never_keeps_a_withdrawn_hash_from_its_purge(client, monkeypatch):
    # Finding 12: any feedback set last_modified, the retention clock, so a partner that kept sending feedback
    # on a withdrawn hash kept it (and its cases' links) in the bank forever.
    _partner, _key, raw_key = partner_create(name="Platform X", scopes=["fetch", "feedback"])
    image = image_hashes()
    case = make_case(files=[image])
    _feedback(client, raw_key, image["pdq"])  # while Active
    withdraw_consent(case)
    entry = BankEntry.objects.get(signal_type=SignalType.IMAGE_PDQ, value=image["pdq"])
    assert entry.status == BankStatus.WITHDRAWN
    withdrawn_at = entry.last_modified
    days = 30
    # Feedback arrives every few days until the day before the purge.
    for day in (1, 10, 29):
        monkeypatch.setattr(bank_services, "timezone", _Clock(withdrawn_at + timedelta(days=day)))
        _feedback(client, raw_key, image["pdq"], "NotBlocked", [f"day {day}"])
    assert BankEntry.objects.get(pk=entry.pk).last_modified == withdrawn_at
    monkeypatch.undo()
    assert retention.bank_purge_withdrawn(now=withdrawn_at + timedelta(days=days, minutes=1)) >= 1
    assert not BankEntry.objects.filter(pk=entry.pk).exists()


def test_feedback_on_an_active_hash_moves_the_feed_but_not_the_retention_clock(client):
    _partner, _key, raw_key = partner_create(name="Platform X", scopes=["fetch", "feedback"])
    image = image_hashes()
    make_case(files=[image])
    entry = BankEntry.objects.get(signal_type=SignalType.IMAGE_PDQ, value=image["pdq"])
    _feedback(client, raw_key, image["pdq"])
    after = BankEntry.objects.get(pk=entry.pk)
    assert after.seq > entry.seq  # the feed carries the new feedback
    assert after.last_modified == entry.last_modified
    assert timezone.now() > after.last_modified


def _feed(client, raw_key: str) -> dict[str, dict]:
    response = client.get("/stopncii/v1/FetchHashes", {"pageSize": 5000}, HTTP_X_FUNCTIONS_KEY=raw_key)
    assert response.status_code == 200, response.content
    return {record["hashValue"]: record for record in response.json()["hashRecords"]}


def test_a_partner_sees_its_own_feedback_in_full_and_only_counts_of_the_others_never_their_names_or_tags(client):
    # Finding 10: partner A's feed showed partner B's name and free-text tags ("uploader=@...", "seen at https://").
    _a, _key, key_a = partner_create(name="Platform Alpha", scopes=["fetch", "feedback"])
    _b, _key, key_b = partner_create(name="Platform Bravo", scopes=["fetch", "feedback"])
    _c, _key, key_c = partner_create(name="Platform Charlie", scopes=["fetch", "feedback"])
    image = image_hashes()
    make_case(files=[image])
    _feedback(client, key_a, image["pdq"], "PendingReview", ["queue=7"])
    _feedback(client, key_b, image["pdq"], "Blocked", ["uploader=@ex_partner_handle", "seen at https://b.example/p/1"])
    _feedback(client, key_c, image["pdq"], "Blocked", ["charlie-private-note"])

    seen_by_a = _feed(client, key_a)[image["pdq"]]
    text = json.dumps(seen_by_a)
    for secret in ("Bravo", "Charlie", "uploader=@ex_partner_handle", "https://b.example", "charlie-private-note"):
        assert secret not in text, secret
    assert seen_by_a["CSPFeedbacks"] == [
        {"feedbackValue": "PendingReview", "tags": ["queue=7"], "source": "Platform Alpha"},
        {"feedbackValue": "Blocked", "tags": ["partners:2"], "source": "other partners"},
    ]
    seen_by_b = _feed(client, key_b)[image["pdq"]]
    assert seen_by_b["CSPFeedbacks"] == [
        {
            "feedbackValue": "Blocked",
            "tags": ["seen at https://b.example/p/1", "uploader=@ex_partner_handle"],
            "source": "Platform Bravo",
        },
        {"feedbackValue": "Blocked", "tags": ["partners:1"], "source": "other partners"},
        {"feedbackValue": "PendingReview", "tags": ["partners:1"], "source": "other partners"},
    ]
    assert "Alpha" not in json.dumps(seen_by_b) and "queue=7" not in json.dumps(seen_by_b)


def test_a_new_partner_starts_from_the_active_bank_without_earlier_tombstones_or_feedback_on_them(client):
    # Finding 13: a partner created after a case was erased received the erased case's hashes (as Deleted) and
    # the other partners' feedback on them.
    _old, _key, old_key = partner_create(name="Old Platform", scopes=["fetch", "feedback", "match"])
    erased_files, withdrawn_files, kept_files = [image_hashes()], [image_hashes()], [image_hashes()]
    erased = make_case(files=erased_files)
    withdrawn = make_case(files=withdrawn_files)
    make_case(files=kept_files)
    assert set(_feed(client, old_key)) >= {erased_files[0]["pdq"], withdrawn_files[0]["pdq"]}
    _feedback(client, old_key, erased_files[0]["pdq"], "Blocked", ["seen on a forum"])
    from tests.hashing.bank_helpers import erase

    erase(erased)
    withdraw_consent(withdrawn)

    _new, _key, new_key = partner_create(name="New Platform", scopes=["fetch"])
    first = _feed(client, new_key)
    assert set(first) == {kept_files[0]["pdq"]}
    native = client.get("/api/v1/bank/pdq", HTTP_AUTHORIZATION=f"Bearer {new_key}").json()["entries"]
    assert [entry["value"] for entry in native] == [kept_files[0]["pdq"]]
    for entry in native:
        assert entry["status"] == BankStatus.ACTIVE

    # The partner that could have received them gets the tombstones, so it drops its copies.
    old_view = _feed(client, old_key)
    assert old_view[erased_files[0]["pdq"]]["hashStatus"] == BankStatus.DELETED
    assert old_view[withdrawn_files[0]["pdq"]]["hashStatus"] == BankStatus.WITHDRAWN

    # After the new partner's first fetch, a withdrawal is a tombstone it needs: it receives it.
    kept = BankEntry.objects.get(value=kept_files[0]["pdq"]).case_links.get().case
    withdraw_consent(kept)
    assert _feed(client, new_key)[kept_files[0]["pdq"]]["hashStatus"] == BankStatus.WITHDRAWN
