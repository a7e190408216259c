"""Screening a filing before its hashes reach partners: per-address limits, and holds for anomalous filings.

Sharing stays fast for real victims (as StopNCII shares at once, and partners review a match before acting), but
anyone can file anonymously, so a filing that looks like bank poisoning is saved whole and its hashes wait for a
caseworker's release: many filings from one address, more filings in a day than the portal shares unreviewed,
hashes another case already shares, or low-quality image hashes (PDQ's authors advise against trusting them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import BankHoldReason, Case, FilingMark
from hashing.models import BankEntry, BankStatus, SignalType
from hashing.values import PdqHash
from helpline.crypto import keyed_digest


class FilingRefused(Exception):
    """Too many filings from this address; the message is for the person filing (their draft is kept)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RecentFilings:
    from_address_hour: int
    from_address_day: int
    portal_day: int


def _digest(address: str) -> str:
    return keyed_digest(address or "unknown", purpose="filing-address")


def recent_filings(*, address: str) -> RecentFilings:
    """Filings in the last hour and day from this address, and by everyone in the last day.

    The one place that counts filings: a DB count of FilingMark rows today (they live one day), so it can move to
    a shared atomic counter later without touching its callers.
    """
    now = timezone.now()
    day_ago, hour_ago = now - timedelta(days=1), now - timedelta(hours=1)
    marks = FilingMark.objects.filter(address_digest=_digest(address), at__gte=day_ago).values_list("at", flat=True)
    times = list(marks)
    return RecentFilings(
        from_address_hour=sum(1 for at in times if at >= hour_ago),
        from_address_day=len(times),
        portal_day=Case.objects.filter(created_at__gte=day_ago).count(),
    )


def filing_admit(*, address: str) -> RecentFilings:
    """Refuse a filing over the address's hourly or daily limit; else count it. Call in the filing's transaction."""
    recent = recent_filings(address=address)
    if recent.from_address_hour >= settings.FILING_LIMIT_PER_ADDRESS_HOUR:
        raise FilingRefused(
            str(
                _(
                    "Too many cases were sent from this connection in the last hour. Your answers are kept: "
                    "please try again in an hour, or contact the helpline by phone."
                )
            )
        )
    if recent.from_address_day >= settings.FILING_LIMIT_PER_ADDRESS_DAY:
        raise FilingRefused(
            str(
                _(
                    "Too many cases were sent from this connection today. Your answers are kept: please try "
                    "again tomorrow, or contact the helpline by phone."
                )
            )
        )
    now = timezone.now()
    FilingMark.objects.filter(at__lt=now - timedelta(days=1)).delete()  # marks live one day
    FilingMark.objects.create(address_digest=_digest(address), at=now)
    return recent


def hold_reasons(*, recent: RecentFilings | None, hashes: list[dict], case: Case | None = None) -> list[str]:
    """Why these files' hashes should wait for review (empty: share at once). `hashes` as parse_hash_list gives;
    `case`: the case they are added to, whose own shared entries do not count as "already shared"."""
    reasons = []
    if recent is not None and recent.from_address_day + 1 >= settings.FILING_HOLD_FROM_ADDRESS_FILING:
        reasons.append(BankHoldReason.ADDRESS_VOLUME)
    if recent is not None and recent.portal_day >= settings.FILING_SHARED_WITHOUT_REVIEW_PER_DAY:
        reasons.append(BankHoldReason.DAILY_VOLUME)
    if hashes and _already_shared(hashes, case=case):
        reasons.append(BankHoldReason.ALREADY_SHARED)
    if any(h.get("pdq") and (h.get("pdq_quality") or 0) < PdqHash.WEAK_QUALITY for h in hashes):
        reasons.append(BankHoldReason.LOW_QUALITY)
    return [str(reason) for reason in reasons]


def hold_files(*, case: Case, sha256s: set[str], reasons: list[str]) -> None:
    """Hold these files of the case for review. Call in the writing transaction, before the bank sync."""
    case.hashes.filter(sha256__in=sha256s).update(bank_held=True)
    case.bank_held_at, case.bank_released_at = timezone.now(), None
    case.bank_hold_reasons = sorted(set(case.bank_hold_reasons) | set(reasons))
    case.save(update_fields=["bank_held_at", "bank_released_at", "bank_hold_reasons", "updated_at"])


def _already_shared(hashes: list[dict], *, case: Case | None) -> bool:
    """Whether any of these files' values is an Active bank entry (shared by another case): exact values."""
    wanted = {
        SignalType.MD5: {h["md5"] for h in hashes},
        SignalType.SHA256: {h["sha256"] for h in hashes},
        SignalType.IMAGE_PDQ: {v for h in hashes for v in (h.get("pdq"), h.get("pdq_oriented")) if v},
        SignalType.PHASH: {h["phash"] for h in hashes if h.get("phash")},
    }
    condition = Q()
    for signal_type, values in wanted.items():
        if values:
            condition |= Q(signal_type=signal_type, value__in=values)
    shared = BankEntry.objects.filter(condition, status=BankStatus.ACTIVE)
    if case is not None:
        shared = shared.exclude(case_links__case=case)
    return shared.exists()
