"""Re-checks of a link serving a video: hashed with the vpdq reference in a capped child and compared with vPDQ."""

from __future__ import annotations

import pytest
from threatexchange.extensions.vpdq.vpdq_brute_matcher import match_VPDQ_hash_brute

from cases.models import CaseHash
from cases.removals import recheck
from hashing import video_reference
from tests.hashing.vpdq_videos import case_hash_fields, compact, make_video, reencode_smaller, reference_frames
from tests.removals import test_recheck
from tests.removals.factories import add_url, make_case

pytestmark = pytest.mark.usefixtures("platforms")


# The same test site and loopback permission as the image re-check tests.
site = test_recheck.site
allow_loopback = test_recheck.allow_loopback


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("recheck-videos")
    filed = make_video(folder / "filed.mp4", source="mandelbrot", seconds=8)
    return {
        "filed": filed,
        "copy": reencode_smaller(filed, folder / "copy.mp4"),
        "other": make_video(folder / "other.mp4", source="testsrc2", seconds=8),
    }


def test_a_fetched_video_is_hashed_and_compared_with_the_victims_videos(site, allow_loopback, clips):
    case = make_case()
    CaseHash.objects.create(case=case, **case_hash_fields(clips["filed"]))
    case_url = add_url(case, site.url + "/v/1.mp4", slug="other")
    site.answers["/v/1.mp4"] = (200, "video/mp4", clips["copy"].read_bytes(), {})
    check = recheck.url_recheck(case_url_id=case_url.pk)
    expected = match_VPDQ_hash_brute(
        compact(reference_frames(clips["copy"])), compact(reference_frames(clips["filed"])), 50, 31
    )
    assert (check.result, check.reason, check.content_type) == ("online", "serves a video", "video/mp4")
    assert check.vpdq_query_percent == round(expected.query_match_percent, 1) >= 80
    assert check.vpdq_compared_percent == round(expected.compared_match_percent, 1)
    site.answers["/v/1.mp4"] = (200, "video/mp4", clips["other"].read_bytes(), {})
    check = recheck.url_recheck(case_url_id=case_url.pk)
    assert (check.vpdq_query_percent, check.vpdq_compared_percent) == (0.0, 0.0)


def test_bytes_that_are_no_video_are_reported_not_crashed_on(site, allow_loopback, clips):
    case = make_case()
    CaseHash.objects.create(case=case, **case_hash_fields(clips["filed"]))
    case_url = add_url(case, site.url + "/v/2.mp4", slug="other")
    truncated = clips["filed"].read_bytes()[:3000]
    site.answers["/v/2.mp4"] = (200, "video/mp4", truncated, {})
    check = recheck.url_recheck(case_url_id=case_url.pk)
    assert check.result == "online" and check.reason.startswith("serves a video it could not hash")
    assert check.vpdq_query_percent is None


def test_a_case_without_video_fingerprints_never_decodes_the_video(site, allow_loopback, clips, monkeypatch):
    def refuse(data):
        raise AssertionError("decoded a stranger's video with nothing to compare it with")

    monkeypatch.setattr(video_reference, "hash_video_bytes", refuse)
    case = make_case()
    case_url = add_url(case, site.url + "/v/3.mp4", slug="other")
    site.answers["/v/3.mp4"] = (200, "video/mp4", clips["filed"].read_bytes(), {})
    check = recheck.url_recheck(case_url_id=case_url.pk)
    assert check.reason == "serves a video (the case has no video fingerprints)"


def test_the_child_hasher_is_stopped_at_its_deadline(monkeypatch, clips):
    monkeypatch.setattr(video_reference, "DEADLINE_SECONDS", 0.01)
    with pytest.raises(video_reference.VideoNotHashed, match="longer than"):
        video_reference.hash_video_bytes(clips["filed"].read_bytes())
