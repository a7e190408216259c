"""Casework reads for the case page, the audit log and the victim's status page, with their joins and
annotations in one place, so each page runs a fixed number of queries whatever the data. The queue's reads are
in cases.casework.queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.contrib.auth import get_user_model
from django.db.models import Case as SqlCase
from django.db.models import (
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from cases.casework import access
from cases.casework.models import AuditRecord, CaseAssignment, CaseMessage, CaseNote, Evidence
from cases.casework.safe_contact import SafeContact
from cases.models import Case, CaseEvent, CaseHash
from cases.removals.models import RemovalRequest
from hashing.bank.selectors import partner_feedback_summary
from helpline.crypto import EncryptedTextField
from helpline.staff import roles

AUDIT_PAGE_SIZE = 50

# Victim details: never loaded for the queue; on the case page only for those allowed to see them.
PII_FIELDS = (
    "contact_name",
    "person_name",
    "contact_email",
    "contact_phone",
    "safe_contact",
    "signature_name",
    "description",
    "elsewhere",
    "stopncii_case",
)


def staff_choices() -> list:
    """Active caseworkers and supervisors, for the assignee filter and the supervisor's assign form."""
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True, groups__name__in=roles.ROLES)
        .distinct()
        .only("id", "email", "first_name", "last_name")
        .order_by("first_name", "last_name", "email")
    )


# ---- The case page -----------------------------------------------------------------------------------


def _hash_count(**condition):
    return Subquery(
        CaseHash.objects.filter(case=OuterRef("pk"), **condition)
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )


def _video_total(expression):
    """The sum of `expression` over the case's videos hashed with vPDQ (frames, seconds)."""
    return Subquery(
        CaseHash.objects.filter(case=OuterRef("pk"), vpdq_frames__isnull=False)
        .order_by()
        .values("case")
        .annotate(n=Sum(expression))
        .values("n")[:1]
    )


def case_for_staff(*, reference: str, viewer) -> Case | None:
    """The case with its assignee and hash counts. Victim details are decrypted in the same query only
    where the viewer may see them (the assigned caseworker, a supervisor); otherwise they stay ciphertext
    in the database and arrive here as empty strings."""
    if access.is_supervisor(viewer):
        allowed = Q(pk__isnull=False)
    else:
        allowed = Q(assigned_to_id=viewer.pk)
    pii = {
        f"pii_{name}": SqlCase(
            When(allowed, then=F(name)), default=Value("", output_field=TextField()), output_field=EncryptedTextField()
        )
        for name in PII_FIELDS
    }
    case = (
        Case.objects.filter(reference=reference)
        .select_related("assigned_to")
        .defer(*PII_FIELDS)
        .annotate(
            **pii,
            hash_files=_hash_count(),
            hash_images=_hash_count(media_kind=CaseHash.MediaKind.IMAGE),
            hash_videos=_hash_count(media_kind=CaseHash.MediaKind.VIDEO),
            hash_pdq=_hash_count(pdq__gt=""),
            hash_phash=_hash_count(phash__gt=""),
            hash_md5=_hash_count(md5__gt=""),
            hash_sha256=_hash_count(sha256__gt=""),
            hash_vpdq_videos=_hash_count(vpdq_frames__isnull=False),
            hash_vpdq_frames=_video_total(
                Func(F("vpdq_frames"), function="jsonb_array_length", output_field=IntegerField())
            ),
            hash_video_seconds=_video_total(Cast(KeyTextTransform("duration", "video"), FloatField())),
        )
        .first()
    )
    if case is not None and access.can_see_pii(viewer, case):
        # Filled in from the same row, so code reading case.contact_name (the removal texts) needs no query.
        for name in PII_FIELDS:
            setattr(case, name, getattr(case, f"pii_{name}") or "")
    return case


def case_requests_summary(case: Case) -> list[RemovalRequest]:
    """The case's removal requests without their texts or URLs: for staff who may not see the victim's details."""
    return list(
        RemovalRequest.objects.filter(case=case)
        .select_related("platform")
        .only(
            "id",
            "case_id",
            "kind",
            "sequence",
            "status",
            "deadline_at",
            "sent_at",
            "host",
            "platform__name",
            "platform__kind",
        )
    )


@dataclass
class VictimDetails:
    """The decrypted details shown to an allowed viewer, and the names of the fields that held something."""

    name: str
    email: str
    phone: str
    signature_name: str
    person_name: str
    description: str
    elsewhere: str
    safe_contact: SafeContact

    @property
    def shown(self) -> list[str]:
        fields = {
            "contact_name": self.name,
            "person_name": self.person_name,
            "contact_email": self.email,
            "contact_phone": self.phone,
            "signature_name": self.signature_name,
            "description": self.description,
            "elsewhere": self.elsewhere,
        }
        return [name for name, value in fields.items() if value] + (["safe_contact"] if self.safe_contact.given else [])


class StaffCaseRow(Protocol):
    """A Case as case_for_staff loads it: the decrypted details and the hash counts are annotations."""

    pii_contact_name: str | None
    pii_contact_email: str | None
    pii_contact_phone: str | None
    pii_signature_name: str | None
    pii_person_name: str | None
    pii_description: str | None
    pii_elsewhere: str | None
    pii_safe_contact: str | None
    hash_files: int | None
    hash_images: int | None
    hash_videos: int | None
    hash_pdq: int | None
    hash_phash: int | None
    hash_md5: int | None
    hash_sha256: int | None
    hash_vpdq_videos: int | None
    hash_vpdq_frames: int | None
    hash_video_seconds: float | None


