"""Hash value types shared by intake, the hash bank and partners: validation and Hamming distance."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

_HEX = re.compile(r"^[0-9a-f]*$")


class HashValueError(ValueError):
    """A hash value that is not in the canonical form the portal stores and shares."""


def _require_hex(value: object, *, name: str, length: int) -> str:
    if not isinstance(value, str):
        raise HashValueError(f"{name} must be text, got {type(value).__name__}")
    if len(value) != length:
        raise HashValueError(f"{name} must be {length} hex characters, got {len(value)}")
    if not _HEX.match(value):
        raise HashValueError(f"{name} must be lowercase hexadecimal (0-9, a-f)")
    return value


def normalise_hex(value: str) -> str:
    """Canonical form of hex typed or pasted by a person: no surrounding space, lowercase."""
    return value.strip().lower()


def hamming_distance(a: str, b: str) -> int:
    """Number of differing bits between two hex strings of the same length."""
    if len(a) != len(b):
        raise HashValueError(f"cannot compare hashes of different lengths ({len(a)} and {len(b)})")
    if not (_HEX.match(a) and _HEX.match(b)):
        raise HashValueError("hashes must be lowercase hexadecimal")
    return (int(a, 16) ^ int(b, 16)).bit_count()


@dataclass(frozen=True, slots=True)
class PdqHash:
    """A 256-bit PDQ hash (64 lowercase hex characters) with its quality score (0-100), if known."""

    hex: str
    quality: int | None = None

    LENGTH = 64
    # Below this quality PDQ's own authors advise against trusting a match.
    WEAK_QUALITY = 50

    def __post_init__(self) -> None:
        _require_hex(self.hex, name="PDQ hash", length=self.LENGTH)
        if self.quality is not None:
            if isinstance(self.quality, bool) or not isinstance(self.quality, int):
                raise HashValueError("PDQ quality must be a whole number")
            if not 0 <= self.quality <= 100:
                raise HashValueError(f"PDQ quality must be between 0 and 100, got {self.quality}")

    @classmethod
    def parse(cls, text: str, quality: int | None = None) -> PdqHash:
        return cls(normalise_hex(text), quality)

    @property
    def is_weak(self) -> bool:
        return self.quality is not None and self.quality < self.WEAK_QUALITY

    def distance(self, other: PdqHash) -> int:
        return hamming_distance(self.hex, other.hex)

    def __str__(self) -> str:
        return self.hex


@dataclass(frozen=True, slots=True)
class PerceptualHash:
    """A 64-bit imagehash-compatible pHash (16 lowercase hex characters)."""

    hex: str

    LENGTH = 16

    def __post_init__(self) -> None:
        _require_hex(self.hex, name="pHash", length=self.LENGTH)

    @classmethod
    def parse(cls, text: str) -> PerceptualHash:
        return cls(normalise_hex(text))

    def distance(self, other: PerceptualHash) -> int:
        return hamming_distance(self.hex, other.hex)

    def __str__(self) -> str:
        return self.hex


@dataclass(frozen=True, slots=True)
class Md5Digest:
    """MD5 of a file's bytes (32 lowercase hex characters): exact-copy matching only."""

    hex: str

    LENGTH = 32

    def __post_init__(self) -> None:
        _require_hex(self.hex, name="MD5", length=self.LENGTH)

    @classmethod
    def parse(cls, text: str) -> Md5Digest:
        return cls(normalise_hex(text))

    def __str__(self) -> str:
        return self.hex


@dataclass(frozen=True, slots=True)
class Sha256Digest:
    """SHA-256 of a file's bytes (64 lowercase hex characters): exact-copy matching only."""

    hex: str

    LENGTH = 64

    def __post_init__(self) -> None:
        _require_hex(self.hex, name="SHA-256", length=self.LENGTH)

    @classmethod
    def parse(cls, text: str) -> Sha256Digest:
        return cls(normalise_hex(text))

    def __str__(self) -> str:
        return self.hex


