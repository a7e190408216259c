"""Filing a case: one atomic write of the case, its links, fingerprints and consents; drafting queued after."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.intake.hashes import case_hash_from, parse_hash_list
from cases.intake.screening import filing_admit, hold_files, hold_reasons
from cases.models import Case, CaseEvent, CaseURL, new_reference
from cases.pins import pin_hash_make
from cases.removals.queueing import queue_drafting
from cases.services import case_bank_sync
from cases.timeline import event_record
from cases.urls_normalise import NormalisedURL, normalise_url

PIN_DIGITS = 6

SIGNATURE_STATEMENT = _(
    "I confirm that I am the person shown in these images, or that I am authorised to act for them; that the "
    "images were shared without consent; and that what I have told the helpline is true to the best of my "
    "knowledge. I ask the helpline to request their removal on my behalf."
)

URGENT_CATEGORIES = {Case.Category.EXTORTION}


@dataclass(frozen=True)
class FiledCase:
    case: Case
    pin: str  # shown to the victim once; only its hash is stored


def new_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))


def safe_contact_json(contact: dict) -> str:
    """The safe-contact preferences as the JSON text kept (encrypted) in Case.safe_contact."""
    return json.dumps(
        {
            "channels": list(contact.get("safe_channels") or []),
            "times": contact.get("safe_times") or "",
            "voicemail_ok": bool(contact.get("voicemail_ok")),
            "email_may_name_helpline": bool(contact.get("email_may_name_helpline")),
            "code_word": contact.get("code_word") or "",
        },
        ensure_ascii=False,
    )


def _unused_reference() -> str:
    for _attempt in range(10):
        reference = new_reference()
        if not Case.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("could not find an unused case reference")  # 29**8 references: practically unreachable


def case_urls_create(*, case: Case, urls: list[str], added_by: str = CaseURL.AddedBy.VICTIM) -> int:
    """Add links to a case, skipping any it already has (compared by keyed digest). Returns how many were new."""
    normalised: dict[str, NormalisedURL] = {}
    for raw in urls:
        found = normalise_url(raw)
        normalised.setdefault(found.digest, found)
    known = set(case.urls.filter(url_digest__in=list(normalised)).values_list("url_digest", flat=True))
    new = [
        CaseURL(
            case=case,
            url=found.url,
            url_digest=digest,
            host=found.host,
            platform_slug=found.platform_slug,
            added_by=added_by,
        )
        for digest, found in normalised.items()
        if digest not in known
    ]
    CaseURL.objects.bulk_create(new)
    return len(new)


def case_hashes_create(*, case: Case, hashes: list[dict]) -> int:
    """Add file fingerprints to a case, skipping files (by SHA-256) it already has. Returns how many were new."""
    known = set(case.hashes.values_list("sha256", flat=True))
    new = []
    for values in hashes:
        if values["sha256"] in known:
            continue
        known.add(values["sha256"])
        new.append(case_hash_from(values, case=case))
    case.hashes.model.objects.bulk_create(new)
    return len(new)


def case_file(*, draft: dict, language: str, client_address: str | None = None) -> FiledCase:
    """File the victim's case from the wizard's draft. Everything exists together or not at all.

    With the filer's `client_address`, the address's filing limits apply (FilingRefused, nothing written). An
    anomalous filing (cases.intake.screening) is filed whole with its hashes held for a caseworker's review.
    """
    safety = draft["safety"]
    what = draft.get("what-happened") or {}
    where = draft.get("where") or {}
    contact = draft.get("contact") or {}
    consent = draft.get("consent") or {}
    # The draft was validated step by step; the hashes are checked again because they are the bank's input.
    hashes = parse_hash_list(json.dumps((draft.get("images") or {}).get("hashes") or []))

    categories = [c for c in (what.get("categories") or []) if c in Case.Category.values]
    is_minor = safety.get("age") == "minor"
    now = timezone.now()
    pin = new_pin()
    signature = (consent.get("signature_name") or "").strip()
    any_consent = any(consent.get(k) for k in ("consent_share_hashes", "consent_contact", "consent_act_on_behalf"))
    has_contact = bool(contact.get("email") or contact.get("phone") or contact.get("name"))

    with transaction.atomic():
        recent = filing_admit(address=client_address) if client_address is not None else None
        case = Case.objects.create(
            reference=_unused_reference(),
            pin_hash=pin_hash_make(pin),
            is_urgent=is_minor or bool(URGENT_CATEGORIES & set(categories)),
            language=language if language in ("en", "es") else "en",
            is_minor=is_minor,
            filed_by=safety.get("filed_by") if safety.get("filed_by") in Case.Filer.values else Case.Filer.SELF,
            categories=categories,
            person_name=what.get("person_name") or "",
            images_taken_by=what.get("images_taken_by", "")
            if what.get("images_taken_by") in Case.TakenBy.values
            else (Case.TakenBy.AI if Case.Category.AI_GENERATED in categories else Case.TakenBy.UNKNOWN),
            country=(what.get("country") or "").upper()[:2],
            police=what.get("police", "") if what.get("police") in Case.Police.values else "",
            description=what.get("description") or "",
            elsewhere=where.get("elsewhere") or "",
            contact_name=contact.get("name") or "",
            contact_email=contact.get("email") or "",
            contact_phone=contact.get("phone") or "",
            safe_contact=safe_contact_json(contact) if has_contact else "",
            consent_share_hashes=bool(consent.get("consent_share_hashes")),
            consent_contact=bool(consent.get("consent_contact")),
            consent_act_on_behalf=bool(consent.get("consent_act_on_behalf")),
            consent_given_at=now if any_consent else None,
            signature_name=signature,
            signature_statement=str(SIGNATURE_STATEMENT) if signature else "",
            signed_at=now if signature else None,
            created_at=now,
        )
        url_count = case_urls_create(case=case, urls=where.get("urls") or [])
        hash_count = case_hashes_create(case=case, hashes=hashes)
        reasons = hold_reasons(recent=recent, hashes=hashes) if case.consent_share_hashes and hashes else []
        if reasons:
            hold_files(case=case, sha256s={h["sha256"] for h in hashes}, reasons=reasons)
            event_record(
                case=case, kind=CaseEvent.Kind.BANK_HELD, actor_label="system", reasons=reasons, files=len(hashes)
            )
        case_bank_sync(case=case)
        event_record(
            case=case,
            kind=CaseEvent.Kind.CASE_FILED,
            actor_label="victim",
            url_count=url_count,
            hash_count=hash_count,
            urgent=case.is_urgent,
            anonymous=case.is_anonymous,
            signed=bool(signature),
        )
        case_id = case.id
        transaction.on_commit(lambda: queue_drafting(case_id=case_id))
    return FiledCase(case=case, pin=pin)
