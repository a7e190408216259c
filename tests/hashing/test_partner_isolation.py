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
