"""The bank's change feed as the in-memory indexes read it: ordered, replayable rows of adds and withdrawals."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple, TypeVar

import numpy as np

T = TypeVar("T")

ADD = "add"
WITHDRAW = "withdraw"


class Change(NamedTuple):
    """One row of the bank's change feed: `add` sets an entry's vectors, `withdraw` removes them."""

    seq: int
    op: str
    entry_id: int
    hashes: Sequence[str | bytes] = ()


def read_changes(
    changes: Iterable[Change | tuple], last_seq: int, parse: Callable[[Sequence[str | bytes]], T]
) -> tuple[list[tuple[int, T | None]], int]:
    """Validate a batch of the change feed: the (entry id, parsed hashes or None) to apply, and the new last seq.

    Rows at or below last_seq were applied before and are skipped; the others must come in increasing
    seq order. Everything is checked before the caller changes anything, so a bad batch changes nothing.
    """
    pending: list[tuple[int, T | None]] = []
    last = last_seq
    for row in changes:
        seq, op, entry_id, *rest = row
        hashes = rest[0] if rest else ()
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise ValueError(f"change seq must be a whole number, got {seq!r}")
        if seq <= last_seq:
            continue
        if seq <= last:
            raise ValueError(f"change seq {seq} comes after seq {last}: changes must be in increasing order")
        last = seq
        entry = check_entry_id(entry_id)
        if op == ADD:
            if isinstance(hashes, str | bytes) or not hashes:
                raise ValueError(f"change {seq} adds entry {entry} without a list of hashes")
            try:
                parsed = parse(hashes)
            except ValueError as error:
                raise type(error)(f"change {seq} for entry {entry}: {error}") from error
            pending.append((entry, parsed))
        elif op == WITHDRAW:
            pending.append((entry, None))
        else:
            raise ValueError(f"change {seq} has unknown operation {op!r}: use {ADD!r} or {WITHDRAW!r}")
    return pending, last


def check_entry_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"entry id must be a whole number, got {value!r}")
    value = int(value)
    if not 0 <= value < 1 << 63:
        raise ValueError(f"entry id must be between 0 and 2**63 - 1, got {value}")
    return value
