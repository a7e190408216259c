"""hasher.js in headless Chromium agrees exactly with the server reference (hashing/reference.py)."""

from __future__ import annotations

import base64
import csv
import shutil

import numpy as np
import pytest
from PIL import Image

from hashing.reference import hash_file
from hashing.values import hamming_distance

from .conftest import REFERENCE
from .images import cmyk_with_black_ink, write_generated

pytestmark = pytest.mark.browser

HASH_IN_PAGE = """async (urls) => {
  const { hashFile } = await import('/static/hashing/hasher.js');
  const out = {};
  for (const url of urls) {
    const response = await fetch(url);
    const blob = new File([await response.blob()], url.split('/').pop());
    try { out[url] = await hashFile(blob); } catch (error) { out[url] = { error: error.code || String(error) }; }
  }
  return out;
}"""

HASH_IN_WORKER = """async (urls) => {
  const worker = new Worker('/static/hashing/worker.js', { type: 'module' });
  const out = {};
  for (const [id, url] of urls.entries()) {
    const file = new File([await (await fetch(url)).blob()], url.split('/').pop());
    out[url] = await new Promise((resolve) => {
      const stages = [];
      worker.onmessage = ({ data }) => {
        if (data.id !== id) return;
        if (data.type === 'progress') stages.push(data.stage);
        else resolve({ ...(data.hashes || { error: data.code }), stages });
      };
      worker.postMessage({ id, file });
    });
  }
  worker.terminate();
  return out;
}"""

FIELDS = ("pdq", "pdq_quality", "pdq_oriented", "pdq_dihedral", "phash", "md5", "sha256")


def _hash_in_browser(page, base: str, names: list[str], script: str = HASH_IN_PAGE) -> dict[str, dict]:
    results = page.evaluate(script, [f"{base}/files/{name}" for name in names])
    return {name: results[f"{base}/files/{name}"] for name in names}


def _mismatches(got: dict, want: dict) -> list[str]:
    return [
        f"{field}: browser {got.get(field)!r} != reference {want[field]!r}"
        for field in FIELDS
        if got.get(field) != want[field]
    ]


def test_every_reference_image_hashes_exactly_as_expected_hashes_csv(page, static_server, files_dir):
    target = files_dir / "reference"
    if not target.exists():
        shutil.copytree(REFERENCE / "images", target)
    rows = list(csv.DictReader((REFERENCE / "expected-hashes.csv").open()))
    assert len(rows) == len(list((REFERENCE / "images").glob("*/*"))) == 16
    results = _hash_in_browser(page, static_server, [f"reference/{row['file']}" for row in rows])
    failures = {}
    for row in rows:
        got = results[f"reference/{row['file']}"]
        want = {
            "pdq": row["pdq"],
            "pdq_quality": int(row["pdq_quality"]),
            "pdq_dihedral": row["pdq_dihedral"].split(";"),
            "phash": row["phash"],
            "md5": row["md5"],
            "sha256": row["sha256"],
            # The CSV repeats pdq where no orientation applies; hashFile says null there.
            "pdq_oriented": row["pdq_oriented"] if got.get("pdq_oriented") is not None else None,
        }
        if row["file"].startswith("exif-rotn/") and not row["file"].endswith("-1.jpg"):
            assert got.get("pdq_oriented") == row["pdq_oriented"], row["file"]
        if problems := _mismatches(got, want):
            failures[row["file"]] = problems
    assert failures == {}


def test_generated_images_hash_exactly_as_the_server_reference(page, static_server, files_dir):
    paths = write_generated(files_dir / "generated")
    results = _hash_in_browser(page, static_server, [f"generated/{name}" for name in paths])
    failures = {}
    for name, path in paths.items():
        want = hash_file(path).as_dict()
        assert want["pdq"] is not None, f"the reference must treat {name} as an image"
        got = results[f"generated/{name}"]
        # Transparent WebP, GIF and BMP included: decoded without the browser's premultiplied alpha.
        problems = _mismatches(got, want) if "error" not in got else [f"refused: {got['error']}"]
        if got.get("approximate") is not False:
            problems.append("flagged approximate")
        if problems:
            failures[name] = problems
    assert failures == {}


