"""Chunk layouts for multi-index hashing: how many chunks, how wide, which radius each, and their keys."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

# Estimated cost of one probe (a directory lookup) and of one candidate row (unpack, verify), in
# nanoseconds, measured on the bench machine; only their ratio matters when comparing layouts.
PROBE_NS = 25.0
CANDIDATE_NS = 45.0
MAX_CHUNK_BITS = 24
# The primary chunk also numbers a segment's entries (see hashing.engine.compact), so it may be wider.
MAX_PRIMARY_BITS = 28
MAX_TABLES = 16
# Directories and samples of a small segment cost a fixed amount whatever its size; this much is allowed.
_SMALL_SEGMENT_BYTES = 1 << 20


@lru_cache(maxsize=4096)
def ball_size(width: int, radius: int) -> int:
    return sum(math.comb(width, i) for i in range(radius + 1)) if radius >= 0 else 0


def radii_for(widths: Sequence[int], threshold: int) -> list[int]:
    """Per-chunk radii whose (r + 1) add up to threshold + 1, the widest chunks taking the larger ones."""
    k = len(widths)
    q, rem = divmod(threshold + 1, k)
    by_width = sorted(range(k), key=lambda i: (-widths[i], i))
    radii = [q - 1] * k
    for i in by_width[:rem]:
        radii[i] = q
    return [min(r, widths[i]) for i, r in enumerate(radii)]


def layout_bytes(layout: Sequence[int], bits: int, vectors: int, entries: int | None = None) -> float:
    """Bytes a segment with this layout holds for this many vectors (see hashing.engine.compact)."""
    n = max(vectors, 1)
    m = n if entries is None else max(entries, 1)
    row_bits = max(1, (n - 1).bit_length())
    total = n * bits / 8 + n / 8  # rows and tombstones
    for c, width in enumerate(layout):
        groups = 1 << width
        total += (groups + n) / 8 + 4 * groups / 128  # directory bits and samples of its 0s
        total += 4 * n / 128 if c == 0 else n * row_bits / 8  # primary: samples of 1s; others: row numbers
    low_bits = max(0, (max(n, m) // m).bit_length() - 1)
    return total + m * (2 + low_bits) / 8 + 4 * m / 128  # Elias-Fano entry ids


def layout_cost(layout: Sequence[int], threshold: int, vectors: int) -> float:
    """Estimated nanoseconds per query: probes and candidate rows over every table."""
    return sum(
        ball_size(w, r) * (PROBE_NS + CANDIDATE_NS * vectors / (1 << w))
        for w, r in zip(layout, radii_for(layout, threshold), strict=True)
    )


def choose_layout(
    bits: int, max_threshold: int, vectors: int, *, entries: int | None = None, budget: float | None = None
) -> tuple[int, ...]:
    """Chunk widths, primary first, that minimise estimated query cost within `budget` bytes per vector.

    The default budget is the vector's own size plus 32 bytes (64 for PDQ). More tables mean smaller
    radii and far fewer probes, but each costs its row numbers; wider chunks mean fewer candidates per
    probe, but their directories cost 2**width bits. The primary chunk is at least as wide as the
    number of bits needed to rank the entries.
    """
    n = max(vectors, 1)
    limit = (bits / 8 + 32 if budget is None else budget) * n + _SMALL_SEGMENT_BYTES
    rank_bits = max(1, (max(entries if entries is not None else n, 1) - 1).bit_length())
    best: tuple[float, tuple[int, ...]] | None = None
    for k in range(1, min(max_threshold + 1, MAX_TABLES) + 1):
        for width in range(1, MAX_CHUNK_BITS + 1):
            primary = max(width, rank_bits)
            layout = (primary,) + (width,) * (k - 1)
            if primary > MAX_PRIMARY_BITS or sum(layout) > bits:
                break
            if layout_bytes(layout, bits, n, entries) > limit:
                break
            cost = layout_cost(layout, max_threshold, n)
            if best is None or cost < best[0]:
                best = (cost, layout)
    if best is None:
        raise ValueError(f"no index layout fits {vectors:,} vectors of {bits} bits")
    return best[1]


@lru_cache(maxsize=64)
def flip_masks(width: int, radius: int) -> np.ndarray:
    """Every key difference of at most `radius` bits within `width` bits, as uint32 XOR masks."""
    masks = [0]
    frontier = [0]
    for _ in range(radius):
        nxt = {m | (1 << b) for m in frontier for b in range((m.bit_length()), width)}
        frontier = sorted(nxt)
        masks.extend(frontier)
    out = np.array(masks, dtype=np.uint32)
    out.setflags(write=False)
    return out


def chunk_keys(words: np.ndarray, start: int, width: int) -> np.ndarray:
    """Bits [start, start + width) of each row of a (n, w) uint64 array, as uint32 keys."""
    word, shift = divmod(start, 64)
    keys = words[:, word] >> np.uint64(shift)
    if shift + width > 64:
        keys = keys | (words[:, word + 1] << np.uint64(64 - shift))
    return (keys & np.uint64((1 << width) - 1)).astype(np.uint32)