@dataclass(frozen=True, slots=True)
class VpdqFrame:
    """One sampled frame of a video as vPDQ hashes it: its PDQ (with quality), frame number and time in seconds."""

    pdq: PdqHash
    frame_number: int
    timestamp: float

    def __post_init__(self) -> None:
        if self.pdq.quality is None:
            raise HashValueError("a vPDQ frame needs its PDQ quality (0-100)")
        if isinstance(self.frame_number, bool) or not isinstance(self.frame_number, int) or self.frame_number < 0:
            raise HashValueError("a vPDQ frame number must be a whole number of at least 0")
        if isinstance(self.timestamp, bool) or not isinstance(self.timestamp, int | float):
            raise HashValueError("a vPDQ timestamp must be a number of seconds")
        if not math.isfinite(self.timestamp) or self.timestamp < 0:
            raise HashValueError("a vPDQ timestamp must be a finite number of seconds, at least 0")

    @property
    def compact(self) -> str:
        """python-threatexchange's VpdqCompactFeature form, `hex,quality,seconds` (its VPDQSignal parses it)."""
        return f"{self.pdq.hex},{self.pdq.quality},{self.timestamp:.3f}"


# Four hours sampled at one frame a second: longer uploads are not what a victim's device hashes in one go, and
# the cap bounds what one posted file may make the server store and match.
MAX_VPDQ_FRAMES = 4 * 60 * 60


def vpdq_frames_parse(items: object) -> tuple[VpdqFrame, ...]:
    """Validate the browser's (or the stored) frame list: `{pdq, quality, frame_number, timestamp}` objects, or
    `[pdq, quality, frame_number, timestamp]` rows as CaseHash stores them, in increasing frame order."""
    if not isinstance(items, list):
        raise HashValueError("vPDQ frames must be a list")
    if len(items) > MAX_VPDQ_FRAMES:
        raise HashValueError(f"at most {MAX_VPDQ_FRAMES} vPDQ frames (4 hours), got {len(items)}")
    frames: list[VpdqFrame] = []
    for position, item in enumerate(items):
        if isinstance(item, dict):
            pdq, quality, number, timestamp = (item.get(k) for k in ("pdq", "quality", "frame_number", "timestamp"))
        elif isinstance(item, list) and len(item) == 4:
            pdq, quality, number, timestamp = item
        else:
            raise HashValueError(f"vPDQ frame {position}: expected pdq, quality, frame_number and timestamp")
        if quality is None:
            raise HashValueError(f"vPDQ frame {position}: a PDQ quality (0-100) is required")
        try:
            frame = VpdqFrame(PdqHash(pdq, quality), number, timestamp)  # type: ignore[arg-type]
        except HashValueError as exc:
            raise HashValueError(f"vPDQ frame {position}: {exc}") from None
        if frames and frame.frame_number <= frames[-1].frame_number:
            raise HashValueError(f"vPDQ frame {position}: frame numbers must increase")
        frames.append(frame)
    return tuple(frames)


