"""Benchmark of vPDQ matching: the bank's way (PDQ frame index for candidates, then exact percentages for those
only) against python-threatexchange's VPDQIndex (faiss) and its brute matcher, on the same bank and queries.

Run as `.venv/bin/python bench/bench_vpdq_match.py [--videos 2000] [--frames 180] [--queries 20]`
(`make bench-vpdq`). The bank is `--videos` videos of `--frames` frames (one a second; 180 is a 3-minute clip)
whose frames are random PDQ hashes; each query is a copy of a bank video with every frame moved by up to 16 bits
(what a re-encode does) plus a few frames of its own. It prints per-query milliseconds for each way, and checks
that every way finds the same entries with the same percentages (threatexchange's VPDQIndex reports entries at
>= 80% query match, as the bank's API does by default). No target was set for this; it shows the cost.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hashing.bank.videos import frames_of_signal, usable_hashes, video_matches
from hashing.engine.index import PdqIndex, warm_up


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def _moved(value: str, bits: int, rng: random.Random) -> str:
    number = int(value, 16)
    for position in rng.sample(range(256), bits):
        number ^= 1 << position
    return f"{number:064x}"


def _signal(frames: list[str]) -> str:
    return json.dumps([f"{pdq},100,{second:.3f}" for second, pdq in enumerate(frames)], separators=(",", ":"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=2000)
    parser.add_argument("--frames", type=int, default=180)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument(
        "--brute-videos", type=int, default=3, help="threatexchange's brute matcher is timed on this many videos only"
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # figures appear as they are measured
    rng = random.Random(20)
    bank = {entry_id: [_hex(rng) for _ in range(args.frames)] for entry_id in range(1, args.videos + 1)}
    signals = {entry_id: _signal(frames) for entry_id, frames in bank.items()}
    targets = rng.sample(sorted(bank), args.queries)
    queries = [
        [_moved(pdq, rng.randint(0, 16), rng) for pdq in bank[t]] + [_hex(rng) for _ in range(5)] for t in targets
    ]
    print(f"bank: {args.videos} videos x {args.frames} frames; {args.queries} queries of {args.frames + 5} frames")

    # The bank's way: one PDQ index of every usable frame, then exact percentages for the candidates only.
    warm_up()
    started = time.perf_counter()
    raw = b"".join(
        bytes.fromhex(pdq) for entry_id in bank for pdq in usable_hashes(frames_of_signal(signals[entry_id]))
    )
    ids = np.repeat(np.fromiter(bank, np.int64), args.frames)
    words = np.frombuffer(raw, dtype="<u8").astype(np.uint64).reshape(-1, 4)
    index = PdqIndex.from_arrays(ids, words, last_seq=0)
    build_ours = time.perf_counter() - started
    index.query(queries[0][:1], 31)  # compiles or loads the kernels outside the timing
    ours = []
    started = time.perf_counter()
    for query in queries:
        usable = usable_hashes((pdq, 100) for pdq in query)
        candidates = {m.entry_id for hits in index.query(usable, 31) for m in hits}
        found = video_matches(query=usable, candidates={c: signals[c] for c in candidates})
        ours.append({m.entry_id: (m.query_match_percent, m.compared_match_percent) for m in found})
    per_query_ours = (time.perf_counter() - started) / len(queries) * 1000

    from threatexchange.extensions.vpdq.vpdq_brute_matcher import match_VPDQ_hash_brute
    from threatexchange.extensions.vpdq.vpdq_index import VPDQIndex
    from threatexchange.extensions.vpdq.vpdq_util import json_to_vpdq

    started = time.perf_counter()
    theirs_index = VPDQIndex.build((signals[entry_id], entry_id) for entry_id in bank)
    build_theirs = time.perf_counter() - started
    theirs = []
    started = time.perf_counter()
    for query in queries:
        matches = theirs_index.query(_signal(query))
        theirs.append(
            {
                m.metadata: (m.similarity_info.query_match_percent, m.similarity_info.compared_match_percent)
                for m in matches
            }
        )
    per_query_faiss = (time.perf_counter() - started) / len(queries) * 1000

    # The brute matcher compares hex strings bit by bit in Python: timed on one query against a slice of the bank
    # that holds that query's own video, and its answers compared with ours on that slice.
    brute_queries = queries[:1]
    slice_ids = [targets[0], *[e for e in bank if e != targets[0]][: max(0, args.brute_videos - 1)]]
    parsed = {entry_id: json_to_vpdq(signals[entry_id]) for entry_id in slice_ids}
    started = time.perf_counter()
    brute = []
    for query in brute_queries:
        features = json_to_vpdq(_signal(query))
        result = {}
        for entry_id, entry in parsed.items():
            match = match_VPDQ_hash_brute(features, entry, 50, 31)
            if match.query_match_percent >= 80:
                result[entry_id] = (match.query_match_percent, match.compared_match_percent)
        brute.append(result)
    per_query_brute = (time.perf_counter() - started) / len(brute_queries) * 1000

    same_faiss = ours == theirs
    same_brute = [{e: p for e, p in ours[0].items() if e in parsed}] == brute
    print(f"{'way':52} {'build s':>8} {'ms/query':>10}")
    print(f"{'bank: PDQ frame index + exact percentages':52} {build_ours:8.2f} {per_query_ours:10.1f}")
    print(f"{'threatexchange VPDQIndex (faiss flat)':52} {build_theirs:8.2f} {per_query_faiss:10.1f}")
    brute_label = f"threatexchange brute matcher ({len(parsed)} videos only)"
    print(f"{brute_label:52} {'-':>8} {per_query_brute:10.1f}")
    print(f"  brute matcher scaled to the whole bank: {per_query_brute * len(bank) / len(parsed):.0f} ms/query")
    print(f"found {sum(len(r) for r in ours)} matches for {len(queries)} queries (each query's own video expected)")
    print(f"same entries and percentages as VPDQIndex: {same_faiss}; as the brute matcher: {same_brute}")
    if not (same_faiss and same_brute and all(t in r for t, r in zip(targets, ours, strict=True))):
        sys.exit("the ways disagree")


if __name__ == "__main__":
    main()
