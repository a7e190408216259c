"""The native API: POST /api/v1/match (PDQ over 8 variants, pHash, exact digests) and the cursor-paged bank fetch."""

from __future__ import annotations

import json

import pytest

from hashing.bank.live import live_index
from hashing.models import BankEntry, SignalType
from tests.hashing import bank_helpers
from tests.hashing.bank_helpers import (
    flip_bits,
    image_hashes,
    make_case,
    random_hex,
    video_hashes,
    withdraw_consent,
)

pytestmark = pytest.mark.django_db

partner_and_key = bank_helpers.partner_and_key  # the shared fixture


api = bank_helpers.api  # the shared fixture


def matches(response, position: int = 0) -> list[tuple[str, int]]:
    assert response.status_code == 200, response.content
    return [(m["value"], m["distance"]) for m in response.json()["results"][position]["matches"]]


def test_a_rotated_or_mirrored_reupload_matches_through_the_entrys_variants(api):
    image = image_hashes()
    make_case(files=[image])
    rotated = image["pdq_dihedral"][1]
    mirrored_and_recompressed = flip_bits(image["pdq_dihedral"][5], 12, seed=1)
    response = api({"signal_type": "pdq", "hashes": [rotated, mirrored_and_recompressed, random_hex(64)]})
    assert matches(response, 0) == [(image["pdq"], 0)]
    assert matches(response, 1) == [(image["pdq"], 12)]
    assert matches(response, 2) == []
    assert response.json()["max_distance"] == 31


def test_pdq_matches_within_31_bits_by_default_and_within_less_when_asked(api):
    image = image_hashes()
    make_case(files=[image])
    at_31, at_32 = flip_bits(image["pdq"], 31, seed=2), flip_bits(image["pdq"], 32, seed=3)
    # Random variants sit ~128 bits away, so the nearest vector of the entry is the original.
    response = api({"signal_type": "pdq", "hashes": [at_31, at_32]})
    assert matches(response, 0) == [(image["pdq"], 31)]
    assert matches(response, 1) == []
    assert matches(api({"signal_type": "pdq", "hashes": [at_31], "max_distance": 30})) == []


def test_near_duplicates_in_the_bank_all_match_nearest_first(api):
    base = random_hex(64)
    near = flip_bits(base, 5, seed=4)
    make_case(files=[image_hashes(pdq=base, pdq_dihedral=[])])
    make_case(files=[image_hashes(pdq=near, pdq_dihedral=[])])
    assert matches(api({"signal_type": "pdq", "hashes": [flip_bits(base, 2, seed=5)]}))[0] == (base, 2)
    assert [d for _v, d in matches(api({"signal_type": "pdq", "hashes": [base]}))] == [0, 5]


def test_phash_matches_within_10_bits_and_digests_match_exactly(api):
    image, video = image_hashes(), video_hashes()
    make_case(files=[image, video])
    response = api(
        {"signal_type": "phash", "hashes": [flip_bits(image["phash"], 10, seed=6), flip_bits(image["phash"], 11)]}
    )
    assert matches(response, 0) == [(image["phash"], 10)]
    assert matches(response, 1) == []
    assert matches(api({"signal_type": "md5", "hashes": [video["md5"].upper()]})) == [(video["md5"], 0)]
    assert matches(api({"signal_type": "sha256", "hashes": [image["sha256"], flip_bits(image["sha256"], 1)]}), 1) == []


def test_withdrawn_hashes_stop_matching_at_once(api):
    image = image_hashes()
    case = make_case(files=[image])
    assert matches(api({"signal_type": "pdq", "hashes": [image["pdq"]]})) == [(image["pdq"], 0)]
    withdraw_consent(case)
    for signal_type in ("pdq", "phash", "md5", "sha256"):
        assert matches(api({"signal_type": signal_type, "hashes": [image[signal_type]]})) == [], signal_type


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"signal_type": "pdq", "hashes": ["abc"]}, "hashes", "hashes[0]: PDQ hash must be 64 hex characters"),
        ({"signal_type": "pdq", "hashes": ["0" * 64, "g" * 64]}, "hashes", "hashes[1]"),
        ({"signal_type": "md5", "hashes": ["0" * 64]}, "hashes", "MD5 must be 32 hex characters"),
        ({"signal_type": "pdq", "hashes": []}, "hashes", "at least 1"),
        ({"signal_type": "pdq", "hashes": ["0" * 64] * 1001}, "hashes", "at most 1000"),
        ({"signal_type": "pdq", "hashes": ["0" * 64], "max_distance": 32}, "max_distance", "less than or equal to 31"),
        (
            {"signal_type": "phash", "hashes": ["0" * 16], "max_distance": 11},
            "max_distance",
            "less than or equal to 10",
        ),
        ({"signal_type": "md5", "hashes": ["0" * 32], "max_distance": 1}, "max_distance", "less than or equal to 0"),
        ({"signal_type": "tmk", "hashes": ["0" * 64]}, "signal_type", "expected tags: 'pdq', 'phash', 'md5', 'sha256'"),
        ({"hashes": ["0" * 64]}, "signal_type", "signal_type"),
    ],
)
def test_malformed_requests_get_422_naming_the_field(api, body, field, words):
    response = api(body)
    assert response.status_code == 422
    errors = response.json()["detail"]
    # The field is named where the error points, or in the message when the request has no valid type.
    assert any(field in [*error["loc"], error["msg"]] or field in error["msg"] for error in errors), errors
    assert any(words in error["msg"] for error in errors), errors


