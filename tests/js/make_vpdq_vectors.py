"""Writes tests/js/video/ (three tiny clips made with Debian's ffmpeg) and tests/js/vpdq-vectors.json: what
ffprobe says of each clip's packets and frame rate, the `vpdq` reference's features, the decoded 4:2:0
planes of the frames it hashed, and swscale's RGB24 of random planes, for the Node unit tests of
static/hashing/mp4.js, webm.js and vpdq.js.

Run: .venv/bin/python tests/js/make_vpdq_vectors.py
"""

from __future__ import annotations

import base64
import json
import random
import subprocess
import tempfile
from pathlib import Path

import vpdq

HERE = Path(__file__).resolve().parent
CLIPS = HERE / "video"
FFMPEG = "/usr/bin/ffmpeg"
FFPROBE = "/usr/bin/ffprobe"
SRC = ["-f", "lavfi", "-i"]
# name, source, encoder options, second stream-copy pass (rotation is only set so in ffmpeg 5.1)
MAKE = [
    # NTSC rate (30000/1001) and B-frames: frames come out of the decoder in another order than stored.
    ("ntsc-bframes.mp4", "testsrc2=size=96x64:rate=30000/1001", ["-t", "3", "-c:v", "libx264", "-bf", "2"], []),
    ("vp9-25fps.webm", "testsrc2=size=96x64:rate=25", ["-t", "3", "-c:v", "libvpx-vp9", "-b:v", "100k"], []),
    # 64x64 frames take PDQ's no-blur path; the rotation tag must be read and not applied.
    (
        "square-rotated.mp4",
        "testsrc2=size=64x64:rate=10",
        ["-t", "3", "-c:v", "libx264"],
        ["-metadata:s:v:0", "rotate=270"],
    ),
]


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def probe(path: Path) -> dict:
    stream = json.loads(
        run(FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_streams", "-of", "json", str(path))
    )
    packets = json.loads(
        run(FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_packets", "-of", "json", str(path))
    )["packets"]
    s = stream["streams"][0]
    return {
        "codec": s["codec_name"],
        "width": s["width"],
        "height": s["height"],
        "avg_frame_rate": s["avg_frame_rate"],
        "rotation": next((d.get("rotation") for d in s.get("side_data_list", []) if "rotation" in d), None),
        # Stored (decoding) order: size, presentation time in seconds, key frame.
        "packets": [[int(p["size"]), float(p["pts_time"]), "K" in p["flags"]] for p in packets],
    }


def frames(path: Path, width: int, height: int, wanted: list[int]) -> list[str]:
    raw = subprocess.run(
        [
            FFMPEG,
            "-v",
            "error",
            "-noautorotate",
            "-i",
            str(path),
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv420p",
            "-fps_mode",
            "passthrough",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    size = width * height * 3 // 2
    return [base64.b64encode(raw[k * size : (k + 1) * size]).decode() for k in wanted]


def swscale(width: int, height: int, pix_fmt: str, seed: int) -> dict:
    rng = random.Random(seed)
    planes = bytes(rng.randrange(256) for _ in range(width * height * 3 // 2))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.yuv"
        src.write_bytes(planes)
        convert = ["-sws_flags", "area", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"]
        rgb = subprocess.run(
            [
                FFMPEG,
                "-v",
                "error",
                "-f",
                "rawvideo",
                "-pix_fmt",
                pix_fmt,
                "-s",
                f"{width}x{height}",
                "-i",
                str(src),
                *convert,
            ],
            check=True,
            capture_output=True,
        ).stdout
    return {
        "width": width,
        "height": height,
        "full_range": pix_fmt == "yuvj420p",
        "yuv": base64.b64encode(planes).decode(),
        "rgb": base64.b64encode(rgb).decode(),
    }


def main() -> None:
    CLIPS.mkdir(exist_ok=True)
    clips = []
    for name, source, options, remux in MAKE:
        target = CLIPS / name
        first = target.with_name("pass1-" + name) if remux else target
        subprocess.run([FFMPEG, "-v", "error", "-y", *SRC, source, *options, str(first)], check=True)
        if remux:
            subprocess.run(
                [FFMPEG, "-v", "error", "-y", "-i", str(first), "-c", "copy", *remux, str(target)], check=True
            )
            first.unlink()
        info = probe(target)
        features = vpdq.computeHash(str(target), seconds_per_hash=1)
        wanted = [f.frame_number for f in features]
        clips.append(
            {
                "file": f"video/{name}",
                **info,
                "frame_count": len(info["packets"]),
                "vpdq": [
                    {"pdq": f.hex, "quality": f.quality, "frame_number": f.frame_number, "timestamp": f.timestamp}
                    for f in features
                ],
                "planes": frames(target, info["width"], info["height"], wanted),
            }
        )
    vectors = {
        "source": "make_vpdq_vectors.py: Debian ffmpeg 5.1 (libswscale 6) and vpdq 0.2.5",
        "clips": clips,
        "swscale": [swscale(32, 16, "yuv420p", 1), swscale(30, 22, "yuvj420p", 2), swscale(18, 8, "yuv420p", 3)],
    }
    (HERE / "vpdq-vectors.json").write_text(json.dumps(vectors, indent=1) + "\n")


if __name__ == "__main__":
    main()
