"""Random and hostile payloads against every wizard step and the status pages: never a 500, never a partial case."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db.models import Count
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.intake.services import case_file
from cases.models import Case, CaseEvent
from cases.status.session import SESSION_KEY
from tests.cases.helpers import STEP_NAMES, fingerprint

pytestmark = pytest.mark.django_db

# One profile for the whole file: 2,000 examples in all (1,250 on the wizard, 750 on the status pages),
# about a minute on PostgreSQL.
settings.register_profile(
    "intake-fuzz",
    deadline=None,
    database=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings.get_profile("intake-fuzz")

HOSTILE = [
    "<script>alert(1)</script>",
    "'; DROP TABLE cases_case; --",
    "\x00",
    "a\x00b",
    "%(x)s %s {0} {{ 7*7 }}",
    "javascript:alert(document.cookie)",
    "http://127.0.0.1:8000/admin",
    "https://[::1]/",
    "https://xn--/x",
    "https://exa\u200bmple.com/",
    "file:///etc/passwd",
    "A" * 5000,
    "🙂" * 300,
    "\r\n\r\nSet-Cookie: x=1",
    "[" * 3000 + "]" * 3000,
    '{"__proto__": {"admin": true}}',
    "../../../../etc/passwd",
    "HL-2345-6789",
    "minor",
    "on",
    "",
]
FIELDS = [
    "safe_now",
    "age",
    "filed_by",
    "categories",
    "description",
    "urls",
    "elsewhere",
    "hashes",
    "forget_saved",
    "name",
    "email",
    "phone",
    "safe_channels",
    "safe_times",
    "voicemail_ok",
    "email_may_name_helpline",
    "code_word",
    "consent_share_hashes",
    "consent_contact",
    "consent_act_on_behalf",
    "signature_name",
    "reference",
    "pin",
    "confirm",
    "csrfmiddlewaretoken",
]
CHOICES = ["yes", "no", "unsure", "adult", "minor", "self", "authorised", "extortion", "known_person", "email", "text"]

text = st.one_of(st.text(max_size=200), st.sampled_from(HOSTILE), st.sampled_from(CHOICES))
hex_of = lambda n: st.text(alphabet="0123456789abcdef", min_size=n, max_size=n)  # noqa: E731
anything = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20))
file_hashes = st.fixed_dictionaries(
    {
        "md5": st.one_of(hex_of(32), anything),
        "sha256": st.one_of(hex_of(64), anything),
        "pdq": st.one_of(st.none(), hex_of(64), anything),
        "pdq_quality": st.one_of(st.none(), st.integers(-10, 300), anything),
        "pdq_oriented": st.one_of(st.none(), hex_of(64), anything),
        "pdq_dihedral": st.one_of(st.none(), st.lists(hex_of(64), max_size=9), anything),
        "phash": st.one_of(st.none(), hex_of(16), anything),
        "media_kind": st.one_of(st.sampled_from(["image", "video", "other"]), anything),
    }
)
hashes_field = st.one_of(
    st.lists(file_hashes, max_size=4).map(json.dumps),
    st.lists(st.just(fingerprint(3)), min_size=1, max_size=60).map(json.dumps),
    st.lists(anything, max_size=5).map(json.dumps),
    text,
)
value = st.one_of(text, st.lists(text, max_size=4))
payload = st.dictionaries(
    keys=st.one_of(st.sampled_from(FIELDS), st.text(max_size=12)), values=value, max_size=10
).flatmap(lambda data: st.one_of(st.just(data), hashes_field.map(lambda h: {**data, "hashes": h})))


def _body(data: dict) -> str:
    return urlencode({k: v for k, v in data.items()}, doseq=True)


VALID = {
    "safety": {"safe_now": "yes", "age": "adult", "filed_by": "self"},
    "what-happened": {"categories": ["extortion"], "description": "x"},
    "where": {"urls": ["https://example.com/a"], "elsewhere": ""},
    "images": {"hashes": [fingerprint(1)]},
    "contact": {"name": "", "email": "a@example.net", "phone": "", "safe_channels": ["email"]},
}


def _assert_no_partial_case() -> None:
    """Every case that exists is whole: its filing event matches the links and fingerprints it has."""
    filed = {
        event.case_id: event.detail for event in CaseEvent.objects.filter(kind="case_filed").only("case_id", "detail")
    }
    changed_later = set(
        CaseEvent.objects.filter(kind__in=["urls_added", "hashes_added", "case_erased"]).values_list(
            "case_id", flat=True
        )
    )
    cases = Case.objects.annotate(n_urls=Count("urls", distinct=True), n_hashes=Count("hashes", distinct=True))
    for case_id, pin_hash, n_urls, n_hashes in cases.values_list("id", "pin_hash", "n_urls", "n_hashes"):
        assert case_id in filed and pin_hash
        if case_id not in changed_later:
            assert (n_urls, n_hashes) == (filed[case_id]["url_count"], filed[case_id]["hash_count"])


@pytest.fixture(autouse=True)
def _sessions_in_signed_cookies(settings):
    # Sessions live in a signed cookie here: the views behave the same, and thousands of examples
    # do not spend their time writing session rows.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"


def _client_with(session_data: dict) -> Client:
    from django.conf import settings as django_settings
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    store = SessionStore()
    store.update(session_data)
    store.save()
    client = Client()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = store.session_key
    return client


def _client_at(step: str) -> Client:
    # A nonce makes every example's session distinct, as two visitors' sessions are.
    draft = {name: VALID[name] for name in STEP_NAMES[: STEP_NAMES.index(step)]}
    return _client_with({"intake_draft": draft, "nonce": uuid.uuid4().hex})


@pytest.mark.parametrize("step", STEP_NAMES)
@override_settings(FILING_LIMIT_PER_ADDRESS_HOUR=100_000, FILING_LIMIT_PER_ADDRESS_DAY=100_000)
def test_hostile_payloads_to_every_step_never_fail_and_never_leave_a_partial_case(step):
    # Hundreds of filings from one test address: the per-address filing limits (test_filing_screening.py) aside.
    cases_before = Case.objects.count()
    filed = []

    @settings(FUZZ, max_examples=200 if step != "consent" else 250)
    @given(data=payload, multipart=st.booleans())
    def post(data, multipart):
        client = _client_at(step)
        if multipart:
            response = client.post(f"/help/step/{step}/", {k: v for k, v in data.items() if k and "\x00" not in k})
            assert response.status_code == 415
        else:
            response = client.post(f"/help/step/{step}/", _body(data), content_type="application/x-www-form-urlencoded")
            assert response.status_code in (200, 302), response.status_code
        if step == "consent":
            if response.status_code == 302 and response["Location"] == "/help/check/":
                # The answers are saved: "Send my request" on the check-your-answers page files them.
                response = client.post("/help/check/", "", content_type="application/x-www-form-urlencoded")
                assert response.status_code == 302, response.status_code
            _assert_no_partial_case()
            filed.append(response.status_code == 302 and response["Location"] == "/help/done/")

    post()
    if step != "consent":
        assert Case.objects.count() == cases_before
    else:  # the consent step's fields are all optional: most payloads file a case, and each filed one is whole
        assert Case.objects.count() - cases_before == sum(filed) > 0


def test_hostile_payloads_to_the_status_sign_in_never_fail():
    @settings(FUZZ, max_examples=250)
    @given(data=payload, address=st.ip_addresses(v=4).map(str))
    def post(data, address):
        response = Client().post(
            "/status/", _body(data), content_type="application/x-www-form-urlencoded", REMOTE_ADDR=address
        )
        assert response.status_code in (200, 429)

    post()
    cache.clear()


@pytest.mark.parametrize("action", ["links/", "fingerprints/", "contact/", "withdraw/", "delete/"])
def test_hostile_payloads_to_the_victims_case_actions_never_fail(action):
    filed = case_file(draft={**VALID, "consent": {"consent_share_hashes": True}}, language="en")

    @settings(FUZZ, max_examples=100)
    @given(data=payload)
    def post(data):
        client = _client_with({SESSION_KEY: {"id": filed.case.pk, "seen": 9e99}})
        response = client.post(f"/status/case/{action}", _body(data), content_type="application/x-www-form-urlencoded")
        assert response.status_code in (200, 302, 400), response.status_code

    post()
    _assert_no_partial_case()
