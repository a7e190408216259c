"""Benchmark of the hash bank's PDQ index against python-threatexchange's PDQIndex (faiss), on the same data.

Run as `.venv/bin/python bench/bench_bank.py [--sizes 1000000,10000000] [--queries 10000]` (`make bench-bank`).
For each size it builds a bank (random hashes plus clusters of near-duplicates), makes the queries (half
with a true match within 31 bits), and prints for both indexes: build time, memory per hash (numpy array
bytes and resident-memory growth), queries per second, and whether the result sets are identical. Then
our figures with every entry's 8 dihedral variants indexed, checked against a brute-force scan.

Targets (issue 7): at least 5x threatexchange's queries per second (aim 10x), at most 64 bytes per hash,
identical results. The first query of a fresh checkout also compiles the index's numba kernels; the
warm-up query before timing keeps that out of the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hashing.engine.index import PdqIndex, brute_force_query, warm_up
from hashing.engine.vectors import words_to_hex

THRESHOLD = 31
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    """Resident bytes, once garbage is collected and the allocator has handed free pages back."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def random_words(rng: np.random.Generator, count: int) -> np.ndarray:
    return rng.integers(0, 1 << 64, size=(count, 4), dtype=np.uint64)


def random_flips(rng: np.random.Generator, count: int, flips: np.ndarray, exact: bool) -> np.ndarray:
    """Masks of 256 bits: exactly `flips[i]` bits set (exact) or each bit set with chance flips[i]/256."""
    masks = np.empty((count, 4), dtype=np.uint64)
    step = 200_000
    for begin in range(0, count, step):
        end = min(begin + step, count)
        if exact:
            ranks = np.argsort(rng.random((end - begin, 256)), axis=1)
            bits = ranks < flips[begin:end, None]
        else:
            bits = rng.integers(0, 256, size=(end - begin, 256), dtype=np.uint16) < flips[begin:end, None]
        masks[begin:end] = np.packbits(bits, axis=1, bitorder="little").view("<u8").astype(np.uint64)
    return masks


def make_bank(rng: np.random.Generator, size: int) -> tuple[np.ndarray, str]:
    """80% uniformly random hashes, 20% in clusters of near-duplicates (1 to 30 members, up to 24 bits apart)."""
    clustered = size // 5
    sizes = np.minimum(rng.geometric(1 / 8, size=clustered // 4 + 1), 30)
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), clustered) + 1]
    sizes[-1] -= sizes.sum() - clustered
    centres = random_words(rng, len(sizes))
    members = np.repeat(centres, sizes, axis=0)
    members ^= random_flips(rng, clustered, rng.integers(0, 25, clustered), exact=False)
    bank = np.vstack([random_words(rng, size - clustered), members])
    bank = bank[rng.permutation(size)]
    return bank, f"{size - clustered:,} random + {clustered:,} in {len(sizes):,} near-duplicate clusters"


def make_queries(rng: np.random.Generator, bank: np.ndarray, count: int) -> np.ndarray:
    """Half near a random bank vector (0 to 31 bits away), half random."""
    near = count // 2
    queries = bank[rng.integers(0, len(bank), near)] ^ random_flips(rng, near, rng.integers(0, 32, near), exact=True)
    queries = np.vstack([queries, random_words(rng, count - near)])
    return queries[rng.permutation(count)]


def result_sets(rows: list[list]) -> list[frozenset]:
    return [frozenset((int(m[0]), int(m[1])) for m in matches) for matches in rows]


