"""Video fingerprints (vPDQ) in the bank: values, intake, bank entries, withdrawal and erasure, partner match and fetch.

Videos are made in each test with Debian's ffmpeg and hashed with the `vpdq` reference; python-threatexchange's
vPDQ extension is the judge of the match percentages and of the fetched form.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.exceptions import ValidationError
from threatexchange.extensions.vpdq.vpdq import VPDQSignal
from threatexchange.extensions.vpdq.vpdq_brute_matcher import match_VPDQ_hash_brute
from threatexchange.extensions.vpdq.vpdq_util import json_to_vpdq

from cases.intake.hashes import parse_hash_list
from cases.models import CaseHash
from cases.services import case_erase
from cases.status.services import case_sharing_withdraw
from hashing.bank import videos
from hashing.models import BankEntry, BankStatus, SignalType
from hashing.values import MAX_VPDQ_FRAMES, FileHashes, HashValueError
from tests.hashing import bank_helpers
from tests.hashing.bank_helpers import flip_bits, make_case, random_hex
from tests.hashing.vpdq_videos import (
    case_hash_fields,
    compact,
    hash_file_object,
    make_video,
    reencode_smaller,
    reference_frames,
)

partner_and_key = bank_helpers.partner_and_key  # the shared fixture


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict:
    """A filed video, its re-encoded 2/3-size copy, and an unrelated video (made once for the module)."""
    folder = tmp_path_factory.mktemp("videos")
    filed = make_video(folder / "filed.mp4", source="mandelbrot", seconds=12)
    return {
        "filed": filed,
        "copy": reencode_smaller(filed, folder / "copy.mp4"),
        "other": make_video(folder / "other.mp4", source="testsrc2", seconds=12),
        "third": make_video(folder / "third.mp4", source="life", seconds=8),
    }


api = bank_helpers.api  # the shared fixture


# Values -------------------------------------------------------------------------------------------------------------


def test_the_browsers_video_object_is_validated_and_kept_whole(clips):
    obj = hash_file_object(clips["filed"])
    hashes = FileHashes.from_browser(obj)
    assert hashes.is_video and not hashes.is_image
    assert len(hashes.vpdq) == 12 and hashes.video.width == 640 and hashes.video.duration == 12.0
    assert FileHashes.from_browser(hashes.as_dict()) == hashes
    assert hashes.as_dict()["vpdq"] == obj["vpdq"]
    refused = FileHashes.from_browser({**obj, "vpdq": None, "video": None, "vpdq_error": "unsupported"})
    assert refused.is_video and refused.vpdq is None


def _frame(**overrides) -> dict:
    return {"pdq": random_hex(64), "quality": 100, "frame_number": 0, "timestamp": 0.0, **overrides}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda o: o["vpdq"][1].update(pdq="xyz"), "vPDQ frame 1: PDQ hash must be 64 hex characters, got 3"),
        (lambda o: o["vpdq"][1].update(pdq="A" * 64), "vPDQ frame 1: PDQ hash must be lowercase hexadecimal"),
        (lambda o: o["vpdq"][0].update(quality=101), "vPDQ frame 0: PDQ quality must be between 0 and 100, got 101"),
        (lambda o: o["vpdq"][0].update(quality=None), "vPDQ frame 0: a PDQ quality (0-100) is required"),
        (lambda o: o["vpdq"][2].update(frame_number=25), "vPDQ frame 2: frame numbers must increase"),
        (lambda o: o["vpdq"][0].update(timestamp=-1.0), "vPDQ frame 0: a vPDQ timestamp must be a finite number"),
        (lambda o: o["vpdq"][0].update(timestamp="0"), "vPDQ frame 0: a vPDQ timestamp must be a number of seconds"),
        (lambda o: o["vpdq"].append("frame"), "vPDQ frame 3: expected pdq, quality, frame_number and timestamp"),
        (lambda o: o.update(vpdq={"0": {}}), "vPDQ frames must be a list"),
        (lambda o: o.update(video=None), "vPDQ frames and the video's details come together"),
        (lambda o: o["video"].update(width=0), "video width must be a whole number of pixels from 1 to 16384"),
        (lambda o: o["video"].update(duration=float("nan")), "video duration must be a finite number"),
        (lambda o: o.update(vpdq_error="crashed"), "unknown vPDQ error 'crashed'; expected one of unsupported"),
        (lambda o: o.update(pdq=random_hex(64), pdq_quality=100), "a file is an image (PDQ) or a video (vPDQ)"),
        (
            lambda o: o.update(vpdq=[_frame(frame_number=n) for n in range(MAX_VPDQ_FRAMES + 1)]),
            "at most 14400 vPDQ frames (4 hours), got 14401",
        ),
    ],
)
def test_bad_video_fingerprints_get_a_specific_error(change, message):
    obj = {
        "md5": random_hex(32),
        "sha256": random_hex(64),
        "vpdq": [_frame(frame_number=n * 25, timestamp=float(n)) for n in range(3)],
        "video": {"duration": 3.0, "width": 640, "height": 360, "frame_rate": 25.0},
    }
    FileHashes.from_browser(obj)  # valid as made
    change(obj)
    with pytest.raises(HashValueError) as caught:
        FileHashes.from_browser(obj)
    assert str(caught.value).startswith(message)


@pytest.mark.django_db
def test_intake_keeps_a_videos_frames_and_refuses_a_bad_one_whole(clips):
    good = hash_file_object(clips["filed"])
    (parsed,) = parse_hash_list(json.dumps([good]))
    assert parsed["media_kind"] == "video" and parsed["vpdq"] == good["vpdq"]
    bad = json.loads(json.dumps(good))
    bad["vpdq"][3]["frame_number"] = 0
    with pytest.raises(ValidationError, match="One of the fingerprints is not valid"):
        parse_hash_list(json.dumps([hash_file_object(clips["other"]), bad]))
    # Four hours of frames fit the form; more do not.
    long = {**good, "vpdq": [_frame(frame_number=n, timestamp=float(n)) for n in range(MAX_VPDQ_FRAMES)]}
    assert len(parse_hash_list(json.dumps([long]))[0]["vpdq"]) == MAX_VPDQ_FRAMES


# Bank entries ---------------------------------------------------------------------------------------------------------


def _vpdq_entry(case) -> BankEntry:
    return BankEntry.objects.get(signal_type=SignalType.VPDQ, case_links__case=case)


@pytest.mark.django_db
def test_a_filed_video_gives_one_vpdq_entry_that_threatexchange_parses(clips):
    fields = case_hash_fields(clips["filed"])
    case = make_case(files=[fields])
    entry = _vpdq_entry(case)
    assert entry.status == BankStatus.ACTIVE
    assert entry.value == hashlib.sha256(entry.vpdq_signal.encode()).hexdigest()
    assert VPDQSignal.validate_signal_str(entry.vpdq_signal) == entry.vpdq_signal
    parsed = json_to_vpdq(entry.vpdq_signal)
    assert [f.pdq_hex for f in parsed] == [row[0] for row in fields["vpdq_frames"]]
    # The same video filed by another case is the same entry; VideoMD5 is still made for the StopNCII feed.
    other = make_case(files=[case_hash_fields(clips["filed"])])
    assert _vpdq_entry(other).pk == entry.pk
    assert BankEntry.objects.filter(signal_type=SignalType.VIDEO_MD5, value=fields["md5"]).exists()


@pytest.mark.django_db
def test_a_video_with_no_frame_vpdq_compares_gets_no_vpdq_entry():
    dark = [[random_hex(64), 10, n * 25, float(n)] for n in range(5)]
    case = make_case(files=[bank_helpers.video_hashes(vpdq_frames=dark, video={"duration": 5.0})])
    assert not BankEntry.objects.filter(signal_type=SignalType.VPDQ, case_links__case=case).exists()
    assert BankEntry.objects.filter(signal_type=SignalType.VIDEO_MD5, case_links__case=case).exists()


@pytest.mark.django_db
def test_withdrawal_and_erasure_take_the_vpdq_entry_out_through_the_services(clips, api):
    withdrawn = make_case(files=[case_hash_fields(clips["filed"])])
    erased = make_case(files=[case_hash_fields(clips["other"])])
    frames = reference_frames(clips["filed"])
    assert _matched_ids(api, frames)
    case_sharing_withdraw(case=withdrawn)
    case_erase(case=erased)
    assert _vpdq_entry(withdrawn).status == BankStatus.WITHDRAWN
    assert _vpdq_entry(erased).status == BankStatus.DELETED
    assert not CaseHash.objects.filter(case=erased).exists()
    assert _matched_ids(api, frames) == []
    assert _matched_ids(api, reference_frames(clips["other"])) == []


# Match ----------------------------------------------------------------------------------------------------------------


def _matched_ids(api, frames: list[dict], **options) -> list[int]:
    response = api({"signal_type": "vpdq", "frames": frames, **options})
    assert response.status_code == 200, response.content
    return [m["entry_id"] for m in response.json()["matches"]]


@pytest.mark.django_db
def test_a_partner_matching_a_reencoded_resized_copy_gets_the_entry(clips, api):
    """The issue's done-when: ffmpeg re-encodes the filed video at 2/3 size; the partner hashes the copy."""
    case = make_case(files=[case_hash_fields(clips["filed"]), case_hash_fields(clips["third"])])
    make_case(files=[case_hash_fields(clips["other"])])
    entry = _vpdq_entry_for(case, clips["filed"])
    copy_frames = reference_frames(clips["copy"])
    assert copy_frames != reference_frames(clips["filed"])  # the copy's hashes differ: no exact match helps
    response = api({"signal_type": "vpdq", "frames": copy_frames})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(m["entry_id"], m["value"]) for m in body["matches"]] == [(entry.pk, entry.value)]
    assert body["max_distance"] == 31 and body["quality_threshold"] == 50 and body["frames_compared"] == 12
    expected = match_VPDQ_hash_brute(compact(copy_frames), json_to_vpdq(entry.vpdq_signal), 50, 31)
    match = body["matches"][0]
    assert (match["query_match_percent"], match["compared_match_percent"]) == (
        expected.query_match_percent,
        expected.compared_match_percent,
    )
    assert expected.query_match_percent >= 80


