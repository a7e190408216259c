"""In-memory near-duplicate index of the hash bank: exact Hamming-radius search over PDQ and pHash vectors.

Pure Python and numpy, no Django: the bank's services feed it and the match API reads it.

How it finds every vector within the threshold t, and nothing else (multi-index hashing):
the bits are cut into k chunks with radii r_1..r_k such that sum(r_i + 1) > t. If a bank vector
is within t of the query, some chunk i differs in at most r_i bits (pigeonhole), so enumerating
every key within r_i of the query's chunk i, in every table, finds it. Each table groups the
vectors by one chunk: `order` (vector slots sorted by chunk key) and `offsets` (where each key's
group starts), so a probe is two array reads. Every candidate is then verified with a popcount
over all its bits, so the answer is exact. The chunk layout (how many chunks, how wide) is chosen
for the bank's size from a cost model; see `layout.choose_layout`.

Memory per vector: 32 bytes of hash, 4 of entry id (8 if an id passes 2**32), 4 per table (12 to
14 tables for 1 to 10 million vectors) and the offsets (at most 16): about 100 bytes in all.
Fewer tables would need larger radii, whose probes cost more than the candidates they save.

Changes are incremental: new vectors go to a small unsorted `delta` that queries scan by brute
force, and are merged into the sorted tables (an O(n) insert per table, not a re-sort) once it
outgrows `delta_limit`. Withdrawn vectors are tombstoned in a bitmap and dropped at the next
compaction, done when tombstones pass a quarter of the bank. Web processes keep in step by
replaying the bank's change feed through `apply_changes`, which skips what `last_seq` says it has.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from hashing.bank.feed import ADD, WITHDRAW, Change, check_entry_id, read_changes
from hashing.bank.layout import MAX_CHUNK_BITS, ball_size, choose_layout, chunk_keys, flip_masks, radii_for
from hashing.bank.vectors import BitVectors, parse_hashes

# Work per batch of queries, in verified candidates: keeps temporaries to some tens of megabytes.
_BATCH_CANDIDATES = 1 << 20


class Match(NamedTuple):
    entry_id: int
    distance: int


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamming distances between matching rows of two (n, w) uint64 arrays; `a` is overwritten."""
    np.bitwise_xor(a, b, out=a)
    return np.bitwise_count(a).sum(axis=1, dtype=np.int32)


def _near_halves(candidates: np.ndarray, queries: np.ndarray, threshold: int) -> np.ndarray:
    """Rows where the first half of the bits is already within threshold; `candidates` is overwritten.

    For a random candidate half the bits alone are some 64 apart for PDQ, so this first pass, which
    reads only 16 of the 32 bytes, rejects nearly all of them; the survivors are checked in full.
    """
    np.bitwise_xor(candidates, queries, out=candidates)
    counts = np.bitwise_count(candidates)
    if counts.shape[1] == 2:
        # Both byte counts (at most 64 each) summed by one multiply into the high byte.
        packed = counts.view(np.uint16).ravel()
        return np.flatnonzero((packed * np.uint16(0x0101)) >> np.uint16(8) <= threshold)
    return np.flatnonzero(counts.sum(axis=1, dtype=np.int32) <= threshold)


