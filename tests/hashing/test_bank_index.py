"""The bank's PDQ/pHash index returns exactly what a brute-force scan returns, through every kind of change."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from hashing.engine.exact import ExactIndex
from hashing.engine.index import (
    ADD,
    WITHDRAW,
    Change,
    Match,
    PdqIndex,
    PhashIndex,
    brute_force_query,
    choose_layout,
    radii_for,
)
from hashing.engine.layout import layout_bytes
from hashing.engine.vectors import parse_hashes, words_to_hex
from hashing.values import HashValueError, Md5Digest, Sha256Digest

PDQ_INDEX_REFERENCE = Path(__file__).resolve().parents[2] / "tests" / "data" / "reference" / "pdq-index"

# The shapes of the layouts chosen for 1 million, 8 million, 10 million and 80 million vectors, forced
# onto small banks: their radii (up to 4 bits per chunk) and chunk boundaries (some across 64-bit words)
# are exercised without building big banks.
BIG_BANK_LAYOUTS = [
    (21,) * 11,
    (23,) + (22,) * 10,
    (24,) * 10,
    (27,) + (24,) * 8,
]


def random_words(rng: np.random.Generator, count: int, words: int = 4) -> np.ndarray:
    return rng.integers(0, 1 << 64, size=(count, words), dtype=np.uint64)


def flip_bits(rng: np.random.Generator, vector: np.ndarray, distance: int) -> np.ndarray:
    """A copy of `vector` with exactly `distance` distinct bits flipped."""
    out = vector.copy()
    for bit in rng.choice(64 * len(vector), size=distance, replace=False):
        out[bit // 64] ^= np.uint64(1) << np.uint64(bit % 64)
    return out


def planted_bank(seed: int, *, background: int = 3000, queries: int = 40, words: int = 4, max_distance: int = 40):
    """Random vectors plus, around each query, one vector at every distance 0..max_distance."""
    rng = np.random.default_rng(seed)
    query_words = random_words(rng, queries, words)
    planted = [flip_bits(rng, q, d) for q in query_words for d in range(max_distance + 1)]
    bank = np.vstack([random_words(rng, background, words), np.array(planted, dtype=np.uint64)])
    order = rng.permutation(len(bank))
    return bank[order], query_words


def assert_same_as_brute_force(index, entry_ids, bank, queries, threshold):
    expected = brute_force_query(entry_ids, bank, queries, threshold)
    got = index.query(words_to_hex(queries), threshold=threshold)
    assert got == expected
    return expected


@pytest.mark.parametrize("threshold", [31, 30, 24, 16, 15, 7, 1, 0])
def test_index_returns_exactly_the_planted_near_duplicates_at_each_threshold(threshold):
    bank, queries = planted_bank(1)
    ids = np.arange(10_000, 10_000 + len(bank))
    index = PdqIndex.from_arrays(ids, bank)

    expected = assert_same_as_brute_force(index, ids, bank, queries, threshold)

    # Each query has one planted vector at every distance up to the threshold, plus chance neighbours.
    for matches in expected:
        assert sorted({m.distance for m in matches}) == list(range(threshold + 1))


@pytest.mark.parametrize("layout", BIG_BANK_LAYOUTS)
def test_layouts_chosen_for_big_banks_are_exact_too(layout):
    bank, queries = planted_bank(2, background=2000, queries=25)
    ids = np.arange(len(bank))
    index = PdqIndex.from_arrays(ids, bank, layout=layout)

    for threshold in (31, 22, 9):
        assert_same_as_brute_force(index, ids, bank, queries, threshold)


def test_layout_chooser_keeps_the_pigeonhole_guarantee_for_every_threshold():
    for vectors in (0, 1350, 1_000_000, 10_000_000, 80_000_000):
        layout = choose_layout(256, 31, vectors)
        assert sum(layout) <= 256 and len(layout) <= 16
        for threshold in range(32):
            radii = radii_for(layout, threshold)
            # Either some chunk differs by at most its radius, or a chunk is enumerated whole (a full scan).
            whole = any(r >= w for r, w in zip(radii, layout, strict=True))
            assert whole or sum(r + 1 for r in radii) >= threshold + 1


@pytest.mark.parametrize(("vectors", "tables"), [(1_000_000, 11), (10_000_000, 10)])
def test_layouts_for_big_banks_fit_in_64_bytes_a_vector(vectors, tables):
    layout = choose_layout(256, 31, vectors, budget=64)
    assert len(layout) == tables
    assert layout_bytes(layout, 256, vectors) <= 64 * vectors


def test_reference_haystack_and_needles_match_brute_force():
    haystack = (PDQ_INDEX_REFERENCE / "haystack.txt").read_text().split()
    needles = (PDQ_INDEX_REFERENCE / "needles.txt").read_text().split()
    assert (len(haystack), len(needles)) == (1350, 100)
    bank = parse_hashes(haystack, bits=256).words
    ids = np.arange(len(haystack))
    index = PdqIndex.from_pairs(enumerate(haystack))

    for threshold in (31, 20, 10):
        expected = assert_same_as_brute_force(index, ids, bank, parse_hashes(needles, bits=256).words, threshold)
        if threshold == 31:
            assert sum(map(len, expected)) > 0


def test_adds_withdrawals_and_readds_stay_exact_across_merges_and_compaction():
    rng = np.random.default_rng(3)
    bank, queries = planted_bank(4, background=1500, queries=20)
    ids = np.arange(len(bank))
    live = dict(zip(ids.tolist(), bank, strict=True))
    index = PdqIndex.from_arrays(ids[:600], bank[:600], delta_limit=64)
    for entry in ids[600:]:
        index.add(int(entry), [bank[entry].astype("<u8").tobytes()])

    def check():
        entries = np.array(sorted(live), dtype=np.int64)
        words = np.array([live[e] for e in entries.tolist()], dtype=np.uint64).reshape(-1, 4)
        assert index.vector_count == len(entries)
        assert_same_as_brute_force(index, entries, words, queries, 31)

    check()
    withdrawn = rng.choice(ids, size=len(ids) // 3, replace=False)
    for entry in withdrawn.tolist():
        index.withdraw(entry)
        del live[entry]
    check()
    for entry in withdrawn[: len(withdrawn) // 2].tolist():
        index.add(entry, words_to_hex(bank[entry : entry + 1]))
        live[entry] = bank[entry]
    check()
    # Withdrawing what is not there, or twice, changes nothing.
    index.withdraw(10**9)
    index.withdraw(int(withdrawn[-1]))
    check()


def test_growing_from_empty_picks_bigger_layouts_and_stays_exact():
    bank, queries = planted_bank(5, background=5000, queries=10)
    index = PdqIndex(delta_limit=500)
    for start in range(0, len(bank), 250):
        index.apply_changes(
            Change(entry + 1, ADD, entry, words_to_hex(bank[entry : entry + 1]))
            for entry in range(start, min(start + 250, len(bank)))
        )
    assert index.last_seq == len(bank)
    assert len(index.layout) > 1
    assert_same_as_brute_force(index, np.arange(len(bank)), bank, queries, 31)


def test_variants_of_an_entry_match_as_that_entry_with_their_smallest_distance():
    rng = np.random.default_rng(6)
    background = random_words(rng, 2000)
    original = random_words(rng, 1)[0]
    rotations = random_words(rng, 7)
    index = PdqIndex.from_arrays(np.arange(2000), background)
    index.add(77_777, words_to_hex(np.vstack([original, rotations])))

    # An upload of the image turned a quarter: close to one variant, far from the others.
    upload = flip_bits(rng, rotations[2], 12)
    also_near_original = np.vstack([flip_bits(rng, original, 20)])
    [matches] = index.query(words_to_hex(upload[None, :]))
    assert matches == [Match(77_777, 12)]

    # Several of the entry's vectors within the threshold still give one result, the nearest.
    vectors = np.vstack([original, flip_bits(rng, original, 5), rotations])
    index.add(77_777, words_to_hex(vectors))
    [matches] = index.query(words_to_hex(also_near_original))
    distances = [int(np.bitwise_count(also_near_original[0] ^ v).sum()) for v in vectors]
    assert sum(d <= 31 for d in distances) >= 2
    assert matches == [Match(77_777, min(distances))]


def test_apply_changes_is_ordered_and_replaying_a_seq_is_a_no_op():
    rng = np.random.default_rng(7)
    vectors = words_to_hex(random_words(rng, 3))
    index = PdqIndex()
    assert index.apply_changes([(1, ADD, 1, [vectors[0]]), (2, ADD, 2, [vectors[1]])]) == 2
    assert index.last_seq == 2

    # The same rows again, and an older withdrawal of entry 1 arriving late: nothing changes.
    assert index.apply_changes([(1, ADD, 1, [vectors[0]]), (2, WITHDRAW, 2), (2, ADD, 2, [vectors[2]])]) == 0
    assert index.query([vectors[0], vectors[1]]) == [[Match(1, 0)], [Match(2, 0)]]

    # Within one batch the last change to an entry wins, as if applied one by one.
    index.apply_changes([(5, WITHDRAW, 1), (6, ADD, 1, [vectors[2]]), (9, WITHDRAW, 2)])
    assert index.last_seq == 9
    assert index.query([vectors[0], vectors[1], vectors[2]]) == [[], [], [Match(1, 0)]]


def test_a_bad_batch_of_changes_is_refused_whole():
    vector = "ab" * 32
    index = PdqIndex.from_pairs([(1, vector)], last_seq=10)
    bad_batches = {
        "increasing order": [(11, WITHDRAW, 1), (11, ADD, 2, [vector])],
        "unknown operation": [(11, WITHDRAW, 1), (12, "delete", 2)],
        "without a list of hashes": [(11, WITHDRAW, 1), (12, ADD, 2, [])],
        "change 12 for entry 2: PDQ hash number 1": [(11, WITHDRAW, 1), (12, ADD, 2, ["xy" * 32])],
        "entry id must be a whole number": [(11, WITHDRAW, "1")],
    }
    for message, batch in bad_batches.items():
        with pytest.raises(ValueError, match=message):
            index.apply_changes(batch)
    assert index.last_seq == 10
    assert index.query([vector]) == [[Match(1, 0)]]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ab" * 31, "PDQ hash number 1 must be 64 hexadecimal characters .256 bits., got 62 characters"),
        ("ab" * 31 + "zz", "PDQ hash number 1 has 'z' at character 63: only 0-9 and a-f are allowed"),
        ("ab" * 31 + " f", "has ' ' at character 63"),
        (b"\x00" * 31, "must be 32 bytes .256 bits., got 31 bytes"),
        (12345, "must be hexadecimal text, got int"),
    ],
)
def test_bad_hashes_are_refused_with_a_plain_reason(value, message):
    index = PdqIndex.from_pairs([(1, "00" * 32)])
    with pytest.raises(HashValueError, match=message):
        index.query(["00" * 32, value][1:])
    with pytest.raises(HashValueError, match=message):
        PdqIndex.from_pairs([(1, value)])


def test_a_single_string_instead_of_a_list_and_out_of_range_thresholds_are_refused():
    index = PdqIndex.from_pairs([(1, "00" * 32)])
    with pytest.raises(HashValueError, match="expected a list of PDQ hashes"):
        index.query("00" * 32)
    with pytest.raises(ValueError, match="threshold must be a whole number from 0 to 31, got 32"):
        index.query(["00" * 32], threshold=32)
    assert index.query(["FF" * 32, "00" * 31 + "0F"], threshold=4) == [[], [Match(1, 4)]]


def test_phash_index_is_exact_within_ten_bits():
    bank, queries = planted_bank(8, background=4000, queries=30, words=1, max_distance=14)
    ids = np.arange(len(bank))
    index = PhashIndex.from_arrays(ids, bank)
    for threshold in (10, 6, 0):
        expected = brute_force_query(ids, bank, queries, threshold)
        assert index.query(words_to_hex(queries), threshold=threshold) == expected
    with pytest.raises(HashValueError, match="pHash number 1 must be 16 hexadecimal characters"):
        index.query(["00" * 32])


@pytest.mark.parametrize(
    ("digest_type", "value"),
    [(Md5Digest, "9e107d9d372bb6826bd81d3542a419d6"), (Sha256Digest, "d7a8fbb307d7809469ca9abcb0082e4f" * 2)],
)
def test_exact_indexes_match_digests_and_follow_the_change_feed(digest_type, value):
    other = "0" * len(value)
    index = ExactIndex.from_pairs(digest_type, [(1, value), (2, value.upper()), (3, other)], last_seq=4)
    assert index.query([value, other, "f" * len(value)]) == [[1, 2], [3], []]

    assert index.apply_changes([(4, WITHDRAW, 1), (5, WITHDRAW, 2), (6, ADD, 3, [value])]) == 2
    assert index.query([value, other]) == [[1, 3], []]
    with pytest.raises(HashValueError, match="must be"):
        index.query([value[:-1]])


@pytest.mark.parametrize("count", [1, 15, 16, 100, 513, 1500])
def test_a_batch_is_shared_out_over_the_threads_and_answers_as_on_one(count):
    from hashing.engine.index import _QUERY_BATCH, _spans

    spans = _spans(count, 2)
    assert spans[0][0] == 0 and spans[-1][1] == count
    assert all(a[1] == b[0] for a, b in pairwise(spans))
    assert all(0 < end - begin <= _QUERY_BATCH for begin, end in spans)
    # A partner's batch of 100 is split over both threads; a single hash is not.
    assert len(spans) >= (2 if count >= 32 else 1)

    rng = np.random.default_rng(count)
    bank = random_words(rng, 2000)
    queries = np.vstack([bank[rng.integers(0, len(bank), count // 2)], random_words(rng, count - count // 2)])
    ids = np.arange(len(bank))
    one = PdqIndex.from_arrays(ids, bank, threads=1).query(words_to_hex(queries))
    shared = PdqIndex.from_arrays(ids, bank, threads=3).query(words_to_hex(queries))
    assert shared == one == brute_force_query(ids, bank, queries, 31)
