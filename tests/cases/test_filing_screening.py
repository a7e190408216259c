"""Anonymous filings cannot poison the partner bank at scale (issue 14, finding 8).

The review's attack: 10 anonymous filings in 5 s, each with one made-up file, made partners' match answer
distance 0 for a benign image. Filings are limited per address and per day, each file's values must be
self-consistent, and anomalous filings are saved whole with their hashes held until a caseworker releases them.
"""

from __future__ import annotations

import json
import random

import pytest
from django.test import Client

from cases.casework.models import AuditRecord
from cases.intake.services import case_file
from cases.models import BankHoldReason, Case, CaseHash, FilingMark
from hashing.bank.partners import partner_create
from hashing.models import BankEntry, BankStatus
from tests.cases.helpers import STEP_NAMES, fingerprint, post_form, wizard_answers

pytestmark = pytest.mark.django_db

_rng = random.Random(14_8)


def made_up_file() -> dict:
    """A file nobody hashed: random values, made self-consistent as an attacker who read the checks would."""
    pdq = f"{_rng.getrandbits(256):064x}"
    md5, sha = f"{_rng.getrandbits(128):032x}", f"{_rng.getrandbits(256):064x}"
    variants = [pdq] + [f"{_rng.getrandbits(256):064x}" for _ in range(7)]
    return {
        "media_kind": "image",
        "pdq": pdq,
        "pdq_quality": 100,
        "pdq_oriented": None,
        "pdq_dihedral": variants,
        "phash": f"{_rng.getrandbits(64):016x}",
        "md5": md5,
        "sha256": sha,
    }


def anonymous_answers(files: list[dict]) -> dict:
    return wizard_answers(
        **{
            "where": {"urls": "", "elsewhere": ""},
            "images": {"hashes": json.dumps(files)},
            "contact": {},
            "consent": {"consent_share_hashes": "on"},
        }
    )


def file_through_the_wizard(answers: dict, address: str = "203.0.113.9"):
    """A fresh browser (session) walks every step from `address`; returns the last response."""
    client = Client(REMOTE_ADDR=address)
    response = None
    for name in STEP_NAMES:
        response = post_form(client, f"/help/step/{name}/", answers[name])
        assert response.status_code == 302, (name, response.content.decode()[:500])
    # "Send my request" on the check-your-answers page files the case.
    return client, post_form(client, "/help/check/")


@pytest.fixture
def matcher():
    _partner, _key, raw_key = partner_create(name="Platform M", scopes=["match"], rate_limit_per_minute=10_000)

    def matches(pdq: str) -> list:
        response = Client().post(
            "/api/v1/match",
            json.dumps({"signal_type": "pdq", "hashes": [pdq], "max_distance": 0}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw_key}",
        )
        assert response.status_code == 200, response.content
        return response.json()["results"][0]["matches"]

    return matches


def test_ten_anonymous_filings_from_one_address_in_seconds_cannot_all_reach_partners(matcher, settings):
    assert (settings.FILING_HOLD_FROM_ADDRESS_FILING, settings.FILING_LIMIT_PER_ADDRESS_HOUR) == (3, 5)
    files = [made_up_file() for _ in range(10)]
    outcomes = []
    for made_up in files:
        _client, response = file_through_the_wizard(anonymous_answers([made_up]))
        outcomes.append(response.status_code)

    # The first five are filed (nothing a victim sends is lost); the next five are refused with a clear message.
    assert outcomes == [302] * 5 + [429] * 5
    assert Case.objects.count() == 5
    refused = file_through_the_wizard(anonymous_answers([made_up_file()]))[1]
    assert "Too many cases were sent from this connection in the last hour" in refused.content.decode()
    assert "Your answers are kept" in refused.content.decode()

    # Only the first two are shared at once, as a victim's filing is; from the third, the hashes wait for review.
    shared = [bool(matcher(f["pdq"])) for f in files]
    assert shared == [True, True] + [False] * 8
    held = Case.objects.filter(bank_held_at__isnull=False).order_by("created_at")
    assert held.count() == 3
    assert all(case.bank_hold_reasons == [BankHoldReason.ADDRESS_VOLUME] for case in held)
    assert all(not BankEntry.objects.filter(case_links__case=case).exists() for case in held)
    # Held filings keep their fingerprints (saved, just not shared).
    assert all(CaseHash.objects.filter(case=case).count() == 1 for case in held)
    # The address is kept only as a keyed digest, a day, not linked to any case.
    assert FilingMark.objects.count() == 5
    assert not FilingMark.objects.filter(address_digest__contains="203.0.113").exists()


