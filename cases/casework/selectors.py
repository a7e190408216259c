"""Casework reads: the queue (tabs, counts, filters, one page), the case page, the audit log, victim messages.

Every query's joins and annotations are here, so each page runs a fixed number of queries whatever the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Case as SqlCase
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, TextField, Value, When
from django.utils import timezone
from django.utils.functional import cached_property

from cases.casework import access, states
from cases.casework.models import AuditRecord, CaseMessage, CaseNote, Evidence
from cases.casework.safe_contact import SafeContact
from cases.models import Case, CaseEvent, CaseHash
from cases.removals import state as request_state
from cases.removals.models import Platform, RemovalRequest
from helpline.crypto import EncryptedTextField
from helpline.staff import roles

PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50

# The request states in which a platform's deadline matters: running, or already passed.
DEADLINE_STATES = sorted(request_state.DEADLINE_RUNS | {request_state.OVERDUE})

# Victim details: never loaded for the queue; on the case page only for those allowed to see them.
PII_FIELDS = (
    "contact_name",
    "contact_email",
    "contact_phone",
    "safe_contact",
    "signature_name",
    "description",
    "elsewhere",
)


class Tab:
    UNASSIGNED = "unassigned"
    MINE = "mine"
    OVERDUE = "overdue"
    WAITING = "waiting"
    CLOSED = "closed"

    ALL = (UNASSIGNED, MINE, OVERDUE, WAITING, CLOSED)
    LABELS = {
        UNASSIGNED: "Unassigned",
        MINE: "Mine",
        OVERDUE: "Overdue",
        WAITING: "Waiting on victim",
        CLOSED: "Closed",
    }


SORTS = {
    "priority": ("Priority, then oldest", ["-is_urgent", "created_at", "id"]),
    "oldest": ("Oldest first", ["created_at", "id"]),
    "newest": ("Newest first", ["-created_at", "-id"]),
    "deadline": ("Next deadline", [F("next_deadline").asc(nulls_last=True), "-is_urgent", "created_at", "id"]),
    "reference": ("Reference", ["reference"]),
}


@dataclass(frozen=True)
class QueueQuery:
    """What the caseworker asked for: a tab, filters, a sort, a page. Built from the queue's GET form."""

    tab: str = Tab.UNASSIGNED
    platform: str = ""
    status: str = ""
    priority: str = ""
    language: str = ""
    assignee: str = ""  # a staff id, or "none"
    reference: str = ""
    sort: str = "priority"
    page: int = 1

    @property
    def filtered(self) -> bool:
        return bool(self.platform or self.status or self.priority or self.language or self.assignee or self.reference)


@dataclass
class QueueRow:
    """One line of the queue: no victim PII, only what triage needs."""

    case: Case
    platforms: list[str] = field(default_factory=list)
    overdue: bool = False

    @property
    def priority_reasons(self) -> list[str]:
        reasons = []
        if self.case.is_minor:
            reasons.append("minor")
        if Case.Category.EXTORTION in (self.case.categories or []):
            reasons.append("extortion")
        return reasons


@dataclass
class QueuePage:
    query: QueueQuery
    counts: dict[str, int]
    page: Page
    rows: list[QueueRow]
    total: int


def _overdue_requests(now: datetime):
    return RemovalRequest.objects.filter(
        Q(status=request_state.OVERDUE) | Q(status__in=request_state.DEADLINE_RUNS, deadline_at__lt=now),
        case=OuterRef("pk"),
    )


def _tab_filter(tab: str, user, now: datetime) -> Q:
    if tab == Tab.MINE:
        return Q(status__in=states.OPEN, assigned_to=user)
    if tab == Tab.OVERDUE:
        return Q(status__in=states.OPEN) & Q(Exists(_overdue_requests(now)))
    if tab == Tab.WAITING:
        return Q(status=Case.Status.WAITING_ON_VICTIM)
    if tab == Tab.CLOSED:
        return Q(status__in=states.FINISHED)
    return Q(status__in=states.OPEN, assigned_to__isnull=True)


