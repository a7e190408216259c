"""Server-side vPDQ of a video's bytes with the `vpdq` reference, run in a child process with time and memory caps.

Re-checks fetch content from the open internet; FFmpeg's demuxers and decoders (inside `vpdq`) then parse bytes
anyone can write. Running them in a child process keeps a crash or a runaway decode out of the Celery worker:
the child gets CPU seconds and an address-space cap, and the parent gives up at a wall-clock deadline.
`python -m hashing.video_reference FILE` is the child: it prints the frames as JSON.
"""

from __future__ import annotations

import json
import subprocess  # nosec B404 - runs this module with the same interpreter, fixed arguments
import sys
import tempfile
from pathlib import Path

from hashing.values import HashValueError, VpdqFrame, vpdq_frames_parse

SECONDS_PER_HASH = 1.0  # what the browser and the reference sample: one frame a second
DEADLINE_SECONDS = 60
CPU_SECONDS = 60
MEMORY_BYTES = 2 * 1024**3


class VideoNotHashed(Exception):
    """The bytes could not be hashed as a video (not a video, truncated, too slow or too large to decode)."""


def _limit_child() -> None:  # pragma: no cover - runs in the child between fork and exec
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def hash_video_bytes(data: bytes) -> tuple[VpdqFrame, ...]:
    """The vPDQ frames of a video given as bytes (one a second); VideoNotHashed with a reason if there are none."""
    with tempfile.TemporaryDirectory(prefix="vpdq-") as folder:
        path = Path(folder) / "video"
        path.write_bytes(data)
        try:
            child = subprocess.run(  # nosec B603 - our own interpreter and module, a file we wrote
                [sys.executable, "-m", "hashing.video_reference", str(path)],
                cwd=Path(__file__).resolve().parent.parent,  # the project root, whatever the worker's own folder
                capture_output=True,
                timeout=DEADLINE_SECONDS,
                preexec_fn=_limit_child,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise VideoNotHashed(f"decoding took longer than {DEADLINE_SECONDS} seconds") from None
    if child.returncode != 0:
        reason = child.stderr.decode("utf-8", "replace").strip().splitlines()
        raise VideoNotHashed((reason[-1] if reason else f"the decoder stopped ({child.returncode})")[:150])
    try:
        frames = vpdq_frames_parse(json.loads(child.stdout))
    except (ValueError, HashValueError) as exc:
        raise VideoNotHashed(f"unexpected hasher output: {exc}"[:150]) from None
    if not frames:
        raise VideoNotHashed("no frame could be decoded")
    return frames


def _main(path: str) -> int:
    import vpdq

    try:
        features = vpdq.computeHash(path, seconds_per_hash=SECONDS_PER_HASH, thread_count=1)
    except Exception as exc:  # vpdq raises ValueError or RuntimeError on a file FFmpeg cannot open
        print(f"not a video vpdq can decode: {exc.__class__.__name__}", file=sys.stderr)
        return 2
    rows = [[f.hex, f.quality, f.frame_number, f.timestamp] for f in features]
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1]))
