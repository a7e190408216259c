"""Each web process's own copy of the bank's near-duplicate indexes, kept in step with the database.

A process builds an index from the database on first use, then, before every match, reads the bank
clock (one primary-key lookup) and replays only the entries changed since (`seq > last_seq`, an index
range scan). Every process therefore answers from the same committed bank without rebuilding per change.
The clock's lock makes changes visible in sequence order (see hashing.bank.clock), so after reading
clock value C, one query sees every change up to C and the index may claim `last_seq = C`.
"""

from __future__ import annotations

import logging
import threading
import time
from array import array
from collections.abc import Sequence

import numpy as np

from hashing.bank.clock import clock_read
from hashing.bank.store import SegmentStore
from hashing.bank.videos import signal_vectors
from hashing.engine.index import ADD, WITHDRAW, Change, HammingIndex, Match, PdqIndex, PhashIndex
from hashing.models import BankEntry, BankStatus, SignalType

logger = logging.getLogger(__name__)

_PDQ_BYTES = 32
_LOAD_CHUNK = 20_000


def _entry_vectors(
    signal_type: str, value: str, variants: bytes | memoryview | None, vpdq_signal: str | None = None
) -> bytes:
    """The vectors an entry is matched by, concatenated: its value, plus for PDQ its 8 rotation and flip variants;
    for vPDQ its frames' PDQ hashes that vPDQ compares (hashing.bank.videos), never its value."""
    if signal_type == SignalType.VPDQ:
        return signal_vectors(vpdq_signal or "")
    own = bytes.fromhex(value)
    if signal_type != SignalType.IMAGE_PDQ or not variants:
        return own
    raw = bytes(variants)
    if any(raw[i : i + _PDQ_BYTES] == own for i in range(0, len(raw), _PDQ_BYTES)):
        return raw
    return own + raw


def _split(vectors: bytes, size: int) -> list[bytes]:
    return [vectors[i : i + size] for i in range(0, len(vectors), size)]


