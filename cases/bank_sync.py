"""What the bank should hold for a case, from its hashes and consent: the one call intake makes (the cases side
reads Case and CaseHash and hands the bank plain lists of wanted entries)."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings

from cases.models import Case, CaseHash
from hashing.bank.services import WantedEntry, bank_delete, bank_share, bank_withdraw
from hashing.bank.videos import usable_hashes
from hashing.models import SignalType
from hashing.values import (
    HashValueError,
    Md5Digest,
    PdqHash,
    PerceptualHash,
    Sha256Digest,
    vpdq_frames_parse,
    vpdq_signal,
)

logger = logging.getLogger(__name__)


def bank_sync_case(*, case: Case) -> int:
    """Make the bank reflect the case: call it inside the transaction that changed the case or its hashes.

    Shared (consent given, not withdrawn): images give ImagePDQ entries (and their EXIF-oriented PDQ when it
    differs) with the 8 rotation and flip variants, videos give VideoMD5 entries, and every file gives the
    native pHash, MD5 and SHA-256 entries the match API uses; videos hashed on the device also give a vPDQ
    entry (their frames); files no longer in the case are withdrawn.
    Consent withdrawn or never given: the case's entries are Withdrawn. Erased: Deleted, for good. Files held
    for review are left out until a caseworker releases them.
    Idempotent: returns how many entries changed, 0 when the bank already matched the case. Holds the bank
    clock's lock from its first change until the caller's transaction ends, so keep that transaction short.
    """
    if case.erased_at is not None:
        return bank_delete(case_id=case.pk)
    if not case.consent_share_hashes or case.hashes_withdrawn_at is not None:
        return bank_withdraw(case_id=case.pk)
    if case.is_minor and not settings.BANK_SHARE_MINORS:
        # Images of a child are child sexual abuse material: their hashes belong with NCMEC and the IWF, whose
        # lists partners already use, not in an adult NCII bank whose partners' processes assume adults.
        return bank_withdraw(case_id=case.pk)
    wanted: list[WantedEntry] = []
    for case_hash in case.hashes.all():
        if case_hash.bank_held:
            continue  # waits for a caseworker's release (cases.intake.screening)
        wanted.extend(_entries_for(case_hash))
    return bank_share(case_id=case.pk, wanted=wanted)


def _entries_for(case_hash: CaseHash) -> list[WantedEntry]:
    try:
        return _validated_entries(case_hash)
    except HashValueError as exc:
        # Intake validates hashes before saving them; a row that still fails is left out of the bank
        # rather than failing the victim's request.
        logger.error("case hash %s not shared with the bank: %s", case_hash.pk, exc)
        return []


def _validated_entries(case_hash: CaseHash) -> list[WantedEntry]:
    own = case_hash.pk
    entries = [
        WantedEntry(SignalType.MD5, Md5Digest(case_hash.md5).hex, case_hash_id=own),
        WantedEntry(SignalType.SHA256, Sha256Digest(case_hash.sha256).hex, case_hash_id=own),
    ]
    if case_hash.media_kind == CaseHash.MediaKind.VIDEO:
        entries.append(WantedEntry(SignalType.VIDEO_MD5, Md5Digest(case_hash.md5).hex, case_hash_id=own))
        frames = vpdq_frames_parse(case_hash.vpdq_frames) if case_hash.vpdq_frames else ()
        if usable_hashes((f.pdq.hex, f.pdq.quality or 0) for f in frames):  # else nothing a partner could match
            # One entry per video, named by the SHA-256 of its signal string: the same frames from two cases
            # (or two copies of one file) are one entry, and a partner can name it from the string it fetched.
            signal = vpdq_signal(frames)
            value = hashlib.sha256(signal.encode()).hexdigest()
            entries.append(WantedEntry(SignalType.VPDQ, value, case_hash_id=own, vpdq_signal=signal))
    if case_hash.media_kind == CaseHash.MediaKind.IMAGE and case_hash.pdq:
        pdq = PdqHash(case_hash.pdq, case_hash.pdq_quality)
        try:
            variants = _packed_variants(case_hash.pdq_dihedral)
        except HashValueError as exc:
            # Still shared, matched by its own value only: a rotated copy will not match, the original will.
            logger.error("case hash %s: PDQ variants left out: %s", case_hash.pk, exc)
            variants = None
        entries.append(WantedEntry(SignalType.IMAGE_PDQ, pdq.hex, variants, pdq.quality, own))
        if case_hash.pdq_oriented and case_hash.pdq_oriented != pdq.hex:
            # The oriented image is itself one of the 8 variants of the decoded one, so it shares them.
            oriented = PdqHash(case_hash.pdq_oriented)
            entries.append(WantedEntry(SignalType.IMAGE_PDQ, oriented.hex, variants, pdq.quality, own))
        if case_hash.phash:
            entries.append(WantedEntry(SignalType.PHASH, PerceptualHash(case_hash.phash).hex, case_hash_id=own))
    return entries


def _packed_variants(dihedral: object) -> bytes | None:
    if not dihedral:
        return None
    if not isinstance(dihedral, list) or len(dihedral) != 8:
        raise HashValueError("PDQ dihedral variants must be a list of 8 hashes")
    return b"".join(bytes.fromhex(PdqHash(value).hex) for value in dihedral)
