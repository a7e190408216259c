"""The picker the intake page embeds: hashes on the device, shows progress and warnings, never uploads."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
from urllib.parse import urlsplit

import pytest
import vpdq
from PIL import Image

from hashing.reference import hash_bytes

from .conftest import REFERENCE
from .images import photo_like

pytestmark = pytest.mark.browser

INTAKE_PAGE = """<!doctype html>
<html lang="en"><meta charset="utf-8"><title>intake</title>
<link rel="stylesheet" href="/static/hashing/picker.css">
<form method="post" action="/submit" id="intake">
  <input type="hidden" name="note" value="hello">
  <div data-hash-picker data-worker-url="/static/hashing/worker.js" data-field-name="file_hashes"></div>
  <button type="submit">Send</button>
</form>
<script type="module" src="/static/hashing/picker-mount.js"></script>
</html>"""

ALL_SETTLED = """() => [...document.querySelectorAll('.hash-picker__item')]
    .every((item) => ['done', 'error', 'cancelled'].includes(item.dataset.state))"""


def _jpeg(width: int, height: int, seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(photo_like(width, height, seed), "RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture
def intake(browser, recording_server):
    base, root, received = recording_server
    (root / "intake.html").write_text(INTAKE_PAGE)
    context = browser.new_context()
    page = context.new_page()
    seen = []
    # Every request the page or its worker makes, as the browser sends it.
    context.on("request", lambda request: seen.append(request))
    page.goto(base + "/files/intake.html")
    page.wait_for_selector(".hash-picker__input", state="attached")
    received.clear()
    yield page, seen, received
    context.close()


def test_no_request_carries_the_files_during_hashing_or_submission(intake):
    page, seen, received = intake
    photo = (REFERENCE / "images/dih/bridge-1-original.jpg").read_bytes()
    png = (REFERENCE / "images/misc/pen-and-coaster.png").read_bytes()
    files = [
        {"name": "bridge.jpg", "mimeType": "image/jpeg", "buffer": photo},
        {"name": "pen.png", "mimeType": "image/png", "buffer": png},
    ]
    page.set_input_files(".hash-picker__input", files=files)
    page.wait_for_function(ALL_SETTLED, timeout=30_000)
    assert page.eval_on_selector_all(".hash-picker__item", "items => items.map(i => i.dataset.state)") == ["done"] * 2

    value = json.loads(page.input_value("input[name=file_hashes]"))
    for got, data in zip(value, [photo, png], strict=True):
        want = hash_bytes(data).as_dict()
        assert {k: got.get(k) for k in want} == want  # an image carries no video fields: absent is null

    with page.expect_request("**/submit"):
        page.click("button[type=submit]")
    page.wait_for_load_state()

    posts = [r for r in received if r["path"] == "/submit"]
    assert len(posts) == 1
    assert "multipart" not in posts[0]["headers"].get("Content-Type", "")
    assert b"file_hashes=" in posts[0]["body"]
    requests = [(r.url, r.method, r.post_data_buffer or b"", r.headers) for r in seen]
    assert any(url.endswith("/submit") for url, *_ in requests)
    for data in (photo, png):
        samples = [data[i : i + 32] for i in range(64, len(data) - 32, len(data) // 7)]
        for url, _method, body, headers in requests:
            assert "multipart/form-data" not in headers.get("content-type", ""), url
            assert not any(sample in body for sample in samples), f"{url} carried file bytes"
        for request in received:
            assert not any(sample in request["body"] for sample in samples), request["path"]
    # Only the page's own files were fetched: no third-party request, no blob upload.
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(page.url))
    assert [url for url, *_ in requests if not (url.startswith(origin) or url.startswith("blob:"))] == []


def test_thumbnails_are_blurred_until_revealed(intake):
    page, _seen, _received = intake
    data = (REFERENCE / "images/misc/wee.jpg").read_bytes()
    page.set_input_files(".hash-picker__input", files=[{"name": "wee.jpg", "mimeType": "image/jpeg", "buffer": data}])
    page.wait_for_function(ALL_SETTLED)
    thumb = page.locator(".hash-picker__thumb")
    assert "is-blurred" in thumb.get_attribute("class")
    assert thumb.get_attribute("src").startswith("blob:")
    page.click(".hash-picker__reveal")
    assert "is-blurred" not in thumb.get_attribute("class")
    assert page.get_attribute(".hash-picker__reveal", "aria-pressed") == "true"
    page.click(".hash-picker__reveal")
    assert "is-blurred" in thumb.get_attribute("class")
    # Plain words first; the technical names only behind the "Technical details" disclosure, closed at first.
    assert page.locator(".hash-picker__status").inner_text() == "Fingerprint made"
    assert not page.locator(".hash-picker__made").is_visible()
    page.click(".hash-picker__technical summary")
    made = page.locator(".hash-picker__made li").all_inner_texts()
    assert "picture fingerprint (PDQ)" in made and "exact-copy fingerprints (MD5, SHA-256)" in made


def test_weak_pictures_are_flagged_in_plain_words(intake):
    page, _seen, _received = intake
    flat = io.BytesIO()
    Image.new("RGB", (300, 200), (120, 130, 140)).save(flat, "PNG")
    tiny = io.BytesIO()
    Image.fromarray(photo_like(4, 30, 1), "RGB").save(tiny, "PNG")
    page.set_input_files(
        ".hash-picker__input",
        files=[
            {"name": "flat.png", "mimeType": "image/png", "buffer": flat.getvalue()},
            {"name": "tiny.png", "mimeType": "image/png", "buffer": tiny.getvalue()},
        ],
    )
    page.wait_for_function(ALL_SETTLED)
    warnings = page.eval_on_selector_all(".hash-picker__warning", "ws => ws.map(w => w.dataset.warning)")
    assert warnings == ["low-quality", "small"]
    assert "little detail" in page.locator('[data-warning="low-quality"]').inner_text()
    assert "very small" in page.locator('[data-warning="small"]').inner_text()


def test_unreadable_files_get_a_message_saying_what_to_do_and_nothing_is_kept(intake):
    page, _seen, _received = intake
    jpeg = (REFERENCE / "images/dih/bridge-1-original.jpg").read_bytes()
    page.set_input_files(
        ".hash-picker__input",
        files=[
            {"name": "IMG_0001.HEIC", "mimeType": "image/heic", "buffer": b"\x00\x00\x00\x18ftypheic" + bytes(100)},
            {"name": "cut.jpg", "mimeType": "image/jpeg", "buffer": jpeg[:5000]},
            {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"just some text\n"},
        ],
    )
    page.wait_for_function(ALL_SETTLED)
    statuses = page.locator(".hash-picker__status").all_inner_texts()
    assert all("screenshot" in text and "Nothing from this file was sent" in text for text in statuses), statuses
    assert json.loads(page.input_value("input[name=file_hashes]")) == []


def test_a_big_photo_can_be_cancelled_and_the_page_stays_responsive(intake):
    page, _seen, _received = intake
    big = _jpeg(4032, 3024, 5)
    page.set_input_files(".hash-picker__input", files=[{"name": "big.jpg", "mimeType": "image/jpeg", "buffer": big}])
    # From the moment the file is picked (Playwright's own file transfer is not the page's doing).
    page.evaluate("""() => {
        window.longestGap = 0; let last = performance.now();
        window.ticker = setInterval(() => { const now = performance.now();
            window.longestGap = Math.max(window.longestGap, now - last); last = now; }, 10);
    }""")
    page.wait_for_function(ALL_SETTLED, timeout=30_000)
    assert page.get_attribute(".hash-picker__item", "data-state") == "done"
    # The 12-megapixel photo was hashed in the worker: the page never froze for long.
    assert page.evaluate("() => { clearInterval(window.ticker); return window.longestGap; }") < 250
    page.click(".hash-picker__cancel")  # "Remove" on a finished file
    assert page.locator(".hash-picker__item").count() == 0

    page.set_input_files(".hash-picker__input", files=[{"name": "big.jpg", "mimeType": "image/jpeg", "buffer": big}])
    page.wait_for_selector('.hash-picker__item[data-state="working"]')
    page.click(".hash-picker__cancel")
    assert page.get_attribute(".hash-picker__item", "data-state") == "cancelled"
    assert json.loads(page.input_value("input[name=file_hashes]")) == []


def _video(path, *encoder: str) -> bytes:
    source = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "3"]
    subprocess.run(["/usr/bin/ffmpeg", "-loglevel", "error", "-y", *source, *encoder, str(path)], check=True)
    return path.read_bytes()


def test_a_video_is_fingerprinted_on_the_device_and_no_byte_of_it_is_sent(intake, tmp_path):
    page, seen, received = intake
    clip = tmp_path / "clip.mp4"
    data = _video(clip, "-c:v", "libx264", "-pix_fmt", "yuv420p")
    page.set_input_files(".hash-picker__input", files=[{"name": "clip.mp4", "mimeType": "video/mp4", "buffer": data}])
    page.wait_for_function(ALL_SETTLED, timeout=60_000)
    assert page.get_attribute(".hash-picker__item", "data-state") == "done"
    page.click(".hash-picker__technical summary")
    assert "video fingerprints (vPDQ), one a second: 3" in page.locator(".hash-picker__made li").all_inner_texts()

    [sent] = json.loads(page.input_value("input[name=file_hashes]"))
    reference = vpdq.computeHash(str(clip), seconds_per_hash=1)
    assert sent["media_kind"] == "video" and sent["vpdq_error"] is None
    assert [(f["frame_number"], f["pdq"], f["quality"]) for f in sent["vpdq"]] == [
        (r.frame_number, r.hex, r.quality) for r in reference
    ]
    assert (sent["video"]["width"], sent["video"]["height"], sent["video"]["frame_rate"]) == (320, 240, 25)
    assert sent["sha256"] == hashlib.sha256(data).hexdigest()

    with page.expect_request("**/submit"):
        page.click("button[type=submit]")
    page.wait_for_load_state()
    posts = [r for r in received if r["path"] == "/submit"]
    assert len(posts) == 1 and b"file_hashes=" in posts[0]["body"]
    # Pieces from all through the file (the coded frames are most of it) appear in no request.
    samples = [data[i : i + 32] for i in range(64, len(data) - 32, len(data) // 11)]
    requests = [(r.url, r.post_data_buffer or b"", r.headers) for r in seen]
    for url, body, headers in requests:
        assert "multipart/form-data" not in headers.get("content-type", ""), url
        assert not any(sample in body for sample in samples), f"{url} carried video bytes"
    for request in received:
        assert not any(sample in request["body"] for sample in samples), request["path"]
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(page.url))
    assert [url for url, *_ in requests if not (url.startswith(origin) or url.startswith("blob:"))] == []


def test_a_video_this_browser_cannot_decode_is_flagged_and_keeps_its_exact_fingerprints(intake, tmp_path):
    page, _seen, _received = intake
    data = _video(tmp_path / "clip.mp4", "-c:v", "libx265", "-x265-params", "log-level=error")  # no HEVC decoder
    page.set_input_files(".hash-picker__input", files=[{"name": "clip.mp4", "mimeType": "video/mp4", "buffer": data}])
    page.wait_for_function(ALL_SETTLED, timeout=60_000)
    assert page.get_attribute(".hash-picker__item", "data-state") == "done"
    assert "exact-copy fingerprints" in page.locator('[data-warning="video-unsupported"]').inner_text()
    [sent] = json.loads(page.input_value("input[name=file_hashes]"))
    assert sent["vpdq"] is None and sent["vpdq_error"] == "unsupported" and sent["media_kind"] == "video"
    assert sent["sha256"] == hashlib.sha256(data).hexdigest()


def test_a_long_video_can_be_cancelled_while_its_frames_are_decoded(intake, tmp_path):
    page, _seen, _received = intake
    clip = tmp_path / "long.mp4"
    source = [
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x360:rate=30",
        "-t",
        "40",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
    ]
    subprocess.run(["/usr/bin/ffmpeg", "-loglevel", "error", "-y", *source, str(clip)], check=True)
    page.set_input_files(
        ".hash-picker__input", files=[{"name": "long.mp4", "mimeType": "video/mp4", "buffer": clip.read_bytes()}]
    )
    # Past the digests (the first fifth): the worker is decoding frames.
    page.wait_for_function("() => document.querySelector('.hash-picker__progress').value > 25", timeout=60_000)
    page.click(".hash-picker__cancel")
    assert page.get_attribute(".hash-picker__item", "data-state") == "cancelled"
    assert json.loads(page.input_value("input[name=file_hashes]")) == []
