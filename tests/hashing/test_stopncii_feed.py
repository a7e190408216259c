"""The StopNCII-compatible feed, read by python-threatexchange's own, unmodified StopNCIIAPI client over HTTP."""

from __future__ import annotations

import pytest
from threatexchange.exchanges.clients.stopncii.api import (
    StopNCIIAPI,
    StopNCIICaseStatus,
    StopNCIICSPFeedbackValue,
    StopNCIIEndpoint,
    StopNCIISignalType,
)
from threatexchange.exchanges.collab_config import CollaborationConfigBase
from threatexchange.exchanges.impl.stop_ncii_api import StopNCIISignalExchangeAPI

from hashing.bank.partners import partner_create
from hashing.bank.selectors import partner_feedback_summary
from hashing.models import PartnerApiCall
from tests.hashing.bank_helpers import image_hashes, make_case, random_hex, video_hashes, withdraw_consent

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(live_server, raw_key: str) -> StopNCIIAPI:
    return StopNCIIAPI(
        subscription_key=raw_key,
        fetch_function_key=raw_key,
        additional_function_keys={StopNCIIEndpoint.SubmitFeedback: raw_key},
        base_url_override=f"http://127.0.0.1:{live_server.thread.port}/stopncii/v1",
    )


def feed_hashes(files: list[dict]) -> set[tuple[StopNCIISignalType, str]]:
    """What the feed carries for these files: image PDQs (and oriented PDQs) and video MD5s."""
    out = set()
    for fields in files:
        if fields["media_kind"] == "image":
            out.add((StopNCIISignalType.ImagePDQ, fields["pdq"]))
            if fields.get("pdq_oriented"):
                out.add((StopNCIISignalType.ImagePDQ, fields["pdq_oriented"]))
        elif fields["media_kind"] == "video":
            out.add((StopNCIISignalType.VideoMD5, fields["md5"]))
    return out


@pytest.fixture
def partner_key(transactional_db):
    partner, _key, raw_key = partner_create(name="Platform X", scopes=["fetch", "feedback"], rate_limit_per_minute=1000)
    return partner, raw_key


def test_the_threatexchange_client_fetches_the_whole_bank_then_exactly_the_changes(live_server, partner_key):
    partner, raw_key = partner_key
    first_files = [image_hashes(pdq_oriented=random_hex(64)), video_hashes()]
    second_files = [image_hashes(), image_hashes()]
    first, second = make_case(files=first_files), make_case(files=second_files)
    make_case(shared=False, files=[image_hashes()])
    api = client_for(live_server, raw_key)

    # A full fetch through the client's own paging loop.
    pages = list(api.fetch_hashes_iter())
    records = [record for page in pages for record in page.hashRecords]
    assert {(r.signalType, r.hashValue) for r in records} == feed_hashes(first_files) | feed_hashes(second_files)
    assert len(records) == 5
    assert all(r.hashStatus == StopNCIICaseStatus.Active for r in records)
    checkpoint = pages[-1].nextSetTimestamp
    assert checkpoint > max(r.lastModtimestamp for r in records)

    # Case numbers are the partner's own opaque names, never the victim's reference.
    numbers = {number for r in records for number in r.caseNumbers}
    assert len(numbers) == 2
    assert not any(case.reference.lower() in number.lower() for case in (first, second) for number in numbers)
    assert all(set(r.caseNumbers.values()) == {StopNCIICaseStatus.Active} for r in records)

    # New hashes and a withdrawal, then an incremental fetch from the saved checkpoint.
    third_files = [image_hashes(), video_hashes()]
    make_case(files=third_files)
    withdraw_consent(first)
    changes = [record for page in api.fetch_hashes_iter(start_timestamp=checkpoint) for record in page.hashRecords]
    status = {(r.signalType, r.hashValue): r.hashStatus for r in changes}
    assert status == {
        **{key: StopNCIICaseStatus.Active for key in feed_hashes(third_files)},
        **{key: StopNCIICaseStatus.Withdrawn for key in feed_hashes(first_files)},
    }
    assert len(changes) == len(status), "each changed hash once"

    # Nothing changed since: the next fetch is empty and keeps the checkpoint where it was.
    last = list(api.fetch_hashes_iter(start_timestamp=max(r.lastModtimestamp for r in changes) + 1))
    assert [r for page in last for r in page.hashRecords] == []
    assert last[-1].nextSetTimestamp == max(r.lastModtimestamp for r in changes) + 1
    assert PartnerApiCall.objects.filter(partner=partner, endpoint="stopncii.FetchHashes", status=200).count() >= 3


