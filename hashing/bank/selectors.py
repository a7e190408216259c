"""Reads of the hash bank shared by the feeds, the match API and the case page, each in a fixed number of queries."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from cases.models import Case
from hashing.models import FEED_SIGNAL_TYPES, BankEntry, BankEntryCase, BankStatus, Partner, PartnerFeedback


def opaque_case_number(partner: Partner, case_id: int) -> str:
    """The partner's name for a case: an HMAC of the case id under the partner's own key.

    Stable for the partner (so it can group hashes by case), different for every partner (so two partners
    cannot join their copies), and unrelated to the victim's case reference.
    """
    digest = hmac.new(bytes.fromhex(partner.case_number_key), f"case:{case_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode("ascii").lower()


@dataclass
class EntryRecord:
    """A bank entry with what a partner sees of it: its cases' statuses and the partners' latest feedback."""

    id: int
    signal_type: str
    value: str
    status: str
    seq: int
    pdq_quality: int | None = None
    pdq_variants: bytes | None = None
    vpdq_signal: str = ""  # vPDQ entries, fetched natively only
    cases: list[tuple[int, str]] = field(default_factory=list)  # (case id, status)
    # (source, value, tags): the reading partner's own latest feedback in full, then one line per value with how
    # many other partners gave it as their latest ("other partners", "Blocked", ["partners:2"]).
    feedback: list[tuple[str, str, list[str]]] = field(default_factory=list)


def _after(cursor: tuple[int, int] | None) -> Q:
    if cursor is None:
        return Q()
    seq, entry_id = cursor
    # The redundant seq >= bound lets PostgreSQL range-scan the (seq, id) index.
    return Q(seq__gte=seq) & (Q(seq__gt=seq) | Q(seq=seq, id__gt=entry_id))


@dataclass
class Page:
    records: list[EntryRecord]
    following_seq: int | None  # the seq of the first entry after this page, None at the end

    @property
    def has_more(self) -> bool:
        return self.following_seq is not None


OTHER_PARTNERS = "other partners"


def _records(
    queryset, size: int, *, with_cases: bool, viewer: Partner | None = None, with_variants: bool = False
) -> Page:
    columns = ["id", "signal_type", "value", "status", "seq", "pdq_quality"]
    # with_variants: the native fetch, which also serves vPDQ frames (one of the two is empty for any entry).
    extra = ["pdq_variants", "vpdq_signal"] if with_variants else []
    rows = list(queryset.order_by("seq", "id").values_list(*columns, *extra)[: size + 1])
    following_seq = rows[size][4] if len(rows) > size else None
    records = [
        EntryRecord(
            id=row[0],
            signal_type=row[1],
            value=row[2],
            status=row[3],
            seq=row[4],
            pdq_quality=row[5],
            pdq_variants=bytes(row[6]) if with_variants and row[6] else None,
            vpdq_signal=row[7] if with_variants else "",
        )
        for row in rows[:size]
    ]
    by_id = {record.id: record for record in records}
    if not by_id:
        return Page(records, following_seq)
    # The page is a contiguous run of (seq, id): its links and feedback are found by that seq range (cheap to
    # plan and bind) rather than by a list of hundreds of ids; rows of entries outside the page are skipped.
    in_range = {
        "entry__signal_type__in": sorted({record.signal_type for record in records}),
        "entry__seq__gte": records[0].seq,
        "entry__seq__lte": records[-1].seq,
    }
    if with_cases:
        links = BankEntryCase.objects.filter(**in_range).order_by("id")
        for entry_id, case_id, status in links.values_list("entry_id", "case_id", "status"):
            if entry_id in by_id:
                by_id[entry_id].cases.append((case_id, status))
    if viewer is not None:
        latest = (
            PartnerFeedback.objects.filter(**in_range)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("entry_id"), F("partner_id")],
                    order_by=[F("at").desc(), F("id").desc()],
                )
            )
            .filter(rank=1)
            .values_list("entry_id", "partner_id", "value", "tags")
        )
        # Other partners are never named and their free-text tags never shown (they may name uploaders or
        # where a copy was seen): the reader gets how many of them last said each value, and its own words.
        others: dict[int, Counter] = defaultdict(Counter)
        for entry_id, partner_id, value, tags in latest:
            if entry_id not in by_id:
                continue
            if partner_id == viewer.pk:
                by_id[entry_id].feedback.insert(0, (viewer.name, value, sorted(tags)))
            else:
                others[entry_id][value] += 1
        for entry_id, counts in others.items():
            by_id[entry_id].feedback.extend(
                (OTHER_PARTNERS, value, [f"partners:{count}"]) for value, count in sorted(counts.items())
            )
    return Page(records, following_seq)


def _received_by(partner: Partner) -> Q:
    """Active entries, and entries that left the active set after the partner's first fetch (so it may hold them).

    A partner's first fetch starts from the active bank: hashes withdrawn or erased before it are never sent.
    """
    start = partner.feed_start_seq if partner.feed_start_seq is not None else MAX_BIGINT
    return Q(status=BankStatus.ACTIVE) | Q(inactive_since_seq__gt=start)


def feed_page(*, partner: Partner, start: int, cursor: tuple[int, int] | None, size: int) -> Page:
    """StopNCII feed entries changed at or after `start`, in change order from the cursor, as `partner` sees them."""
    queryset = BankEntry.objects.filter(
        Q(signal_type__in=FEED_SIGNAL_TYPES, seq__gte=start) & _after(cursor) & _received_by(partner)
    )
    return _records(queryset, size, with_cases=True, viewer=partner)


def bank_page(*, partner: Partner, signal_type: str, cursor: tuple[int, int] | None, size: int) -> Page:
    """One signal type's entries in change order from the cursor (the native API's fetch), as `partner` sees them."""
    queryset = BankEntry.objects.filter(Q(signal_type=signal_type) & _after(cursor) & _received_by(partner))
    return _records(queryset, size, with_cases=False, with_variants=True)


def partner_feedback_summary(case: Case) -> list[tuple[str, str, int]]:
    """What partners reported on the case's hashes, for the case page: [("Platform X", "Blocked", 3), ...]."""
    rows = (
        PartnerFeedback.objects.filter(entry__case_links__case=case)
        .values("partner__name", "value")
        .annotate(count=Count("id"))
        .order_by("partner__name", "value")
    )
    return [(row["partner__name"], row["value"], row["count"]) for row in rows]


