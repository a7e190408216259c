"""One immutable, compact part of the bank's Hamming index: rows, chunk tables and entry ids in about 60 bytes a vector.

Multi-index hashing (see `hashing.engine.index` for the guarantee): the bits are cut into chunks; each
chunk has a table grouping the rows by that chunk's key, and a query probes, in every table, each key
within the chunk's radius of its own. How the memory is kept down:

- Rows are stored sorted by the first ("primary") chunk, so the primary table needs no list of rows:
  its groups are runs of consecutive rows. Its directory alone (about 0.3 bytes a row) says where
  each run starts, and which run a row is in gives back the row's primary chunk.
- The primary chunk's bits in each row are therefore free; they hold the row's entry *rank* (its
  place among the segment's sorted distinct entry ids), and the ids themselves are Elias-Fano coded
  (about 2 bits each for a bank's dense ids). No 4-byte id per row.
- The other tables list row numbers bit-packed at just the width the row count needs (20 bits for a
  million rows), and find a key's group through a directory bit string, not a 4-byte offsets array.

A segment never changes after it is built, except for tombstones (`kill_entries`): the index above adds
vectors by building new segments and merging them.
"""

from __future__ import annotations

import numpy as np

from hashing.engine import kernels
from hashing.engine.layout import chunk_keys, flip_masks, radii_for

# Words of each row read for every candidate (see kernels._distances).
_HEAD_WORDS = 2
# Candidate buffers per search call: at most this many rows gathered before they are verified.
_BUFFER = 1 << 16


def _bits_for(count: int) -> int:
    """Bits needed to write the numbers 0 .. count - 1."""
    return max(1, int(count - 1).bit_length())