def test_a_refused_filing_keeps_the_draft_and_files_later_from_elsewhere(settings):
    settings.FILING_LIMIT_PER_ADDRESS_HOUR = 1
    file_through_the_wizard(anonymous_answers([made_up_file()]))
    client, refused = file_through_the_wizard(anonymous_answers([made_up_file()]))
    assert refused.status_code == 429 and Case.objects.count() == 1
    # Same browser, the draft still in its session: sending again once allowed files it whole.
    settings.FILING_LIMIT_PER_ADDRESS_HOUR = 5
    again = post_form(client, "/help/check/")
    assert again.status_code == 302 and again["Location"].endswith("/help/done/")
    assert Case.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"pdq_dihedral": [f"{i:064x}" for i in range(1, 9)]}, "first variant is not the PDQ"),
        ({"pdq_quality": 101}, "quality out of range"),
        ({"pdq_quality": None}, "no quality"),
        ({"pdq_dihedral": ["a" * 64] * 7}, "seven variants"),
        ({"md5": "a" * 31}, "short digest"),
    ],
)
def test_fingerprints_whose_values_do_not_fit_together_are_refused_and_nothing_is_filed(change, why):
    bad = {**made_up_file(), **change}
    client = Client(REMOTE_ADDR="198.51.100.4")
    for name in STEP_NAMES[:3]:
        post_form(client, f"/help/step/{name}/", anonymous_answers([bad])[name])
    response = post_form(client, "/help/step/images/", {"hashes": json.dumps([bad])})
    assert response.status_code == 200, why
    assert "One of the fingerprints is not valid" in response.content.decode(), why
    assert not Case.objects.exists()


def _draft(files: list[dict]) -> dict:
    return {
        "safety": {"safe_now": "yes", "age": "adult", "filed_by": "self"},
        "images": {"hashes": files},
        "consent": {"consent_share_hashes": True},
    }


def test_hashes_another_case_already_shares_and_low_quality_hashes_wait_for_review(matcher):
    benign = made_up_file()
    first = case_file(draft=_draft([benign]), language="en", client_address="192.0.2.1").case
    assert not first.bank_is_held and matcher(benign["pdq"])
    # The same values again from someone else: held (two victims can share an image; a caseworker checks).
    again = case_file(draft=_draft([{**benign}]), language="en", client_address="192.0.2.2").case
    assert again.bank_hold_reasons == [BankHoldReason.ALREADY_SHARED]
    assert not BankEntry.objects.filter(case_links__case=again).exists()
    weak = {**made_up_file(), "pdq_quality": 12}
    low = case_file(draft=_draft([weak]), language="en", client_address="192.0.2.3").case
    assert low.bank_hold_reasons == [BankHoldReason.LOW_QUALITY]
    assert matcher(weak["pdq"]) == []


def test_beyond_the_days_volume_filings_wait_for_review(settings):
    settings.FILING_SHARED_WITHOUT_REVIEW_PER_DAY = 2
    cases = [
        case_file(draft=_draft([made_up_file()]), language="en", client_address=f"192.0.2.{n}").case
        for n in range(1, 5)
    ]
    daily = [BankHoldReason.DAILY_VOLUME]
    assert [c.bank_hold_reasons for c in cases] == [[], [], daily, daily]