def _vpdq_entry_for(case, path) -> BankEntry:
    first = reference_frames(path)[0]["pdq"]
    return next(
        e
        for e in BankEntry.objects.filter(signal_type=SignalType.VPDQ, case_links__case=case)
        if first in e.vpdq_signal
    )


def _partial_copy(frames: list[dict], *, keep: int, noise_bits: int, low_quality: int = 0) -> list[dict]:
    """A clip of the first `keep` frames, each hash moved by `noise_bits`, with a few extra unrelated frames,
    the first `low_quality` of them below quality 50 and one duplicated (what vPDQ de-duplicates)."""
    clip = [{**f, "pdq": flip_bits(f["pdq"], noise_bits, seed=i)} for i, f in enumerate(frames[:keep])]
    number = clip[-1]["frame_number"]
    for extra in range(4):
        number += 25
        quality = 30 if extra < low_quality else 90
        clip.append({"pdq": random_hex(64), "quality": quality, "frame_number": number, "timestamp": number / 25})
    clip.append({**clip[-1], "frame_number": number + 25, "timestamp": (number + 25) / 25})
    return clip


@pytest.mark.django_db
@pytest.mark.parametrize(("keep", "noise", "low"), [(12, 0, 0), (10, 20, 1), (6, 31, 2), (9, 32, 0), (3, 12, 3)])
def test_the_percentages_are_python_threatexchanges_on_the_same_inputs(clips, api, keep, noise, low):
    case = make_case(files=[case_hash_fields(clips["filed"])])
    entry = _vpdq_entry(case)
    query = _partial_copy(reference_frames(clips["filed"]), keep=keep, noise_bits=noise, low_quality=low)
    expected = match_VPDQ_hash_brute(compact(query), json_to_vpdq(entry.vpdq_signal), 50, 31)
    response = api(
        {"signal_type": "vpdq", "frames": query, "min_query_match_percent": 50, "min_compared_match_percent": 0}
    )
    assert response.status_code == 200, response.content
    found = {m["entry_id"]: (m["query_match_percent"], m["compared_match_percent"]) for m in response.json()["matches"]}
    if expected.query_match_percent >= 50:
        assert found == {entry.pk: (expected.query_match_percent, expected.compared_match_percent)}
    else:
        assert found == {}
    # The module agrees with threatexchange whatever the thresholds.
    ours = videos.match_percentages(
        videos.usable_hashes((f["pdq"], f["quality"]) for f in query),
        videos.usable_hashes(videos.frames_of_signal(entry.vpdq_signal)),
    )
    assert ours == (expected.query_match_percent, expected.compared_match_percent)


