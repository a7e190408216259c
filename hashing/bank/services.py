"""Every write to the hash bank: sharing, withdrawing and deleting a case's entries, and partners' feedback.

A change to what a partner would see (an entry's status, its cases, its variants, its latest feedback)
gives the entry a new sequence number from the bank clock; nothing else does, so a repeated call is free.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from hashing.bank.clock import clock_allocate, clock_lock
from hashing.models import (
    FEED_SIGNAL_TYPES,
    BankClock,
    BankEntry,
    BankEntryCase,
    BankStatus,
    FeedbackValue,
    Partner,
    PartnerFeedback,
)

logger = logging.getLogger(__name__)

EntryKey = tuple[str, str]  # (signal type, value)


@dataclass(frozen=True)
class WantedEntry:
    """A hash a case shares, as the bank should hold it."""

    signal_type: str
    value: str
    pdq_variants: bytes | None = None
    pdq_quality: int | None = None
    case_hash_id: int | None = None
    vpdq_signal: str | None = None

    @property
    def key(self) -> EntryKey:
        return (self.signal_type, self.value)


@dataclass
class _Plan:
    """What one case's links need: new links, status changes, and entries whose variants can be filled in."""

    create: list[WantedEntry] = field(default_factory=list)
    restatus: list[tuple[BankEntryCase, str]] = field(default_factory=list)
    fill_variants: list[tuple[int, WantedEntry]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.create or self.restatus or self.fill_variants)


def _plan(case_id: int, wanted: dict[EntryKey, WantedEntry], others: str) -> _Plan:
    plan = _Plan()
    links = BankEntryCase.objects.filter(case_id=case_id).select_related("entry")
    linked: set[EntryKey] = set()
    for link in links:
        key = (link.entry.signal_type, link.entry.value)
        linked.add(key)
        target = BankStatus.ACTIVE if key in wanted else others
        # Deleted is final: an erased case never shares again.
        if link.status != BankStatus.DELETED and link.status != target:
            plan.restatus.append((link, target))
        want = wanted.get(key)
        if want is not None and want.pdq_variants and not link.entry.pdq_variants:
            plan.fill_variants.append((link.entry_id, want))
    plan.create = [want for key, want in wanted.items() if key not in linked]
    return plan


def _aggregate(statuses: Iterable[str]) -> str:
    """An entry is Active while any case shares it; else Withdrawn if any case withdrew it; else Deleted."""
    statuses = set(statuses)
    if BankStatus.ACTIVE in statuses:
        return BankStatus.ACTIVE
    if BankStatus.WITHDRAWN in statuses:
        return BankStatus.WITHDRAWN
    return BankStatus.DELETED


def _set_case_links(*, case_id: int, wanted: Sequence[WantedEntry], others: str) -> int:
    """Make the case's links Active for `wanted` and `others` for the rest; returns entries changed."""
    by_key = {want.key: want for want in wanted}
    with transaction.atomic():
        if not _plan(case_id, by_key, others):
            return 0
        clock = clock_lock()
        # Planned again under the lock: another writer for this case may have committed meanwhile.
        plan = _plan(case_id, by_key, others)
        if not plan:
            return 0
        now = timezone.now()
        touched = _link_new_entries(case_id=case_id, plan=plan, now=now)
        touched |= _restatus_links(plan=plan, now=now)
        touched |= _fill_variants(plan=plan)
        _restamp_entries(clock=clock, entry_ids=touched, now=now)
        return len(touched)


def _entries_for_keys(wants: Sequence[WantedEntry], now: datetime) -> dict[EntryKey, BankEntry]:
    """The bank entries for `wants`, created Active where the bank has none yet (under the clock lock)."""
    entries: dict[EntryKey, BankEntry] = {}
    by_type: dict[str, list[str]] = defaultdict(list)
    for want in wants:
        by_type[want.signal_type].append(want.value)
    for signal_type, values in by_type.items():
        for entry in BankEntry.objects.filter(signal_type=signal_type, value__in=values):
            entries[(entry.signal_type, entry.value)] = entry
    missing = [want for want in wants if want.key not in entries]
    if missing:
        # Placeholder seq, replaced by _restamp_entries with the entry's real one; the clock lock keeps these
        # inserts from racing another writer's insert of the same value.
        created = BankEntry.objects.bulk_create(
            [
                BankEntry(
                    signal_type=want.signal_type,
                    value=want.value,
                    status=BankStatus.ACTIVE,
                    pdq_variants=want.pdq_variants,
                    pdq_quality=want.pdq_quality,
                    vpdq_signal=want.vpdq_signal or "",
                    seq=0,
                    last_modified=now,
                    created_at=now,
                )
                for want in missing
            ]
        )
        for entry in created:
            entries[(entry.signal_type, entry.value)] = entry
    return entries


def _link_new_entries(*, case_id: int, plan: _Plan, now: datetime) -> set[int]:
    """Link the case to the entries it newly shares; an existing entry without variants gets them later."""
    if not plan.create:
        return set()
    entries = _entries_for_keys(plan.create, now)
    BankEntryCase.objects.bulk_create(
        [
            BankEntryCase(
                entry=entries[want.key],
                case_id=case_id,
                case_hash_id=want.case_hash_id,
                status=BankStatus.ACTIVE,
                changed_at=now,
            )
            for want in plan.create
        ]
    )
    for want in plan.create:
        entry = entries[want.key]
        if want.pdq_variants and not entry.pdq_variants:
            plan.fill_variants.append((entry.pk, want))
    return {entries[want.key].pk for want in plan.create}


