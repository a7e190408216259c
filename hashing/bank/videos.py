"""vPDQ video matching as python-threatexchange's vPDQ extension defines it, with the bank's PDQ index for candidates.

The semantics are those of `threatexchange.extensions.vpdq.vpdq_brute_matcher.match_VPDQ_hash_brute`, which
`VPDQSignal.compare_hash` uses: each side's frames are de-duplicated by PDQ hash (first occurrence kept) and
then frames below quality 50 are left out; a frame "matches" if any frame of the other side is within 31 bits;
the query match percentage is the share of the query's frames that match, the compared match percentage the
share of the entry's frames. threatexchange calls it a match at >= 80% query and >= 0% compared.
Checked against python-threatexchange 1.2.17 (tests/hashing/test_vpdq_bank.py compares the percentages).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from hashing.engine.index import brute_force_pairs
from hashing.values import HashValueError, VpdqFrame

FRAME_DISTANCE = 31  # VPDQ_DISTANCE_THRESHOLD
QUALITY_THRESHOLD = 50  # VPDQ_QUALITY_THRESHOLD
QUERY_MATCH_PERCENT = 80.0  # VPDQ_QUERY_MATCH_THRESHOLD_PERCENT
COMPARED_MATCH_PERCENT = 0.0  # VPDQ_INDEX_MATCH_THRESHOLD_PERCENT


def usable_hashes(frames: Iterable[tuple[str, int]]) -> list[str]:
    """(pdq hex, quality) pairs -> the hashes vPDQ compares: first occurrence of each hash, then quality >= 50.

    The order matters and is threatexchange's (`quality_filter(dedupe(...))`): a hash whose first frame is below
    quality 50 is left out even if a later frame with the same hash is better.
    """
    seen: set[str] = set()
    kept: list[str] = []
    for pdq, quality in frames:
        if pdq in seen:
            continue
        seen.add(pdq)
        if quality >= QUALITY_THRESHOLD:
            kept.append(pdq)
    return kept


def frames_of_signal(signal: str) -> list[tuple[str, int]]:
    """(pdq hex, quality) per frame of a stored VPDQSignal string (written by hashing.values.vpdq_signal)."""
    pairs = []
    for compact in json.loads(signal or "[]"):
        pdq, quality, _seconds = compact.split(",")
        pairs.append((pdq, int(quality)))
    return pairs


def signal_vectors(signal: str) -> bytes:
    """The 32-byte PDQ vectors an entry is indexed by: its usable frames, concatenated."""
    return b"".join(bytes.fromhex(pdq) for pdq in usable_hashes(frames_of_signal(signal)))


def _words(hashes: Sequence[str]) -> np.ndarray:
    raw = bytes.fromhex("".join(hashes))
    return np.frombuffer(raw, dtype="<u8").astype(np.uint64).reshape(-1, 4)


@dataclass(frozen=True)
class VideoMatch:
    entry_id: int
    query_match_percent: float
    compared_match_percent: float


def match_percentages(query: Sequence[str], compared: Sequence[str]) -> tuple[float, float]:
    """Both percentages for two lists of usable hashes (see usable_hashes), exactly; (0, 0) if either is empty."""
    if not query or not compared:
        return 0.0, 0.0
    rows, columns, _distances = brute_force_pairs(_words(query), _words(compared), FRAME_DISTANCE)
    query_matched = len(np.unique(rows))
    compared_matched = len(np.unique(columns))
    return query_matched * 100 / len(query), compared_matched * 100 / len(compared)


def query_frames(frames: Sequence[VpdqFrame]) -> list[str]:
    return usable_hashes((frame.pdq.hex, frame.pdq.quality or 0) for frame in frames)


def video_matches(
    *,
    query: Sequence[str],
    candidates: dict[int, str],
    min_query_percent: float = QUERY_MATCH_PERCENT,
    min_compared_percent: float = COMPARED_MATCH_PERCENT,
) -> list[VideoMatch]:
    """Each candidate entry (id -> its VPDQSignal) whose percentages reach both thresholds, best first."""
    found = []
    for entry_id, signal in candidates.items():
        try:
            compared = usable_hashes(frames_of_signal(signal))
        except (ValueError, HashValueError):
            continue  # written by vpdq_signal, so never expected; a bad row must not fail every partner's match
        query_percent, compared_percent = match_percentages(query, compared)
        if query_percent and query_percent >= min_query_percent and compared_percent >= min_compared_percent:
            found.append(VideoMatch(entry_id, query_percent, compared_percent))
    found.sort(key=lambda m: (-m.query_match_percent, -m.compared_match_percent, m.entry_id))
    return found


def best_case_match(fetched: Sequence[str], case_signals: Sequence[list[tuple[str, int]]]) -> tuple[float, float]:
    """The best (query %, compared %) of a fetched video's usable hashes against each of a case's videos."""
    best = (0.0, 0.0)
    for frames in case_signals:
        best = max(best, match_percentages(fetched, usable_hashes(frames)))
    return best