def active_entries(*, signal_type: str, values: list[str]) -> dict[str, list[tuple[int, str]]]:
    """Exact lookup for the match API: value -> [(entry id, value)] among Active entries."""
    found: dict[str, list[tuple[int, str]]] = defaultdict(list)
    rows = BankEntry.objects.filter(signal_type=signal_type, value__in=set(values), status=BankStatus.ACTIVE)
    for entry_id, value in rows.values_list("id", "value"):
        found[value].append((entry_id, value))
    return found


MAX_BIGINT = 2**63 - 1  # the largest seq or id PostgreSQL can compare against


class CursorError(ValueError):
    """A page token or cursor that this server did not issue."""


def encode_cursor(seq: int, entry_id: int) -> str:
    """An opaque position in change order: after the entry with this (seq, id)."""
    return base64.urlsafe_b64encode(f"{seq}.{entry_id}".encode("ascii")).decode("ascii").rstrip("=")


def decode_cursor(text: str) -> tuple[int, int]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        seq_text, id_text = raw.split(".")
        if not (seq_text.isdigit() and id_text.isdigit()) or len(raw) > 40:
            raise ValueError
        seq, entry_id = int(seq_text), int(id_text)
        if seq > MAX_BIGINT or entry_id > MAX_BIGINT:
            raise ValueError
        return seq, entry_id
    except ValueError:
        raise CursorError("not a cursor this server issued: start again without it") from None
