"""Hash value types shared by intake, the hash bank and partners: validation and Hamming distance."""

from __future__ import annotations

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
class FileHashes:
    """Everything hashed from one file; image fields are None for videos and other files."""

    md5: Md5Digest
    sha256: Sha256Digest
    pdq: PdqHash | None = None
    pdq_oriented: PdqHash | None = None
    pdq_dihedral: tuple[PdqHash, ...] | None = None
    phash: PerceptualHash | None = None

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

    @property
    def is_image(self) -> bool:
        return self.pdq is not None

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
        }
