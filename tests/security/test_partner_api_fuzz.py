"""Property-based fuzzing of the partner API (hypothesis): hostile keys, query strings and bodies against the
StopNCII-compatible feed and the native API. Never a 5xx, a refused call changes nothing, an accepted feedback
batch is recorded whole, and every call leaves exactly one audit row.

The native API is also driven from its OpenAPI schema by tests/hashing/test_api_schemathesis.py; the intake and
status forms by tests/cases/test_intake_fuzz.py. This file adds what those do not reach: the StopNCII endpoints
(outside the schema), malformed bodies and headers no schema describes, and the no-partial-write property.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hashing.bank.partners import partner_create, partner_key_issue, partner_key_revoke
from hashing.bank.selectors import encode_cursor
from hashing.models import FEED_SIGNAL_TYPES, BankEntry, BankStatus, FeedbackValue, PartnerApiCall, PartnerFeedback
from tests.security.conftest import file_pii_case

pytestmark = pytest.mark.django_db

FUZZ = settings(
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

HOSTILE = [
    "",
    " ",
    "\x00",
    "-1",
    "1e3",
    "٣",  # an Arabic-Indic digit: isdigit() says yes, int() says yes, a database might not
    "9" * 25,
    "9223372036854775807",
    "9223372036854775808",
    "0x10",
    "<script>alert(1)</script>",
    "'; DROP TABLE hashing_bankentry; --",
    "%00",
    "../../etc/passwd",
    "A" * 5000,
    "🙂" * 100,
    "null",
    "[]",
    "{}",
]

text = st.one_of(st.text(max_size=60), st.sampled_from(HOSTILE))
number_text = st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), text)
hex_text = lambda n: st.text(alphabet="0123456789abcdefABCDEF", min_size=n, max_size=n)  # noqa: E731
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text)
json_value = st.recursive(
    json_scalar, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=12
)


@pytest.fixture
def bank(db):
    """A bank with entries, a partner (high rate limit, every scope), its live key and a revoked one."""
    file_pii_case(seed=31)
    file_pii_case(seed=32)
    partner, _key, live = partner_create(name="Fuzz Partner", scopes=["fetch", "match", "feedback"])
    partner.rate_limit_per_minute = 1_000_000
    partner.save()
    old, revoked = partner_key_issue(partner=partner)
    partner_key_revoke(key=old)
    _, _, no_feedback = partner_create(name="Fetch Only", scopes=["fetch"], rate_limit_per_minute=1_000_000)
    entries = list(BankEntry.objects.values_list("seq", "id", "value"))
    return {"live": live, "revoked": revoked, "fetch_only": no_feedback, "entries": entries}


def key_headers(bank: dict):
    """Where a key may come from, and what may be in it."""
    key = st.one_of(
        st.sampled_from([bank["live"], bank["revoked"], bank["fetch_only"]]),
        text,
        st.sampled_from(["hlp_", "hlp_" + "a" * 300, bank["live"][:-1], bank["live"] + " ", bank["live"].upper()]),
    )
    return st.one_of(
        key.map(lambda k: {"HTTP_AUTHORIZATION": f"Bearer {k}"}),
        key.map(lambda k: {"HTTP_OCP_APIM_SUBSCRIPTION_KEY": k}),
        key.map(lambda k: {"HTTP_X_FUNCTIONS_KEY": k}),
        st.builds(
            lambda scheme, k: {"HTTP_AUTHORIZATION": f"{scheme} {k}"}, st.sampled_from(["Basic", "bearer", ""]), key
        ),
        st.just({}),
    )


def live_headers(bank: dict) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {bank['live']}"}


def snapshot() -> tuple:
    return (
        PartnerFeedback.objects.count(),
        tuple(BankEntry.objects.order_by("pk").values_list("pk", "status", "seq")),
        PartnerApiCall.objects.count(),
    )


def assert_refusal_changed_nothing(before: tuple, after: tuple, status: int) -> None:
    assert after[:2] == before[:2], "a refused call wrote to the bank"
    if status == 401:
        assert after[2] == before[2], "a call without a valid key is counted, not written a row"
    else:
        assert after[2] == before[2] + 1, "every call with a valid key leaves exactly one audit row"


def test_fetch_hashes_with_hostile_keys_and_query_strings_never_fails(bank):
    cursors = st.sampled_from([encode_cursor(seq, entry_id) for seq, entry_id, _ in bank["entries"]])
    query = st.dictionaries(
        st.one_of(st.sampled_from(["startTimestamp", "pageSize", "nextPageToken", "endTimestamp"]), text),
        st.one_of(number_text, cursors, cursors.map(lambda c: c[:-2] + "zz"), cursors.map(lambda c: c[::-1])),
        max_size=4,
    )
    seen = set()

    # One example of each answer the assertion below expects, so that it does not rest on what the generator
    # happens to draw (its draws follow the bank's ids, which differ from run to run).
    @example(headers=live_headers(bank), params={}, method="get")
    @example(headers={}, params={}, method="get")
    @example(headers=live_headers(bank), params={"pageSize": "many"}, method="get")
    @example(headers=live_headers(bank), params={}, method="put")
    @given(headers=key_headers(bank), params=query, method=st.sampled_from(["get", "post", "put", "delete"]))
    def call(headers, params, method):
        before = snapshot()
        response = getattr(Client(), method)("/stopncii/v1/FetchHashes", params if method == "get" else None, **headers)
        assert response.status_code < 500, (response.status_code, params)
        seen.add(response.status_code)
        assert_refusal_changed_nothing(before, snapshot(), response.status_code)  # fetching never writes to the bank
        if response.status_code == 200:
            body = response.json()
            assert body["count"] == len(body["hashRecords"])

    settings(FUZZ, max_examples=250)(call)()
    assert {200, 400, 401, 405} <= seen


def feedback_bodies(bank: dict):
    known = st.sampled_from([value for _seq, _id, value in bank["entries"] if len(value) in (32, 64)])
    item = st.fixed_dictionaries(
        {
            "hashValue": st.one_of(known, known.map(str.upper), hex_text(64), hex_text(32), json_value),
            "feedbackValue": st.one_of(st.sampled_from(FeedbackValue.values), json_value),
        },
        optional={"tags": st.one_of(st.lists(text, max_size=25), json_value)},
    )
    document = st.one_of(
        st.builds(lambda items: {"count": len(items), "hashFeedbacks": items}, st.lists(item, max_size=6)),
        st.builds(lambda items: {"hashFeedbacks": items}, st.lists(known.map(lambda v: {"hashValue": v}), max_size=3)),
        json_value,
    )
    return st.one_of(
        document.map(lambda d: json.dumps(d).encode()),
        st.binary(max_size=200),
        st.sampled_from([b"", b"{", b"\xff\xfe", b'{"hashFeedbacks": [' + b"{}," * 1200 + b"{}]}", b"[" * 5000]),
    )


def test_submit_feedback_records_a_batch_whole_or_not_at_all_and_never_fails(bank):
    seen = set()

    @given(
        headers=key_headers(bank),
        body=feedback_bodies(bank),
        content_type=st.sampled_from(["application/json", "text/plain"]),
    )
    def call(headers, body, content_type):
        before = snapshot()
        response = Client().post("/stopncii/v1/SubmitFeedback", body, content_type=content_type, **headers)
        assert response.status_code < 500, (response.status_code, body[:200])
        seen.add(response.status_code)
        after = snapshot()
        if response.status_code == 200:
            items = json.loads(body)["hashFeedbacks"]
            assert response.json() == {"count": len(items)}  # the same answer for any hash (finding 9)
            active = set(
                BankEntry.objects.filter(status=BankStatus.ACTIVE, signal_type__in=FEED_SIGNAL_TYPES).values_list(
                    "value", flat=True
                )
            )
            recorded = sum(1 for item in items if item["hashValue"].strip().lower() in active)
            assert after[0] == before[0] + recorded, "the whole batch of known hashes, no more, no less"
            assert after[2] == before[2] + 1
        else:
            assert_refusal_changed_nothing(before, after, response.status_code)

    settings(FUZZ, max_examples=300)(call)()
    assert {200, 400, 401, 403} <= seen


def test_native_api_with_malformed_bodies_paths_and_keys_never_fails(bank):
    seen = set()
    bodies = st.one_of(
        json_value.map(lambda d: json.dumps(d).encode()),
        st.builds(
            lambda signal, hashes, distance: json.dumps(
                {"signal_type": signal, "hashes": hashes, "max_distance": distance}
            ).encode(),
            st.one_of(st.sampled_from(["pdq", "phash", "md5", "sha256"]), json_value),
            st.one_of(st.lists(st.one_of(hex_text(64), hex_text(32), hex_text(16), text), max_size=5), json_value),
            st.one_of(st.integers(-5, 300), json_value),
        ),
        st.binary(max_size=100),
        st.sampled_from([b"[" * 5000, b'{"hashes": ' + b"[" * 5000, b"{" * 3000, b'"' + b"\\" * 3000]),
    )

    @given(
        headers=st.one_of(key_headers(bank), st.just(live_headers(bank))),
        body=bodies,
        signal=st.one_of(
            st.sampled_from(["pdq", "phash", "md5", "sha256"]), st.text(alphabet="abcdefxyz%.-_", max_size=12)
        ),
        cursor=st.one_of(st.none(), text),
        limit=st.one_of(st.none(), number_text),
    )
    def call(headers, body, signal, cursor, limit):
        before = snapshot()
        match = Client().post("/api/v1/match", body, content_type="application/json", **headers)
        assert match.status_code < 500, (match.status_code, body[:200])
        params = {k: v for k, v in {"cursor": cursor, "limit": limit}.items() if v is not None}
        fetch = Client().get(f"/api/v1/bank/{signal}", params, **headers)
        assert fetch.status_code < 500, (fetch.status_code, signal, params)
        seen.update({match.status_code, fetch.status_code})
        after = snapshot()
        assert after[:2] == before[:2]  # matching and fetching never write to the bank

    settings(FUZZ, max_examples=200)(call)()
    assert {200, 401, 422} <= seen