@pytest.mark.django_db
def test_thresholds_are_applied_and_only_index_candidates_are_compared(clips, api, monkeypatch):
    case = make_case(files=[case_hash_fields(clips["filed"])])
    unrelated = make_case(files=[case_hash_fields(clips["other"])])
    entry, other = _vpdq_entry(case), _vpdq_entry(unrelated)
    compared: list[set[int]] = []
    real = videos.video_matches

    def spy(**kwargs):
        compared.append(set(kwargs["candidates"]))
        return real(**kwargs)

    monkeypatch.setattr("hashing.api.video_matches", spy)
    half = _partial_copy(reference_frames(clips["filed"]), keep=6, noise_bits=10)  # 6 of 11 usable frames match
    assert _matched_ids(api, half) == []  # below vPDQ's default 80% of the query
    assert _matched_ids(api, half, min_query_match_percent=50) == [entry.pk]
    assert _matched_ids(api, half, min_query_match_percent=50, min_compared_match_percent=60) == []
    assert compared and all(ids == {entry.pk} for ids in compared)  # the unrelated video was never compared
    assert other.pk not in {i for ids in compared for i in ids}


@pytest.mark.django_db
def test_a_query_with_no_usable_frame_matches_nothing_and_says_so(clips, api):
    make_case(files=[case_hash_fields(clips["filed"])])
    dark = [{**f, "quality": 20} for f in reference_frames(clips["filed"])]
    response = api({"signal_type": "vpdq", "frames": dark})
    assert response.status_code == 200 and response.json()["frames_compared"] == 0
    assert response.json()["matches"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("frames", "where"),
    [
        ([], "frames"),
        ([{"pdq": "xyz", "quality": 100, "frame_number": 0, "timestamp": 0}], "pdq"),
        ([{"pdq": "a" * 64, "quality": 101, "frame_number": 0, "timestamp": 0}], "quality"),
        ([{"pdq": "a" * 64, "quality": 100, "frame_number": 0, "timestamp": -2}], "timestamp"),
    ],
)
def test_a_bad_match_request_is_refused_with_where_and_why(api, frames, where):
    response = api({"signal_type": "vpdq", "frames": frames})
    assert response.status_code == 422
    assert where in json.dumps(response.json()["detail"])