def test_a_caseworker_releases_a_held_filing_from_the_case_page_and_the_release_is_audited(
    client, caseworker, other_caseworker, matcher
):
    held_file = made_up_file()
    benign = case_file(draft=_draft([held_file]), language="en", client_address="192.0.2.7").case
    held = case_file(draft=_draft([{**held_file}]), language="en", client_address="192.0.2.8").case
    Case.objects.filter(pk=benign.pk).update(consent_share_hashes=False)
    from cases.services import case_bank_sync

    case_bank_sync(case=Case.objects.get(pk=benign.pk))  # the first case withdrew: the value is no longer shared
    assert held.bank_is_held and matcher(held_file["pdq"]) == []
    Case.objects.filter(pk=held.pk).update(assigned_to=caseworker, status=Case.Status.IN_PROGRESS)

    client.force_login(other_caseworker)
    assert client.post(f"/staff/cases/{held.reference}/bank/release/").status_code == 403
    assert Case.objects.get(pk=held.pk).bank_is_held

    client.force_login(caseworker)
    page = client.get(f"/staff/cases/{held.reference}/").content.decode()
    assert "Held for review" in page and "already shared by another case" in page
    assert "Release fingerprints to partners" in page
    response = client.post(f"/staff/cases/{held.reference}/bank/release/")
    assert response.status_code == 302
    released = Case.objects.get(pk=held.pk)
    assert not released.bank_is_held and released.bank_released_at is not None
    assert matcher(held_file["pdq"]), "released hashes reach partners"
    assert set(BankEntry.objects.filter(case_links__case=held).values_list("status", flat=True)) == {BankStatus.ACTIVE}
    record = AuditRecord.objects.get(action=AuditRecord.Action.BANK_RELEASE)
    assert (record.actor, record.case_id, record.detail["reasons"]) == (caseworker, held.pk, ["already_shared"])
    # A second release changes nothing and says so.
    client.post(f"/staff/cases/{held.reference}/bank/release/")
    assert AuditRecord.objects.filter(action=AuditRecord.Action.BANK_RELEASE).count() == 1


def test_the_helpers_fingerprints_are_consistent():
    assert fingerprint(3)["pdq_dihedral"][0] == fingerprint(3)["pdq"]


def test_files_added_later_from_the_status_page_are_screened_and_only_they_wait(matcher):
    from cases.status.services import case_hashes_add

    first, later_weak, later_good = made_up_file(), {**made_up_file(), "pdq_quality": 20}, made_up_file()
    case = case_file(draft=_draft([first]), language="en", client_address="192.0.2.30").case
    assert matcher(first["pdq"])
    case_hashes_add(case=case, hashes=[later_weak, later_good])
    case.refresh_from_db()
    assert case.bank_is_held and case.bank_hold_reasons == [BankHoldReason.LOW_QUALITY]
    # The files shared before stay shared: only the batch added with the weak file waits.
    assert matcher(first["pdq"]) and matcher(later_weak["pdq"]) == [] and matcher(later_good["pdq"]) == []
    assert set(CaseHash.objects.filter(case=case, bank_held=True).values_list("sha256", flat=True)) == {
        later_weak["sha256"],
        later_good["sha256"],
    }


def test_the_refusal_is_in_the_victims_language(settings):
    settings.FILING_LIMIT_PER_ADDRESS_HOUR = 1
    file_through_the_wizard(anonymous_answers([made_up_file()]), address="198.51.100.77")
    client = Client(REMOTE_ADDR="198.51.100.77")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    answers = anonymous_answers([made_up_file()])
    response = None
    for name in STEP_NAMES:
        post_form(client, f"/help/step/{name}/", answers[name])
    response = post_form(client, "/help/check/")
    assert response.status_code == 429
    assert "Se enviaron demasiados casos desde esta conexión en la última hora" in response.content.decode()