JPEG_PLANES = """async (urls) => {
  const { createKernels } = await import('/static/hashing/kernels.js');
  const { decodeJpegPlanes } = await import('/static/hashing/browser-decode.js');
  const { jpegInfo } = await import('/static/hashing/formats.js');
  const { planesFromYuvInKernels } = await import('/static/hashing/pixels.js');
  const base64 = (bytes) => {
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  };
  const out = {};
  for (const url of urls) {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const kernels = await createKernels();
    const planes = await decodeJpegPlanes(bytes, jpegInfo(bytes), kernels);
    if (!planes) { out[url] = null; continue; }
    const at = planesFromYuvInKernels(kernels, planes.yuv, planes.width, planes.height);
    const n = planes.width * planes.height;
    out[url] = {
      luma: base64(new Uint8Array(kernels.f32(at.luma, n).slice().buffer)),
      grey: base64(kernels.u8(at.grey, n).slice()),
    };
  }
  return out;
}"""


def test_jpeg_planes_from_the_browser_decoder_become_pillows_pixels(page, static_server, files_dir):
    # The fast JPEG path takes the Y, Cb, Cr planes from Chromium's ImageDecoder and upsamples and
    # converts them itself (kernels.wat, planes_yuv). Checked here pixel by pixel, not only through
    # the hashes: luma and grey must be what Pillow's RGB gives, and the path must really be taken.
    paths = write_generated(files_dir / "generated")
    names = [name for name in paths if name.endswith(".jpg") and name != "jpeg-grey.jpg"]
    results = _hash_in_browser(page, static_server, [f"generated/{name}" for name in names], JPEG_PLANES)
    for name in names:
        got = results[f"generated/{name}"]
        assert got is not None, f"{name} did not take the YUV path"
        rgb = np.asarray(Image.open(paths[name]).convert("RGB")).astype(np.float64)
        luma = ((rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587) + rgb[..., 2] * 0.114).astype(np.float32)
        grey = np.asarray(Image.open(paths[name]).convert("L"))
        assert np.array_equal(np.frombuffer(base64.b64decode(got["luma"]), np.float32), luma.ravel()), name
        assert np.array_equal(np.frombuffer(base64.b64decode(got["grey"]), np.uint8), grey.ravel()), name


def test_a_cmyk_jpeg_with_black_ink_is_flagged_approximate_and_stays_close(page, static_server, files_dir):
    # Chromium converts CMYK to RGB with its own rounding (off by one in most pixels once K carries
    # ink), and a canvas cannot hand over the CMYK samples; matching Pillow would take a JPEG decoder
    # agreeing with libjpeg-turbo's IDCT. So the hasher says "approximate" instead of pretending.
    folder = files_dir / "cmyk"
    folder.mkdir(exist_ok=True)
    path = folder / "print.jpg"
    cmyk_with_black_ink(640, 480, 70).save(path, "JPEG", quality=92)
    got = _hash_in_browser(page, static_server, ["cmyk/print.jpg"])["cmyk/print.jpg"]
    want = hash_file(path).as_dict()
    assert got["approximate"] is True
    assert hamming_distance(got["pdq"], want["pdq"]) <= 16
    assert (got["md5"], got["sha256"]) == (want["md5"], want["sha256"])


