"""bank_sync_case: the bank mirrors each case's hashes and consent; the change sequence moves only on real changes."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from cases.bank_sync import bank_sync_case
from cases.models import Case
from hashing.bank.clock import clock_read
from hashing.bank.services import FeedbackItem, bank_feedback_record
from hashing.models import BankEntry, BankEntryCase, BankStatus, SignalType
from tests.hashing import bank_helpers
from tests.hashing.bank_helpers import (
    erase,
    image_hashes,
    make_case,
    random_hex,
    video_hashes,
    withdraw_consent,
)

pytestmark = pytest.mark.django_db

partner_and_key = bank_helpers.partner_and_key  # the shared fixture


def entries_of(case) -> dict[tuple[str, str], str]:
    return {
        (link.entry.signal_type, link.entry.value): link.entry.status
        for link in BankEntryCase.objects.filter(case=case).select_related("entry")
    }


def test_a_shared_image_gives_pdq_phash_md5_and_sha256_entries_with_its_eight_variants():
    image = image_hashes()
    case = make_case(files=[image])
    assert entries_of(case) == {
        (SignalType.IMAGE_PDQ, image["pdq"]): BankStatus.ACTIVE,
        (SignalType.PHASH, image["phash"]): BankStatus.ACTIVE,
        (SignalType.MD5, image["md5"]): BankStatus.ACTIVE,
        (SignalType.SHA256, image["sha256"]): BankStatus.ACTIVE,
    }
    pdq = BankEntry.objects.get(signal_type=SignalType.IMAGE_PDQ)
    assert pdq.pdq_variant_hexes == image["pdq_dihedral"]
    assert pdq.pdq_quality == 100


def test_an_oriented_pdq_is_shared_too_and_a_video_gives_a_videomd5_entry():
    oriented = random_hex(64)
    image = image_hashes(pdq_oriented=oriented)
    video = video_hashes()
    case = make_case(files=[image, video])
    entries = entries_of(case)
    assert entries[(SignalType.IMAGE_PDQ, oriented)] == BankStatus.ACTIVE
    assert entries[(SignalType.VIDEO_MD5, video["md5"])] == BankStatus.ACTIVE
    assert entries[(SignalType.MD5, video["md5"])] == BankStatus.ACTIVE
    assert (SignalType.IMAGE_PDQ, video["md5"]) not in entries
    assert BankEntry.objects.get(value=oriented).pdq_variant_hexes == image["pdq_dihedral"]


def test_hashes_without_consent_never_reach_the_bank():
    make_case(shared=False)
    assert not BankEntry.objects.exists()


def test_syncing_an_unchanged_case_again_changes_nothing_and_keeps_the_clock():
    case = make_case(files=[image_hashes(), video_hashes()])
    before = clock_read()
    seqs = dict(BankEntry.objects.values_list("id", "seq"))
    assert bank_sync_case(case=case) == 0
    assert clock_read() == before
    assert dict(BankEntry.objects.values_list("id", "seq")) == seqs


def test_every_change_gets_a_new_increasing_sequence_number():
    case = make_case()
    first = sorted(BankEntry.objects.values_list("seq", flat=True))
    assert len(set(first)) == len(first), "sequence numbers are unique"
    withdraw_consent(case)
    second = sorted(BankEntry.objects.values_list("seq", flat=True))
    assert min(second) > max(first)
    assert clock_read().value == max(second)


def test_withdrawing_consent_withdraws_every_entry_of_the_case():
    case = make_case(files=[image_hashes(), video_hashes()])
    withdraw_consent(case)
    assert set(entries_of(case).values()) == {BankStatus.WITHDRAWN}
    assert bank_sync_case(case=case) == 0


def test_erasing_a_case_deletes_its_entries_even_though_its_hash_rows_are_gone():
    case = make_case()
    erase(case)
    assert set(entries_of(case).values()) == {BankStatus.DELETED}
    assert BankEntryCase.objects.filter(case=case, case_hash__isnull=True).count() == 4


def test_a_deleted_entry_is_not_shared_again_even_if_consent_comes_back():
    case = make_case()
    erase(case)
    case.consent_share_hashes = True
    case.hashes_withdrawn_at = None
    case.erased_at = None
    case.save()
    bank_sync_case(case=case)
    assert set(entries_of(case).values()) == {BankStatus.DELETED}


def test_a_hash_shared_by_two_cases_stays_active_until_both_withdraw():
    image = image_hashes()
    first = make_case(files=[image])
    second = make_case(files=[dict(image, sha256=random_hex(64))])
    pdq = BankEntry.objects.get(signal_type=SignalType.IMAGE_PDQ, value=image["pdq"])
    assert pdq.case_links.count() == 2
    withdraw_consent(first)
    pdq.refresh_from_db()
    assert pdq.status == BankStatus.ACTIVE
    withdraw_consent(second)
    pdq.refresh_from_db()
    assert pdq.status == BankStatus.WITHDRAWN


def test_a_file_removed_from_a_shared_case_is_withdrawn_and_a_new_one_added():
    old, new = image_hashes(), image_hashes()
    case = make_case(files=[old])
    case.hashes.all().delete()
    case.hashes.create(**new)
    bank_sync_case(case=case)
    entries = entries_of(case)
    assert entries[(SignalType.IMAGE_PDQ, old["pdq"])] == BankStatus.WITHDRAWN
    assert entries[(SignalType.IMAGE_PDQ, new["pdq"])] == BankStatus.ACTIVE


def test_consent_given_again_after_a_withdrawal_shares_the_hashes_again():
    case = make_case()
    withdraw_consent(case)
    assert set(entries_of(case).values()) == {BankStatus.WITHDRAWN}
    # No page gives consent again today; a caseworker recording a new consent would set these.
    case.consent_share_hashes, case.hashes_withdrawn_at = True, None
    case.save()
    bank_sync_case(case=case)
    assert set(entries_of(case).values()) == {BankStatus.ACTIVE}


def test_a_malformed_hash_row_is_left_out_rather_than_failing_the_victims_request():
    case = make_case(files=[image_hashes(pdq="not-a-pdq"), video_hashes()])
    assert {signal_type for signal_type, _ in entries_of(case)} == {
        SignalType.VIDEO_MD5,
        SignalType.MD5,
        SignalType.SHA256,
    }


def test_feedback_moves_the_entry_forward_only_when_the_partners_latest_word_changes(partner_and_key):
    partner, _key = partner_and_key
    image = image_hashes()
    make_case(files=[image])
    entry = BankEntry.objects.get(signal_type=SignalType.IMAGE_PDQ)
    outcome = bank_feedback_record(
        partner=partner, items=[FeedbackItem(image["pdq"], "Blocked"), FeedbackItem(random_hex(64), "Blocked")]
    )
    assert (outcome.received, outcome.recorded) == (2, 1)
    entry_after = BankEntry.objects.get(pk=entry.pk)
    assert entry_after.seq > entry.seq
    assert entry_after.last_modified == entry.last_modified, "feedback is not a change of the entry's retention clock"
    bank_feedback_record(partner=partner, items=[FeedbackItem(image["pdq"], "Blocked")])
    assert BankEntry.objects.get(pk=entry.pk).seq == entry_after.seq
    assert entry_after.feedback.count() == 2


def test_the_bank_sync_command_backfills_every_case_and_changes_nothing_the_second_time():
    shared = make_case(files=[image_hashes()], sync=False)
    make_case(shared=False, files=[image_hashes()], sync=False)
    out = io.StringIO()
    call_command("bank_sync", stdout=out)
    assert "Checked 2 case(s); 4 bank entries changed." in out.getvalue()
    assert set(entries_of(shared).values()) == {BankStatus.ACTIVE}
    out = io.StringIO()
    call_command("bank_sync", stdout=out)
    assert "0 bank entries changed" in out.getvalue()


def test_malformed_variants_leave_the_pdq_shared_without_them():
    image = image_hashes(pdq_dihedral=["0" * 64] * 7)
    make_case(files=[image])
    entry = BankEntry.objects.get(signal_type=SignalType.IMAGE_PDQ)
    assert (entry.value, entry.pdq_variants) == (image["pdq"], None)


def test_a_minors_hashes_never_reach_the_adult_bank_unless_the_setting_allows_it(settings):
    settings.BANK_SHARE_MINORS = False
    case = make_case(sync=False)
    Case.objects.filter(pk=case.pk).update(is_minor=True)
    case.refresh_from_db()
    bank_sync_case(case=case)
    assert not BankEntry.objects.filter(status=BankStatus.ACTIVE).exists()
    settings.BANK_SHARE_MINORS = True
    bank_sync_case(case=case)
    assert BankEntry.objects.filter(status=BankStatus.ACTIVE).exists()
    # Turned off again (or the case found to be a minor's after sharing): the entries are withdrawn.
    settings.BANK_SHARE_MINORS = False
    bank_sync_case(case=case)
    assert set(entries_of(case).values()) == {BankStatus.WITHDRAWN}