class LiveIndex:
    """One signal type's index in this process, caught up from the bank's change sequence before each query."""

    def __init__(self, signal_type: str, index_class: type[HammingIndex], *, store: SegmentStore | None = None) -> None:
        self.signal_type = signal_type
        self.index_class = index_class
        self.index: HammingIndex | None = None
        self.epoch: str | None = None
        self.rebuilds = 0
        # With a store, the index is a mapped snapshot shared by the host's processes (hashing.bank.store)
        # plus this process's own catch-up; `builds` counts the snapshots this process built itself.
        self.store = store
        self.snapshot_name: str | None = None
        self.builds = 0
        self._vector_bytes = index_class.bits // 8
        self._lock = threading.Lock()

    @property
    def last_seq(self) -> int:
        return self.index.last_seq if self.index is not None else 0

    def refresh(self) -> None:
        """Bring the index up to the committed bank: a full build the first time, only the changes after."""
        with self._lock:
            self._refresh()

    def _refresh(self) -> None:
        clock = clock_read()
        epoch, value = clock if clock else ("", 0)
        if self.index is None or epoch != self.epoch or value < self.index.last_seq:
            # First use, a recreated bank (new epoch) or a clock behind us (a restored database): rebuild.
            self._rebuild(epoch, value)
        elif self.store is not None and self.store.newest_name(epoch) not in (None, self.snapshot_name):
            # A newer snapshot was written (the beat task): map it, so this process's catch-up stays small.
            self._rebuild(epoch, value)
        elif value > self.index.last_seq:
            self._catch_up(value)

    def _rebuild(self, epoch: str, clock_value: int) -> None:
        if self.store is None:
            self.index = self._build(clock_value)
            self.epoch = epoch
            self.rebuilds += 1
            return
        for _attempt in range(2):
            as_of = clock_value
            snapshot, built = self.store.load_or_build(epoch, lambda as_of=as_of: (self._build(as_of), epoch, as_of))
            self.builds += built
            if snapshot.seq <= clock_value:
                break
            # The snapshot was written after this process read the clock: read it again before trusting it.
            current = clock_read()
            if current is not None and current.epoch == epoch and current.value >= snapshot.seq:
                clock_value = current.value
                break
            self.store.discard(snapshot.path, "it is ahead of the bank clock (a database restored from backup?)")
        self.index, self.epoch = snapshot.index, epoch
        self.snapshot_name = self.store.newest_name(epoch)
        self.rebuilds += 1
        if clock_value > self.index.last_seq:
            self._catch_up(clock_value)

    def _build(self, clock_value: int) -> HammingIndex:
        """A full index of the bank's active entries, as of at least `clock_value` (read from the database)."""
        # One growing buffer of raw vectors and one of entry ids: no Python object per vector, so a bank of
        # a million entries (9 million vectors) loads in seconds and little more memory than the index itself.
        raw = bytearray()
        ids = array("q")
        rows = (
            BankEntry.objects.filter(signal_type=self.signal_type, status=BankStatus.ACTIVE)
            .order_by()
            .values_list("id", "value", "pdq_variants", "vpdq_signal")
            .iterator(chunk_size=_LOAD_CHUNK)
        )
        for entry_id, value, variants, signal in rows:
            vectors = _entry_vectors(self.signal_type, value, variants, signal)
            raw += vectors
            ids.extend([entry_id] * (len(vectors) // self._vector_bytes))
        # Little-endian words from the raw bytes: the layout hashing.engine.vectors.parse_hashes gives queries.
        # Read in place (no copy of the buffer, which at 80 million vectors is 2.5 GB each) where the machine's
        # own order is little-endian, as on x86 and ARM; converted elsewhere.
        words = np.frombuffer(raw, dtype="<u8").reshape(-1, self._vector_bytes // 8)
        if words.dtype != np.dtype(np.uint64):
            words = words.astype(np.uint64)
        entry_ids = np.frombuffer(ids, dtype=np.int64) if ids else np.empty(0, np.int64)
        return self.index_class.from_arrays(entry_ids, words, last_seq=clock_value)

    def _catch_up(self, clock_value: int) -> None:
        assert self.index is not None
        rows = (
            BankEntry.objects.filter(signal_type=self.signal_type, seq__gt=self.index.last_seq)
            .order_by("seq", "id")
            .values_list("seq", "id", "status", "value", "pdq_variants", "vpdq_signal")
        )
        changes = [
            Change(
                seq,
                ADD,
                entry_id,
                _split(_entry_vectors(self.signal_type, value, variants, signal), self._vector_bytes),
            )
            if status == BankStatus.ACTIVE
            else Change(seq, WITHDRAW, entry_id)
            for seq, entry_id, status, value, variants, signal in rows
        ]
        self.index.apply_changes(changes)
        # Changes up to the clock value read before the query are all in it: nothing older can appear later.
        self.index.last_seq = max(self.index.last_seq, clock_value)

    def query(self, hashes: Sequence[str], threshold: int) -> list[list[Match]]:
        with self._lock:
            self._refresh()
            assert self.index is not None
            return self.index.query(hashes, threshold)


# vPDQ entries sit in a PDQ index of their own, one vector per usable frame: it finds the candidate videos.
_INDEX_CLASSES: dict[str, type[HammingIndex]] = {
    SignalType.IMAGE_PDQ: PdqIndex,
    SignalType.PHASH: PhashIndex,
    SignalType.VPDQ: PdqIndex,
}
_process_indexes: dict[str, LiveIndex] = {}
_registry_lock = threading.Lock()


def segment_store(signal_type: str) -> SegmentStore | None:
    """The host's shared snapshots of this signal type, or None where BANK_INDEX_DIR is empty (each process builds)."""
    from django.conf import settings

    root = getattr(settings, "BANK_INDEX_DIR", None)
    return SegmentStore(root, signal_type, _INDEX_CLASSES[signal_type]) if root else None


def live_index(signal_type: str) -> LiveIndex:
    """This process's index for PDQ, pHash or vPDQ frames, created on first use."""
    with _registry_lock:
        if signal_type not in _process_indexes:
            _process_indexes[signal_type] = LiveIndex(
                signal_type, _INDEX_CLASSES[signal_type], store=segment_store(signal_type)
            )
        return _process_indexes[signal_type]


def live_indexes_warm() -> dict[str, float]:
    """Build this process's PDQ, pHash and vPDQ indexes now (seconds per type), so the first match does not wait.

    Called by each gunicorn worker as it starts (gunicorn.conf.py): the worker serves no request until it
    returns. A database that cannot be read leaves the indexes to be built on first use, as before.
    """
    from django.db import DatabaseError

    seconds = {}
    for signal_type in _INDEX_CLASSES:
        started = time.perf_counter()
        try:
            index = live_index(signal_type)
            index.refresh()
            # One search, so the numba search kernels are loaded from their cache now, not on the first match.
            if index.index is not None:
                index.index.query_arrays(np.zeros((1, index.index.bits // 64), np.uint64), 0)
        except DatabaseError as exc:
            logger.warning("bank index %s not warmed (%s); it is built on first use", signal_type, exc)
            break
        seconds[signal_type] = time.perf_counter() - started
    return seconds


def index_snapshot_write(*, signal_type: str, min_changes: int) -> str | None:
    """Write a new shared snapshot of one signal type when the bank moved `min_changes` past the newest one.

    Run by the beat task (hashing.tasks): every web process then maps the new snapshot at its next query and
    replays only what came after it, instead of folding a growing catch-up into private memory. The newest
    snapshot is replaced whole by one built from the database (the merge of the old snapshot with every change
    since), and older ones are deleted. Returns the new snapshot's name, or None when nothing was due.
    """
    store = segment_store(signal_type)
    clock = clock_read()
    if store is None or clock is None:
        return None
    with store.lock():
        newest = store.load_newest(clock.epoch)
        if newest is not None:
            changed = BankEntry.objects.filter(signal_type=signal_type, seq__gt=newest.seq).count()
            if changed < min_changes:
                return None
        builder = LiveIndex(signal_type, _INDEX_CLASSES[signal_type])
        clock = clock_read() or clock
        path = store.write(builder._build(clock.value), epoch=clock.epoch, seq=clock.value)
        store.prune(clock.epoch)
        return path.name
