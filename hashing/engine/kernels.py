"""Compiled inner loops of the compact index (numba): directory lookups, candidate gathering and verification.

Everything here works on plain arrays that `hashing.engine.compact` builds; nothing holds state. The loops
are split into small passes over buffers (probe, unpack, distance, keep) rather than one loop that does
everything per candidate: each pass makes independent memory reads, so the processor overlaps their
cache misses, and no pass branches on data it has just loaded. That is where the speed comes from.

A *directory* maps a key to the group of entries sorted under it without an offsets array: a bit
string holding, for each key in order, one 0 followed by one 1 per entry with that key (the high half
of an Elias-Fano code). Entries before key k = (position of the k-th 0) - k; the key of entry i =
(position of the i-th 1) - i - 1. Every 2**SAMPLE_SHIFT-th
0 (and, where needed, 1) has its position stored, so a lookup reads one sample and a word or two.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

SAMPLE_SHIFT = 7
SAMPLE_EVERY = 1 << SAMPLE_SHIFT

_M1 = uint64(0x5555555555555555)
_M2 = uint64(0x3333333333333333)
_M4 = uint64(0x0F0F0F0F0F0F0F0F)
_L8 = uint64(0x0101010101010101)
_H8 = uint64(0x8080808080808080)
_ONE = uint64(1)
_ALL = ~uint64(0)

# _SELECT_IN_BYTE[byte * 8 + j]: the position of the j-th set bit of `byte`.
_SELECT_IN_BYTE = np.zeros(256 * 8, dtype=np.uint8)
for _byte in range(256):
    _set = [bit for bit in range(8) if _byte >> bit & 1]
    _SELECT_IN_BYTE[_byte * 8 : _byte * 8 + len(_set)] = _set
_SELECT_IN_BYTE.setflags(write=False)


@njit(inline="always", cache=True)
def _byte_counts(x):
    x = x - ((x >> _ONE) & _M1)
    x = (x & _M2) + ((x >> uint64(2)) & _M2)
    return (x + (x >> uint64(4))) & _M4


@njit(inline="always", cache=True)
def popcount(x):
    # LLVM turns this into one POPCNT instruction on processors that have it.
    return np.int64((_byte_counts(x) * _L8) >> uint64(56))


@njit(inline="always", cache=True)
def trailing_zeros(x):
    return popcount((x & (~x + _ONE)) - _ONE)


@njit(inline="always", cache=True)
def select_in_word(x, j, table):
    """Position of the j-th (from 0) set bit of x, which has more than j set bits (broadword select)."""
    cumulative = _byte_counts(x) * _L8  # byte i: set bits in bytes 0..i
    below = (((uint64(j) * _L8) | _H8) - (cumulative & ~_H8)) & _H8  # high bit of each byte whose count <= j
    byte = popcount(below)
    before = np.int64(((cumulative << uint64(8)) >> uint64(8 * byte)) & uint64(0xFF))
    bits = np.int64((x >> uint64(8 * byte)) & uint64(0xFF))
    return 8 * byte + np.int64(table[bits * 8 + (j - before)])


@njit(inline="always", cache=True)
def chunk_key(row, start, width):
    word = start >> 6
    shift = start & 63
    key = row[word] >> uint64(shift)
    if shift + width > 64:
        key |= row[word + 1] << uint64(64 - shift)
    return np.int64(key & ((_ONE << uint64(width)) - _ONE))


@njit(inline="always", cache=True)
def read_packed(packed, bit, width):
    """The `width`-bit value at bit offset `bit` of a packed array (which has one spare word at the end)."""
    word = bit >> 6
    shift = uint64(bit & 63)
    value = (packed[word] >> shift) | ((packed[word + 1] << (uint64(63) - shift)) << _ONE)
    return np.int64(value & ((_ONE << uint64(width)) - _ONE))


@njit(inline="always", cache=True)
def _select_after(bits, base, position, need, zeros, table):
    """Position of the need-th 0 (or 1) bit after `position`, counting from 1; need = 0 gives `position`."""
    if need == 0:
        return position
    flip = _ALL if zeros else uint64(0)
    position += 1
    word = position >> 6
    candidates = (bits[base + word] ^ flip) & (_ALL << uint64(position & 63))
    count = popcount(candidates)
    while count < need:
        need -= count
        word += 1
        candidates = bits[base + word] ^ flip
        count = popcount(candidates)
    return (word << 6) + select_in_word(candidates, need - 1, table)


@njit(inline="always", cache=True)
def select_zero(bits, base, samples, sample_base, k, table):
    """Position (from `base` words) of the k-th 0 bit."""
    start = np.int64(samples[sample_base + (k >> SAMPLE_SHIFT)])
    return _select_after(bits, base, start, k & (SAMPLE_EVERY - 1), True, table)


@njit(inline="always", cache=True)
def select_one(bits, base, samples, sample_base, k, table):
    """Position (from `base` words) of the k-th 1 bit."""
    start = np.int64(samples[sample_base + (k >> SAMPLE_SHIFT)])
    return _select_after(bits, base, start, k & (SAMPLE_EVERY - 1), False, table)


@njit(inline="always", cache=True)
def run_after(bits, base, position):
    """Number of 1 bits right after `position` (the size of the group whose 0 is there)."""
    start = position + 1
    word = start >> 6
    inverted = (~bits[base + word]) >> uint64(start & 63)
    if inverted != 0:
        return trailing_zeros(inverted)
    run = 64 - (start & 63)
    word += 1
    inverted = ~bits[base + word]
    while inverted == 0:
        run += 64
        word += 1
        inverted = ~bits[base + word]
    return run + trailing_zeros(inverted)


@njit(nogil=True, cache=True)
def _probe(
    queries, first, last, start, width, masks, bits, base, zeros, zero_base, table, probe_query, probe_begin, probe_size
):
    """For each query's chunk key XOR each mask: where its group starts in the table, and its size."""
    probes = 0
    for query in range(first, last):
        key = chunk_key(queries[query], start, width)
        for mask in masks:
            wanted = key ^ mask
            probe_query[probes] = query
            probe_size[probes] = wanted
            probe_begin[probes] = zeros[zero_base + (wanted >> SAMPLE_SHIFT)]
            probes += 1
    # A second pass, so that the sample reads above are all in flight before these depend on them.
    for p in range(probes):
        wanted = probe_size[p]
        position = _select_after(bits, base, probe_begin[p], wanted & (SAMPLE_EVERY - 1), True, table)
        probe_size[p] = run_after(bits, base, position)
        probe_begin[p] = position - wanted
    return probes


