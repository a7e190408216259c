"""The shared index snapshots: what a process maps answers exactly as the in-memory index and a brute-force
scan; a corrupt, partial or missing file is detected and rebuilt, never used; processes that start together
build once; and web processes on the real database map one snapshot and catch up from the change sequence."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest

from hashing.bank.store import SegmentStore, SnapshotInvalid
from hashing.engine.index import PdqIndex, PhashIndex, brute_force_query

EPOCH = "e1"


def bank(seed: int = 1, entries: int = 3000, variants: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Entries with `variants` vectors each, half of them near a few shared centres so queries find many."""
    rng = np.random.default_rng(seed)
    words = rng.integers(0, 1 << 64, size=(entries * variants, 4), dtype=np.uint64)
    centres = rng.integers(0, 1 << 64, size=(20, 4), dtype=np.uint64)
    near = rng.integers(0, len(words), size=len(words) // 2)
    noise = rng.integers(0, 1 << 64, size=(len(near), 4), dtype=np.uint64)
    noise &= rng.integers(0, 1 << 64, size=noise.shape, dtype=np.uint64)
    noise &= rng.integers(0, 1 << 64, size=noise.shape, dtype=np.uint64)
    noise &= rng.integers(0, 1 << 64, size=noise.shape, dtype=np.uint64)  # about 32 of 256 bits set
    words[near] = centres[near % 20] ^ noise
    ids = np.repeat(np.arange(1, entries + 1, dtype=np.int64) * 3, variants)
    return ids, words


def queries(words: np.ndarray, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    picked = words[rng.integers(0, len(words), size=200)].copy()
    picked[:, 0] ^= rng.integers(0, 1 << 16, size=200, dtype=np.uint64)
    return np.vstack([picked, rng.integers(0, 1 << 64, size=(50, 4), dtype=np.uint64)])


def as_lists(index, q: np.ndarray, threshold: int = 31):
    rows, entries, distances = index.query_arrays(q, threshold)
    out = [[] for _ in range(len(q))]
    for r, e, d in zip(rows.tolist(), entries.tolist(), distances.tolist(), strict=True):
        out[r].append((e, d))
    return out


def written(tmp_path: Path, seed: int = 1) -> tuple[SegmentStore, Path, np.ndarray, np.ndarray]:
    ids, words = bank(seed)
    store = SegmentStore(tmp_path, "ImagePDQ", PdqIndex)
    path = store.write(PdqIndex.from_arrays(ids, words, last_seq=77), epoch=EPOCH, seq=77)
    return store, path, ids, words


def test_a_mapped_snapshot_answers_exactly_as_the_in_memory_index_and_a_brute_force_scan(tmp_path):
    store, path, ids, words = written(tmp_path)
    snapshot = store.load(path)
    assert (snapshot.epoch, snapshot.seq, snapshot.index.last_seq) == (EPOCH, 77, 77)
    assert isinstance(snapshot.index._main.head.base, np.memmap) or isinstance(snapshot.index._main.head, np.memmap)
    q = queries(words)
    expected = [[(m.entry_id, m.distance) for m in found] for found in brute_force_query(ids, words, q, 31)]
    assert sum(map(len, expected)) > 200  # the queries do find things
    assert as_lists(snapshot.index, q) == as_lists(PdqIndex.from_arrays(ids, words), q) == expected


def test_a_mapped_snapshot_takes_changes_without_touching_the_file(tmp_path):
    store, path, _ids, words = written(tmp_path)
    before = {f.name: f.read_bytes() for f in path.iterdir()}
    index = store.load(path).index
    index.withdraw(3)
    index.add(999_999, [bytes(32)])
    found = as_lists(index, np.vstack([words[:1], np.zeros((1, 4), np.uint64)]))
    assert 3 not in [e for e, _d in found[0]] and found[1][0] == (999_999, 0)
    assert {f.name: f.read_bytes() for f in path.iterdir()} == before
    assert 3 in [e for e, _d in as_lists(store.load(path).index, words[:1])[0]]


def test_phash_snapshots_round_trip(tmp_path):
    rng = np.random.default_rng(5)
    words = rng.integers(0, 1 << 64, size=(5000, 1), dtype=np.uint64)
    ids = np.arange(5000, dtype=np.int64)
    store = SegmentStore(tmp_path, "pHash", PhashIndex)
    index = store.load(store.write(PhashIndex.from_arrays(ids, words), epoch=EPOCH, seq=3)).index
    q = words[:100] ^ np.uint64(0b1011)
    assert as_lists(index, q, 10) == [
        [(m.entry_id, m.distance) for m in found] for found in brute_force_query(ids, words, q, 10)
    ]


def flip_one_byte(file: Path, offset: int) -> None:
    with open(file, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0x10]))


