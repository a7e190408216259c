"""Benchmark: browser hashing (in the worker, decode included) against the Python reference, same files, same run.

Prints, for a generated 12-megapixel JPEG and a 1-megapixel one, the median time per file in
headless Chromium's worker (hasher.js: all hashes, decode included) and in hashing/reference.py
(Pillow decode, pdqhash, imagehash, MD5, SHA-256), and their ratio. Target: ratio <= 1.0 at 12 MP.

Then, for a generated 60 s 720p H.264 clip (30 frames a second, ffmpeg's libx264), the worker's time
for the whole video (MD5, SHA-256 and vPDQ: demux, WebCodecs decode of every frame, 60 frame hashes)
against the `vpdq` reference's computeHash on the same file with one hashing thread and with as many
as the machine has (its FFmpeg decoder threads itself either way). Target: ratio to the one-thread
reference <= 1.0, aim 0.5. `--video-runs N` sets the runs (default 3), `--no-images`/`--no-video`
leave a part out.

The browser and Python runs alternate, so a change in the machine's load touches both alike; the
load average is printed before and after (figures taken on a busy machine are not comparable).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from hashing.reference import hash_bytes  # noqa: E402
from tests.hashing.images import photo_like  # noqa: E402

RUNS = 7
SIZES = {"12 MP (4032x3024)": (4032, 3024), "1 MP (1152x864)": (1152, 864)}

# One worker for the whole run, as the intake page keeps one; each call hashes the file once.
START_WORKER = """() => { window.benchWorker = new Worker('/static/hashing/worker.js', { type: 'module' }); }"""
WORKER_TIME = """async ([url, name, type]) => {
  const file = new File([await (await fetch(url)).blob()], name, { type });
  const started = performance.now();
  const hashes = await new Promise((resolve, reject) => {
    window.benchWorker.onmessage = ({ data }) => {
      if (data.type === 'done') resolve(data.hashes);
      if (data.type === 'error') reject(new Error(data.message));
    };
    window.benchWorker.postMessage({ id: started, file });
  });
  return { ms: performance.now() - started, hashes };
}"""


def make_clip(path: Path) -> None:
    source = ["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-t", "60"]
    encode = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
    subprocess.run(["/usr/bin/ffmpeg", "-loglevel", "error", "-y", *source, *encode, str(path)], check=True)


def vpdq_time(path: Path, threads: int) -> tuple[float, list]:
    import vpdq

    started = time.perf_counter()
    features = vpdq.computeHash(str(path), seconds_per_hash=1, thread_count=threads)
    return (time.perf_counter() - started) * 1000, features


def bench_video(page, base: str, folder: Path, runs: int) -> None:
    path = folder / "clip-720p-60s.mp4"
    make_clip(path)
    url = f"{base}/files/{path.name}"
    browser_times, one_times, all_times = [], [], []
    result: dict = {}
    reference: list = []
    for _ in range(runs):
        result = page.evaluate(WORKER_TIME, [url, "clip.mp4", "video/mp4"])
        browser_times.append(result["ms"])
        ms, reference = vpdq_time(path, 1)
        one_times.append(ms)
        ms, _ = vpdq_time(path, 0)
        all_times.append(ms)
    got = [(f["frame_number"], f["pdq"], f["quality"]) for f in result["hashes"]["vpdq"] or []]
    same = got == [(r.frame_number, r.hex, r.quality) for r in reference]
    browser_ms = statistics.median(browser_times)
    one_ms = statistics.median(one_times)
    all_ms = statistics.median(all_times)
    size = path.stat().st_size / 1e6
    print(f"\n60 s 720p H.264 clip ({size:.1f} MB, {len(reference)} hashed frames), median of {runs}:")
    print(f"  browser worker (MD5, SHA-256, vPDQ)   {browser_ms:>8.0f} ms")
    print(
        f"  vpdq reference, 1 hashing thread      {one_ms:>8.0f} ms   ratio browser/reference {browser_ms / one_ms:.2f}"
    )
    threads = f"{os.cpu_count()} hashing threads"
    print(f"  vpdq reference, {threads:<21} {all_ms:>8.0f} ms   ratio browser/reference {browser_ms / all_ms:.2f}")
    print(f"  frame hashes {'identical' if same else 'DIFFER'} (frame numbers, PDQ, quality)")


def make_photo(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(photo_like(width, height, seed=width), "RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def reference_time(data: bytes) -> tuple[float, dict]:
    started = time.perf_counter()
    result = hash_bytes(data)
    return (time.perf_counter() - started) * 1000, result.as_dict()


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video-runs", type=int, default=3)
    parser.add_argument("--no-images", action="store_true")
    parser.add_argument("--no-video", action="store_true")
    args = parser.parse_args()

    from tests.browser import CHROMIUM, CHROMIUM_ARGS
    from tests.hashing.conftest import serve

    print(load_average())
    with tempfile.TemporaryDirectory() as folder, serve(Path(folder)) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(base + "/")
        page.evaluate(START_WORKER)
        if not args.no_images:
            print(f"{'file':<20} {'browser worker':>15} {'python reference':>17} {'ratio':>7}")
        for label, (width, height) in {} if args.no_images else SIZES.items():
            data = make_photo(width, height)
            name = f"photo-{width}x{height}.jpg"
            (Path(folder) / name).write_bytes(data)
            url = f"{base}/files/{name}"
            browser_times, python_times = [], []
            for run in range(RUNS + 1):
                result = page.evaluate(WORKER_TIME, [url, "photo.jpg", "image/jpeg"])
                python_ms, reference = reference_time(data)
                if run:  # the first run also loads and compiles the modules, and warms Python's caches
                    browser_times.append(result["ms"])
                    python_times.append(python_ms)
            same = all(result["hashes"][k] == reference[k] for k in reference)
            browser_ms = statistics.median(browser_times)
            python_ms = statistics.median(python_times)
            print(
                f"{label:<20} {browser_ms:>12.0f} ms {python_ms:>14.0f} ms {browser_ms / python_ms:>7.2f}"
                f"  ({len(data) / 1e6:.1f} MB, hashes {'identical' if same else 'DIFFER'})"
            )
        if not args.no_video:
            bench_video(page, base, Path(folder), args.video_runs)
        browser.close()
    print(load_average())


if __name__ == "__main__":
    main()