class _Segment:
    """The sorted part of the index: vectors, their entries, one counting-sorted table per chunk.

    Vectors are kept as two arrays, the first and second half of their words, so that verifying a
    candidate usually reads only the first half (see `_near_halves`).
    """

    def __init__(self, words: np.ndarray, entries: np.ndarray, layout: tuple[int, ...], *, threads: int) -> None:
        n = len(words)
        if n >= 1 << 32:
            raise ValueError("the index holds at most 2**32 - 1 vectors")
        self.split = max(1, words.shape[1] // 2)
        self.lo = np.ascontiguousarray(words[:, : self.split])
        self.hi = np.ascontiguousarray(words[:, self.split :])
        self.entries = entries
        self.layout = layout
        self.starts = tuple(int(s) for s in np.cumsum((0, *layout[:-1])))
        self.dead = np.zeros((n + 7) // 8, dtype=np.uint8)
        self.dead_count = 0

        def build(i: int) -> tuple[np.ndarray, np.ndarray]:
            keys = chunk_keys(words, self.starts[i], layout[i])
            # Sorting (key << 32 | slot) as one uint64 is a stable argsort, and several times faster.
            packed = keys.astype(np.uint64) << np.uint64(32)
            packed |= np.arange(n, dtype=np.uint64)
            packed.sort()
            order = packed.astype(np.uint32)
            del packed
            offsets = np.zeros((1 << layout[i]) + 1, dtype=np.uint32)
            np.cumsum(np.bincount(keys, minlength=1 << layout[i]), out=offsets[1:])
            return order, offsets

        if threads > 1 and n > 100_000:
            with ThreadPoolExecutor(threads) as pool:
                tables = list(pool.map(build, range(len(layout))))
        else:
            tables = [build(i) for i in range(len(layout))]
        self.orders = [t[0] for t in tables]
        self.offsets = [t[1] for t in tables]

    def __len__(self) -> int:
        return len(self.lo)

    def words(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        return np.hstack([self.lo[rows], self.hi[rows]])

    def nbytes(self) -> int:
        arrays = [self.lo, self.hi, self.entries, self.dead, *self.orders, *self.offsets]
        return sum(a.nbytes for a in arrays)

    def live_mask(self, slots: np.ndarray) -> np.ndarray:
        return ((self.dead[slots >> 3] >> (slots & 7).astype(np.uint8)) & 1) == 0

    def kill(self, slots: np.ndarray) -> None:
        slots = slots[self.live_mask(slots)]
        np.bitwise_or.at(self.dead, slots >> 3, (np.uint8(1) << (slots & 7).astype(np.uint8)))
        self.dead_count += len(slots)

    def extend(self, words: np.ndarray, entries: np.ndarray) -> None:
        """Insert vectors into every table without re-sorting: O(n) per table."""
        first = len(self)
        new_slots = np.arange(first, first + len(words), dtype=np.uint32)
        for i, width in enumerate(self.layout):
            keys = chunk_keys(words, self.starts[i], width)
            by_key = np.argsort(keys, kind="stable")
            offsets = self.offsets[i]
            # Each new slot goes at the end of its key's group, after the existing ones.
            at = offsets[keys[by_key].astype(np.intp) + 1].astype(np.intp)
            self.orders[i] = np.insert(self.orders[i], at, new_slots[by_key])
            grown = np.zeros_like(offsets)
            np.cumsum(np.bincount(keys, minlength=1 << width), out=grown[1:])
            self.offsets[i] = offsets + grown
        self.lo = np.concatenate([self.lo, words[:, : self.split]])
        self.hi = np.concatenate([self.hi, words[:, self.split :]])
        self.entries = _entry_array(np.concatenate([self.entries.astype(np.int64), entries.astype(np.int64)]))
        dead = np.zeros((len(self) + 7) // 8, dtype=np.uint8)
        dead[: len(self.dead)] = self.dead
        self.dead = dead

    def search(self, queries: np.ndarray, threshold: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query row, slot, distance) of every live vector within threshold; a pair may repeat."""
        found_q: list[np.ndarray] = []
        found_slot: list[np.ndarray] = []
        # Each query's first half as one opaque item, so it can be repeated per candidate in one copy.
        q_lo = np.ascontiguousarray(queries[:, : self.split]).view(f"V{8 * self.split}").ravel()
        radii = radii_for(self.layout, threshold) if len(self) else []
        for i, (width, radius) in enumerate(zip(self.layout, radii, strict=False)):
            if radius < 0:
                continue
            masks = flip_masks(width, radius)
            keys = chunk_keys(queries, self.starts[i], width)
            probes = (keys[:, None] ^ masks[None, :]).ravel()
            offsets = self.offsets[i]
            begins = offsets.take(probes)
            lengths = offsets.take(probes + np.uint32(1)) - begins
            hit = np.flatnonzero(lengths)
            if len(hit) == 0:
                continue
            lengths = lengths[hit]
            ends = np.cumsum(lengths, dtype=np.intp)
            # Positions begins[j] .. begins[j] + lengths[j] - 1 for every probe j, without a Python loop.
            shift = begins[hit].astype(np.intp) - ends + lengths
            positions = np.arange(ends[-1], dtype=np.intp) + np.repeat(shift, lengths)
            slots = self.orders[i].take(positions)
            # Probes are in query order, so each query's candidates are one run: where each run ends.
            next_query_probe = np.arange(1, len(queries) + 1) * len(masks)
            query_ends = np.concatenate(([0], ends))[np.searchsorted(hit, next_query_probe)]
            per_query = np.diff(query_ends, prepend=0)
            mine = np.repeat(q_lo, per_query).view(np.uint64).reshape(-1, self.split)
            near = _near_halves(self.lo.take(slots, axis=0), mine, threshold)
            found_q.append(np.searchsorted(query_ends, near, side="right"))
            found_slot.append(slots[near])
        if not found_q:
            return np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0, np.int32)
        rows = np.concatenate(found_q)
        slots = np.concatenate(found_slot).astype(np.intp)
        distances = _distances(self.words(slots), queries[rows])
        keep = distances <= threshold
        if self.dead_count:
            keep &= self.live_mask(slots)
        return rows[keep], slots[keep], distances[keep]


class HammingIndex:
    """Bank entries, each with one or more bit vectors, searchable by Hamming distance up to max_threshold."""

    bits = 256
    default_threshold = 31
    name = "hash"

    def __init__(
        self,
        *,
        max_threshold: int | None = None,
        delta_limit: int = 4096,
        threads: int = 2,
        last_seq: int = 0,
        layout: Sequence[int] | None = None,
    ) -> None:
        self.max_threshold = self.default_threshold if max_threshold is None else max_threshold
        if not 0 <= self.max_threshold < self.bits:
            raise ValueError(f"max_threshold must be between 0 and {self.bits - 1}")
        if layout is not None and (
            not layout or sum(layout) > self.bits or not all(1 <= w <= MAX_CHUNK_BITS for w in layout)
        ):
            raise ValueError(
                f"layout must be chunk widths of 1 to {MAX_CHUNK_BITS} bits adding up to at most {self.bits}"
            )
        # A fixed layout (for tests and experiments); by default it is chosen for the bank's size.
        self.fixed_layout = tuple(layout) if layout is not None else None
        self.delta_limit = delta_limit
        self.threads = threads
        self.last_seq = last_seq
        self._words = self.bits // 64
        self._empty_words = np.empty((0, self._words), dtype=np.uint64)
        self._main = _Segment(self._empty_words, np.empty(0, np.uint32), (), threads=1)
        self._layout_size = 0
        self._delta_words = self._empty_words
        self._delta_entries = np.empty(0, np.int64)

    # -- building -------------------------------------------------------------------------------

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[int, str | bytes]], **options: object) -> HammingIndex:
        """Build from (entry_id, hash) pairs, e.g. the bank's active rows on start; an entry may repeat."""
        ids: list[int] = []
        hashes: list[str | bytes] = []
        for entry_id, value in pairs:
            ids.append(entry_id)
            hashes.append(value)
        vectors = parse_hashes(hashes, bits=cls.bits, name=cls.name)
        return cls.from_arrays(_entry_array(ids), vectors.words, **options)

    @classmethod
    def from_arrays(cls, entry_ids: np.ndarray, words: np.ndarray, **options: object) -> HammingIndex:
        """Build from parallel arrays: entry ids and (n, bits/64) uint64 vectors (see `vectors.parse_hashes`)."""
        index = cls(**options)  # type: ignore[arg-type]
        index._rebuild(np.ascontiguousarray(words, dtype=np.uint64), _entry_array(entry_ids))
        return index

    def _rebuild(self, words: np.ndarray, entries: np.ndarray) -> None:
        layout = self.fixed_layout or choose_layout(self.bits, self.max_threshold, len(words))
        self._main = _Segment(words, entries, layout, threads=self.threads)
        self._layout_size = len(words)
        self._delta_words = self._empty_words
        self._delta_entries = np.empty(0, entries.dtype)

    def _merge_delta(self) -> None:
        main = self._main
        total = len(main) - main.dead_count + len(self._delta_words)
        if main.dead_count * 4 > len(main) or total > 2 * self._layout_size or not main.layout:
            # Compaction, or the bank outgrew its layout: sort afresh with a layout for the new size.
            live = np.flatnonzero(main.live_mask(np.arange(len(main), dtype=np.intp)))
            words = np.concatenate([main.words(live), self._delta_words])
            entries = np.concatenate([main.entries[live], self._delta_entries])
            self._rebuild(words, _entry_array(entries))
        else:
            main.extend(self._delta_words, self._delta_entries)
            self._delta_words = self._empty_words
            self._delta_entries = np.empty(0, main.entries.dtype)

    # -- changes --------------------------------------------------------------------------------

    def add(self, entry_id: int, hashes: Sequence[str | bytes]) -> None:
        """Set an entry's vectors (replacing any it had); outside the change feed, last_seq is untouched."""
        self._apply_net({check_entry_id(entry_id): parse_hashes(hashes, bits=self.bits, name=self.name).words})

    def withdraw(self, entry_id: int) -> None:
        """Remove an entry's vectors; an entry the index does not hold is ignored."""
        self._apply_net({check_entry_id(entry_id): None})

    def apply_changes(self, changes: Iterable[Change | tuple]) -> int:
        """Apply the change feed from where `last_seq` says this index is; returns how many were new.

        Rows already applied (seq <= last_seq) are skipped, so a replay is harmless. New rows must come
        in increasing seq order; the whole batch is checked before anything changes.
        """
        pending, last = read_changes(
            changes, self.last_seq, lambda hashes: parse_hashes(hashes, bits=self.bits, name=self.name).words
        )
        if pending:
            # Only each entry's last change in the batch matters: the same end state as one by one.
            self._apply_net(dict(pending))
            self.last_seq = last
        return len(pending)

    def _apply_net(self, final: dict[int, np.ndarray | None]) -> None:
        touched = np.fromiter(final.keys(), dtype=np.int64, count=len(final))
        main = self._main
        if len(main):
            hit = np.flatnonzero(np.isin(main.entries, touched))
            if len(hit):
                main.kill(hit.astype(np.intp))
        if len(self._delta_entries):
            keep = ~np.isin(self._delta_entries, touched)
            self._delta_words = self._delta_words[keep]
            self._delta_entries = self._delta_entries[keep]
        added = [(entry, words) for entry, words in final.items() if words is not None]
        if added:
            words = np.concatenate([self._delta_words, *(w for _e, w in added)])
            entries = np.concatenate(
                [self._delta_entries.astype(np.int64), *(np.full(len(w), e, np.int64) for e, w in added)]
            )
            self._delta_words, self._delta_entries = words, entries
        if len(self._delta_words) > self.delta_limit or main.dead_count * 4 > max(len(main), self.delta_limit):
            self._merge_delta()

    # -- queries --------------------------------------------------------------------------------

    def query(self, hashes: Sequence[str | bytes], threshold: int | None = None) -> list[list[Match]]:
        """For each hash, the entries within threshold, nearest first, each once with its smallest distance."""
        vectors = parse_hashes(hashes, bits=self.bits, name=self.name)
        rows, entries, distances = self.query_arrays(vectors.words, threshold)
        out: list[list[Match]] = [[] for _ in range(len(vectors))]
        for row, entry, distance in zip(rows.tolist(), entries.tolist(), distances.tolist(), strict=True):
            out[row].append(Match(entry, distance))
        return out

    def query_arrays(
        self, queries: np.ndarray, threshold: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Array form of `query`: (query row, entry id, distance), sorted by row, distance, entry id."""
        t = self._check_threshold(threshold)
        queries = np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1, self._words)
        batch = self._batch_size()
        spans = [(i, min(i + batch, len(queries))) for i in range(0, len(queries), batch)]
        if self.threads > 1 and len(spans) > 1:
            with ThreadPoolExecutor(self.threads) as pool:
                parts = list(pool.map(lambda s: self._search_span(queries, s, t), spans))
        else:
            parts = [self._search_span(queries, s, t) for s in spans]
        if not parts:
            return np.empty(0, np.intp), np.empty(0, np.int64), np.empty(0, np.int32)
        rows = np.concatenate([p[0] for p in parts])
        entries = np.concatenate([p[1] for p in parts])
        distances = np.concatenate([p[2] for p in parts])
        return rows, entries, distances

    def _check_threshold(self, threshold: int | None) -> int:
        t = self.max_threshold if threshold is None else threshold
        if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t <= self.max_threshold:
            raise ValueError(f"threshold must be a whole number from 0 to {self.max_threshold}, got {threshold!r}")
        return t

    def _batch_size(self) -> int:
        main = self._main
        if not main.layout:
            return 1024
        per_query = sum(
            ball_size(w, r) * (1 + len(main) / (1 << w))
            for w, r in zip(main.layout, radii_for(main.layout, self.max_threshold), strict=True)
        )
        return int(min(4096, max(16, _BATCH_CANDIDATES // max(per_query, 1))))

    def _search_span(self, queries: np.ndarray, span: tuple[int, int], t: int) -> tuple[np.ndarray, ...]:
        q = queries[span[0] : span[1]]
        rows, slots, distances = self._main.search(q, t)
        entries = self._main.entries[slots].astype(np.int64)
        if len(self._delta_words):
            d_rows, d_index, d_dist = _brute_force(q, self._delta_words, t)
            rows = np.concatenate([rows, d_rows])
            entries = np.concatenate([entries, self._delta_entries[d_index].astype(np.int64)])
            distances = np.concatenate([distances, d_dist])
        # One result per (query, entry), the smallest distance over the entry's vectors.
        order = np.lexsort((distances, entries, rows))
        rows, entries, distances = rows[order], entries[order], distances[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (entries[1:] != entries[:-1])
        rows, entries, distances = rows[first], entries[first], distances[first]
        order = np.lexsort((entries, distances, rows))
        return rows[order] + span[0], entries[order], distances[order]

    # -- introspection --------------------------------------------------------------------------

    @property
    def vector_count(self) -> int:
        """Live vectors: every hash of every entry, variants included."""
        return len(self._main) - self._main.dead_count + len(self._delta_words)

    @property
    def layout(self) -> tuple[int, ...]:
        return self._main.layout

    def nbytes(self) -> int:
        """Bytes held by the index's arrays (the honest floor of its memory use)."""
        return self._main.nbytes() + self._delta_words.nbytes + self._delta_entries.nbytes


class PdqIndex(HammingIndex):
    """PDQ (256 bits); a match is within 31 bits unless a partner asks for less."""

    bits = 256
    default_threshold = 31
    name = "PDQ hash"


class PhashIndex(HammingIndex):
    """64-bit pHash; a match is within 10 bits unless a partner asks for less."""

    bits = 64
    default_threshold = 10
    name = "pHash"


def _brute_force(queries: np.ndarray, words: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (query row, vector row, distance) within t, by comparing all pairs, some million at a time."""
    rows, index, dist = [], [], []
    words_step = 1 << 18
    queries_step = max(1, (1 << 20) // max(min(len(words), words_step), 1))
    for w_begin in range(0, len(words), words_step):
        block = words[w_begin : w_begin + words_step]
        for q_begin in range(0, len(queries), queries_step):
            pairs = queries[q_begin : q_begin + queries_step, None, :] ^ block[None, :, :]
            counts = np.bitwise_count(pairs).sum(axis=2, dtype=np.int32)
            r, i = np.nonzero(counts <= t)
            rows.append(r + q_begin)
            index.append(i + w_begin)
            dist.append(counts[r, i])
    if not rows:
        return np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0, np.int32)
    return np.concatenate(rows), np.concatenate(index), np.concatenate(dist)


def brute_force_query(
    entry_ids: np.ndarray, words: np.ndarray, queries: np.ndarray, threshold: int
) -> list[list[Match]]:
    """Reference answer by scanning every vector: what the index must return, for tests and the bench."""
    rows, index, dist = _brute_force(queries, words, threshold)
    best: list[dict[int, int]] = [{} for _ in range(len(queries))]
    for r, i, d in zip(rows.tolist(), index.tolist(), dist.tolist(), strict=True):
        entry = int(entry_ids[i])
        if d < best[r].get(entry, d + 1):
            best[r][entry] = d
    return [sorted((Match(e, d) for e, d in b.items()), key=lambda m: (m.distance, m.entry_id)) for b in best]


def _entry_array(ids: Sequence[int] | np.ndarray) -> np.ndarray:
    """Entry ids as uint32 when they all fit (4 bytes per vector), else int64."""
    if isinstance(ids, np.ndarray) and ids.dtype.kind in "iu":
        array = ids
    else:
        array = np.array([check_entry_id(i) for i in ids], dtype=np.int64)
    if len(array) and (array.min() < 0 or int(array.max()) >= 1 << 63):
        raise ValueError("entry ids must be between 0 and 2**63 - 1")
    if not len(array) or int(array.max()) < 1 << 32:
        return array.astype(np.uint32, copy=False)
    return array.astype(np.int64, copy=False)


__all__ = [
    "ADD",
    "WITHDRAW",
    "BitVectors",
    "Change",
    "HammingIndex",
    "Match",
    "PdqIndex",
    "PhashIndex",
    "brute_force_query",
    "check_entry_id",
    "choose_layout",
    "parse_hashes",
    "radii_for",
    "read_changes",
]