def victim_details(case: StaffCaseRow) -> VictimDetails:
    """Only for a case loaded by case_for_staff for a viewer allowed to see the details."""
    return VictimDetails(
        name=case.pii_contact_name or "",
        email=case.pii_contact_email or "",
        phone=case.pii_contact_phone or "",
        signature_name=case.pii_signature_name or "",
        person_name=case.pii_person_name or "",
        description=case.pii_description or "",
        elsewhere=case.pii_elsewhere or "",
        safe_contact=SafeContact.parse(case.pii_safe_contact or ""),
    )


def hash_summary(case: StaffCaseRow) -> dict[str, int | str]:
    """Counts per kind of file and hash; `vpdq_*` are the videos fingerprinted frame by frame (shown apart)."""
    seconds = round(case.hash_video_seconds or 0)
    return {
        "vpdq_videos": case.hash_vpdq_videos or 0,
        "vpdq_frames": case.hash_vpdq_frames or 0,
        "vpdq_duration": f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}",
        "files": case.hash_files or 0,
        "images": case.hash_images or 0,
        "videos": case.hash_videos or 0,
        "PDQ": case.hash_pdq or 0,
        "pHash": case.hash_phash or 0,
        "MD5": case.hash_md5 or 0,
        "SHA-256": case.hash_sha256 or 0,
    }


@dataclass
class CaseItems:
    notes: list[CaseNote]
    messages: list[CaseMessage]
    evidence: list[Evidence]


def case_items(case: Case) -> CaseItems:
    """Notes, messages and evidence of a case in one UNION ALL query (not three), which keeps the case page
    within its query budget alongside the removal board. Columns line up as: source, id, created_at, author
    (id, first, last, email), secret (encrypted: note text, message body, evidence caption), label (email
    status, evidence kind), file, content_type, width, height."""
    text: TextField[str, str] = TextField()
    number: IntegerField[int, int] = IntegerField()
    blank, zero = Value("", output_field=text), Value(0, output_field=number)

    def author(prefix: str) -> list[str]:
        return [f"{prefix}_id", f"{prefix}__first_name", f"{prefix}__last_name", f"{prefix}__email"]

    # Each part unordered (the models' default ordering would put ORDER BY inside the UNION); ordered once below.
    notes = (
        CaseNote.objects.filter(case=case)
        .order_by()
        .values_list(
            Value("note", output_field=text),
            "id",
            "created_at",
            *author("author"),
            "text",
            blank,
            blank,
            blank,
            zero,
            zero,
        )
    )
    messages = (
        CaseMessage.objects.filter(case=case)
        .order_by()
        .values_list(
            Value("message", output_field=text),
            "id",
            "created_at",
            *author("author"),
            "body",
            "email_status",
            blank,
            blank,
            zero,
            zero,
        )
    )
    evidence = (
        Evidence.objects.filter(case=case)
        .order_by()
        .values_list(
            Value("evidence", output_field=text),
            "id",
            "created_at",
            *author("added_by"),
            "caption",
            "kind",
            "file",
            "content_type",
            "width",
            "height",
        )
    )
    User = get_user_model()
    items = CaseItems(notes=[], messages=[], evidence=[])
    rows = notes.union(messages, evidence, all=True).order_by("created_at", "id")
    for source, pk, created_at, author_id, first, last, email, secret, label, file, content_type, w, h in rows:
        who = User(id=author_id, first_name=first or "", last_name=last or "", email=email or "") if author_id else None
        if source == "note":
            items.notes.append(CaseNote(id=pk, case=case, created_at=created_at, author=who, text=secret))
        elif source == "message":
            items.messages.append(
                CaseMessage(id=pk, case=case, created_at=created_at, author=who, body=secret, email_status=label)
            )
        else:
            items.evidence.append(
                Evidence(
                    id=pk,
                    case=case,
                    created_at=created_at,
                    added_by=who,
                    caption=secret,
                    kind=label,
                    file=file,
                    content_type=content_type,
                    width=w,
                    height=h,
                )
            )
    return items


def assignment_history(case: Case) -> list[CaseAssignment]:
    return list(CaseAssignment.objects.filter(case=case).select_related("assigned_to", "previous", "by"))


def case_timeline(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("-at", "-id"))


def partner_feedback(case: Case):
    """The hash bank's summary of partner matches for this case."""
    return partner_feedback_summary(case)


def evidence_for_staff(*, reference: str, evidence_id: int) -> Evidence | None:
    return (
        Evidence.objects.select_related("case")
        .defer(*(f"case__{name}" for name in PII_FIELDS))
        .filter(pk=evidence_id, case__reference=reference)
        .first()
    )


# ---- For the victim's status page ----------------------------------------------------------------------


# ---- The audit log ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    actor: str = ""  # a staff id
    action: str = ""
    reference: str = ""
    ip: str = ""
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1


@dataclass
class AuditPage:
    records: list[AuditRecord]
    page: int
    has_next: bool


def audit_records(query: AuditQuery):
    """The records a filter selects, newest first (the page and the CSV export share it)."""
    records = AuditRecord.objects.all()
    if query.actor.isdigit():
        records = records.filter(actor_id=int(query.actor))
    if query.action:
        records = records.filter(action=query.action)
    if query.reference:
        records = records.filter(case_reference=query.reference)
    if query.ip:
        records = records.filter(ip=query.ip)
    if query.since:
        records = records.filter(at__gte=query.since)
    if query.until:
        records = records.filter(at__lt=query.until)
    return records.order_by("-at", "-id")


def audit_page(query: AuditQuery) -> AuditPage:
    """Newest first, no total count (the log grows without end): a page and whether there is another."""
    page = max(1, query.page)
    start = (page - 1) * AUDIT_PAGE_SIZE
    found = list(audit_records(query)[start : start + AUDIT_PAGE_SIZE + 1])
    return AuditPage(records=found[:AUDIT_PAGE_SIZE], page=page, has_next=len(found) > AUDIT_PAGE_SIZE)
