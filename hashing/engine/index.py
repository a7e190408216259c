"""In-memory near-duplicate index of the hash bank: exact Hamming-radius search over PDQ and pHash vectors.

Pure Python, numpy and numba, no Django: the bank's services feed it and the match API reads it.

How it finds every vector within the threshold t, and nothing else (multi-index hashing): the bits
are cut into k chunks with radii r_1..r_k such that sum(r_i + 1) > t. If a bank vector is within t
of the query, some chunk i differs in at most r_i bits (pigeonhole), so enumerating every key within
r_i of the query's chunk i, in every chunk's table, finds it. Every candidate is then verified over
all its bits, so the answer is exact. The layout (how many chunks, how wide) is chosen for the bank's
size from a cost model within a memory budget; see `layout.choose_layout`. The tables themselves are
compact, immutable segments (`hashing.engine.compact`): about 62 bytes per 256-bit vector, ids included.

Changes are incremental. New vectors go to a small unsorted `delta` that queries scan by brute force;
when it outgrows `delta_limit` it becomes part of a second, "recent" segment (rebuilt from the recent
vectors only), and the recent segment is folded into the main one once it passes an eighth of it, so
the cost of adding a vector stays small on average. Withdrawn vectors are tombstoned and dropped at the
next rebuild, done early when tombstones pass a quarter of the bank. Web processes keep in step by
replaying the bank's change feed through `apply_changes`, which skips what `last_seq` says it has.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from hashing.engine.compact import Segment, count_distinct
from hashing.engine.feed import ADD, WITHDRAW, Change, check_entry_id, read_changes
from hashing.engine.layout import MAX_CHUNK_BITS, MAX_PRIMARY_BITS, choose_layout, radii_for
from hashing.engine.vectors import BitVectors, parse_hashes

# Queries per search call on one thread: enough to amortise the call, few enough to share out.
_QUERY_BATCH = 512
# A request smaller than threads x _QUERY_BATCH is still shared out, down to spans of this many queries, so
# one partner's batch of 100 hashes uses every thread: its latency, not only a big batch's, scales with cores.
_MIN_SPAN = 16


class Match(NamedTuple):
    entry_id: int
    distance: int


class HammingIndex:
    """Bank entries, each with one or more bit vectors, searchable by Hamming distance up to max_threshold."""

    bits = 256
    default_threshold = 31
    name = "hash"
    # Bytes per vector the layout may spend (see layout.choose_layout): the 64 for PDQ.
    budget: float | None = None

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
            not layout
            or sum(layout) > self.bits
            or not 1 <= layout[0] <= MAX_PRIMARY_BITS
            or not all(1 <= w <= MAX_CHUNK_BITS for w in layout[1:])
        ):
            raise ValueError(
                f"layout must be chunk widths adding up to at most {self.bits} bits: the first of 1 to"
                f" {MAX_PRIMARY_BITS}, the others of 1 to {MAX_CHUNK_BITS}"
            )
        # A fixed layout (for tests and experiments); by default it is chosen for each segment's size.
        self.fixed_layout = tuple(layout) if layout is not None else None
        self.delta_limit = delta_limit
        self.threads = threads
        self.last_seq = last_seq
        self._words = self.bits // 64
        self._empty_words = np.empty((0, self._words), dtype=np.uint64)
        self._main: Segment | None = None
        self._recent: Segment | None = None
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
        words = np.ascontiguousarray(words, dtype=np.uint64).reshape(-1, index._words)
        entries = _entry_array(entry_ids)
        if len(words) != len(entries):
            raise ValueError(f"{len(entries)} entry ids for {len(words)} vectors")
        index._main = index._segment(words, entries)
        return index

    def _segment(self, words: np.ndarray, entries: np.ndarray) -> Segment | None:
        if not len(words):
            return None
        layout = self.fixed_layout or choose_layout(
            self.bits, self.max_threshold, len(words), entries=count_distinct(entries), budget=self.budget
        )
        segment = Segment(words, entries, layout)
        _return_free_memory()
        return segment

    def _fold(self) -> None:
        """Move the delta into the recent segment, or everything into a new main segment."""
        main, recent = self._main, self._recent
        live_main = len(main) - main.dead_count if main else 0
        live_recent = len(recent) - recent.dead_count if recent else 0
        dead = (main.dead_count if main else 0) + (recent.dead_count if recent else 0)
        total = live_main + live_recent + len(self._delta_words)
        if live_recent + len(self._delta_words) > max(live_main // 8, self.delta_limit) or dead * 4 > total:
            # The recent part is large, or many tombstones: one new main segment with everything live.
            sources, target = (main, recent), "_main"
            self._main = None
        else:
            sources, target = (recent,), "_recent"
        self._recent = None
        parts = [s.live_vectors() for s in sources if s is not None]
        words = np.concatenate([*(p[0] for p in parts), self._delta_words])
        entries = np.concatenate([*(p[1] for p in parts), self._delta_entries])
        setattr(self, target, self._segment(words, entries))
        self._delta_words = self._empty_words
        self._delta_entries = np.empty(0, np.int64)

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
        for segment in (self._main, self._recent):
            if segment is not None:
                segment.kill_entries(touched)
        if len(self._delta_entries):
            keep = ~np.isin(self._delta_entries, touched)
            self._delta_words = self._delta_words[keep]
            self._delta_entries = self._delta_entries[keep]
        added = [(entry, words) for entry, words in final.items() if words is not None]
        if added:
            self._delta_words = np.concatenate([self._delta_words, *(w for _e, w in added)])
            self._delta_entries = np.concatenate(
                [self._delta_entries, *(np.full(len(w), e, np.int64) for e, w in added)]
            )
        dead = sum(s.dead_count for s in (self._main, self._recent) if s is not None)
        if len(self._delta_words) > self.delta_limit or dead * 4 > max(self._stored(), self.delta_limit):
            self._fold()

    def _stored(self) -> int:
        return sum(len(s) for s in (self._main, self._recent) if s is not None)

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
        spans = _spans(len(queries), self.threads)
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

    def _search_span(self, queries: np.ndarray, span: tuple[int, int], t: int) -> tuple[np.ndarray, ...]:
        q = queries[span[0] : span[1]]
        parts = [s.search(q, t) for s in (self._main, self._recent) if s is not None]
        if len(self._delta_words):
            d_rows, d_index, d_dist = brute_force_pairs(q, self._delta_words, t)
            parts.append((d_rows, self._delta_entries[d_index], d_dist))
        if not parts:
            return np.empty(0, np.intp), np.empty(0, np.int64), np.empty(0, np.int32)
        rows = np.concatenate([p[0] for p in parts]).astype(np.intp)
        entries = np.concatenate([p[1] for p in parts]).astype(np.int64)
        distances = np.concatenate([p[2] for p in parts]).astype(np.int32)
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
        stored = sum(len(s) - s.dead_count for s in (self._main, self._recent) if s is not None)
        return stored + len(self._delta_words)

    @property
    def layout(self) -> tuple[int, ...]:
        """The main segment's chunk widths, primary first (empty before anything is folded in)."""
        return self._main.layout if self._main is not None else ()

    def nbytes(self) -> int:
        """Bytes held by the index's arrays (the honest floor of its memory use)."""
        stored = sum(s.nbytes() for s in (self._main, self._recent) if s is not None)
        return stored + self._delta_words.nbytes + self._delta_entries.nbytes


