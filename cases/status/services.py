"""What a signed-in victim can do: sign in (with lockout), add links and fingerprints, change contact
preferences, withdraw sharing, and erase the case."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from cases.intake.screening import hold_files, hold_reasons
from cases.intake.services import case_hashes_create, case_urls_create, safe_contact_json
from cases.models import Case, CaseEvent
from cases.pins import pin_check, pin_dummy_check, pin_hash_make
from cases.removals.queueing import queue_drafting
from cases.services import case_bank_sync, case_erase
from cases.status import throttle
from cases.timeline import event_record

_NOT_REFERENCE = re.compile(r"[^A-Z0-9]")


@dataclass(frozen=True)
class SignIn:
    case: Case | None
    locked: bool = False
    # After a wrong PIN: how many tries are left before the hour's lock (unknown references count alike).
    tries_left: int | None = None


def normalise_reference(text: str) -> str:
    """'hl 7f3k 9q2m', 'HL-7F3K-9Q2M' and '7F3K9Q2M' all give 'HL-7F3K-9Q2M'."""
    chars = _NOT_REFERENCE.sub("", (text or "").upper())
    if chars.startswith("HL") and len(chars) == 10:
        chars = chars[2:]
    if len(chars) != 8:
        return ""
    return f"HL-{chars[:4]}-{chars[4:]}"


def victim_sign_in(*, reference: str, pin: str) -> SignIn:
    """Check reference and PIN. Unknown references and wrong PINs fail alike, and count alike towards the lock."""
    reference = normalise_reference(reference)
    pin = re.sub(r"\s", "", pin or "")
    if not reference:
        pin_dummy_check(pin)
        return SignIn(case=None)
    with transaction.atomic():
        # The row lock serialises attempts on one reference, so the failure count cannot be raced past 5.
        case = Case.objects.select_for_update().filter(reference=reference, erased_at__isnull=True).first()
        if throttle.reference_is_locked(reference):
            return SignIn(case=None, locked=True)
        checked = pin_check(pin, case.pin_hash) if case is not None else None
        if case is not None and checked is not None and checked.ok:
            if checked.upgrade:
                # Stored by an earlier release (PBKDF2) or under a rotated-out key: the PIN is at hand only now.
                case.pin_hash = pin_hash_make(pin)
                case.save(update_fields=["pin_hash"])
            throttle.reference_success(reference)
            event_record(case=case, kind=CaseEvent.Kind.VICTIM_SIGNED_IN, actor_label="victim")
            return SignIn(case=case)
        if case is None:
            # An unknown reference costs what a wrong PIN costs (a timing difference would tell which exist).
            pin_dummy_check(pin)
        tries_left = throttle.reference_failure(reference)
        locked = tries_left == 0
        if locked and case is not None:
            event_record(case=case, kind=CaseEvent.Kind.STATUS_LOCKED, actor_label="system")
        return SignIn(case=None, locked=locked, tries_left=tries_left)


def case_urls_add(*, case: Case, urls: list[str]) -> int:
    with transaction.atomic():
        added = case_urls_create(case=case, urls=urls)
        if added:
            event_record(case=case, kind=CaseEvent.Kind.URLS_ADDED, actor_label="victim", count=added)
            case_id = case.pk
            transaction.on_commit(lambda: queue_drafting(case_id=case_id))
    return added


def case_hashes_add(*, case: Case, hashes: list[dict]) -> int:
    """Files the victim adds later; anomalous ones (cases.intake.screening) wait for review, the rest share."""
    with transaction.atomic():
        known = set(case.hashes.values_list("sha256", flat=True))
        new = [values for values in hashes if values["sha256"] not in known]
        added = case_hashes_create(case=case, hashes=hashes)
        reasons = hold_reasons(recent=None, hashes=new, case=case) if added and case.consent_share_hashes else []
        if reasons:
            hold_files(case=case, sha256s={values["sha256"] for values in new}, reasons=reasons)
            event_record(
                case=case, kind=CaseEvent.Kind.BANK_HELD, actor_label="system", reasons=reasons, files=len(new)
            )
        if added:
            case_bank_sync(case=case)
            event_record(case=case, kind=CaseEvent.Kind.HASHES_ADDED, actor_label="victim", count=added)
    return added


def case_contact_update(*, case: Case, contact: dict, consent_contact: bool) -> Case:
    has_contact = bool(contact.get("email") or contact.get("phone") or contact.get("name"))
    with transaction.atomic():
        case.contact_name = contact.get("name") or ""
        case.contact_email = contact.get("email") or ""
        case.contact_phone = contact.get("phone") or ""
        case.safe_contact = safe_contact_json(contact) if has_contact else ""
        case.consent_contact = consent_contact and bool(contact.get("email") or contact.get("phone"))
        if case.consent_contact and case.consent_given_at is None:
            case.consent_given_at = timezone.now()
        case.save()
        event_record(
            case=case,
            kind=CaseEvent.Kind.CONTACT_UPDATED,
            actor_label="victim",
            anonymous=case.is_anonymous,
            consent_contact=case.consent_contact,
        )
    return case


def case_sharing_withdraw(*, case: Case) -> Case:
    """Withdraw consent to share fingerprints: the bank marks the case's entries withdrawn."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if not case.consent_share_hashes:
            return case
        case.consent_share_hashes = False
        case.hashes_withdrawn_at = timezone.now()
        case.save()
        case_bank_sync(case=case)
        event_record(case=case, kind=CaseEvent.Kind.SHARING_WITHDRAWN, actor_label="victim")
    return case


def case_messages_mark_read(*, case: Case) -> int:
    """The status page showed the caseworker's messages: they are no longer new. Returns how many were new."""
    from cases.casework.models import CaseMessage

    with transaction.atomic():
        read = CaseMessage.objects.filter(case=case, read_at__isnull=True).update(read_at=timezone.now())
        if read:
            event_record(case=case, kind=CaseEvent.Kind.MESSAGES_READ, actor_label="victim", count=read)
    return read


def case_delete_by_victim(*, case: Case) -> Case:
    return case_erase(case=case, actor_label="victim", reason="victim_request")