def _restatus_links(*, plan: _Plan, now: datetime) -> set[int]:
    for link, status in plan.restatus:
        BankEntryCase.objects.filter(pk=link.pk).update(status=status, changed_at=now)
    return {link.entry_id for link, _status in plan.restatus}


def _fill_variants(*, plan: _Plan) -> set[int]:
    for entry_id, want in plan.fill_variants:
        BankEntry.objects.filter(pk=entry_id, pdq_variants__isnull=True).update(
            pdq_variants=want.pdq_variants, pdq_quality=want.pdq_quality
        )
    return {entry_id for entry_id, _want in plan.fill_variants}


def _restamp_entries(*, clock: BankClock, entry_ids: set[int], now: datetime) -> None:
    """Give each changed entry its status over all its cases and the next sequence numbers, in id order."""
    statuses: dict[int, list[str]] = defaultdict(list)
    for entry_id, status in BankEntryCase.objects.filter(entry_id__in=entry_ids).values_list("entry_id", "status"):
        statuses[entry_id].append(status)
    ordered = sorted(entry_ids)
    previous = dict(BankEntry.objects.filter(pk__in=ordered).values_list("pk", "inactive_since_seq"))
    first = clock_allocate(clock, len(ordered))
    updated = []
    for offset, entry_id in enumerate(ordered):
        status, seq = _aggregate(statuses[entry_id]), first + offset
        # Leaving the active set starts the entry's tombstone point; a later Withdrawn -> Deleted keeps it.
        inactive_since = None if status == BankStatus.ACTIVE else (previous.get(entry_id) or seq)
        updated.append(
            BankEntry(pk=entry_id, status=status, seq=seq, inactive_since_seq=inactive_since, last_modified=now)
        )
    # One UPDATE for all, not one per entry: this runs under the bank clock's row lock, which every bank write
    # of the portal waits for, so each round trip here was paid by every filing queued behind it (issue 18).
    BankEntry.objects.bulk_update(updated, ["status", "seq", "inactive_since_seq", "last_modified"], batch_size=500)


def bank_share(*, case_id: int, wanted: Sequence[WantedEntry]) -> int:
    """The case shares exactly `wanted`: those entries become Active, its other entries Withdrawn."""
    return _set_case_links(case_id=case_id, wanted=wanted, others=BankStatus.WITHDRAWN)


def bank_withdraw(*, case_id: int) -> int:
    """The victim withdrew consent: every entry of the case is Withdrawn for it (partners drop them)."""
    return _set_case_links(case_id=case_id, wanted=(), others=BankStatus.WITHDRAWN)


def bank_delete(*, case_id: int) -> int:
    """The case was erased: every entry of the case is Deleted for it, for good."""
    return _set_case_links(case_id=case_id, wanted=(), others=BankStatus.DELETED)


@dataclass(frozen=True)
class FeedbackItem:
    hash_value: str
    value: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedbackOutcome:
    received: int
    recorded: int


def bank_feedback_record(
    *, partner: Partner, items: Sequence[FeedbackItem], signal_types: Sequence[str] = FEED_SIGNAL_TYPES
) -> FeedbackOutcome:
    """Record a partner's feedback on hashes of `signal_types` (StopNCII sends no signal type, so its feed's two
    types are the default: PDQ and MD5 differ in length; the native API names one type).

    Only feedback on Active entries is kept. Feedback on a hash the bank never held, or no longer shares
    (withdrawn or deleted), is accepted and dropped: the caller answers every batch alike, so a feedback key
    cannot test whether a hash is (or was) in the bank. An entry whose latest feedback from this partner
    changes gets a new sequence number, so the feed carries it; its `last_modified` does not move, because
    that is the retention clock of withdrawn entries and feedback must not keep a withdrawn hash alive.
    """
    for item in items:
        if item.value not in FeedbackValue.values:
            raise ValueError(f"unknown feedback value {item.value!r}")
    with transaction.atomic():
        values = {item.hash_value for item in items}
        entries = {
            entry.value: entry.pk
            for entry in BankEntry.objects.filter(
                signal_type__in=signal_types, value__in=values, status=BankStatus.ACTIVE
            ).only("pk", "value")
        }
        before = _latest_feedback(partner=partner, entry_ids=set(entries.values()))
        now = timezone.now()
        rows = [
            PartnerFeedback(partner=partner, entry_id=entries[item.hash_value], value=item.value, tags=list(item.tags))
            for item in items
            if item.hash_value in entries
        ]
        for row in rows:
            row.at = now
        PartnerFeedback.objects.bulk_create(rows)
        after = {row.entry_id: (row.value, sorted(row.tags)) for row in rows}
        changed = sorted(entry_id for entry_id, latest in after.items() if before.get(entry_id) != latest)
        if changed:
            clock = clock_lock()
            first = clock_allocate(clock, len(changed))
            for offset, entry_id in enumerate(changed):
                # Still Active under the clock lock: a withdrawal committed meanwhile keeps its own seq.
                BankEntry.objects.filter(pk=entry_id, status=BankStatus.ACTIVE).update(seq=first + offset)
    return FeedbackOutcome(received=len(items), recorded=len(rows))


def _latest_feedback(*, partner: Partner, entry_ids: set[int]) -> dict[int, tuple[str, list[str]]]:
    if not entry_ids:
        return {}
    latest = (
        PartnerFeedback.objects.filter(partner=partner, entry_id__in=entry_ids)
        .annotate(rank=Window(RowNumber(), partition_by=[F("entry_id")], order_by=[F("at").desc(), F("id").desc()]))
        .filter(rank=1)
        .values_list("entry_id", "value", "tags")
    )
    return {entry_id: (value, sorted(tags)) for entry_id, value, tags in latest}
