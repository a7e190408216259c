"""Coming back: reference + PIN sign-in with lockout and rate limits, the victim's actions, and erasure."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from cases.intake.services import case_file
from cases.models import Case, CaseEvent, CaseHash, CaseURL
from cases.status import throttle
from cases.status.services import normalise_reference
from cases.status.session import SESSION_KEY
from hashing.models import BankEntry, BankEntryCase, BankStatus, SignalType
from helpline.counters import counter_value
from tests.cases.helpers import fingerprint, post_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _draft(**contact) -> dict:
    return {
        "safety": {"safe_now": "yes", "age": "adult", "filed_by": "self"},
        "where": {"urls": ["https://example.com/a"], "elsewhere": ""},
        "images": {"hashes": [fingerprint(1)]},
        "contact": contact or {"name": "Sam", "email": "sam@example.net", "safe_channels": ["email"]},
        "consent": {"consent_share_hashes": True, "consent_contact": True, "consent_act_on_behalf": True},
    }


@pytest.fixture
def filed():
    return case_file(draft=_draft(), language="en")


def _sign_in(client, reference, pin, **extra):
    return post_form(client, "/status/", {"reference": reference, "pin": pin}, **extra)


@pytest.fixture
def victim_client(client, filed):
    response = _sign_in(client, filed.case.reference, filed.pin)
    assert response.status_code == 302 and response["Location"] == "/status/case/"
    return client


def test_reference_and_pin_open_the_case_page(victim_client, filed):
    html = victim_client.get("/status/case/").content.decode()
    assert filed.case.reference in html and "example.com" in html
    assert "We are preparing the request" in html


def test_reference_is_accepted_in_lower_case_with_spaces_or_without_prefix():
    assert normalise_reference("hl 7f3k 9q2m") == "HL-7F3K-9Q2M"
    assert normalise_reference("7F3K9Q2M") == "HL-7F3K-9Q2M"
    assert normalise_reference("HL-7F3K") == ""


def test_unknown_reference_and_wrong_pin_get_the_same_message(client, filed):
    wrong_pin = _sign_in(client, filed.case.reference, "000000" if filed.pin != "000000" else "111111")
    unknown = _sign_in(client, "HL-2345-6789", filed.pin)
    assert wrong_pin.status_code == unknown.status_code == 200
    message = "The reference and PIN do not match a case."
    assert message in wrong_pin.content.decode() and message in unknown.content.decode()
    assert SESSION_KEY not in client.session


def test_five_wrong_pins_lock_the_reference_for_an_hour_even_for_the_right_pin(client, filed):
    reference = filed.case.reference
    for n in range(5):
        response = _sign_in(client, reference, f"99999{n}", REMOTE_ADDR=f"10.0.0.{n}")
    assert response.status_code == 429
    assert "locked for an hour" in response.content.decode()
    right = _sign_in(client, reference, filed.pin, REMOTE_ADDR="10.0.1.1")
    assert right.status_code == 429 and SESSION_KEY not in client.session
    assert CaseEvent.objects.filter(case=filed.case, kind="status_locked").count() == 1
    # When the hour is over, the right PIN works again.
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        assert not throttle.reference_is_locked(reference)
        assert _sign_in(client, reference, filed.pin, REMOTE_ADDR="10.0.1.2").status_code == 302


def test_four_wrong_pins_then_a_fifth_after_five_minutes_locks_the_reference_for_the_hour(client, filed):
    """The review's attack: 4 wrong PINs every 5 minutes never locked, because the database cache's incr
    re-set the count with the default 300 s timeout. The count must keep its one-hour window."""
    reference = filed.case.reference
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(4):
            assert _sign_in(client, reference, f"99999{n}", REMOTE_ADDR=f"10.0.0.{n}").status_code == 200
    with time_machine.travel(start + timedelta(minutes=5, seconds=30), tick=False):
        fifth = _sign_in(client, reference, "999994", REMOTE_ADDR="10.0.0.9")
        assert fifth.status_code == 429 and "locked for an hour" in fifth.content.decode()
        assert CaseEvent.objects.filter(case=filed.case, kind="status_locked").count() == 1
    # Still locked 59 minutes after the lock, even for the right PIN; free again after the hour.
    with time_machine.travel(start + timedelta(minutes=64), tick=False):
        assert _sign_in(client, reference, filed.pin, REMOTE_ADDR="10.0.1.1").status_code == 429
    with time_machine.travel(start + timedelta(minutes=66), tick=False):
        assert _sign_in(client, reference, filed.pin, REMOTE_ADDR="10.0.1.2").status_code == 302


def test_wrong_pins_spread_over_more_than_an_hour_do_not_lock(client, filed):
    reference = filed.case.reference
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(4):
            _sign_in(client, reference, f"99999{n}", REMOTE_ADDR=f"10.0.0.{n}")
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert _sign_in(client, reference, "999994", REMOTE_ADDR="10.0.0.9").status_code == 200
        assert not throttle.reference_is_locked(reference)


def test_unknown_references_lock_alike_so_a_lock_does_not_reveal_a_case(client):
    for n in range(5):
        response = _sign_in(client, "HL-2345-6789", "123456", REMOTE_ADDR=f"10.0.0.{n}")
    assert response.status_code == 429 and "locked for an hour" in response.content.decode()


def test_four_wrong_pins_then_the_right_one_signs_in_and_resets_the_count(client, filed):
    for n in range(4):
        _sign_in(client, filed.case.reference, f"99999{n}", REMOTE_ADDR=f"10.0.0.{n}")
    assert _sign_in(client, filed.case.reference, filed.pin).status_code == 302
    assert counter_value(key=throttle._key("failures", filed.case.reference)) == 0


def test_one_address_is_rate_limited_across_references(client):
    statuses = [
        _sign_in(client, f"HL-2345-{n:04d}".replace("0", "2"), "123456").status_code
        for n in range(throttle.ADDRESS_ATTEMPTS + 1)
    ]
    assert statuses[:-1] == [200] * throttle.ADDRESS_ATTEMPTS
    assert statuses[-1] == 429
    assert _sign_in(client, "HL-2345-6789", "1", REMOTE_ADDR="192.0.2.9").status_code == 200


def test_the_address_limit_keeps_its_window_past_five_minutes(client):
    too_many = "Too many tries from this connection"
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(throttle.ADDRESS_ATTEMPTS):
            assert too_many not in _sign_in(client, f"HL-2345-{n:04d}", "123456").content.decode()
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        refused = _sign_in(client, "HL-2345-6789", "123456")
        assert refused.status_code == 429 and too_many in refused.content.decode()
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert too_many not in _sign_in(client, "HL-2345-6789", "123456").content.decode()


def test_the_counter_tables_hold_no_reference_or_address_in_the_clear(client, filed):
    _sign_in(client, filed.case.reference, "000001", REMOTE_ADDR="198.51.100.7")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM helpline_windowcounter")
        keys = " ".join(row[0] for row in cursor.fetchall())
    assert keys and filed.case.reference not in keys and "198.51.100.7" not in keys


def test_sign_in_starts_a_new_session_key_separate_from_staff_sign_in(client, filed):
    client.get("/status/")
    before = client.session.session_key
    _sign_in(client, filed.case.reference, filed.pin)
    assert client.session.session_key != before
    assert client.session[SESSION_KEY]["id"] == filed.case.pk
    assert "_auth_user_id" not in client.session


def test_the_status_session_ends_after_30_idle_minutes(victim_client):
    session = victim_client.session
    session[SESSION_KEY] = {**session[SESSION_KEY], "seen": time.time() - 31 * 60}
    session.save()
    response = victim_client.get("/status/case/")
    assert response.status_code == 302 and response["Location"] == "/status/"
    assert "signed out after 30 minutes" in victim_client.get("/status/").content.decode()


def test_the_case_page_needs_a_status_session(client):
    assert client.get("/status/case/")["Location"] == "/status/"
    assert post_form(client, "/status/case/links/", {"urls": "https://example.com/x"})["Location"] == "/status/"


def test_adding_links_merges_duplicates_and_queues_drafting_after_commit(
    victim_client, filed, django_capture_on_commit_callbacks
):
    with mock.patch("cases.status.services.queue_drafting") as queue, django_capture_on_commit_callbacks(execute=True):
        response = post_form(
            victim_client,
            "/status/case/links/",
            {"urls": "https://example.com/a?utm_campaign=x\nhttps://new.example.org/b"},
        )
    assert response.status_code == 302
    assert sorted(u.url for u in filed.case.urls.all()) == ["https://example.com/a", "https://new.example.org/b"]
    queue.assert_called_once_with(case_id=filed.case.pk)
    assert CaseEvent.objects.get(case=filed.case, kind="urls_added").detail == {"count": 1}


def test_a_batch_with_only_bad_lines_is_explained_and_nothing_is_added(victim_client, filed):
    response = post_form(victim_client, "/status/case/links/", {"urls": "localhost/admin\nnot a link"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 1 (localhost/admin)" in html and "Line 2 (not a link)" in html
    assert filed.case.urls.count() == 1


def test_a_line_of_words_is_one_entry_the_good_links_are_saved_and_the_rest_listed_with_a_reason(victim_client, filed):
    text = "https://ok.example.org/1\nnot a link\nhttps://ok.example.org/2"
    with mock.patch("cases.status.services.queue_drafting"):
        response = post_form(victim_client, "/status/case/links/", {"urls": text})
    html = response.content.decode()
    assert response.status_code == 200
    # One entry for the line, with its reason; not one error per word.
    assert html.count("(not a link)") == 2  # the error summary and the field's own error
    assert "(not)" not in html and "(link)" not in html
    assert "We added the new links to your case" in html
    assert sorted(filed.case.urls.values_list("url", flat=True)) == [
        "https://example.com/a",
        "https://ok.example.org/1",
        "https://ok.example.org/2",
    ]
    # The rejected line is back in the box to fix, and only it.
    assert "not a link</textarea>" in html and "ok.example.org/1</textarea>" not in html


def _bank_statuses(case: Case, md5: str) -> set[str]:
    """The statuses the bank holds for the case's MD5 entry `md5` (the bank's own rows, not a call to it)."""
    return set(
        BankEntryCase.objects.filter(case=case, entry__signal_type=SignalType.MD5, entry__value=md5).values_list(
            "status", flat=True
        )
    )


def test_adding_fingerprints_validates_them_and_syncs_the_bank(victim_client, filed):
    assert _bank_statuses(filed.case, fingerprint(7)["md5"]) == set()
    response = post_form(
        victim_client, "/status/case/fingerprints/", {"hashes": json.dumps([fingerprint(1), fingerprint(7)])}
    )
    assert response.status_code == 302
    assert filed.case.hashes.count() == 2
    assert _bank_statuses(filed.case, fingerprint(7)["md5"]) == {BankStatus.ACTIVE}
    bad = dict(fingerprint(8), pdq_quality=101)
    response = post_form(victim_client, "/status/case/fingerprints/", {"hashes": json.dumps([bad])})
    assert response.status_code == 400 and filed.case.hashes.count() == 2


def test_contact_preferences_can_be_changed_to_anonymous(victim_client, filed):
    response = post_form(victim_client, "/status/case/contact/", {})
    assert response.status_code == 302
    case = Case.objects.get(pk=filed.case.pk)
    assert case.is_anonymous and not case.consent_contact and case.safe_contact == ""


def test_contact_preferences_say_what_is_missing(victim_client):
    response = post_form(victim_client, "/status/case/contact/", {"safe_channels": ["text"]})
    assert "please give the number" in response.content.decode()


def test_withdrawing_sharing_needs_a_confirmation_and_tells_the_bank(victim_client, filed):
    md5 = fingerprint(1)["md5"]
    assert _bank_statuses(filed.case, md5) == {BankStatus.ACTIVE}
    assert post_form(victim_client, "/status/case/withdraw/", {}).status_code == 200
    assert Case.objects.get(pk=filed.case.pk).consent_share_hashes
    assert _bank_statuses(filed.case, md5) == {BankStatus.ACTIVE}  # nothing changes without the confirmation
    response = post_form(victim_client, "/status/case/withdraw/", {"confirm": "on"})
    assert response.status_code == 302
    case = Case.objects.get(pk=filed.case.pk)
    assert not case.consent_share_hashes and case.hashes_withdrawn_at is not None
    assert _bank_statuses(case, md5) == {BankStatus.WITHDRAWN}
    assert BankEntry.objects.get(signal_type=SignalType.MD5, value=md5).status == BankStatus.WITHDRAWN
    assert CaseEvent.objects.filter(case=case, kind="sharing_withdrawn").exists()


def test_deleting_the_case_erases_the_victims_data_at_once_and_ends_the_session(victim_client, filed):
    md5 = fingerprint(1)["md5"]
    assert _bank_statuses(filed.case, md5) == {BankStatus.ACTIVE}
    response = post_form(victim_client, "/status/case/delete/", {"confirm": "on"})
    assert response.status_code == 200 and "Your case is deleted" in response.content.decode()
    case = Case.objects.get(pk=filed.case.pk)
    assert case.erased_at is not None and case.status == Case.Status.CLOSED
    assert (case.contact_name, case.contact_email, case.safe_contact, case.signature_name) == ("", "", "", "")
    assert not CaseURL.objects.filter(case=case).exists() and not CaseHash.objects.filter(case=case).exists()
    assert _bank_statuses(case, md5) == {BankStatus.DELETED}
    assert BankEntry.objects.get(signal_type=SignalType.MD5, value=md5).status == BankStatus.DELETED
    assert SESSION_KEY not in victim_client.session
    assert victim_client.get("/status/case/")["Location"] == "/status/"
    # The reference and PIN no longer open anything.
    assert _sign_in(victim_client, filed.case.reference, filed.pin).status_code == 200


def test_events_of_the_victims_actions_hold_no_personal_data(victim_client, filed):
    post_form(victim_client, "/status/case/links/", {"urls": "https://secret-place.example.org/x"})
    post_form(victim_client, "/status/case/contact/", {"name": "Robin Secret", "email": "robin@example.net"})
    details = json.dumps(list(CaseEvent.objects.filter(case=filed.case).values_list("detail", flat=True)))
    assert "secret" not in details.lower() and "robin" not in details.lower()


def test_progress_is_shown_per_platform_in_plain_words(victim_client, filed):
    from cases.removals.models import Basis, Platform, RemovalRequest

    platform = Platform.objects.create(slug="example-social", name="Example Social")
    filed.case.urls.update(platform_slug="example-social")
    request = RemovalRequest.objects.create(case=filed.case, platform=platform, status="sent", basis=Basis.values[0])
    request.urls.add(*filed.case.urls.all())
    html = victim_client.get("/status/case/").content.decode()
    assert "Example Social" in html and "Request sent, waiting for an answer" in html
    assert "We are preparing the request" not in html


def test_the_contact_form_starts_from_the_saved_preferences(victim_client):
    html = victim_client.get("/status/case/contact/").content.decode()
    assert 'value="sam@example.net"' in html
    assert 'value="email" id="id_safe_channels_0" checked' in html


def _cards(html: str) -> list[tuple[str, str, str]]:
    """(site, state, link count) of each card of the status page."""
    import re

    card = (
        r'<span class="platform">(.*?)</span>\s*<span class="state">(.*?)</span>\s*'
        r'<span class="link-count">(.*?)</span>'
    )
    return re.findall(card, html)


def test_one_card_per_request_with_its_own_state_and_link_count(victim_client, filed):
    """An 'other website' request for example-tube.com made a phantom 'Other website - 0 links' card beside the
    host's own; search engines' requests showed '0 links' although each carried the links."""
    from cases.removals.models import Basis, Platform, RemovalRequest

    case = filed.case
    with mock.patch("cases.status.services.queue_drafting"):
        post_form(
            victim_client,
            "/status/case/links/",
            {"urls": "\n".join(["https://example-tube.com/v/1", *(f"https://example.com/p/{n}" for n in range(3))])},
        )
    other = Platform.objects.create(slug="other-website-test", name="Other website", kind=Platform.Kind.HOST)
    engine = Platform.objects.create(slug="search-test", name="Search Test", kind=Platform.Kind.SEARCH_ENGINE)
    tube = RemovalRequest.objects.create(
        case=case, platform=other, host="example-tube.com", status="drafted", basis=Basis.values[0]
    )
    tube.urls.add(case.urls.get(host="example-tube.com"))
    deindex = RemovalRequest.objects.create(
        case=case, platform=engine, kind=RemovalRequest.Kind.DEINDEX, status="drafted", basis=Basis.values[0]
    )
    deindex.urls.add(*case.urls.filter(host="example.com"))
    html = victim_client.get("/status/case/").content.decode()
    assert _cards(html) == [
        ("example-tube.com", "Request prepared, waiting to be sent", "1 link"),
        ("Search Test", "Request prepared, waiting to be sent", "4 links"),
    ]
    RemovalRequest.objects.filter(pk=tube.pk).update(status="sent")
    html = victim_client.get("/status/case/").content.decode()
    assert _cards(html)[0] == ("example-tube.com", "Request sent, waiting for an answer", "1 link")
    assert "Other website" not in html


def test_a_new_caseworker_message_is_announced_at_the_top_once(victim_client, filed):
    from cases.casework.models import CaseMessage

    html = victim_client.get("/status/case/").content.decode()
    assert "data-new-message" not in html
    CaseMessage.objects.create(case=filed.case, body="Please add the links you found.")
    html = victim_client.get("/status/case/").content.decode()
    assert "You have a new message from your caseworker." in html
    # At the top: before the progress cards and the message itself.
    assert html.index("data-new-message") < html.index('id="state-title"') < html.index("Please add the links")
    assert CaseMessage.objects.get().read_at is not None
    html = victim_client.get("/status/case/").content.decode()
    assert "data-new-message" not in html and "Please add the links you found." in html
    CaseMessage.objects.create(case=filed.case, body="One more.")
    CaseMessage.objects.create(case=filed.case, body="And another.")
    assert "You have 2 new messages from your caseworker." in victim_client.get("/status/case/").content.decode()


@pytest.mark.parametrize("known", [True, False], ids=["known-reference", "unknown-reference"])
def test_from_the_third_wrong_pin_the_page_says_how_many_tries_are_left(client, filed, known):
    reference = filed.case.reference if known else "HL-2345-6789"
    wrong = "000000" if filed.pin != "000000" else "111111"
    pages = [_sign_in(client, reference, wrong, REMOTE_ADDR=f"10.0.1.{n}").content.decode() for n in range(5)]
    assert all("more wrong tr" not in page for page in pages[:2])
    assert "after 2 more wrong tries this reference is locked for an hour" in pages[2]
    assert "after 1 more wrong try this reference is locked for an hour" in pages[3]
    assert "this reference is locked for an hour after too many tries" in pages[4]


def test_the_tries_left_warning_is_in_spanish_on_a_spanish_page(client, filed, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    for _ in range(3):
        page = _sign_in(client, filed.case.reference, "000000" if filed.pin != "000000" else "111111").content
    assert "2 intentos fallidos más" in page.decode()
