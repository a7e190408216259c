"""Test videos made with Debian's ffmpeg, hashed with the vpdq reference into what the browser's hashFile() posts."""

from __future__ import annotations

import hashlib
import json
import subprocess  # nosec B404 - runs ffmpeg and ffprobe on files the test makes
from pathlib import Path

import vpdq
from threatexchange.extensions.vpdq.vpdq_util import VpdqCompactFeature

# Distinct moving pictures from ffmpeg's own generators: their frames' PDQ hashes are far apart.
SOURCES = {
    "mandelbrot": "mandelbrot=size={w}x{h}:rate={fps}",
    "testsrc2": "testsrc2=size={w}x{h}:rate={fps}",
    "life": "life=size={w}x{h}:rate={fps}:mold=10:ratio=0.3:death_color=#C83232:life_color=#00ff00",
    "cellauto": "cellauto=size={w}x{h}:rate={fps}:rule=110",
}


def make_video(
    path: Path, *, source: str = "mandelbrot", seconds: int = 10, width: int = 640, height: int = 360, fps: int = 25
) -> Path:
    """An H.264 MP4 of `seconds` from one of ffmpeg's generators."""
    lavfi = SOURCES[source].format(w=width, h=height, fps=fps)
    subprocess.run(  # nosec B603 B607 - fixed arguments, Debian's ffmpeg
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", lavfi, "-t", str(seconds), "-c:v", "libx264",
         "-crf", "18", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip
    return path


def reencode_smaller(source: Path, path: Path) -> Path:
    """What a platform does to an upload: scaled to 2/3 of its size, re-encoded at a much lower quality."""
    subprocess.run(  # nosec B603 B607
        ["ffmpeg", "-v", "error", "-y", "-i", str(source), "-vf", "scale=trunc(iw*2/3/2)*2:trunc(ih*2/3/2)*2",
         "-c:v", "libx264", "-preset", "ultrafast", "-crf", "33", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip
    return path


def reference_frames(path: Path) -> list[dict]:
    """The `vpdq` field hashFile() gives for the video, made by the reference library (one frame a second)."""
    return [
        {"pdq": f.hex, "quality": f.quality, "frame_number": f.frame_number, "timestamp": f.timestamp}
        for f in vpdq.computeHash(str(path), seconds_per_hash=1)
    ]


def compact(frames: list[dict]) -> list[VpdqCompactFeature]:
    """Frames as python-threatexchange's matcher takes them."""
    return [VpdqCompactFeature(f["pdq"], f["quality"], float(f["timestamp"])) for f in frames]


def video_details(path: Path) -> dict:
    probe = subprocess.run(  # nosec B603 B607
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height,avg_frame_rate:format=duration", "-of", "json", str(path)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    info = json.loads(probe.stdout)
    stream = info["streams"][0]
    numerator, denominator = (int(part) for part in stream["avg_frame_rate"].split("/"))
    return {
        "duration": float(info["format"]["duration"]),
        "width": stream["width"],
        "height": stream["height"],
        "frame_rate": numerator / denominator,
    }


def hash_file_object(path: Path) -> dict:
    """What the browser's hashFile(blob) resolves to for this video (the contract with static/hashing)."""
    data = path.read_bytes()
    return {
        "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "pdq": None,
        "pdq_quality": None,
        "pdq_oriented": None,
        "pdq_dihedral": None,
        "phash": None,
        "vpdq": reference_frames(path),
        "video": video_details(path),
    }


def case_hash_fields(path: Path) -> dict:
    """The CaseHash fields intake stores for this video (as cases.intake.hashes.case_hash_from writes them)."""
    obj = hash_file_object(path)
    return {
        "media_kind": "video",
        "md5": obj["md5"],
        "sha256": obj["sha256"],
        "vpdq_frames": [[f["pdq"], f["quality"], f["frame_number"], f["timestamp"]] for f in obj["vpdq"]],
        "video": obj["video"],
    }
