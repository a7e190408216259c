"""Video fingerprints through intake and the status page: frames kept with the case, bad ones refused whole."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from cases.intake.services import case_file
from cases.models import CaseHash
from hashing.models import BankEntry, SignalType
from hashing.values import MAX_VPDQ_FRAMES
from tests.cases.helpers import post_form
from tests.cases.test_status import _draft, _empty_cache, filed, victim_client  # noqa: F401 - fixtures
from tests.hashing.vpdq_videos import hash_file_object, make_video

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> dict:
    return hash_file_object(make_video(tmp_path_factory.mktemp("intake") / "v.mp4", seconds=5))


def test_a_filed_video_keeps_its_frames_and_details_and_enters_the_bank(video):
    draft = _draft()
    draft["images"] = {"hashes": [video]}
    case = case_file(draft=draft, language="en").case
    stored = CaseHash.objects.get(case=case)
    assert stored.media_kind == "video" and stored.video == video["video"]
    assert stored.vpdq_frames == [[f["pdq"], f["quality"], f["frame_number"], f["timestamp"]] for f in video["vpdq"]]
    assert BankEntry.objects.filter(signal_type=SignalType.VPDQ, case_links__case=case).count() == 1


def test_a_video_the_browser_could_not_decode_is_kept_with_its_digests_only(video):
    draft = _draft()
    draft["images"] = {"hashes": [{**video, "vpdq": None, "video": None, "vpdq_error": "unsupported"}]}
    case = case_file(draft=draft, language="en").case
    stored = CaseHash.objects.get(case=case)
    assert (stored.media_kind, stored.vpdq_frames, stored.vpdq_error) == ("video", None, "unsupported")
    assert BankEntry.objects.filter(signal_type=SignalType.VIDEO_MD5, value=video["md5"]).exists()
    assert not BankEntry.objects.filter(signal_type=SignalType.VPDQ).exists()


def test_the_status_page_refuses_a_bad_video_whole_and_takes_a_good_one(victim_client, filed, video):  # noqa: F811
    before = (filed.case.hashes.count(), BankEntry.objects.count())
    bad = json.loads(json.dumps(video))
    bad["vpdq"][2]["quality"] = 250
    response = post_form(victim_client, "/status/case/fingerprints/", {"hashes": json.dumps([video, bad])})
    assert response.status_code == 400
    assert "One of the fingerprints is not valid" in response.content.decode()
    assert (filed.case.hashes.count(), BankEntry.objects.count()) == before
    response = post_form(victim_client, "/status/case/fingerprints/", {"hashes": json.dumps([video])})
    assert response.status_code == 302
    assert filed.case.hashes.filter(media_kind="video", vpdq_frames__isnull=False).count() == 1


def test_four_hours_of_frames_as_a_browser_writes_them_fit_the_victims_form(victim_client, filed, video):  # noqa: F811
    # 29.97 frames a second: the browser's timestamps carry every digit of a double.
    frames = [
        {"pdq": f"{n * 7919:064x}", "quality": 100, "frame_number": n * 30, "timestamp": n * 1001 / 1000 + 1 / 3}
        for n in range(MAX_VPDQ_FRAMES)
    ]
    long = {**video, "vpdq": frames, "video": {**video["video"], "duration": 14_414.4, "frame_rate": 29.97}}
    response = post_form(victim_client, "/status/case/fingerprints/", {"hashes": json.dumps([long])})
    assert response.status_code == 302, response.content.decode()[:500]
    stored = filed.case.hashes.get(media_kind="video")
    assert len(stored.vpdq_frames) == MAX_VPDQ_FRAMES
    too_long = {**long, "vpdq": [*frames, {**frames[-1], "frame_number": MAX_VPDQ_FRAMES * 30}]}
    response = post_form(victim_client, "/status/case/fingerprints/", {"hashes": json.dumps([too_long])})
    assert response.status_code == 400 and "One of the fingerprints is not valid" in response.content.decode()


def test_four_hours_of_frames_fit_the_wizards_images_step_too(client, video):
    from tests.cases.helpers import wizard_answers

    frames = [
        {"pdq": f"{n * 7919:064x}", "quality": 100, "frame_number": n * 30, "timestamp": n * 1001 / 1000 + 1 / 3}
        for n in range(MAX_VPDQ_FRAMES)
    ]
    long = {**video, "vpdq": frames, "video": {**video["video"], "duration": 14_414.4, "frame_rate": 29.97}}
    answers = wizard_answers()
    for name in ("safety", "what-happened", "where"):
        assert post_form(client, f"/help/step/{name}/", answers[name]).status_code == 302
    body = {"hashes": json.dumps([long])}
    # Urlencoded as the browser posts it, over the 2.5 MB every other form is held to (tests/security/).
    assert len(urlencode(body)) > 2_621_440
    response = post_form(client, "/help/step/images/", body)
    assert response.status_code == 302, response.content.decode()[:500]
    assert len(client.session["intake_draft"]["images"]["hashes"][0]["vpdq"]) == MAX_VPDQ_FRAMES
