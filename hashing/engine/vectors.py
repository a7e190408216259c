"""Hex or raw hashes turned into rows of uint64 words for the bank's indexes, with errors a person can act on."""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hashing.values import HashValueError

_HEX_DIGITS = frozenset(string.hexdigits)


@dataclass(frozen=True)
class BitVectors:
    """Hashes as an (n, bits/64) uint64 array; the byte order only has to agree between bank and query."""

    words: np.ndarray

    def __len__(self) -> int:
        return len(self.words)


def parse_hashes(values: Sequence[str | bytes] | str | bytes, *, bits: int, name: str = "hash") -> BitVectors:
    """Parse hex strings (either case) or raw bytes of `bits` bits each; HashValueError names the bad one."""
    if isinstance(values, str | bytes):
        raise HashValueError(f"expected a list of {name}es, got a single value")
    size = bits // 8
    values = list(values)
    if all(isinstance(v, str) and len(v) == 2 * size for v in values):
        raw = _fromhex("".join(values))  # type: ignore[arg-type]
        if raw is not None and len(raw) == size * len(values):
            return _vectors(raw, bits)
    parts = [_one(value, position, size, name) for position, value in enumerate(values)]
    return _vectors(b"".join(parts), bits)


def _fromhex(text: str) -> bytes | None:
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def _one(value: object, position: int, size: int, name: str) -> bytes:
    where = f"{name} number {position + 1}"
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        if len(raw) != size:
            raise HashValueError(f"{where} must be {size} bytes ({size * 8} bits), got {len(raw)} bytes")
        return raw
    if not isinstance(value, str):
        raise HashValueError(f"{where} must be hexadecimal text, got {type(value).__name__}")
    if len(value) != 2 * size:
        raise HashValueError(
            f"{where} must be {2 * size} hexadecimal characters ({size * 8} bits), got {len(value)} characters"
        )
    for offset, char in enumerate(value):
        if char not in _HEX_DIGITS:
            raise HashValueError(
                f"{where} has {char!r} at character {offset + 1}: only 0-9 and a-f are allowed in a {name}"
            )
    return bytes.fromhex(value)


def _vectors(raw: bytes, bits: int) -> BitVectors:
    words = np.frombuffer(raw, dtype="<u8").astype(np.uint64).reshape(-1, bits // 64)
    return BitVectors(words)


def words_to_hex(words: np.ndarray) -> list[str]:
    """Inverse of `parse_hashes` for hex output (bench and tests)."""
    raw = np.ascontiguousarray(words, dtype="<u8").tobytes()
    size = words.shape[1] * 8
    return [raw[i : i + size].hex() for i in range(0, len(raw), size)]
