"""Index segments on disk, memory-mapped by every web process of a host so the page cache holds one copy.

A *snapshot* is one immutable directory per signal type: each array of a compact segment as its own numpy
`.npy` file (so it can be `np.load(..., mmap_mode=...)`), and `header.json` naming the bank epoch and
sequence number the snapshot is complete up to, the segment's scalar fields, and the size and CRC-32 of
every array file, with a CRC-32 of the header itself. How the files stay trustworthy:

- A snapshot is written into a temporary directory, every file fsynced, and only then renamed into place
  (one atomic rename); a directory without a header, or a leftover temporary one, is never a snapshot.
- Before a process maps a snapshot it checks the header's own checksum, then every file's size and CRC-32
  (about 2 GB/s: a third of a second for a million PDQ entries with their variants). A missing, truncated
  or corrupt file makes the snapshot invalid: it is moved aside and deleted, and a new one is built. It is
  never used.
- The first build, and every later one, runs under an exclusive `fcntl.flock` on a lock file per signal
  type: processes that start together build once; the others wait for the lock and then map the result.

Arrays are mapped copy-on-write (`mmap_mode="c"`): every page is shared with the page cache and the other
processes while it is only read (numba sees ordinary writable arrays, so no kernel is compiled again for
read-only ones). Tombstones, the one part a process changes, are a private copy. Pure Python and numpy,
no Django: `hashing.bank.live` connects it to the bank and the settings.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import mmap
import os
import shutil
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hashing.engine.compact import Directory, EntryIds, Segment
from hashing.engine.index import HammingIndex

logger = logging.getLogger(__name__)

FORMAT = 1
HEADER = "header.json"
_SEGMENT_ARRAYS = ("head", "tail", "dead", "bits", "zeros", "ones", "packed", "chunks", "largest_group")
_ID_ARRAYS = ("ids_bits", "ids_zeros", "ids_ones", "ids_low")


class SnapshotInvalid(Exception):
    """A snapshot directory that must not be used: missing, partial or corrupt."""


@dataclass(frozen=True)
class Snapshot:
    """A verified snapshot, mapped: the index it holds and the bank position it is complete up to."""

    path: Path
    epoch: str
    seq: int
    index: HammingIndex


def _crc_of_file(path: Path) -> int:
    size = path.stat().st_size
    if size == 0:
        return 0
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        return zlib.crc32(mapped)


def _crc_of_mapped(path: Path, array: np.ndarray) -> int:
    """CRC-32 of a `.npy` file whose data `array` maps: its header read from the file, its data read through the map.

    Reading the data through the process's own mapping, not a second one, also enters its pages in this
    process's page tables while it is checked, so a freshly started worker's first match does not take those
    page faults itself.
    """
    size = path.stat().st_size
    data = size - array.nbytes
    with open(path, "rb") as handle:
        header = handle.read(data)
    # A header that lies about the data (a corrupt file mapped as Fortran order, or bigger than the file) cannot
    # be read through the map as bytes: checksum the file as it is, which then does not match.
    if len(header) != data or not array.flags.c_contiguous:
        return _crc_of_file(path)
    return zlib.crc32(memoryview(array).cast("B"), zlib.crc32(header)) if array.nbytes else zlib.crc32(header)


def _header_crc(header: dict) -> int:
    body = {k: v for k, v in header.items() if k != "crc32"}
    return zlib.crc32(json.dumps(body, sort_keys=True).encode())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SegmentStore:
    """The snapshots of one signal type under `root` (one sub-directory per snapshot)."""

    def __init__(self, root: Path | str, signal_type: str, index_class: type[HammingIndex]) -> None:
        self.root = Path(root)
        self.signal_type = signal_type
        self.index_class = index_class
        self.prefix = f"{signal_type}-"

    # -- naming ---------------------------------------------------------------------------------

    def _epoch_prefix(self, epoch: str) -> str:
        if not all(c.isalnum() or c == "_" for c in epoch):
            raise ValueError(f"a bank epoch of letters and digits, got {epoch!r}")
        return f"{self.prefix}{epoch or 'none'}-"

    def _name(self, epoch: str, seq: int) -> str:
        # Sequence numbers are zero-padded so names sort in bank order; the random tail keeps names unique.
        return f"{self._epoch_prefix(epoch)}{seq:020d}-{uuid.uuid4().hex[:12]}"

    def snapshots(self, epoch: str | None = None) -> list[Path]:
        """Snapshot directories (of one bank epoch, or all), newest first (complete or not: `load` checks)."""
        if not self.root.is_dir():
            return []
        prefix = self.prefix if epoch is None else self._epoch_prefix(epoch)
        found = [p for p in self.root.iterdir() if p.is_dir() and p.name.startswith(prefix)]
        return sorted(found, key=lambda p: p.name.rsplit("-", 2)[-2], reverse=True)

    def newest_name(self, epoch: str) -> str | None:
        """The name of the newest snapshot directory of this epoch, without reading it (one directory listing)."""
        names = self.snapshots(epoch)
        return names[0].name if names else None

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive lock among every process on this host that writes or first builds this signal type."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(self.root / f"{self.signal_type}.lock", "a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    # -- writing --------------------------------------------------------------------------------

    def write(self, index: HammingIndex, *, epoch: str, seq: int) -> Path:
        """Write the index's main segment as a new snapshot complete up to `seq`; returns its directory.

        The index must hold one segment only (as `from_arrays` builds it): a snapshot is one segment.
        """
        if index._recent is not None or len(index._delta_words):
            raise ValueError("only an index of one segment (fresh from from_arrays) can be written")
        # The bank's hashes: readable by the portal's own user only, like the rest of VAR_DIR's private files.
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = self._name(epoch, seq)
        temporary = self.root / f".tmp-{name}"
        temporary.mkdir()
        try:
            header = {
                "format": FORMAT,
                "signal_type": self.signal_type,
                "bits": self.index_class.bits,
                "max_threshold": index.max_threshold,
                "epoch": epoch,
                "seq": seq,
                "written_at": time.time(),
                "empty": index._main is None,
                "files": {},
            }
            segment = index._main
            if segment is not None:
                header["segment"] = {
                    "layout": list(segment.layout),
                    "starts": list(segment.starts),
                    "low_mask": int(segment.low_mask),
                    "row_bits": segment.row_bits,
                    "length": segment.length,
                    "dead_count": segment.dead_count,
                    "primary_words": segment.primary_words,
                    "ids_low_bits": segment.ids.low_bits,
                    "ids_count": segment.ids.count,
                    "ids_groups": segment.ids.directory.groups,
                }
                for field, array in _arrays_of(segment).items():
                    path = temporary / f"{field}.npy"
                    np.save(path, np.ascontiguousarray(array))
                    with open(path, "rb+") as handle:
                        os.fsync(handle.fileno())
                    header["files"][field] = {"size": path.stat().st_size, "crc32": _crc_of_file(path)}
            header["crc32"] = _header_crc(header)
            with open(temporary / HEADER, "w") as handle:
                json.dump(header, handle, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            _fsync_dir(temporary)
            final = self.root / name
            os.rename(temporary, final)
            _fsync_dir(self.root)
            return final
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise

    # -- reading --------------------------------------------------------------------------------

    def load(self, path: Path) -> Snapshot:
        """Verify a snapshot directory and map it; SnapshotInvalid if anything is missing or does not match."""
        try:
            header = json.loads((path / HEADER).read_text())
        except (OSError, ValueError) as exc:
            raise SnapshotInvalid(f"{path.name}: no readable header ({exc})") from exc
        if not isinstance(header, dict) or header.get("crc32") != _header_crc(header):
            raise SnapshotInvalid(f"{path.name}: header checksum does not match")
        if header.get("format") != FORMAT or header.get("signal_type") != self.signal_type:
            raise SnapshotInvalid(f"{path.name}: not a format-{FORMAT} {self.signal_type} snapshot")
        if header.get("bits") != self.index_class.bits:
            raise SnapshotInvalid(f"{path.name}: vectors of {header.get('bits')} bits")
        index = self.index_class(max_threshold=header["max_threshold"], last_seq=header["seq"])
        if not header["empty"]:
            arrays = {}
            for field, expected in header["files"].items():
                file = path / f"{field}.npy"
                try:
                    size = file.stat().st_size
                    if size != expected["size"]:
                        raise SnapshotInvalid(f"{path.name}: {file.name} has {size} bytes, not {expected['size']}")
                    mapped = np.asarray(np.load(file, mmap_mode="c", allow_pickle=False))
                    if _crc_of_mapped(file, mapped) != expected["crc32"]:
                        raise SnapshotInvalid(f"{path.name}: {file.name} checksum does not match")
                    arrays[field] = mapped
                except (OSError, ValueError) as exc:
                    raise SnapshotInvalid(f"{path.name}: {file.name} unreadable ({exc})") from exc
            missing = set(_SEGMENT_ARRAYS + _ID_ARRAYS) - set(arrays)
            if missing:
                raise SnapshotInvalid(f"{path.name}: arrays missing: {', '.join(sorted(missing))}")
            index._main = _segment_from(header["segment"], arrays)
        return Snapshot(path=path, epoch=header["epoch"], seq=header["seq"], index=index)

    def discard(self, path: Path, reason: str) -> None:
        """Move an invalid snapshot out of the way (an atomic rename), then delete it."""
        logger.warning("bank index snapshot %s is not used and is deleted: %s", path.name, reason)
        aside = self.root / f".bad-{path.name}-{uuid.uuid4().hex[:6]}"
        with contextlib.suppress(OSError):
            os.rename(path, aside)
            shutil.rmtree(aside, ignore_errors=True)

    def load_newest(self, epoch: str) -> Snapshot | None:
        """The newest valid snapshot of this bank epoch; invalid ones met on the way are discarded."""
        for path in self.snapshots(epoch):
            try:
                snapshot = self.load(path)
            except SnapshotInvalid as exc:
                self.discard(path, str(exc))
                continue
            if snapshot.epoch == epoch:
                return snapshot
        return None

    def load_or_build(self, epoch: str, build: Callable[[], tuple[HammingIndex, str, int]]) -> tuple[Snapshot, bool]:
        """The newest valid snapshot of `epoch`, or one built now under the lock; (snapshot, built here)."""
        snapshot = self.load_newest(epoch)
        if snapshot is not None:
            return snapshot, False
        with self.lock():
            # Another process may have built it while this one waited for the lock.
            snapshot = self.load_newest(epoch)
            if snapshot is not None:
                return snapshot, False
            index, built_epoch, seq = build()
            path = self.write(index, epoch=built_epoch, seq=seq)
            del index
            self.prune(built_epoch)
            return self.load(path), True

    def prune(self, epoch: str, keep: int = 1) -> int:
        """Delete every snapshot but this epoch's newest `keep` (a process mapping one keeps its pages); how many."""
        kept = set(self.snapshots(epoch)[:keep])
        removed = 0
        for path in [p for p in self.snapshots() if p not in kept]:
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
        for path in self.root.glob(f".tmp-{self.prefix}*"):
            # A temporary directory older than an hour is a writer that died half way.
            with contextlib.suppress(OSError):
                if time.time() - path.stat().st_mtime > 3600:
                    shutil.rmtree(path, ignore_errors=True)
        return removed


