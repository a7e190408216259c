"""Benchmark: browser hashing (in the worker, decode included) against the Python reference, same files, same run.

Prints, for a generated 12-megapixel JPEG and a 1-megapixel one, the median time per file in
headless Chromium's worker (hasher.js: all hashes, decode included) and in hashing/reference.py
(Pillow decode, pdqhash, imagehash, MD5, SHA-256), and their ratio. Target: ratio <= 1.0 at 12 MP.
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from hashing.reference import hash_bytes  # noqa: E402
from tests.hashing.images import photo_like  # noqa: E402

RUNS = 5
SIZES = {"12 MP (4032x3024)": (4032, 3024), "1 MP (1152x864)": (1152, 864)}

WORKER_TIMES = """async ({url, runs}) => {
  const file = new File([await (await fetch(url)).blob()], 'photo.jpg', { type: 'image/jpeg' });
  const worker = new Worker('/static/hashing/worker.js', { type: 'module' });
  const times = [];
  let hashes = null;
  for (let i = 0; i < runs + 1; i++) {
    const started = performance.now();
    hashes = await new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => {
        if (data.type === 'done') resolve(data.hashes);
        if (data.type === 'error') reject(new Error(data.message));
      };
      worker.postMessage({ id: i, file });
    });
    if (i > 0) times.push(performance.now() - started);  // the first run also loads and compiles the modules
  }
  worker.terminate();
  return { times, hashes };
}"""


def make_photo(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(photo_like(width, height, seed=width), "RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def reference_times(data: bytes) -> tuple[list[float], dict]:
    hash_bytes(data)  # warm-up
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = hash_bytes(data)
        times.append((time.perf_counter() - started) * 1000)
    return times, result.as_dict()


def main() -> None:
    from playwright.sync_api import sync_playwright

    from tests.hashing.conftest import CHROMIUM, CHROMIUM_ARGS, serve

    with tempfile.TemporaryDirectory() as folder, serve(Path(folder)) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(base + "/")
        print(f"{'file':<20} {'browser worker':>15} {'python reference':>17} {'ratio':>7}")
        for label, (width, height) in SIZES.items():
            data = make_photo(width, height)
            name = f"photo-{width}x{height}.jpg"
            (Path(folder) / name).write_bytes(data)
            result = page.evaluate(WORKER_TIMES, {"url": f"{base}/files/{name}", "runs": RUNS})
            py_times, reference = reference_times(data)
            same = all(result["hashes"][k] == reference[k] for k in reference)
            browser_ms = statistics.median(result["times"])
            python_ms = statistics.median(py_times)
            print(
                f"{label:<20} {browser_ms:>12.0f} ms {python_ms:>14.0f} ms {browser_ms / python_ms:>7.2f}"
                f"  ({len(data) / 1e6:.1f} MB, hashes {'identical' if same else 'DIFFER'})"
            )
        browser.close()


if __name__ == "__main__":
    main()