@pytest.mark.django_db
def test_frame_numbers_out_of_order_are_refused_naming_the_frame(api):
    frames = [_frame(frame_number=25), _frame(frame_number=25, timestamp=1.0)]
    response = api({"signal_type": "vpdq", "frames": frames})
    assert response.status_code == 422
    assert "frames[1]: frame numbers must increase" in json.dumps(response.json()["detail"])
    too_lenient = api({"signal_type": "vpdq", "frames": [_frame()], "min_query_match_percent": 10})
    assert too_lenient.status_code == 422


# Fetch ----------------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_native_fetch_serves_vpdq_as_threatexchange_parses_it_and_stopncii_keeps_videomd5(
    clips, api, client, partner_and_key
):  # fmt: skip
    fields = case_hash_fields(clips["filed"])
    case = make_case(files=[fields])
    response = api.get("/bank/vpdq")
    assert response.status_code == 200, response.content
    (served,) = response.json()["entries"]
    assert served["value"] == hashlib.sha256(served["vpdq"].encode()).hexdigest()
    VPDQSignal.validate_signal_str(served["vpdq"])
    # The fetched signal matches the reference hash of the re-encoded copy, by threatexchange's own compare.
    copy_signal = VPDQSignal.hash_from_file(clips["copy"])
    assert VPDQSignal.compare_hash(copy_signal, served["vpdq"]).match
    assert not VPDQSignal.compare_hash(VPDQSignal.hash_from_file(clips["other"]), served["vpdq"]).match
    # The StopNCII feed carries the video's MD5 and never the vPDQ entry.
    _partner, raw_key = partner_and_key
    feed = client.get("/stopncii/v1/FetchHashes", HTTP_OCP_APIM_SUBSCRIPTION_KEY=raw_key)
    assert feed.status_code == 200, feed.content
    body = json.dumps(feed.json())
    assert fields["md5"] in body and _vpdq_entry(case).value not in body
    assert served["vpdq"].split(",")[0] not in body


@pytest.mark.django_db
def test_the_longest_video_a_partner_may_send_fits_the_apis_body_limit(api, settings):
    """Four hours of frames with full-precision timestamps, as compact JSON: under the 2.5 MB every JSON body is
    held to (helpline.middleware.FormBodyLimitMiddleware), so the API's own frame limit is the one a partner meets."""
    frames = [
        {"pdq": f"{n * 7919:064x}", "quality": 100, "frame_number": n * 30, "timestamp": n * 1001 / 1000 + 1 / 3}
        for n in range(MAX_VPDQ_FRAMES)
    ]
    body = {"signal_type": "vpdq", "frames": frames}
    assert 2_000_000 < len(json.dumps(body)) <= settings.FORM_BODY_MAX_BYTES
    response = api(body)
    assert response.status_code == 200, response.content[:300]
    assert api({**body, "frames": [*frames, {**frames[-1], "frame_number": MAX_VPDQ_FRAMES * 30}]}).status_code == 422