def compare(ids: np.ndarray, hexes: list[str], query_hexes: list[str], single_limit: int, rounds: int) -> dict:
    """Build both indexes on the same hashes, then time them on the same queries, taking turns.

    The queries go in `rounds` slices and every index answers each slice in turn, so that load from
    anything else on the machine falls on both alike.
    """
    import faiss
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    size = len(ids)
    before = rss()
    start = time.perf_counter()
    ours = PdqIndex.from_pairs(zip(ids.tolist(), hexes, strict=True))
    figures = {"ours_build": time.perf_counter() - start, "ours_rss": (rss() - before) / size}
    figures["ours_arrays"] = ours.nbytes() / size
    figures["layout"] = ours.layout

    before = rss()
    start = time.perf_counter()
    theirs = PDQIndex(zip(hexes, ids.tolist(), strict=True))
    figures["theirs_build"] = time.perf_counter() - start
    figures["theirs_rss"] = (rss() - before) / size

    ours.query(query_hexes[:100])
    threads = faiss.omp_get_max_threads()
    seconds = dict.fromkeys(("ours", "ours_one_thread", "single", "batch"), 0.0)
    ours_results: list[list] = []
    single_results: list[list] = []
    batch_results: list[list] = []
    single_count = 0
    step = -(-len(query_hexes) // rounds)
    single_step = -(-single_limit // rounds)
    for begin in range(0, len(query_hexes), step):
        chunk = query_hexes[begin : begin + step]

        ours.threads = 2
        start = time.perf_counter()
        ours_results.extend(ours.query(chunk, THRESHOLD))
        seconds["ours"] += time.perf_counter() - start
        ours.threads = 1
        start = time.perf_counter()
        ours.query(chunk, THRESHOLD)
        seconds["ours_one_thread"] += time.perf_counter() - start

        # PDQIndex's own API, one query() per hash as HMA and the StopNCII client use it, on one
        # OpenMP thread: with two, each single-hash search pays for waking the second (several times slower).
        faiss.omp_set_num_threads(1)
        singles = chunk[:single_step]
        start = time.perf_counter()
        single_results.extend([(m.metadata, m.similarity_info.distance) for m in theirs.query(h)] for h in singles)
        seconds["single"] += time.perf_counter() - start
        single_count += len(singles)
        faiss.omp_set_num_threads(threads)

        # The faiss index underneath, given the whole slice in one range_search call (its fastest use).
        start = time.perf_counter()
        found = theirs.index.search_with_distance_in_result(chunk, THRESHOLD)
        seconds["batch"] += time.perf_counter() - start
        batch_results.extend([(theirs.local_id_to_entry[i][1], d) for i, _h, d in found[h]] for h in chunk)

    theirs.index.dispose()
    del theirs
    count = len(query_hexes)
    figures.update(
        ours_qps=count / seconds["ours"],
        ours_qps_one_thread=count / seconds["ours_one_thread"],
        single_qps=single_count / seconds["single"],
        single_count=single_count,
        batch_qps=count / seconds["batch"],
        ours_results=result_sets(ours_results),
        single_results=result_sets(single_results),
        batch_results=result_sets(batch_results),
    )
    return figures


def ours_with_variants(rng: np.random.Generator, bank: np.ndarray, ids: np.ndarray, queries: int, checked: int) -> dict:
    """Every entry with 8 vectors: its hash and 7 more standing for the rotated and mirrored images."""
    # A rotated image's PDQ hash is unrelated to the upright one's, so random hashes stand in for them.
    words = np.empty((len(bank) * 8, 4), dtype=np.uint64)
    words[0::8] = bank
    for k in range(1, 8):
        words[k::8] = random_words(rng, len(bank))
    entry_ids = np.repeat(ids, 8)
    query_words = make_queries(rng, words, queries)
    before = rss()
    start = time.perf_counter()
    index = PdqIndex.from_arrays(entry_ids, words)
    build = time.perf_counter() - start
    grown = rss() - before
    index.query_arrays(query_words[:100])
    start = time.perf_counter()
    rows, _entries, _distances = index.query_arrays(query_words, THRESHOLD)
    seconds = time.perf_counter() - start
    # Brute-force spot check on the first queries (a full scan of every vector per query).
    sample = query_words[:checked]
    expected = brute_force_query(entry_ids, words, sample, THRESHOLD)
    got = index.query(words_to_hex(sample), THRESHOLD)
    return {
        "vectors": len(words),
        "layout": index.layout,
        "build": build,
        "array_bytes": index.nbytes(),
        "rss_bytes": grown,
        "qps": len(query_words) / seconds,
        "matched_queries": len(np.unique(rows)),
        "checked": checked,
        "exact": got == expected,
    }


def run(size: int, query_count: int, seed: int, single_limit: int, variants: bool) -> None:
    rng = np.random.default_rng(seed + size)
    started = time.perf_counter()
    bank, shape = make_bank(rng, size)
    ids = np.arange(1, size + 1, dtype=np.int64)
    hexes = words_to_hex(bank)
    query_words = make_queries(rng, bank, query_count)
    query_hexes = words_to_hex(query_words)
    print(f"\n== {size:,} PDQ hashes ({shape}); {query_count:,} queries, half with a true match within {THRESHOLD}")
    print(f"   data made in {time.perf_counter() - started:.1f} s")

    f = compare(ids, hexes, query_hexes, single_limit, rounds=10)
    gc.collect()
    checked = 200 if size <= 2_000_000 else 40
    expected = brute_force_query(ids, bank, query_words[:checked], THRESHOLD)
    brute_ok = result_sets(expected) == f["ours_results"][:checked]

    ours_results = f["ours_results"]
    matches = sum(len(r) for r in ours_results)
    matched = sum(1 for r in ours_results if r)
    same_batch = ours_results == f["batch_results"]
    same_single = ours_results[: f["single_count"]] == f["single_results"]
    layout = f["layout"]
    print(
        f"   our layout: {len(layout)} tables of {'/'.join(map(str, sorted(set(layout), reverse=True)))} bits"
        f" (primary {layout[0]}); memory target <= 64 B/hash: {'met' if f['ours_arrays'] <= 64 else 'NOT met'}"
    )
    print(f"   {'':38} {'build s':>8} {'B/hash arrays':>14} {'B/hash RSS':>11} {'queries/s':>10}")
    print(
        f"   {'ours, 2 threads (PdqIndex.query)':38} {f['ours_build']:8.1f} {f['ours_arrays']:14.1f}"
        f" {f['ours_rss']:11.1f} {f['ours_qps']:10,.0f}"
    )
    print(f"   {'ours, 1 thread':38} {'':8} {'':14} {'':11} {f['ours_qps_one_thread']:10,.0f}")
    subset = "" if f["single_count"] == query_count else f" (on {f['single_count']:,} of the queries)"
    print(
        f"   {'threatexchange PDQIndex.query, 1 thread':38} {f['theirs_build']:8.1f} {'n/a':>14}"
        f" {f['theirs_rss']:11.1f} {f['single_qps']:10,.0f}{subset}"
    )
    print(f"   {'its faiss index, batch, 2 threads':38} {'':8} {'':14} {'':11} {f['batch_qps']:10,.0f}")
    print(
        f"   speed-up: {f['ours_qps_one_thread'] / f['single_qps']:.1f}x PDQIndex.query (1 thread each),"
        f" {f['ours_qps'] / f['batch_qps']:.1f}x faiss batch search (2 threads each)"
    )
    print(
        f"   results: {matches:,} matches for {matched:,} queries; identical to threatexchange:"
        f" batch {'yes' if same_batch else 'NO'}, PDQIndex.query {'yes' if same_single else 'NO'};"
        f" identical to brute force on {checked} queries: {'yes' if brute_ok else 'NO'}"
    )
    print(f"   load average {os.getloadavg()[0]:.1f}", flush=True)
    if variants:
        del f, ours_results, hexes, query_hexes
        gc.collect()
        v = ours_with_variants(rng, bank, ids, query_count, checked=20)
        print(
            f"   ours with 8 variants per entry: {v['vectors']:,} vectors, {len(v['layout'])} tables of"
            f" {'/'.join(map(str, sorted(set(v['layout']), reverse=True)))} bits; build {v['build']:.1f} s;"
            f" {v['array_bytes'] / v['vectors']:.1f} B/vector arrays, {v['rss_bytes'] / v['vectors']:.1f} B/vector RSS"
            f" ({v['array_bytes'] / size:.0f} B/entry); {v['qps']:,.0f} queries/s"
            f" ({v['matched_queries']:,} queries matched); brute force on {v['checked']} queries:"
            f" {'identical' if v['exact'] else 'DIFFERENT'}"
        )
    print(f"   size done in {time.perf_counter() - started:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000", help="bank sizes, comma-separated")
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--single-limit",
        type=int,
        default=None,
        help="run PDQIndex.query (one call per hash) on only this many queries (default: all)",
    )
    parser.add_argument("--no-variants", action="store_true", help="skip the 8-variants run")
    args = parser.parse_args()
    import faiss
    import threatexchange

    print(
        f"numpy {np.__version__}, faiss {faiss.__version__}, threatexchange"
        f" {getattr(threatexchange, '__version__', '1.2.17')}, {os.cpu_count()} CPUs"
        f" (faiss uses {faiss.omp_get_max_threads()} threads); load average {os.getloadavg()[0]:.1f}"
    )
    # Compile (or load) the numba kernels first: a fixed cost per process, not memory per hash.
    warm_up()
    started = time.perf_counter()
    for size in (int(s) for s in args.sizes.split(",")):
        run(size, args.queries, args.seed, args.single_limit or args.queries, not args.no_variants)
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) * 1024
    print(
        f"\ntotal {time.perf_counter() - started:.0f} s; peak resident memory {peak / 2**30:.1f} GiB;"
        f" load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