class PdqIndex(HammingIndex):
    """PDQ (256 bits); a match is within 31 bits unless a partner asks for less."""

    bits = 256
    default_threshold = 31
    name = "PDQ hash"
    budget = 64.0


class PhashIndex(HammingIndex):
    """64-bit pHash; a match is within 10 bits unless a partner asks for less."""

    bits = 64
    default_threshold = 10
    name = "pHash"


def brute_force_pairs(queries: np.ndarray, words: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    rows, index, dist = brute_force_pairs(queries, words, threshold)
    best: list[dict[int, int]] = [{} for _ in range(len(queries))]
    for r, i, d in zip(rows.tolist(), index.tolist(), dist.tolist(), strict=True):
        entry = int(entry_ids[i])
        if d < best[r].get(entry, d + 1):
            best[r][entry] = d
    return [sorted((Match(e, d) for e, d in b.items()), key=lambda m: (m.distance, m.entry_id)) for b in best]


def _return_free_memory() -> None:
    """Hand the allocator's free pages back to the system once a build's temporaries are gone.

    Building a segment allocates several times its size in short-lived arrays; glibc keeps much of that
    in its heap afterwards, which a long-running web process would carry for nothing.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def warm_up() -> None:
    """Compile (or load from numba's cache) every kernel the indexes use, e.g. while an image is built."""
    rng = np.random.default_rng(0)
    for index_class in (PdqIndex, PhashIndex):
        words = rng.integers(0, 1 << 64, size=(300, index_class.bits // 64), dtype=np.uint64)
        index = index_class.from_arrays(np.arange(300), words, threads=1)
        index.query_arrays(words[:3])
        index.withdraw(1)
        index._fold()


def _spans(count: int, threads: int) -> list[tuple[int, int]]:
    """Near-equal (begin, end) spans of `count` queries: at most _QUERY_BATCH each, and at least one per thread
    while each still has _MIN_SPAN queries."""
    if count == 0:
        return []
    pieces = max(-(-count // _QUERY_BATCH), min(max(threads, 1), count // _MIN_SPAN))
    bounds = [count * i // pieces for i in range(pieces + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(pieces)]


def _entry_array(ids: Sequence[int] | np.ndarray) -> np.ndarray:
    """Entry ids as int64, each checked to be between 0 and 2**63 - 1."""
    if isinstance(ids, np.ndarray) and ids.dtype.kind in "iu":
        array = ids
    else:
        array = np.array([check_entry_id(i) for i in ids], dtype=np.int64)
    if len(array) and (array.min() < 0 or int(array.max()) >= 1 << 63):
        raise ValueError("entry ids must be between 0 and 2**63 - 1")
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
    "brute_force_pairs",
    "brute_force_query",
    "check_entry_id",
    "choose_layout",
    "parse_hashes",
    "radii_for",
    "read_changes",
    "warm_up",
]