@njit(nogil=True, cache=True)
def _collect(first_probe, probes, probe_query, probe_begin, probe_size, packed, bit_base, width, found_query, found_at):
    """Candidate rows of the probes from first_probe on, as many whole groups as the buffer holds.

    A table's groups list row numbers packed `width` bits each from `bit_base`; the primary table's
    groups (bit_base < 0) are runs of rows themselves.
    """
    found = 0
    capacity = found_at.shape[0]
    p = first_probe
    while p < probes:
        size = probe_size[p]
        if found + size > capacity:
            break
        begin = probe_begin[p]
        query = probe_query[p]
        if bit_base < 0:
            for at in range(begin, begin + size):
                found_query[found] = query
                found_at[found] = at
                found += 1
        else:
            for at in range(begin, begin + size):
                found_query[found] = query
                found_at[found] = read_packed(packed, bit_base + at * width, width)
                found += 1
        p += 1
    return found, p


@njit(nogil=True, cache=True)
def _distances(queries, head, found_query, found_at, count, low_mask, distance):
    """Distance over each row's first words, but for the primary chunk, whose place holds the entry's rank.

    The rest of a row is read only for the rare candidates this leaves within the threshold: the first
    two words of every row take half the memory of whole rows, so more of them stay in the cache.
    """
    words = head.shape[1]
    for i in range(count):
        row = found_at[i]
        query = found_query[i]
        d = popcount((queries[query, 0] ^ head[row, 0]) & ~low_mask)
        for w in range(1, words):
            d += popcount(queries[query, w] ^ head[row, w])
        distance[i] = d


@njit(nogil=True, cache=True)
def _keep(
    queries, found_query, found_at, distance, count, threshold, low_mask, tail, bits, ones, table, dead,
    out_query, out_row, out_distance, kept,
):  # fmt: skip
    first_tail_word = queries.shape[1] - tail.shape[1]
    for i in range(count):
        d = distance[i]
        if d > threshold:
            continue
        row = found_at[i]
        query = found_query[i]
        for w in range(tail.shape[1]):
            d += popcount(queries[query, first_tail_word + w] ^ tail[row, w])
        if d > threshold or dead[row >> 3] >> (row & 7) & 1:
            continue
        # The row's primary chunk is its group in the primary directory: (position of its 1) - row - 1.
        key = select_one(bits, 0, ones, 0, row, table) - row - 1
        d += popcount((queries[query, 0] & low_mask) ^ uint64(key))
        if d <= threshold:
            out_query[kept] = query
            out_row[kept] = row
            out_distance[kept] = d
            kept += 1
    return kept


