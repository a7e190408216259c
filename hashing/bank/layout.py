"""Chunk layouts for multi-index hashing: how many chunks, how wide, which radius each, and their keys."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

# Estimated numpy cost of one probe and of one verified candidate, in nanoseconds (measured on the
# bench machine); only their ratio matters when comparing layouts.
PROBE_NS = 5.0
CANDIDATE_NS = 20.0
MAX_CHUNK_BITS = 24
MAX_TABLES = 16


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


def choose_layout(bits: int, max_threshold: int, vectors: int) -> tuple[int, ...]:
    """Chunk widths that minimise estimated query cost for a bank of this many vectors.

    The offsets arrays cost 4 * 2**width bytes each, so they are held to 16 bytes per vector (1 MiB
    for small banks); each table's `order` costs 4 bytes per vector, hence at most 16 tables.
    """
    n = max(vectors, 1)
    offsets_budget = max(1 << 20, 16 * n)
    best: tuple[float, tuple[int, ...]] | None = None

    def table_cost(width: int, radius: int) -> float:
        return ball_size(width, radius) * (PROBE_NS + CANDIDATE_NS * n / (1 << width))

    for k in range(1, min(max_threshold + 1, bits, MAX_TABLES) + 1):
        # `rem` chunks get radius q, the other k - rem radius q - 1 (see radii_for); wide >= narrow.
        q, rem = divmod(max_threshold + 1, k)
        narrow_count = k - rem
        for narrow in range(1, min(MAX_CHUNK_BITS, bits // k) + 1):
            for wide in range(narrow, min(MAX_CHUNK_BITS, (bits - narrow_count * narrow) // max(rem, 1)) + 1):
                widths = (wide,) * rem + (narrow,) * narrow_count
                if sum(4 << w for w in widths) > offsets_budget or q - 1 > narrow:
                    break
                if rem and q > wide:
                    continue
                cost = rem * table_cost(wide, q) + narrow_count * table_cost(narrow, q - 1)
                if best is None or cost < best[0]:
                    best = (cost, widths)
                if not rem:
                    break
    assert best is not None
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