def test_a_thousand_hashes_are_answered_in_order(api):
    image = image_hashes()
    make_case(files=[image])
    hashes = [random_hex(64) for _ in range(999)] + [image["pdq_dihedral"][3]]
    response = api({"signal_type": "pdq", "hashes": hashes})
    results = response.json()["results"]
    assert [r["hash"] for r in results] == hashes
    assert matches(response, 999) == [(image["pdq"], 0)]


def test_the_bank_is_fetched_by_type_in_pages_and_then_only_its_changes(api):
    files = [image_hashes() for _ in range(5)]
    case = make_case(files=files)
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/bank/pdq", **params).json()
        seen.extend(page["entries"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert sorted(e["value"] for e in seen) == sorted(f["pdq"] for f in files)
    assert all(e["status"] == "Active" and len(e["pdq_variants"]) == 8 for e in seen)
    assert api.get("/bank/pdq", cursor=cursor).json()["entries"] == []
    withdraw_consent(case)
    changed = api.get("/bank/pdq", cursor=cursor, limit=100).json()
    assert sorted((e["value"], e["status"]) for e in changed["entries"]) == sorted(
        (f["pdq"], "Withdrawn") for f in files
    )
    assert [e["value"] for e in api.get("/bank/md5").json()["entries"]] == [f["md5"] for f in files]


def test_a_cursor_the_server_did_not_issue_gets_422(api):
    response = api.get("/bank/pdq", cursor="not-a-cursor")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "cursor"]


def test_the_schema_is_published_without_a_key(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/match", "/api/v1/bank/{signal_type}"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["PartnerKeyAuth"]["scheme"] == "bearer"


def test_the_match_api_uses_this_processs_index_caught_up_from_the_database(api):
    index = live_index(SignalType.IMAGE_PDQ)
    first = image_hashes()
    make_case(files=[first])
    assert matches(api({"signal_type": "pdq", "hashes": [first["pdq"]]})) == [(first["pdq"], 0)]
    rebuilds = index.rebuilds
    second = image_hashes()
    make_case(files=[second])
    assert matches(api({"signal_type": "pdq", "hashes": [second["pdq"]]})) == [(second["pdq"], 0)]
    assert index.rebuilds == rebuilds, "a new hash is applied incrementally"
    assert index.last_seq == max(BankEntry.objects.values_list("seq", flat=True))


def test_a_match_only_key_gets_entry_ids_and_distances_never_the_stored_values(client, partner_and_key):
    # Finding 11: a key without the fetch scope got each match's stored value, so it could harvest the bank by
    # sending hashes near the ones it had learned, near by near.
    from hashing.bank.partners import partner_create

    image = image_hashes()
    make_case(files=[image])
    entry = BankEntry.objects.get(signal_type=SignalType.IMAGE_PDQ, value=image["pdq"])
    _matcher, _key, match_only = partner_create(name="Matcher", scopes=["match"], rate_limit_per_minute=1000)
    _fetcher, raw_key = partner_and_key
    near = flip_bits(image["pdq"], 9)

    def ask(key: str, body: dict) -> dict:
        response = client.post(
            "/api/v1/match", data=json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
        )
        assert response.status_code == 200, response.content
        return response.json()

    for body, distance in (
        ({"signal_type": "pdq", "hashes": [near]}, 9),
        ({"signal_type": "md5", "hashes": [image["md5"]]}, 0),
        ({"signal_type": "phash", "hashes": [image["phash"]]}, 0),
    ):
        answer = ask(match_only, body)
        assert answer["results"][0]["matches"][0]["distance"] == distance
        assert all(set(m) == {"entry_id", "distance"} for r in answer["results"] for m in r["matches"]), answer
        assert image["pdq"] not in json.dumps(answer), "the stored value of a near match is not revealed"
    assert ask(match_only, {"signal_type": "pdq", "hashes": [near]})["results"][0]["matches"][0]["entry_id"] == entry.pk
    # A key that may fetch the bank anyway still gets the value.
    assert ask(raw_key, {"signal_type": "pdq", "hashes": [near]})["results"][0]["matches"][0]["value"] == image["pdq"]