def queue_counts(*, user, now: datetime | None = None) -> dict[str, int]:
    """Every tab's count: one pass over cases, plus the overdue count driven by the (status, deadline) index."""
    now = now or timezone.now()
    counts = Case.objects.aggregate(
        unassigned=Count("pk", filter=Q(status__in=states.OPEN, assigned_to__isnull=True)),
        mine=Count("pk", filter=Q(status__in=states.OPEN, assigned_to=user)),
        waiting=Count("pk", filter=Q(status=Case.Status.WAITING_ON_VICTIM)),
        closed=Count("pk", filter=Q(status__in=states.FINISHED)),
    )
    counts[Tab.OVERDUE] = Case.objects.filter(_tab_filter(Tab.OVERDUE, user, now)).count()
    return counts


class _KnownCountPaginator(Paginator):
    """A paginator told the total in advance (the tab's count), saving a COUNT query on unfiltered tabs."""

    def __init__(self, *args, known_count: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._known_count = known_count

    @cached_property
    def count(self) -> int:
        return self._known_count if self._known_count is not None else super().count


def queue_page(*, user, query: QueueQuery, now: datetime | None = None) -> QueuePage:
    now = now or timezone.now()
    counts = queue_counts(user=user, now=now)
    cases = Case.objects.filter(_tab_filter(query.tab, user, now))
    if query.platform:
        cases = cases.filter(Exists(RemovalRequest.objects.filter(case=OuterRef("pk"), platform__slug=query.platform)))
    if query.status:
        cases = cases.filter(status=query.status)
    if query.priority == "urgent":
        cases = cases.filter(is_urgent=True)
    elif query.priority == "normal":
        cases = cases.filter(is_urgent=False)
    if query.language:
        cases = cases.filter(language=query.language)
    if query.assignee == "none":
        cases = cases.filter(assigned_to__isnull=True)
    elif query.assignee.isdigit():
        cases = cases.filter(assigned_to_id=int(query.assignee))
    if query.reference:
        cases = cases.filter(reference__startswith=query.reference)

    next_deadline = (
        RemovalRequest.objects.filter(case=OuterRef("pk"), status__in=DEADLINE_STATES, deadline_at__isnull=False)
        .order_by("deadline_at")
        .values("deadline_at")[:1]
    )
    cases = (
        cases.select_related("assigned_to")
        .only(
            "id",
            "reference",
            "status",
            "is_urgent",
            "is_minor",
            "categories",
            "language",
            "created_at",
            "assigned_at",
            "assigned_to__id",
            "assigned_to__email",
            "assigned_to__first_name",
            "assigned_to__last_name",
        )
        .annotate(next_deadline=Subquery(next_deadline))
        .order_by(*SORTS.get(query.sort, SORTS["priority"])[1])
    )
    known = None if query.filtered else counts.get(query.tab)
    paginator = _KnownCountPaginator(cases, PAGE_SIZE, known_count=known)
    page = paginator.get_page(query.page)
    page_cases = list(page.object_list)
    rows = {case.pk: QueueRow(case=case) for case in page_cases}
    if rows:
        requests = (
            RemovalRequest.objects.filter(case_id__in=list(rows))
            .values_list("case_id", "platform__name", "status", "deadline_at")
            .order_by("case_id", "platform__name")
        )
        for case_id, platform_name, status, deadline_at in requests:
            row = rows[case_id]
            if platform_name not in row.platforms:
                row.platforms.append(platform_name)
            if status == request_state.OVERDUE or (
                status in request_state.DEADLINE_RUNS and deadline_at is not None and deadline_at < now
            ):
                row.overdue = True
    return QueuePage(query=query, counts=counts, page=page, rows=list(rows.values()), total=paginator.count)


def queue_row(*, case_id: int, now: datetime | None = None) -> QueueRow:
    """One row again, after a claim from the queue."""
    now = now or timezone.now()
    next_deadline = (
        RemovalRequest.objects.filter(case=OuterRef("pk"), status__in=DEADLINE_STATES, deadline_at__isnull=False)
        .order_by("deadline_at")
        .values("deadline_at")[:1]
    )
    case = (
        Case.objects.select_related("assigned_to")
        .defer(*PII_FIELDS)
        .annotate(next_deadline=Subquery(next_deadline))
        .get(pk=case_id)
    )
    row = QueueRow(case=case)
    for platform_name, status, deadline_at in RemovalRequest.objects.filter(case_id=case_id).values_list(
        "platform__name", "status", "deadline_at"
    ):
        if platform_name not in row.platforms:
            row.platforms.append(platform_name)
        if status == request_state.OVERDUE or (
            status in request_state.DEADLINE_RUNS and deadline_at is not None and deadline_at < now
        ):
            row.overdue = True
    row.platforms.sort()
    return row


def queue_platforms() -> list[tuple[str, str]]:
    return list(Platform.objects.order_by("name").values_list("slug", "name"))


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
    description: str
    elsewhere: str
    safe_contact: SafeContact

    @property
    def shown(self) -> list[str]:
        fields = {
            "contact_name": self.name,
            "contact_email": self.email,
            "contact_phone": self.phone,
            "signature_name": self.signature_name,
            "description": self.description,
            "elsewhere": self.elsewhere,
        }
        return [name for name, value in fields.items() if value] + (["safe_contact"] if self.safe_contact.given else [])


def victim_details(case: Case) -> VictimDetails:
    """Only for a case loaded by case_for_staff for a viewer allowed to see the details."""
    return VictimDetails(
        name=case.pii_contact_name or "",
        email=case.pii_contact_email or "",
        phone=case.pii_contact_phone or "",
        signature_name=case.pii_signature_name or "",
        description=case.pii_description or "",
        elsewhere=case.pii_elsewhere or "",
        safe_contact=SafeContact.parse(case.pii_safe_contact or ""),
    )


def hash_summary(case: Case) -> dict[str, int]:
    return {
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
    text, number = TextField(), IntegerField()
    blank, zero = Value("", output_field=text), Value(0, output_field=number)

    def author(prefix: str) -> list[str]:
        return [f"{prefix}_id", f"{prefix}__first_name", f"{prefix}__last_name", f"{prefix}__email"]

    notes = CaseNote.objects.filter(case=case).values_list(
        Value("note", output_field=text), "id", "created_at", *author("author"), "text", blank, blank, blank, zero, zero
    )
    messages = CaseMessage.objects.filter(case=case).values_list(
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
    evidence = Evidence.objects.filter(case=case).values_list(
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


def case_timeline(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("-at", "-id"))


def partner_feedback(case: Case):
    """The hash bank's summary of partner matches for this case, where the bank is installed."""
    try:
        from hashing.bank.selectors import partner_feedback_summary
    except ImportError:
        return None
    return partner_feedback_summary(case)


def evidence_for_staff(*, reference: str, evidence_id: int) -> Evidence | None:
    return (
        Evidence.objects.select_related("case")
        .defer(*(f"case__{name}" for name in PII_FIELDS))
        .filter(pk=evidence_id, case__reference=reference)
        .first()
    )


# ---- For the victim's status page ----------------------------------------------------------------------


def messages_for_victim(case: Case) -> list[CaseMessage]:
    """The helpline's messages to this victim, oldest first: text and time only, no staff names."""
    return list(CaseMessage.objects.filter(case=case).only("id", "case_id", "body", "created_at"))


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


def audit_page(query: AuditQuery) -> AuditPage:
    """Newest first, no total count (the log grows without end): a page and whether there is another."""
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
    page = max(1, query.page)
    start = (page - 1) * AUDIT_PAGE_SIZE
    found = list(records.order_by("-at", "-id")[start : start + AUDIT_PAGE_SIZE + 1])
    return AuditPage(records=found[:AUDIT_PAGE_SIZE], page=page, has_next=len(found) > AUDIT_PAGE_SIZE)
