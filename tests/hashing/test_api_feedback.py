"""The native API's POST /api/v1/feedback: what a partner did with matches, recorded on the right entries only."""

from __future__ import annotations

import json

import pytest

from hashing.bank.partners import partner_create
from hashing.bank.selectors import partner_feedback_summary
from hashing.models import PartnerApiCall, PartnerFeedback
from tests.hashing import bank_helpers
from tests.hashing.bank_helpers import image_hashes, make_case, random_hex

pytestmark = pytest.mark.django_db

partner_and_key = bank_helpers.partner_and_key  # the shared fixture


def send(client, raw_key: str, body: object):
    return client.post(
        "/api/v1/feedback",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw_key}",
    )


def test_feedback_on_pdq_and_md5_hashes_shows_on_the_case(client, partner_and_key):
    partner, raw_key = partner_and_key
    image = image_hashes()
    case = make_case(files=[image])
    response = send(
        client,
        raw_key,
        {"signal_type": "pdq", "feedback": [{"hash": image["pdq"].upper(), "value": "Blocked", "tags": ["nudity"]}]},
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"received": 1}
    response = send(client, raw_key, {"signal_type": "md5", "feedback": [{"hash": image["md5"], "value": "Blocked"}]})
    assert response.json() == {"received": 1}
    assert partner_feedback_summary(case) == [("Platform X", "Blocked", 2)]
    assert PartnerFeedback.objects.get(entry__value=image["pdq"]).tags == ["nudity"]
    call = PartnerApiCall.objects.filter(partner=partner, endpoint="api.feedback").latest("id")
    assert (call.status, call.hashes_in) == (200, 1)


def test_a_hash_of_another_type_or_unknown_to_the_bank_records_nothing(client, partner_and_key):
    _partner, raw_key = partner_and_key
    image = image_hashes()
    case = make_case(files=[image])
    # The image's SHA-256 is 64 hex characters like a PDQ, but it is not a PDQ entry.
    response = send(
        client, raw_key, {"signal_type": "pdq", "feedback": [{"hash": image["sha256"], "value": "Blocked"}]}
    )
    assert response.json() == {"received": 1}, "answered as for a hash the bank holds"
    response = send(client, raw_key, {"signal_type": "pdq", "feedback": [{"hash": random_hex(64), "value": "Blocked"}]})
    assert response.json() == {"received": 1}, "answered as for a hash the bank holds"
    assert partner_feedback_summary(case) == []


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"hash": "abc", "value": "Blocked"}, "feedback[1].hash"),
        ({"hash": "z" * 64, "value": "Blocked"}, "feedback[1].hash"),
        ({"hash": "0" * 64, "value": "Liked"}, "Blocked"),
        ({"hash": "0" * 64, "value": "Blocked", "tags": ["bad\x00tag"]}, "tags[0] must be printable"),
        ({"hash": "0" * 64, "value": "Blocked", "tags": ["x" * 101]}, "tags[0] must be printable"),
    ],
)
def test_bad_feedback_is_refused_whole_with_a_clear_reason(client, partner_and_key, item, message):
    _partner, raw_key = partner_and_key
    image = image_hashes()
    make_case(files=[image])
    good = {"hash": image["pdq"], "value": "Blocked"}
    response = send(client, raw_key, {"signal_type": "pdq", "feedback": [good, item]})
    assert response.status_code == 422
    assert message in json.dumps(response.json())
    assert PartnerFeedback.objects.count() == 0, "the good item in the same call is not recorded either"


def test_a_key_without_the_feedback_scope_is_refused(client):
    _partner, _key, raw_key = partner_create(name="Platform Y", scopes=["fetch"], rate_limit_per_minute=100)
    image = image_hashes()
    make_case(files=[image])
    response = send(client, raw_key, {"signal_type": "pdq", "feedback": [{"hash": image["pdq"], "value": "Blocked"}]})
    assert response.status_code == 403
    assert PartnerFeedback.objects.count() == 0


def test_withdrawn_entries_come_back_from_the_bank_fetch_as_withdrawn_with_their_variants(client, partner_and_key):
    _partner, raw_key = partner_and_key
    image = image_hashes()
    case = make_case(files=[image])
    # Tombstones go only to partners that could hold the entry: this one fetches before the withdrawal.
    assert client.get("/api/v1/bank/pdq", HTTP_AUTHORIZATION=f"Bearer {raw_key}").status_code == 200
    bank_helpers.withdraw_consent(case)
    page = client.get("/api/v1/bank/pdq", HTTP_AUTHORIZATION=f"Bearer {raw_key}").json()
    assert [(e["value"], e["status"], e["pdq_variants"]) for e in page["entries"]] == [
        (image["pdq"], "Withdrawn", image["pdq_dihedral"])
    ]


def test_feedback_on_a_pdq_variant_goes_to_the_entry_that_has_it(client, partner_and_key):
    """A partner's matcher indexed the variants (helpline_threatexchange does), so it reports the variant."""
    _partner, raw_key = partner_and_key
    image = image_hashes()
    case = make_case(files=[image])
    rotated = image["pdq_dihedral"][6]
    response = send(client, raw_key, {"signal_type": "pdq", "feedback": [{"hash": rotated, "value": "Blocked"}]})
    assert response.json() == {"received": 1}
    assert PartnerFeedback.objects.get().entry.value == image["pdq"]
    assert partner_feedback_summary(case) == [("Platform X", "Blocked", 1)]


def test_feedback_on_a_withdrawn_entrys_variant_is_not_recorded(client, partner_and_key):
    _partner, raw_key = partner_and_key
    image = image_hashes()
    bank_helpers.withdraw_consent(make_case(files=[image]))
    response = send(
        client, raw_key, {"signal_type": "pdq", "feedback": [{"hash": image["pdq_dihedral"][6], "value": "Blocked"}]}
    )
    assert response.json() == {"received": 1}, "answered as for a hash the bank holds"
