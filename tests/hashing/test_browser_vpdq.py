"""vPDQ made in headless Chromium (static/hashing/video.js, in the worker) against the `vpdq` reference.

The videos are made here with Debian's ffmpeg: H.264 at 360p, 720p and 1080p, portrait with a rotation
tag, VP9 WebM, variable frame rate, 1 s and 3 min long, a still picture, a very dark one. For each, the
browser must hash the same frame numbers as the reference, at least 95% of its frame hashes must be
within PDQ distance 8 of the reference's, and python-threatexchange's vPDQ matcher must find at least
95% of each in the other. The figures are printed and written to test-artifacts/vpdq-agreement.txt.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import vpdq
from threatexchange.extensions.vpdq.vpdq_brute_matcher import match_VPDQ_hash_brute
from threatexchange.extensions.vpdq.vpdq_util import (
    VPDQ_DISTANCE_THRESHOLD,
    VPDQ_QUALITY_THRESHOLD,
    VpdqCompactFeature,
)

from hashing.values import hamming_distance

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FFMPEG = "/usr/bin/ffmpeg"
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
VP9 = ["-c:v", "libvpx-vp9", "-b:v", "400k", "-deadline", "realtime", "-cpu-used", "8"]


@dataclass(frozen=True)
class Clip:
    name: str
    inputs: list[str]
    output: list[str]
    remux: tuple[str, ...] = ()  # options of a second, stream-copy pass (ffmpeg 5.1 sets rotation only so)
    seek: str = ""  # that pass starts here: ffmpeg keeps the GOP before and writes an edit list that skips it


def _testsrc(size: str, rate: int | str, seconds: float) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}", "-t", str(seconds)]


CLIPS = [
    Clip("h264-360p.mp4", _testsrc("640x360", 30, 12), X264),
    Clip("h264-720p.mp4", _testsrc("1280x720", 30, 8), X264),
    Clip("h264-1080p.mp4", _testsrc("1920x1080", 25, 6), X264),
    # Portrait, tagged to be shown turned: the reference ignores the tag, and so must the browser.
    Clip("portrait-rotated.mp4", _testsrc("360x640", 30, 8), X264, ("-metadata:s:v:0", "rotate=90")),
    Clip("h264.mkv", _testsrc("640x360", 24, 6), X264),
    # Cut at 1.5 s without re-encoding: the frames before the cut are stored but not shown.
    Clip("cut-edit-list.mp4", _testsrc("640x360", 30, 10), [*X264, "-g", "60"], ("-map", "0"), seek="1.5"),
    Clip(
        "vp9.webm",
        _testsrc("640x360", 25, 8),
        VP9,
    ),
    # Odd width and height (VP9 allows them): swscale converts odd heights with its general scaler,
    # which vpdq.js does not reproduce, so these frames are close to the reference's, not identical.
    Clip(
        "vp9-odd-641x361.webm",
        _testsrc("642x362", 25, 8),
        ["-vf", "format=yuv444p,crop=641:361:0:0:exact=1,format=yuv420p", *VP9],
    ),
    # Every frame for 3 s, then every third: timestamps with gaps, an average rate that is not 30.
    Clip(
        "variable-rate.mp4",
        _testsrc("640x360", 30, 12),
        ["-vf", "select='lt(n\\,90)+not(mod(n\\,3))'", "-fps_mode", "vfr", *X264],
    ),
    Clip("one-second.mp4", _testsrc("640x360", 30, 1), X264),
    Clip("three-minutes.mp4", _testsrc("256x144", 15, 180), [*X264, "-preset", "ultrafast"]),
    Clip(
        "still-picture.mp4",
        ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=1", "-frames:v", "1"],
        [],
    ),
    Clip(
        "very-dark.mp4",
        _testsrc("640x360", 30, 8),
        ["-vf", "lutyuv=y='16+(val-16)*0.06':u='128+(val-128)*0.1':v='128+(val-128)*0.1'", *X264],
    ),
]


def _make(clip: Clip, folder: Path) -> Path:
    target = folder / clip.name
    if clip.name == "still-picture.mp4":
        # One picture, shown for 6 s at 30 frames a second.
        picture = folder / "still.png"
        subprocess.run([FFMPEG, "-loglevel", "error", "-y", *clip.inputs, str(picture)], check=True)
        command = [FFMPEG, "-loglevel", "error", "-y", "-loop", "1", "-framerate", "30", "-i", str(picture), "-t", "6"]
        subprocess.run([*command, *X264, str(target)], check=True)
        return target
    made = folder / f"pass1-{clip.name}" if clip.remux else target
    subprocess.run([FFMPEG, "-loglevel", "error", "-y", *clip.inputs, *clip.output, str(made)], check=True)
    if clip.remux:
        seek = ["-ss", clip.seek] if clip.seek else []
        command = [FFMPEG, "-loglevel", "error", "-y", *seek, "-i", str(made), "-c", "copy", *clip.remux, str(target)]
        subprocess.run(command, check=True)
    return target


HASH_VIDEOS_IN_WORKER = """async (urls) => {
  const out = {};
  for (const [id, url] of urls.entries()) {
    const file = new File([await (await fetch(url)).blob()], url.split('/').pop());
    const worker = new Worker('/static/hashing/worker.js', { type: 'module' });
    out[url] = await new Promise((resolve) => {
      const fractions = [];
      worker.onmessage = ({ data }) => {
        if (data.type === 'progress') fractions.push(data.fraction);
        else resolve({ ...(data.hashes || { error: data.code, message: data.message }), fractions, ms: data.ms });
      };
      worker.postMessage({ id, file });
    });
    worker.terminate();
  }
  return out;
}"""


@pytest.fixture(scope="module")
def video_dir(files_dir) -> Path:
    folder = files_dir / "videos"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser_results(browser, static_server, video_dir):
    for clip in CLIPS:
        _make(clip, video_dir)
    context = browser.new_context()
    page = context.new_page()
    page.goto(static_server + "/")
    urls = [f"{static_server}/files/videos/{clip.name}" for clip in CLIPS]
    results = page.evaluate(HASH_VIDEOS_IN_WORKER, urls)
    context.close()
    return {clip.name: results[url] for clip, url in zip(CLIPS, urls, strict=True)}


def _compact(features) -> list[VpdqCompactFeature]:
    return [VpdqCompactFeature(f["pdq"], f["quality"], f["timestamp"]) for f in features]


def _probe(path: Path) -> dict:
    out = subprocess.run(
        ["/usr/bin/ffprobe", "-v", "error", "-select_streams", "v:0", "-show_streams", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)["streams"][0]


def _rate(text: str) -> float:
    num, den = text.split("/")
    return int(num) / int(den)


@pytest.mark.parametrize("clip", CLIPS, ids=[c.name for c in CLIPS])
def test_browser_vpdq_agrees_with_the_reference(clip, browser_results, video_dir):
    path = video_dir / clip.name
    probe = _probe(path)
    # The clips are what their names say.
    rotations = [side.get("rotation") for side in probe.get("side_data_list", [])]
    assert (rotations == [90]) == (clip.name == "portrait-rotated.mp4"), rotations
    if clip.name == "variable-rate.mp4":
        assert _rate(probe["avg_frame_rate"]) != _rate(probe["r_frame_rate"])
    if clip.seek:
        first = subprocess.run(
            ["/usr/bin/ffprobe", "-v", "error", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[0]
        assert first.startswith("-1.5") and first.endswith("D"), first  # stored, marked discarded
    _check_agreement(clip.name, path, browser_results[clip.name])


def _check_agreement(label: str, path: Path, got: dict) -> None:
    assert "error" not in got, got
    assert got["vpdq_error"] is None
    data = path.read_bytes()
    assert got["md5"] == hashlib.md5(data).hexdigest()  # noqa: S324 - an exact-copy digest, not security
    assert got["sha256"] == hashlib.sha256(data).hexdigest()
    assert got["pdq"] is None and got["phash"] is None
    assert got["fractions"] == sorted(got["fractions"]) and got["fractions"][-1] == 1

    reference = vpdq.computeHash(str(path), seconds_per_hash=1)
    browser = got["vpdq"]
    assert [f["frame_number"] for f in browser] == [r.frame_number for r in reference]
    for f, r in zip(browser, reference, strict=True):
        assert abs(f["timestamp"] - r.timestamp) < 1e-6
        assert 0 <= f["quality"] <= 100 and len(f["pdq"]) == 64 and f["pdq"] == f["pdq"].lower()
    distances = [hamming_distance(f["pdq"], r.hex) for f, r in zip(browser, reference, strict=True)]
    within = sum(d <= 8 for d in distances) / len(distances)
    exact = sum(d == 0 and f["quality"] == r.quality for d, f, r in zip(distances, browser, reference, strict=True))

    video = got["video"]
    probe = _probe(path)
    # The rate vpdq uses: avg_frame_rate, or r_frame_rate when FFmpeg could not work one out.
    rate = probe["avg_frame_rate"] if not probe["avg_frame_rate"].startswith("0/") else probe["r_frame_rate"]
    assert abs(video["frame_rate"] - _rate(rate)) < 1e-9
    assert (video["width"], video["height"]) == (probe["width"], probe["height"])
    assert video["duration"] > 0

    # vpdq's own matcher, both ways; a clip whose every frame is under the quality bar is matched at 0.
    quality = VPDQ_QUALITY_THRESHOLD
    if all(r.quality < quality for r in reference):
        quality = 0
    mine = _compact(browser)
    theirs = [VpdqCompactFeature(r.hex, r.quality, r.timestamp) for r in reference]
    forward = match_VPDQ_hash_brute(mine, theirs, quality, VPDQ_DISTANCE_THRESHOLD)
    backward = match_VPDQ_hash_brute(theirs, mine, quality, VPDQ_DISTANCE_THRESHOLD)

    line = (
        f"{label}: {len(reference)} frames, {exact} bit-exact (hash and quality), "
        f"{within:.0%} within 8, mean distance {sum(distances) / len(distances):.2f}, "
        f"match browser->reference {forward.query_match_percent:.0f}%/{forward.compared_match_percent:.0f}%, "
        f"reference->browser {backward.query_match_percent:.0f}%/{backward.compared_match_percent:.0f}%"
        f" (quality bar {quality}), browser {got['ms'] / 1000:.2f} s"
    )
    print(line)
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / "vpdq-agreement.txt").open("a") as log:
        log.write(line + "\n")
    assert within >= 0.95, line
    for result in (forward, backward):
        assert result.query_match_percent >= 95 and result.compared_match_percent >= 95, line


RECORD = """async (codec) => {
  // A canvas animation recorded by the browser itself: a WebM with no frame rate in it, clusters of
  // unknown size and millisecond timestamps, as a screen or camera recording made in Chrome is.
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 240;
  document.body.append(canvas);
  const ctx = canvas.getContext('2d');
  const recorder = new MediaRecorder(canvas.captureStream(30), { mimeType: `video/webm;codecs=${codec}` });
  const parts = [];
  recorder.ondataavailable = (event) => parts.push(event.data);
  const start = performance.now();
  let running = true;
  const draw = () => {
    const t = (performance.now() - start) / 1000;
    ctx.fillStyle = `hsl(${t * 90}, 70%, 50%)`;
    ctx.fillRect(0, 0, 320, 240);
    for (let i = 0; i < 10; i++) {
      ctx.fillStyle = `hsl(${i * 36 + t * 40}, 80%, 40%)`;
      ctx.fillRect(i * 32, 120 + 60 * Math.sin(t + i), 30, 30);
    }
    if (running) requestAnimationFrame(draw);
  };
  draw();
  recorder.start();
  await new Promise((resolve) => setTimeout(resolve, 4000));
  const stopped = new Promise((resolve) => (recorder.onstop = resolve));
  recorder.stop();
  running = false;
  await stopped;
  const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}"""


@pytest.mark.parametrize("codec", ["vp8", "vp9"])
def test_a_recording_made_by_the_browser_agrees_with_the_reference(codec, browser, static_server, video_dir):
    context = browser.new_context()
    page = context.new_page()
    page.goto(static_server + "/")
    path = video_dir / f"recorded-{codec}.webm"
    path.write_bytes(base64.b64decode(page.evaluate(RECORD, codec)))
    assert (
        "DefaultDuration"
        not in subprocess.run(
            ["/usr/bin/ffprobe", "-v", "error", "-show_streams", str(path)], capture_output=True, text=True, check=True
        ).stdout
    )
    got = page.evaluate(HASH_VIDEOS_IN_WORKER, [f"{static_server}/files/videos/{path.name}"])
    context.close()
    _check_agreement(f"MediaRecorder {codec}.webm", path, next(iter(got.values())))


HASH_IN_PAGE = """async (url) => {
  const { hashFile } = await import('/static/hashing/hasher.js');
  const file = new File([await (await fetch(url)).blob()], url.split('/').pop());
  try { return await hashFile(file); } catch (error) { return { error: error.name, code: error.code }; }
}"""


@pytest.mark.parametrize(
    ("name", "command"),
    [
        # HEVC: Debian's Chromium has no decoder for it.
        ("hevc.mp4", [*_testsrc("320x240", 25, 2), "-c:v", "libx265", "-x265-params", "log-level=error"]),
        # AVI: a container the demuxers do not read.
        ("mpeg4.avi", [*_testsrc("320x240", 25, 2), "-c:v", "mpeg4"]),
    ],
)
def test_a_video_the_browser_cannot_decode_keeps_its_exact_digests_and_says_so(
    page, static_server, video_dir, name, command
):
    path = video_dir / name
    subprocess.run([FFMPEG, "-loglevel", "error", "-y", *command, str(path)], check=True)
    got = page.evaluate(HASH_IN_PAGE, f"{static_server}/files/videos/{name}")
    data = path.read_bytes()
    assert got["vpdq"] is None and got["video"] is None and got["vpdq_error"] == "unsupported", got
    assert got["md5"] == hashlib.md5(data).hexdigest()  # noqa: S324 - an exact-copy digest, not security
    assert got["sha256"] == hashlib.sha256(data).hexdigest()


def test_a_damaged_video_is_refused_plainly_and_its_digests_still_made(page, static_server, video_dir):
    whole = _make(Clip("to-cut.mp4", _testsrc("320x240", 25, 3), X264), video_dir)
    data = whole.read_bytes()
    cut = video_dir / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # ffmpeg writes the index (moov) last: it is gone
    got = page.evaluate(HASH_IN_PAGE, f"{static_server}/files/videos/cut.mp4")
    assert got["vpdq_error"] == "unsupported" and got["vpdq"] is None, got
    assert got["sha256"] == hashlib.sha256(data[: len(data) // 2]).hexdigest()


def test_hashing_a_video_can_be_cancelled_midway(page, static_server, video_dir, browser_results):
    got = page.evaluate(
        """async (url) => {
          const { hashFile } = await import('/static/hashing/hasher.js');
          const file = new File([await (await fetch(url)).blob()], 'clip.mp4');
          const controller = new AbortController();
          const seen = [];
          try {
            await hashFile(file, { signal: controller.signal, onProgress: (fraction, stage) => {
              seen.push(stage);
              if (stage === 'vpdq' && fraction > 0.5) controller.abort();
            } });
            return { finished: true, seen };
          } catch (error) { return { name: error.name, seen }; }
        }""",
        f"{static_server}/files/videos/three-minutes.mp4",
    )
    assert got.get("name") == "AbortError", got
    assert "vpdq" in got["seen"] and "done" not in got["seen"]


def test_decoded_frames_are_closed_as_they_come_not_held(page, static_server, video_dir, browser_results):
    # Counts the VideoFrames the decoder hands out and those closed: a long video must never have more
    # than a few open at once (each 1080p frame is 3 MB; a 3-minute video has 5400 of them).
    most = page.evaluate(
        """async (url) => {
          const Native = window.VideoDecoder;
          let open = 0; let most = 0;
          window.VideoDecoder = class extends Native {
            constructor(init) {
              super({ ...init, output(frame) {
                open++; most = Math.max(most, open);
                const close = frame.close.bind(frame);
                frame.close = () => { open--; close(); };
                init.output(frame);
              } });
            }
          };
          const { hashFile } = await import('/static/hashing/hasher.js');
          const file = new File([await (await fetch(url)).blob()], 'clip.mp4');
          const hashes = await hashFile(file);
          window.VideoDecoder = Native;
          return { most, open, frames: hashes.vpdq.length };
        }""",
        f"{static_server}/files/videos/three-minutes.mp4",
    )
    assert most["frames"] == 180 and most["open"] == 0
    assert most["most"] <= 4, most


def test_a_video_cut_short_is_hashed_up_to_the_cut_as_the_reference_does(page, static_server, video_dir):
    whole = _make(Clip("to-cut.webm", _testsrc("320x240", 25, 6), VP9), video_dir)
    data = whole.read_bytes()
    cut = video_dir / "cut.webm"
    cut.write_bytes(data[: len(data) * 6 // 10])  # an interrupted copy: the last clusters are missing
    got = page.evaluate(HASH_IN_PAGE, f"{static_server}/files/videos/cut.webm")
    reference = vpdq.computeHash(str(cut), seconds_per_hash=1)
    assert 0 < len(reference) < len(vpdq.computeHash(str(whole), seconds_per_hash=1))
    assert [(f["frame_number"], f["pdq"], f["quality"]) for f in got["vpdq"]] == [
        (r.frame_number, r.hex, r.quality) for r in reference
    ]