def pack(values: np.ndarray, width: int) -> np.ndarray:
    """Values below 2**width, `width` bits each, into uint64 words (plus one spare word for the reader)."""
    packed = np.zeros((len(values) * width + 63) // 64 + 1, dtype=np.uint64)
    if width and len(values):
        kernels.pack_into(np.ascontiguousarray(values, dtype=np.int64), width, packed)
    return packed


def unpack(packed: np.ndarray, width: int, count: int) -> np.ndarray:
    if width == 0 or count == 0:
        return np.zeros(count, dtype=np.int64)
    positions = np.arange(count, dtype=np.int64) * width
    words = positions >> 6
    shifts = (positions & 63).astype(np.uint64)
    value = packed[words] >> shifts
    # Shifting by 64 is undefined, so the second word is shifted in two steps.
    value |= (packed[words + 1] << (np.uint64(63) - shifts)) << np.uint64(1)
    return (value & np.uint64((1 << width) - 1)).astype(np.int64)


class Directory:
    """For keys 0 .. groups - 1 (sorted input), one 0 per key followed by one 1 per entry under it."""

    def __init__(self, counts: np.ndarray, *, ones: bool = False) -> None:
        """From the number of entries under each key."""
        groups = len(counts)
        count = int(counts.sum())
        total = groups + count
        if total >= 1 << 32:
            raise ValueError("a directory holds fewer than 2**32 keys and entries")
        zero_positions = np.zeros(groups, dtype=np.int64)
        np.cumsum(counts[:-1], out=zero_positions[1:])
        zero_positions += np.arange(groups, dtype=np.int64)
        # A final 0 after the last group ends its run; one more spare word for readers that look ahead.
        words = (total + 1) // 64 + 2
        bits = np.ones(words * 64, dtype=np.uint8)
        bits[zero_positions] = 0
        bits[total] = 0
        self.bits = np.packbits(bits, bitorder="little").view("<u8").astype(np.uint64)
        self.zeros = zero_positions[:: kernels.SAMPLE_EVERY].astype(np.uint32)
        if ones:
            # The i-th 1 comes after the 0s of keys 0 .. its key and the i 1s before it.
            sorted_keys = np.repeat(np.arange(groups, dtype=np.int64), counts)
            one_positions = sorted_keys + np.arange(1, count + 1, dtype=np.int64)
            self.ones = one_positions[:: kernels.SAMPLE_EVERY].astype(np.uint32)
        else:
            self.ones = np.zeros(0, np.uint32)
        self.groups = groups

    def nbytes(self) -> int:
        return self.bits.nbytes + self.zeros.nbytes + self.ones.nbytes


def group_of_each(directory: Directory, count: int) -> np.ndarray:
    """The key of every entry, in order: for the i-th 1 bit, (its position) - i - 1."""
    bits = np.unpackbits(directory.bits.view(np.uint8), bitorder="little")
    ones = np.flatnonzero(bits[: directory.groups + count])
    return ones - np.arange(1, count + 1, dtype=np.int64)


class EntryIds:
    """Sorted distinct entry ids, Elias-Fano coded: low bits packed, high bits as a directory."""

    def __init__(self, sorted_ids: np.ndarray) -> None:
        count = len(sorted_ids)
        universe = int(sorted_ids[-1]) + 1 if count else 1
        self.low_bits = max(0, (universe // max(count, 1)).bit_length() - 1)
        self.count = count
        highs = np.asarray(sorted_ids, dtype=np.int64) >> self.low_bits
        self.directory = Directory(np.bincount(highs, minlength=(universe >> self.low_bits) + 1), ones=True)
        lows = np.asarray(sorted_ids, dtype=np.int64) & ((1 << self.low_bits) - 1)
        self.low = pack(lows, self.low_bits)

    def nbytes(self) -> int:
        return self.directory.nbytes() + self.low.nbytes

    def ids_of(self, ranks: np.ndarray) -> np.ndarray:
        d = self.directory
        return kernels.entry_ids_of(
            np.ascontiguousarray(ranks, np.int64), d.bits, 0, d.ones, 0, self.low, self.low_bits,
            kernels._SELECT_IN_BYTE,
        )  # fmt: skip

    def ranks_of(self, ids: np.ndarray) -> np.ndarray:
        d = self.directory
        return kernels.entry_ranks_of(
            np.ascontiguousarray(ids, np.int64), d.bits, 0, d.zeros, 0, self.low, self.low_bits, d.groups,
            kernels._SELECT_IN_BYTE,
        )  # fmt: skip

    def all(self) -> np.ndarray:
        highs = group_of_each(self.directory, self.count)
        return (highs << self.low_bits) | unpack(self.low, self.low_bits, self.count)


class Segment:
    """Rows sorted by the primary chunk, one table per other chunk, entry ids, and tombstones."""

    def __init__(self, words: np.ndarray, entries: np.ndarray, layout: tuple[int, ...]) -> None:
        n = len(words)
        if not layout or not n:
            raise ValueError("a segment needs vectors and a layout")
        if n >= 1 << 32:
            raise ValueError("a segment holds at most 2**32 - 1 vectors")
        self.layout = layout
        self.starts = tuple(int(s) for s in np.cumsum((0, *layout[:-1])))
        distinct, ranks = _distinct(np.asarray(entries, dtype=np.int64))
        primary = layout[0]
        if len(distinct) > 1 << primary:
            raise ValueError(f"the primary chunk ({primary} bits) cannot number {len(distinct):,} entries")
        self.ids = EntryIds(distinct)
        self.low_mask = np.uint64((1 << primary) - 1)
        self.row_bits = _bits_for(n)
        self.dead = np.zeros(n // 8 + 1, dtype=np.uint8)
        self.dead_count = 0
        self.length = n
        order, counts = kernels.counting_order(chunk_keys(words, 0, primary), 1 << primary)
        directories = [Directory(counts, ones=True)]
        largest = [int(counts.max())]
        tables = []
        for start, width in zip(self.starts[1:], layout[1:], strict=True):
            # Each table's keys in stored (primary) order, taken from the input rows: the sorted rows are never
            # copied whole, which at 80 million vectors would be 2.5 GB more at the build's peak.
            by_key, counts = kernels.counting_order(chunk_keys(words, start, width)[order], 1 << width)
            directories.append(Directory(counts))
            tables.append(pack(by_key, self.row_bits))
            largest.append(int(counts.max()))
        # Rows in two arrays: the first two words, which verify nearly every candidate, and the rest.
        self.head = np.ascontiguousarray(words[order, :_HEAD_WORDS], dtype=np.uint64)
        self.tail = np.ascontiguousarray(words[order, _HEAD_WORDS:], dtype=np.uint64)
        # The primary chunk's place in each row now holds the row's entry rank.
        self.head[:, 0] = (self.head[:, 0] & ~self.low_mask) | ranks[order].astype(np.uint64)

        self.bits = np.concatenate([d.bits for d in directories])
        self.zeros = np.concatenate([d.zeros for d in directories])
        self.ones = directories[0].ones
        self.packed = np.concatenate(tables) if tables else np.zeros(2, np.uint64)
        bit_bases = np.cumsum([0] + [64 * len(t) for t in tables])
        word_bases = np.cumsum([0] + [len(d.bits) for d in directories])
        zero_bases = np.cumsum([0] + [len(d.zeros) for d in directories])
        self.chunks = np.array(
            [
                (start, width, word_bases[c], zero_bases[c], -1 if c == 0 else bit_bases[c - 1])
                for c, (start, width) in enumerate(zip(self.starts, layout, strict=True))
            ],
            dtype=np.int64,
        )
        # The candidate buffer must hold the largest group of any table: a probe's group is taken whole.
        self.largest_group = np.array(largest, dtype=np.int64)
        self.primary_words = len(directories[0].bits)

    def __len__(self) -> int:
        return self.length

    def nbytes(self) -> int:
        arrays = [self.head, self.tail, self.dead, self.bits, self.zeros, self.ones, self.packed]
        return sum(a.nbytes for a in arrays) + self.ids.nbytes()

    # -- tombstones -----------------------------------------------------------------------------

    def live_mask(self) -> np.ndarray:
        return np.unpackbits(self.dead, bitorder="little")[: self.length] == 0

    def kill_entries(self, entry_ids: np.ndarray) -> None:
        ranks = self.ids.ranks_of(entry_ids)
        ranks = ranks[ranks >= 0]
        if not len(ranks):
            return
        wanted = np.zeros(self.ids.count, dtype=np.bool_)
        wanted[ranks] = True
        rows = kernels.rows_with_ranks(self.head, self.low_mask, wanted)
        rows = rows[self.live_mask()[rows]]
        np.bitwise_or.at(self.dead, rows >> 3, (np.uint8(1) << (rows & 7).astype(np.uint8)))
        self.dead_count += len(rows)

    # -- contents -------------------------------------------------------------------------------

    def live_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(words, entry ids) of the live rows, with each row's primary chunk put back."""
        live = self.live_mask()
        words = np.hstack([self.head[live], self.tail[live]])
        ids = self.ids.all()
        ranks = (words[:, 0] & self.low_mask).astype(np.int64)
        primary = self.primary_keys()[live]
        words[:, 0] = (words[:, 0] & ~self.low_mask) | primary.astype(np.uint64)
        return words, ids[ranks]

    # -- search ---------------------------------------------------------------------------------

    def search(self, queries: np.ndarray, threshold: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query row, entry id, distance) of every live vector within threshold; a pair may repeat."""
        if not len(queries):
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
        radii = radii_for(self.layout, threshold)
        masks = [
            flip_masks(w, r) if r >= 0 else np.zeros(0, np.uint32) for w, r in zip(self.layout, radii, strict=True)
        ]
        ends = np.cumsum([len(m) for m in masks])
        mask_ranges = np.stack([ends - [len(m) for m in masks], ends], axis=1).astype(np.int64)
        all_masks = np.concatenate(masks).astype(np.int64)
        probes = max(_BUFFER, int(max(len(m) for m in masks)))
        capacity = max(_BUFFER, int(self.largest_group.max()))
        queries = np.ascontiguousarray(queries, dtype=np.uint64)
        q, rows, d = kernels.search(
            queries, self.head, self.tail, self.chunks, all_masks, mask_ranges, self.bits, self.zeros, self.ones,
            self.packed, self.row_bits, threshold, self.low_mask, self.dead, kernels._SELECT_IN_BYTE,
            np.empty(probes, np.int64), np.empty(probes, np.int64), np.empty(probes, np.int64),
            np.empty(capacity, np.int64), np.empty(capacity, np.int64), np.empty(capacity, np.int64),
        )  # fmt: skip
        ranks = (self.head[rows, 0] & self.low_mask).astype(np.int64)
        return q, self.ids.ids_of(ranks), d

    def primary_keys(self) -> np.ndarray:
        """Every row's primary chunk: the group its 1 bit is in, in the primary directory."""
        bits = np.unpackbits(self.bits[: self.primary_words].view(np.uint8), bitorder="little")
        ones = np.flatnonzero(bits[: (1 << self.layout[0]) + self.length])
        return ones - np.arange(1, self.length + 1, dtype=np.int64)


def count_distinct(entries: np.ndarray) -> int:
    ordered = entries if _is_sorted(entries) else np.sort(entries)
    return int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1 if len(ordered) else 0


def _is_sorted(values: np.ndarray) -> bool:
    return len(values) < 2 or bool(np.all(values[1:] >= values[:-1]))


def _distinct(entries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct entry ids and each vector's rank among them (ids usually arrive sorted already)."""
    if not _is_sorted(entries):
        order = np.argsort(entries, kind="stable")
        ordered = entries[order]
    else:
        order, ordered = None, entries
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    ranks = np.cumsum(first) - 1
    if order is not None:
        ranks[order] = ranks.copy()
    return ordered[first], ranks
