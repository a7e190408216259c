"""The compact segments under the bank's index: packed numbers, Elias-Fano ids, tombstones, memory, big groups."""

from __future__ import annotations

import numpy as np
import pytest

from hashing.engine import kernels
from hashing.engine.compact import EntryIds, Segment, pack, unpack
from hashing.engine.index import Match, PdqIndex, PhashIndex, brute_force_query, warm_up
from hashing.engine.layout import choose_layout, layout_bytes
from hashing.engine.vectors import words_to_hex


def random_words(rng: np.random.Generator, count: int, words: int = 4) -> np.ndarray:
    return rng.integers(0, 1 << 64, size=(count, words), dtype=np.uint64)


@pytest.mark.parametrize("width", [1, 2, 7, 13, 20, 24, 31, 33, 47, 63])
def test_packed_numbers_read_back_exactly_at_every_width(width):
    rng = np.random.default_rng(width)
    values = rng.integers(0, 1 << width, size=1000, dtype=np.int64)
    values[:3] = [0, (1 << width) - 1, 1]
    packed = pack(values, width)
    assert packed.nbytes <= (1000 * width) // 8 + 16
    assert np.array_equal(unpack(packed, width, 1000), values)
    # The kernels read single values at any offset the same way.
    for i in (0, 1, 499, 999):
        assert kernels.read_packed(packed, i * width, width) == values[i]


@pytest.mark.parametrize(
    "ids",
    [
        [7],
        list(range(1, 5001)),
        [0, 5, 6, 1 << 20, (1 << 40) + 3, (1 << 62) + 11, (1 << 63) - 1],
        sorted(np.random.default_rng(1).choice(10**9, size=3000, replace=False).tolist()),
    ],
    ids=["one", "dense", "huge gaps", "sparse"],
)
def test_entry_ids_survive_elias_fano_coding(ids):
    coded = EntryIds(np.array(ids, dtype=np.int64))
    ranks = np.arange(len(ids))
    assert coded.all().tolist() == ids
    assert coded.ids_of(ranks).tolist() == ids
    assert coded.ranks_of(np.array(ids, dtype=np.int64)).tolist() == ranks.tolist()
    absent = np.array([i + 1 for i in ids if i + 1 not in set(ids) and i + 1 < 1 << 63][:5], dtype=np.int64)
    assert (coded.ranks_of(absent) == -1).all()


def test_dense_ids_cost_a_few_bits_each():
    coded = EntryIds(np.arange(1, 1_000_001, dtype=np.int64))
    assert coded.nbytes() < 0.4 * 1_000_000


def test_a_segment_gives_back_exactly_the_vectors_and_entries_it_was_built_from():
    rng = np.random.default_rng(2)
    words = random_words(rng, 5000)
    # Entries out of order, several vectors each, ids far apart.
    entries = rng.integers(0, 800, size=5000) * 1_000_003
    segment = Segment(words, entries, choose_layout(256, 31, 5000))
    back_words, back_entries = segment.live_vectors()
    got = sorted(zip(back_entries.tolist(), map(bytes, back_words), strict=True))
    assert got == sorted(zip(entries.tolist(), map(bytes, words), strict=True))

    segment.kill_entries(np.array([entries[0], 12345], dtype=np.int64))
    kept = entries != entries[0]
    back_words, back_entries = segment.live_vectors()
    assert sorted(back_entries.tolist()) == sorted(entries[kept].tolist())
    assert segment.dead_count == int((~kept).sum())
    # Killing again changes nothing.
    segment.kill_entries(np.array([entries[0]], dtype=np.int64))
    assert segment.dead_count == int((~kept).sum())


def test_a_primary_chunk_too_narrow_to_number_the_entries_is_refused():
    words = random_words(np.random.default_rng(3), 300)
    with pytest.raises(ValueError, match=r"primary chunk \(8 bits\) cannot number 300 entries"):
        Segment(words, np.arange(300), (8, 16, 16))


def test_memory_model_matches_what_a_segment_really_holds():
    rng = np.random.default_rng(4)
    n = 300_000
    words = random_words(rng, n)
    layout = choose_layout(256, 31, n)
    segment = Segment(words, np.arange(n), layout)
    assert abs(segment.nbytes() - layout_bytes(layout, 256, n)) < 0.02 * segment.nbytes()


def test_a_group_bigger_than_the_usual_candidate_buffer_is_found_whole():
    rng = np.random.default_rng(5)
    same = random_words(rng, 1)
    words = np.vstack([np.repeat(same, 70_000, axis=0), random_words(rng, 2000)])
    ids = np.arange(len(words))
    index = PdqIndex.from_arrays(ids, words)
    [matches] = index.query(words_to_hex(same))
    assert len(matches) == 70_000
    assert {m.distance for m in matches} == {0}
    queries = np.vstack([same, words[-5:]])
    assert index.query(words_to_hex(queries)) == brute_force_query(ids, words, queries, 31)


def test_recent_segment_takes_small_additions_and_everything_stays_exact():
    rng = np.random.default_rng(6)
    base = random_words(rng, 10_000)
    index = PdqIndex.from_arrays(np.arange(10_000), base, delta_limit=100)
    added = random_words(rng, 350)
    for i, vector in enumerate(added):
        index.add(20_000 + i, words_to_hex(vector[None, :]))
    assert index._recent is not None and index._main is not None
    all_words = np.vstack([base, added])
    all_ids = np.concatenate([np.arange(10_000), 20_000 + np.arange(350)])
    queries = np.vstack([all_words[rng.integers(0, len(all_words), 30)], random_words(rng, 10)])
    queries[:30] ^= random_words(rng, 30) & random_words(rng, 30) & random_words(rng, 30) & random_words(rng, 30)
    assert index.query(words_to_hex(queries)) == brute_force_query(all_ids, all_words, queries, 31)


def test_phash_index_numbers_its_entries_in_its_single_word():
    rng = np.random.default_rng(7)
    words = random_words(rng, 3000, words=1)
    index = PhashIndex.from_arrays(np.arange(3000) * 7, words)
    assert index.query(words_to_hex(words[:2])) == [[Match(0, 0)], [Match(7, 0)]]


def test_warm_up_compiles_every_kernel():
    warm_up()
    compiled = [
        kernels.search,
        kernels.entry_ids_of,
        kernels.entry_ranks_of,
        kernels.rows_with_ranks,
        kernels.counting_order,
        kernels.pack_into,
    ]
    assert all(kernel.signatures for kernel in compiled)
