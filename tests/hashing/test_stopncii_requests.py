"""The StopNCII endpoints refuse malformed requests with a 4xx that says what was wrong, never a 5xx."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashing.models import PartnerFeedback
from tests.hashing import bank_helpers
from tests.hashing.bank_helpers import image_hashes, make_case, withdraw_consent

pytestmark = pytest.mark.django_db

partner_and_key = bank_helpers.partner_and_key  # the shared fixture


@pytest.fixture
def feed(client, partner_and_key):
    _partner, raw_key = partner_and_key

    def get(**params):
        return client.get("/stopncii/v1/FetchHashes", params, HTTP_X_FUNCTIONS_KEY=raw_key)

    def post(body, raw: bool = False):
        return client.post(
            "/stopncii/v1/SubmitFeedback",
            data=body if raw else json.dumps(body),
            content_type="application/json",
            HTTP_X_FUNCTIONS_KEY=raw_key,
        )

    get.post = post
    return get


def big_cursor() -> str:
    return base64.urlsafe_b64encode(f"{2**63}.1".encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"startTimestamp": "-1"}, "startTimestamp must be a whole number"),
        ({"startTimestamp": "1e9"}, "startTimestamp must be a whole number"),
        ({"startTimestamp": str(2**63)}, "startTimestamp must be a whole number"),
        ({"pageSize": "many"}, "pageSize must be a whole number"),
        ({"nextPageToken": "bm90IGEgdG9rZW4"}, "nextPageToken is not a cursor this server issued"),
        ({"nextPageToken": "%%%"}, "nextPageToken is not a cursor"),
        ({"nextPageToken": big_cursor()}, "nextPageToken is not a cursor"),
    ],
)
def test_malformed_fetch_parameters_get_400_saying_which(feed, params, words):
    response = feed(**params)
    assert response.status_code == 400
    assert words in response.json()["message"]


def test_a_start_after_every_change_gives_an_empty_page_and_keeps_the_checkpoint(feed):
    make_case(files=[image_hashes()])
    body = feed(startTimestamp=str(2**62)).json()
    assert body == {
        "count": 0,
        "nextPageToken": None,
        "nextSetTimestamp": 2**62,
        "hasMoreRecords": False,
        "hashRecords": [],
    }


def test_page_size_is_kept_between_1_and_5000(feed):
    make_case(files=[image_hashes(), image_hashes()])
    assert feed(pageSize="0").json()["count"] == 1
    assert feed(pageSize="999999").json()["count"] == 2


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("not json", "not valid JSON"),
        ([], "The body must be JSON like"),
        ({"hashFeedbacks": "Blocked"}, "The body must be JSON like"),
        ({"hashFeedbacks": [7]}, "hashFeedbacks[0] must be an object"),
        ({"hashFeedbacks": [{"hashValue": "abc", "feedbackValue": "Blocked"}]}, "hashFeedbacks[0].hashValue"),
        ({"hashFeedbacks": [{"hashValue": "z" * 64, "feedbackValue": "Blocked"}]}, "must be hexadecimal"),
        ({"hashFeedbacks": [{"hashValue": "a" * 64, "feedbackValue": "Loved"}]}, "feedbackValue must be one of"),
        ({"hashFeedbacks": [{"hashValue": "a" * 64, "feedbackValue": "Blocked", "tags": ["a\x00b"]}]}, "tags"),
        ({"hashFeedbacks": [{"hashValue": "a" * 32, "feedbackValue": "Blocked"}] * 1001}, "at most 1000"),
    ],
)
def test_malformed_feedback_gets_400_saying_what_to_fix(feed, body, words):
    response = feed.post(body, raw=isinstance(body, str))
    assert response.status_code == 400
    assert words in response.json()["message"]


def _feedback_body(*values: str) -> dict:
    return {
        "count": len(values),
        "hashFeedbacks": [{"hashValue": value, "feedbackValue": "Blocked", "tags": []} for value in values],
    }


def test_feedback_answers_the_same_whether_or_not_a_hash_is_in_the_bank_so_it_is_no_membership_oracle(feed):
    # Finding 9: one real and one made-up hash got {"count": 1, "unknownHashes": 1}, which told a feedback-only
    # key which hash the bank holds; it did so still after the victim withdrew.
    image = image_hashes()
    case = make_case(files=[image])
    real, made_up = image["pdq"], "b" * 64
    answers = [
        feed.post(_feedback_body(real.upper(), "c" * 32)),
        feed.post(_feedback_body(made_up, "c" * 32)),
    ]
    withdraw_consent(case)
    answers.append(feed.post(_feedback_body(real, "c" * 32)))
    assert [(a.status_code, a.content) for a in answers] == [(200, b'{"count": 2}')] * 3
    # The real, active hash's feedback was kept; the others were dropped without saying so.
    assert list(PartnerFeedback.objects.values_list("entry__value", flat=True)) == [real]


def test_each_endpoint_answers_only_its_method(client, partner_and_key):
    _partner, raw_key = partner_and_key
    assert client.post("/stopncii/v1/FetchHashes", HTTP_X_FUNCTIONS_KEY=raw_key).status_code == 405
    assert client.get("/stopncii/v1/SubmitFeedback", HTTP_X_FUNCTIONS_KEY=raw_key).status_code == 405


@given(
    params=st.dictionaries(
        st.sampled_from(["startTimestamp", "pageSize", "nextPageToken"]), st.text(max_size=40), max_size=3
    )
)
@settings(max_examples=80, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_no_query_string_makes_the_feed_fail(feed, params):
    assert feed(**params).status_code in (200, 400)