def test_paging_in_small_pages_returns_every_hash_once_and_the_timestamp_never_goes_back(live_server, partner_key):
    _partner, raw_key = partner_key
    files = [image_hashes() for _ in range(6)] + [video_hashes() for _ in range(3)]
    for chunk in (files[:4], files[4:7], files[7:]):
        make_case(files=chunk)
    api = client_for(live_server, raw_key)
    seen, stamps, token = [], [], ""
    while True:
        page = api.fetch_hashes(page_size=2, start_timestamp=StopNCIIAPI.DEFAULT_START_TIME, next_page=token)
        seen.extend((r.signalType, r.hashValue) for r in page.hashRecords)
        stamps.append(page.nextSetTimestamp)
        assert page.count == len(page.hashRecords) <= 2
        if not page.hasMoreRecords:
            break
        token = page.nextPageToken
    assert len(stamps) == 5
    assert stamps == sorted(stamps)
    assert len(seen) == len(set(seen)) == 9
    assert set(seen) == feed_hashes(files)


def test_hma_style_checkpoints_resume_without_missing_or_repeating_a_change(live_server, partner_key):
    _partner, raw_key = partner_key
    make_case(files=[image_hashes(), image_hashes()])
    exchange = StopNCIISignalExchangeAPI(
        CollaborationConfigBase(name="helpline", api="StopNCII", enabled=True), client_for(live_server, raw_key)
    )
    deltas = list(exchange.fetch_iter([], None))
    assert sum(len(delta.updates) for delta in deltas) == 2
    checkpoint = deltas[-1].checkpoint
    added = image_hashes()
    make_case(files=[added])
    later = list(exchange.fetch_iter([], checkpoint))
    assert [key for delta in later for key in delta.updates] == [("pdq", added["pdq"])]
    assert later[-1].checkpoint.get_progress_timestamp() > checkpoint.get_progress_timestamp()


def test_feedback_sent_through_the_client_shows_on_the_case_and_in_the_feed(live_server, partner_key):
    partner, raw_key = partner_key
    files = [image_hashes(), image_hashes(), video_hashes()]
    case = make_case(files=files)
    api = client_for(live_server, raw_key)
    checkpoint = list(api.fetch_hashes_iter())[-1].nextSetTimestamp
    api.submit_feedback(StopNCIISignalType.ImagePDQ, files[0]["pdq"], StopNCIICSPFeedbackValue.Blocked)
    api.submit_feedback(StopNCIISignalType.ImagePDQ, files[1]["pdq"], StopNCIICSPFeedbackValue.Blocked, {"nudity"})
    api.submit_feedback(StopNCIISignalType.VideoMD5, files[2]["md5"], StopNCIICSPFeedbackValue.Blocked)
    api.submit_feedback(StopNCIISignalType.ImagePDQ, files[1]["pdq"], StopNCIICSPFeedbackValue.NotBlocked)
    assert partner_feedback_summary(case) == [("Platform X", "Blocked", 3), ("Platform X", "NotBlocked", 1)]

    changed = {r.hashValue: r for page in api.fetch_hashes_iter(start_timestamp=checkpoint) for r in page.hashRecords}
    assert set(changed) == {files[0]["pdq"], files[1]["pdq"], files[2]["md5"]}
    latest = changed[files[1]["pdq"]].CSPFeedbacks
    assert [(f.source, f.feedbackValue) for f in latest] == [("Platform X", StopNCIICSPFeedbackValue.NotBlocked)]
    assert PartnerApiCall.objects.filter(partner=partner, endpoint="stopncii.SubmitFeedback").count() == 4


def test_two_partners_see_different_case_numbers_for_the_same_case(live_server, partner_key):
    _partner, raw_key = partner_key
    _other, _key, other_raw_key = partner_create(name="Platform Y", scopes=["fetch"])
    make_case(files=[image_hashes()])
    mine = [r for page in client_for(live_server, raw_key).fetch_hashes_iter() for r in page.hashRecords]
    theirs = [r for page in client_for(live_server, other_raw_key).fetch_hashes_iter() for r in page.hashRecords]
    assert [r.hashValue for r in mine] == [r.hashValue for r in theirs]
    assert set(mine[0].caseNumbers).isdisjoint(theirs[0].caseNumbers)