@njit(nogil=True, cache=True)
def search(
    queries, head, tail, chunks, masks, mask_ranges, bits, zeros, ones, packed, entry_bits, threshold, low_mask, dead,
    table, probe_query, probe_begin, probe_size, found_query, found_at, distance,
):  # fmt: skip
    """(query, row, distance) of every live row within threshold; a pair may come more than once.

    chunks[c] = (start bit, width, directory word base, zero-sample base, packed bit base or -1). Queries
    go in batches that fill the probe buffers; the candidate buffer holds at least the largest group.
    """
    out_query = np.empty(1024, np.int64)
    out_row = np.empty(1024, np.int64)
    out_distance = np.empty(1024, np.int64)
    kept = 0
    for c in range(chunks.shape[0]):
        first_mask, last_mask = mask_ranges[c, 0], mask_ranges[c, 1]
        count_masks = last_mask - first_mask
        if count_masks == 0:
            continue
        chunk_masks = masks[first_mask:last_mask]
        per_batch = max(1, probe_query.shape[0] // count_masks)
        for first in range(0, queries.shape[0], per_batch):
            last = min(queries.shape[0], first + per_batch)
            probes = _probe(
                queries, first, last, chunks[c, 0], chunks[c, 1], chunk_masks, bits, chunks[c, 2], zeros, chunks[c, 3],
                table, probe_query, probe_begin, probe_size,
            )  # fmt: skip
            p = 0
            while p < probes:
                found, p = _collect(
                    p,
                    probes,
                    probe_query,
                    probe_begin,
                    probe_size,
                    packed,
                    chunks[c, 4],
                    entry_bits,
                    found_query,
                    found_at,
                )
                _distances(queries, head, found_query, found_at, found, low_mask, distance)
                if kept + found > out_query.shape[0]:
                    grown = max(2 * out_query.shape[0], kept + found)
                    out_query = _grow(out_query, kept, grown)
                    out_row = _grow(out_row, kept, grown)
                    out_distance = _grow(out_distance, kept, grown)
                kept = _keep(
                    queries, found_query, found_at, distance, found, threshold, low_mask, tail, bits, ones, table, dead,
                    out_query, out_row, out_distance, kept,
                )  # fmt: skip
    return out_query[:kept], out_row[:kept], out_distance[:kept]


@njit(cache=True)
def _grow(array, used, size):
    grown = np.empty(size, array.dtype)
    grown[:used] = array[:used]
    return grown


@njit(nogil=True, cache=True)
def entry_ranks_of(ids, bits, base, zeros, zero_base, packed_low, low_bits, groups, table):
    """Rank of each id among the segment's sorted distinct entry ids (Elias-Fano), or -1 if absent."""
    ranks = np.full(ids.shape[0], -1, np.int64)
    for i in range(ids.shape[0]):
        high = ids[i] >> low_bits
        if high >= groups:
            continue
        position = select_zero(bits, base, zeros, zero_base, high, table)
        begin = position - high
        size = run_after(bits, base, position)
        low = ids[i] & ((1 << low_bits) - 1)
        for rank in range(begin, begin + size):
            if low_bits == 0 or read_packed(packed_low, rank * low_bits, low_bits) == low:
                ranks[i] = rank
                break
    return ranks


@njit(nogil=True, cache=True)
def entry_ids_of(ranks, bits, base, ones, one_base, packed_low, low_bits, table):
    """Entry id of each rank: (its group in the high-bits directory) << low_bits | its low bits."""
    ids = np.empty(ranks.shape[0], np.int64)
    for i in range(ranks.shape[0]):
        rank = ranks[i]
        high = select_one(bits, base, ones, one_base, rank, table) - rank - 1
        low = read_packed(packed_low, rank * low_bits, low_bits) if low_bits else 0
        ids[i] = (high << low_bits) | low
    return ids


@njit(nogil=True, cache=True)
def counting_order(keys, groups):
    """Row numbers sorted by key (ties in row order) by counting sort, and how many rows have each key."""
    counts = np.zeros(groups, np.int64)
    for i in range(keys.shape[0]):
        counts[keys[i]] += 1
    next_slot = np.empty(groups, np.int64)
    total = 0
    for k in range(groups):
        next_slot[k] = total
        total += counts[k]
    order = np.empty(keys.shape[0], np.int64)
    for i in range(keys.shape[0]):
        k = keys[i]
        order[next_slot[k]] = i
        next_slot[k] += 1
    return order, counts


@njit(nogil=True, cache=True)
def pack_into(values, width, packed):
    """Write each value (below 2**width) at bit i * width of `packed` (zeroed, one spare word at the end)."""
    for i in range(values.shape[0]):
        bit = i * width
        word = bit >> 6
        shift = uint64(bit & 63)
        value = uint64(values[i])
        packed[word] |= value << shift
        # The part that spills into the next word; shifting in two steps keeps a shift of 64 out.
        packed[word + 1] |= (value >> (uint64(63) - shift)) >> _ONE


@njit(nogil=True, cache=True)
def rows_with_ranks(head, low_mask, wanted):
    """Rows whose rank field is marked in `wanted` (a bool per rank)."""
    out = np.empty(head.shape[0], np.int64)
    count = 0
    for row in range(head.shape[0]):
        rank = head[row, 0] & low_mask
        if wanted[rank]:
            out[count] = row
            count += 1
    return out[:count]
