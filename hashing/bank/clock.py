"""The bank's change clock: strictly increasing sequence numbers that become visible in order."""

from __future__ import annotations

import time
from typing import NamedTuple

from django.db import transaction

from hashing.models import BankClock


class ClockReading(NamedTuple):
    epoch: str
    value: int


def clock_read() -> ClockReading | None:
    """The committed clock (None before the bank's first change): every change up to `value` is visible."""
    row = BankClock.objects.filter(pk=1).values_list("epoch", "value").first()
    return ClockReading(*row) if row else None


def clock_lock() -> BankClock:
    """Lock the clock row until the current transaction ends, creating it on the bank's first change.

    Every writer takes this lock before it allocates sequence numbers, so writers commit in sequence
    order and no reader can see change N + 1 before change N.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("the bank clock can only be locked inside a transaction")
    clock = BankClock.objects.select_for_update().filter(pk=1).first()
    if clock is None:
        BankClock.objects.bulk_create([BankClock(pk=1)], ignore_conflicts=True)
        clock = BankClock.objects.select_for_update().get(pk=1)
    return clock


def clock_allocate(clock: BankClock, count: int) -> int:
    """Reserve `count` sequence numbers on a locked clock; returns the first.

    Numbers start at the current Unix time when the bank is quiet, so they read as timestamps in a
    StopNCII client, and run ahead of the wall clock only while changes arrive faster than one a second.
    """
    if count < 1:
        raise ValueError("allocate at least one sequence number")
    first = max(clock.value + 1, int(time.time()))
    clock.value = first + count - 1
    BankClock.objects.filter(pk=1).update(value=clock.value)
    return first