def vpdq_signal(frames: tuple[VpdqFrame, ...] | list[VpdqFrame]) -> str:
    """The frames as python-threatexchange's VPDQSignal string (a JSON list of compact features)."""
    return json.dumps([frame.compact for frame in frames], separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What the browser read of a video it hashed: duration (s), size in pixels and frame rate."""

    duration: float
    width: int
    height: int
    frame_rate: float

    MAX_SIDE = 16_384

    def __post_init__(self) -> None:
        for name in ("duration", "frame_rate"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise HashValueError(f"video {name} must be a finite number of at least 0")
        for name in ("width", "height"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= self.MAX_SIDE:
                raise HashValueError(f"video {name} must be a whole number of pixels from 1 to {self.MAX_SIDE}")

    @classmethod
    def parse(cls, data: object) -> VideoInfo:
        if not isinstance(data, dict):
            raise HashValueError("video details must be an object with duration, width, height and frame_rate")
        return cls(data.get("duration"), data.get("width"), data.get("height"), data.get("frame_rate"))  # type: ignore[arg-type]

    def as_dict(self) -> dict:
        return {"duration": self.duration, "width": self.width, "height": self.height, "frame_rate": self.frame_rate}


VPDQ_ERRORS = ("unsupported",)  # the browser could not decode the video: MD5 and SHA-256 only


@dataclass(frozen=True, slots=True)
class FileHashes:
    """Everything hashed from one file; image fields are None for videos and other files."""

    md5: Md5Digest
    sha256: Sha256Digest
    pdq: PdqHash | None = None
    pdq_oriented: PdqHash | None = None
    pdq_dihedral: tuple[PdqHash, ...] | None = None
    phash: PerceptualHash | None = None
    vpdq: tuple[VpdqFrame, ...] | None = None
    video: VideoInfo | None = None
    vpdq_error: str | None = None

    # The hasher computes the PDQ and its first (identity) dihedral variant from the same pixels; they are equal
    # except for exactly 64 x 64 images, where PDQ skips the blur and a few bits may differ (static/hashing/pdq.js).
    MAX_IDENTITY_VARIANT_BITS = 8

    def __post_init__(self) -> None:
        if self.pdq_dihedral is not None and len(self.pdq_dihedral) != 8:
            raise HashValueError(f"PDQ dihedral variants must be 8, got {len(self.pdq_dihedral)}")
        if self.pdq is None and (self.pdq_oriented or self.pdq_dihedral or self.phash):
            raise HashValueError("image hashes need a PDQ hash")
        if self.pdq is not None and self.pdq_dihedral is not None:
            bits = self.pdq.distance(self.pdq_dihedral[0])
            if bits > self.MAX_IDENTITY_VARIANT_BITS:
                raise HashValueError(f"the first PDQ dihedral variant is {bits} bits from the PDQ: not one image")
        if (self.vpdq is None) != (self.video is None):
            raise HashValueError("vPDQ frames and the video's details come together")
        if self.vpdq is not None and self.pdq is not None:
            raise HashValueError("a file is an image (PDQ) or a video (vPDQ), not both")
        if self.vpdq_error is not None:
            if self.vpdq_error not in VPDQ_ERRORS:
                raise HashValueError(
                    f"unknown vPDQ error {self.vpdq_error!r}; expected one of {', '.join(VPDQ_ERRORS)}"
                )
            if self.vpdq is not None:
                raise HashValueError("a video with vPDQ frames has no vPDQ error")

    @property
    def is_image(self) -> bool:
        return self.pdq is not None

    @property
    def is_video(self) -> bool:
        return self.vpdq is not None or self.vpdq_error is not None

    @classmethod
    def from_browser(cls, data: dict) -> FileHashes:
        """Validate the object `hashFile()` resolves to (as posted by the intake form)."""
        pdq = data.get("pdq")
        quality = data.get("pdq_quality")
        oriented = data.get("pdq_oriented")
        dihedral = data.get("pdq_dihedral")
        phash = data.get("phash")
        if pdq is not None and quality is None:
            raise HashValueError("a PDQ hash from the browser comes with its quality (0-100)")
        return cls(
            md5=Md5Digest(data.get("md5")),
            sha256=Sha256Digest(data.get("sha256")),
            pdq=PdqHash(pdq, quality) if pdq is not None else None,
            pdq_oriented=PdqHash(oriented) if oriented is not None else None,
            pdq_dihedral=tuple(PdqHash(h) for h in dihedral) if dihedral is not None else None,
            phash=PerceptualHash(phash) if phash is not None else None,
            vpdq=vpdq_frames_parse(data["vpdq"]) if data.get("vpdq") is not None else None,
            video=VideoInfo.parse(data["video"]) if data.get("video") is not None else None,
            vpdq_error=data.get("vpdq_error"),
        )

    def as_dict(self) -> dict:
        return {
            "pdq": self.pdq.hex if self.pdq else None,
            "pdq_quality": self.pdq.quality if self.pdq else None,
            "pdq_oriented": self.pdq_oriented.hex if self.pdq_oriented else None,
            "pdq_dihedral": [h.hex for h in self.pdq_dihedral] if self.pdq_dihedral else None,
            "phash": self.phash.hex if self.phash else None,
            "md5": self.md5.hex,
            "sha256": self.sha256.hex,
            "vpdq": [
                {"pdq": f.pdq.hex, "quality": f.pdq.quality, "frame_number": f.frame_number, "timestamp": f.timestamp}
                for f in self.vpdq
            ]
            if self.vpdq is not None
            else None,
            "video": self.video.as_dict() if self.video else None,
            "vpdq_error": self.vpdq_error,
        }