@pytest.mark.parametrize("field", ["head", "tail", "packed", "bits", "ids_low", "dead"])
def test_one_corrupt_byte_in_any_array_makes_the_snapshot_invalid(tmp_path, field):
    store, path, _ids, _words = written(tmp_path)
    file = path / f"{field}.npy"
    flip_one_byte(file, file.stat().st_size - 1)
    with pytest.raises(SnapshotInvalid, match="checksum"):
        store.load(path)


def test_a_corrupt_header_makes_the_snapshot_invalid(tmp_path):
    store, path, _ids, _words = written(tmp_path)
    text = (path / "header.json").read_text().replace('"seq": 77', '"seq": 99')
    (path / "header.json").write_text(text)
    with pytest.raises(SnapshotInvalid, match="header checksum"):
        store.load(path)


@pytest.mark.parametrize("damage", ["truncated", "missing file", "no header"])
def test_partial_or_missing_files_make_the_snapshot_invalid(tmp_path, damage):
    store, path, _ids, _words = written(tmp_path)
    if damage == "truncated":
        file = path / "head.npy"
        os.truncate(file, file.stat().st_size // 2)
    elif damage == "missing file":
        (path / "packed.npy").unlink()
    else:
        (path / "header.json").unlink()
    with pytest.raises(SnapshotInvalid):
        store.load(path)


def test_a_corrupt_snapshot_is_rebuilt_never_used(tmp_path):
    store, path, ids, words = written(tmp_path)
    flip_one_byte(path / "head.npy", (path / "head.npy").stat().st_size - 9)
    builds = []

    def build():
        builds.append(1)
        return PdqIndex.from_arrays(ids, words, last_seq=80), EPOCH, 80

    snapshot, built = store.load_or_build(EPOCH, build)
    assert built and builds == [1] and snapshot.seq == 80
    assert not path.exists()  # the corrupt one is gone
    q = queries(words)
    assert as_lists(snapshot.index, q) == as_lists(PdqIndex.from_arrays(ids, words), q)
    # The next process maps the rebuilt snapshot without building.
    again, built_again = store.load_or_build(EPOCH, build)
    assert not built_again and again.path == snapshot.path and builds == [1]


def test_a_leftover_temporary_directory_is_never_a_snapshot(tmp_path):
    store, path, _ids, _words = written(tmp_path)
    os.rename(path, tmp_path / f".tmp-{path.name}")
    assert store.load_newest(EPOCH) is None


def test_a_snapshot_of_another_bank_epoch_is_not_used(tmp_path):
    store, _path, _ids, _words = written(tmp_path)
    assert store.load_newest("otherepoch") is None
    assert store.load_newest(EPOCH) is not None


def _start_worker(root: str, barrier, results, seed: int) -> None:
    """A process as a web worker starts: find the snapshot or build it, then answer a query."""
    ids, words = bank(seed)
    store = SegmentStore(root, "ImagePDQ", PdqIndex)

    def build():
        with open(Path(root) / "builds.log", "a") as log:
            log.write(f"{os.getpid()}\n")
        return PdqIndex.from_arrays(ids, words, last_seq=5), EPOCH, 5

    barrier.wait()
    snapshot, built = store.load_or_build(EPOCH, build)
    results.put((os.getpid(), built, as_lists(snapshot.index, queries(words))))


def test_processes_that_start_together_build_one_snapshot_and_all_map_it(tmp_path):
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(4)
    results = context.Queue()
    workers = [context.Process(target=_start_worker, args=(str(tmp_path), barrier, results, 1)) for _ in range(4)]
    for worker in workers:
        worker.start()
    answers = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    builders = (tmp_path / "builds.log").read_text().split()
    assert len(builders) == 1
    assert sum(built for _pid, built, _found in answers) == 1
    ids, words = bank(1)
    expected = as_lists(PdqIndex.from_arrays(ids, words), queries(words))
    assert all(found == expected for _pid, _built, found in answers)
    assert len(SegmentStore(tmp_path, "ImagePDQ", PdqIndex).snapshots(EPOCH)) == 1


def signal_pause() -> None:
    import signal

    while True:
        signal.pause()


def _build_and_die(root: str, holding) -> None:
    """A worker killed while it builds: it holds the lock, says so, and waits to be killed."""
    store = SegmentStore(root, "ImagePDQ", PdqIndex)
    with store.lock():
        holding.set()
        signal_pause()


def test_a_worker_killed_while_building_does_not_block_the_next_one(tmp_path):
    import signal

    context = multiprocessing.get_context("fork")
    holding = context.Event()
    dying = context.Process(target=_build_and_die, args=(str(tmp_path), holding))
    dying.start()
    assert holding.wait(timeout=60)
    os.kill(dying.pid, signal.SIGKILL)
    dying.join(timeout=60)
    ids, words = bank(3)
    store = SegmentStore(tmp_path, "ImagePDQ", PdqIndex)
    snapshot, built = store.load_or_build(EPOCH, lambda: (PdqIndex.from_arrays(ids, words, last_seq=1), EPOCH, 1))
    assert built and snapshot.seq == 1
    assert not list(tmp_path.glob(".tmp-*"))