def test_without_webassembly_the_javascript_gives_the_same_hashes(page, static_server, files_dir):
    # kernels.wasm unreachable (or refused by a policy): every path falls back to the JS code.
    page.context.route("**/kernels.wasm", lambda route: route.abort())
    assert page.evaluate("async () => await (await import('/static/hashing/kernels.js')).createKernels()") is None
    paths = write_generated(files_dir / "generated")
    names = [
        "jpeg-sub420.jpg",
        "jpeg-exif-6.jpg",
        "png-rgba.png",
        "gif-transparent.gif",
        "bmp-16-565.bmp",
        "webp-alpha-lossless.webp",
        "webp-alpha-lossy.webp",
    ]
    results = _hash_in_browser(page, static_server, [f"generated/{name}" for name in names])
    failures = {}
    for name in names:
        if problems := _mismatches(results[f"generated/{name}"], hash_file(paths[name]).as_dict()):
            failures[name] = problems
    assert failures == {}


def test_orientation_hash_is_reported_only_when_exif_rotates_the_image(page, static_server, files_dir):
    paths = write_generated(files_dir / "generated")
    names = [f"jpeg-exif-{o}.jpg" for o in range(1, 9)]
    results = _hash_in_browser(page, static_server, [f"generated/{name}" for name in names])
    assert results["generated/jpeg-exif-1.jpg"]["pdq_oriented"] is None
    for orientation in range(2, 9):
        got = results[f"generated/jpeg-exif-{orientation}.jpg"]
        assert got["pdq_oriented"] == hash_file(paths[f"jpeg-exif-{orientation}.jpg"]).pdq_oriented.hex
        assert got["pdq_oriented"] != got["pdq"]


def test_the_worker_reports_progress_and_gives_the_same_hashes(page, static_server, files_dir):
    target = files_dir / "reference"
    if not target.exists():
        shutil.copytree(REFERENCE / "images", target)
    names = ["reference/dih/bridge-1-original.jpg", "reference/misc/pen-and-coaster.png"]
    in_worker = _hash_in_browser(page, static_server, names, HASH_IN_WORKER)
    for name in names:
        want = hash_file(files_dir / name).as_dict()
        assert _mismatches(in_worker[name], want) == []
        assert in_worker[name]["stages"][-1] == "done"
        assert "decode" in in_worker[name]["stages"]


def test_files_that_are_not_readable_pictures_are_refused_with_a_reason(page, static_server, files_dir):
    folder = files_dir / "bad"
    folder.mkdir(exist_ok=True)
    jpeg = (REFERENCE / "images/dih/bridge-1-original.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (folder / "photo.heic").write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200))
    (folder / "holiday.jpg").write_text("this is a text file with a picture's name\n")
    png = (REFERENCE / "images/misc/pen-and-coaster.png").read_bytes()
    (folder / "cut.png").write_bytes(png[: len(png) // 3])
    results = _hash_in_browser(
        page, static_server, ["bad/truncated.jpg", "bad/photo.heic", "bad/holiday.jpg", "bad/cut.png"]
    )
    assert results["bad/truncated.jpg"] == {"error": "corrupt"}
    assert results["bad/photo.heic"] == {"error": "unsupported"}
    assert results["bad/holiday.jpg"] == {"error": "not-an-image"}
    assert results["bad/cut.png"] == {"error": "corrupt"}
    # The server would not hash these as pictures either.
    for name in ["truncated.jpg", "photo.heic", "holiday.jpg", "cut.png"]:
        assert hash_file(folder / name).pdq is None


def test_videos_get_md5_and_sha256_streamed_and_no_image_hashes(page, static_server, files_dir):
    folder = files_dir / "video"
    folder.mkdir(exist_ok=True)
    # 20 MB: several 8 MB chunks, so the streaming path is what is being checked.
    data = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + bytes(range(256)) * 80_000
    (folder / "clip.mp4").write_bytes(data)
    got = _hash_in_browser(page, static_server, ["video/clip.mp4"])["video/clip.mp4"]
    want = hash_file(folder / "clip.mp4").as_dict()
    assert _mismatches(got, want) == []
    assert got["pdq"] is None and got["phash"] is None and got["pdq_dihedral"] is None