def _arrays_of(segment: Segment) -> dict[str, np.ndarray]:
    arrays = {name: getattr(segment, name) for name in _SEGMENT_ARRAYS}
    arrays["ids_bits"] = segment.ids.directory.bits
    arrays["ids_zeros"] = segment.ids.directory.zeros
    arrays["ids_ones"] = segment.ids.directory.ones
    arrays["ids_low"] = segment.ids.low
    return arrays


def _segment_from(fields: dict, arrays: dict[str, np.ndarray]) -> Segment:
    """A segment over mapped arrays, as `Segment.__init__` would have left it."""
    directory = Directory.__new__(Directory)
    directory.bits, directory.zeros, directory.ones = arrays["ids_bits"], arrays["ids_zeros"], arrays["ids_ones"]
    directory.groups = fields["ids_groups"]
    ids = EntryIds.__new__(EntryIds)
    ids.directory, ids.low = directory, arrays["ids_low"]
    ids.low_bits, ids.count = fields["ids_low_bits"], fields["ids_count"]
    segment = Segment.__new__(Segment)
    for name in _SEGMENT_ARRAYS:
        setattr(segment, name, arrays[name])
    # Tombstones change in each process: a private copy, not the shared mapping.
    segment.dead = np.array(arrays["dead"], dtype=np.uint8, copy=True)
    segment.ids = ids
    segment.layout = tuple(fields["layout"])
    segment.starts = tuple(fields["starts"])
    segment.low_mask = np.uint64(fields["low_mask"])
    segment.row_bits = fields["row_bits"]
    segment.length = fields["length"]
    segment.dead_count = fields["dead_count"]
    segment.primary_words = fields["primary_words"]
    return segment
