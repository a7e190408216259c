"""The caseworkers' queue: tabs and their counts, filters, sorting and one page of rows, without victim PII.

Every query's joins and annotations are here, so a queue page runs a fixed number of queries whatever the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from cases.casework import states
from cases.models import Case
from cases.removals import state as request_state
from cases.removals.models import Platform, RemovalRequest

PAGE_SIZE = 25

# The request states in which a platform's deadline matters: running, or already passed.
DEADLINE_STATES = sorted(request_state.DEADLINE_RUNS | {request_state.OVERDUE})

# What a queue row shows: never a victim's details.
QUEUE_COLUMNS = (
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
    now: datetime
    platforms: list[str] = field(default_factory=list)
    overdue: bool = False  # a request is past a legal deadline (TAKE IT DOWN's 48 hours)
    follow_up_due: bool = False  # a request is past the helpline's own follow-up target (no legal duty)
    next_deadline: datetime | None = None
    url: str = ""
    claim_url: str = ""

    @property
    def next_deadline_label(self) -> str:
        return timezone.localtime(self.next_deadline).strftime("%Y-%m-%d %H:%M") if self.next_deadline else ""

    @property
    def is_open(self) -> bool:
        return self.case.status in states.OPEN

    def add_request(
        self, platform_name: str, status: str, deadline_at: datetime | None, deadline_statutory: bool
    ) -> None:
        if platform_name not in self.platforms:
            self.platforms.append(platform_name)
        if deadline_at is not None and status in DEADLINE_STATES:
            self.next_deadline = min(self.next_deadline or deadline_at, deadline_at)
        passed = status in request_state.DEADLINE_RUNS and deadline_at is not None and deadline_at < self.now
        if status == request_state.OVERDUE or (passed and deadline_statutory):
            self.overdue = True
        elif passed:
            self.follow_up_due = True

    @property
    def priority_reasons(self) -> list[str]:
        reasons = []
        if self.case.is_minor:
            reasons.append("minor")
        if Case.Category.EXTORTION in (self.case.categories or []):
            reasons.append("extortion")
        return reasons

    @property
    def age(self) -> str:
        """'3 days', '5 hours', '12 min': what triage needs, cheaper than the timesince filter per row."""
        seconds = max(0, int((self.now - self.case.created_at).total_seconds()))
        for unit, size in (("day", 86400), ("hour", 3600)):
            if seconds >= size:
                n = seconds // size
                return f"{n} {unit}{'s' if n != 1 else ''}"
        return f"{seconds // 60} min"


@dataclass
class QueuePage:
    """One page of a tab. Unfiltered, `total` and `num_pages` come from the tab's count; filtered they are None:
    counting every match of a broad filter over years of cases would cost more than the page itself."""

    query: QueueQuery
    counts: dict[str, int]
    rows: list[QueueRow]
    number: int
    has_next: bool
    total: int | None
    num_pages: int | None

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


# "Overdue" is a legal word here: a request past a statutory deadline (deadline_statutory, TAKE IT DOWN's 48 hours
# through the platform's designated process), marked overdue by the hourly check or past it before the check ran.
# A request past the helpline's own follow-up target is not overdue (no law was broken); its row says
# "follow-up due".


def _overdue_requests(now: datetime):
    """Requests past a legal deadline, for one case (an EXISTS per row: cheap when a page needs 25 rows)."""
    return RemovalRequest.objects.filter(
        Q(status=request_state.OVERDUE)
        | Q(status__in=request_state.DEADLINE_RUNS, deadline_statutory=True, deadline_at__lt=now),
        case=OuterRef("pk"),
    )


def _overdue_case_ids(now: datetime):
    """Ids of cases with a request past a legal deadline, as a UNION of two index range scans (for counting)."""
    running = (
        RemovalRequest.objects.filter(
            status__in=request_state.DEADLINE_RUNS, deadline_statutory=True, deadline_at__lt=now
        )
        .order_by()
        .values("case_id")
    )
    marked = RemovalRequest.objects.filter(status=request_state.OVERDUE).order_by().values("case_id")
    return running.union(marked)


def _tab_filter(tab: str, user, now: datetime, *, counting: bool = False) -> Q:
    if tab == Tab.MINE:
        return Q(status__in=states.OPEN, assigned_to=user)
    if tab == Tab.OVERDUE:
        overdue = Q(id__in=_overdue_case_ids(now)) if counting else Q(Exists(_overdue_requests(now)))
        return Q(status__in=states.OPEN) & overdue
    if tab == Tab.WAITING:
        return Q(status=Case.Status.WAITING_ON_VICTIM)
    if tab == Tab.CLOSED:
        return Q(status__in=states.FINISHED)
    return Q(status__in=states.OPEN, assigned_to__isnull=True)


def queue_counts(*, user, now: datetime | None = None) -> dict[str, int]:
    """Every tab's count in one statement: a scalar subquery per tab, each answered from an index alone
    (the partial queue indexes of migration 0003 and the requests' (status, deadline) index)."""
    now = now or timezone.now()
    selects, params = [], []
    for tab in Tab.ALL:
        rows = Case.objects.filter(_tab_filter(tab, user, now, counting=True)).order_by().values("pk")
        sql, tab_params = rows.query.sql_with_params()
        # The SQL is the ORM's, its values stay parameters; the tab names are constants.
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS {tab}_rows)")  # noqa: S608
        params.extend(tab_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        return dict(zip(Tab.ALL, cursor.fetchone(), strict=True))


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

    # The Closed tab has no running deadlines to sort by; sorting it so would only cost time.
    sort = (
        "priority" if query.sort not in SORTS or (query.sort == "deadline" and query.tab == Tab.CLOSED) else query.sort
    )
    if sort == "deadline":
        cases = cases.annotate(next_deadline=Subquery(_next_deadline()))
    if query.filtered:
        total, num_pages = None, None
        number = max(1, query.page)
    else:
        total = counts[query.tab]
        num_pages = max(1, -(-total // PAGE_SIZE))
        number = min(max(1, query.page), num_pages)
    # Two steps: the page's ids (an index-only scan in the tab's order, cheap even at a deep page), then those
    # rows' columns. One id more than a page tells whether there is a next page without counting.
    start = (number - 1) * PAGE_SIZE
    ids = list(cases.order_by(*SORTS[sort][1]).values_list("pk", flat=True)[start : start + PAGE_SIZE + 1])
    has_next, page_ids = len(ids) > PAGE_SIZE, ids[:PAGE_SIZE]
    found = Case.objects.filter(pk__in=page_ids).select_related("assigned_to").only(*QUEUE_COLUMNS).in_bulk()
    rows = {pk: QueueRow(case=found[pk], now=now) for pk in page_ids if pk in found}
    if rows:
        requests = (
            RemovalRequest.objects.filter(case_id__in=list(rows))
            .values_list("case_id", "platform__name", "status", "deadline_at", "deadline_statutory")
            .order_by("case_id", "platform__name")
        )
        for case_id, *request in requests:
            rows[case_id].add_request(*request)
    return QueuePage(
        query=query,
        counts=counts,
        rows=list(rows.values()),
        number=number,
        has_next=has_next,
        total=total,
        num_pages=num_pages,
    )


def _next_deadline():
    return (
        RemovalRequest.objects.filter(case=OuterRef("pk"), status__in=DEADLINE_STATES, deadline_at__isnull=False)
        .order_by("deadline_at")
        .values("deadline_at")[:1]
    )


def queue_row(*, case_id: int, now: datetime | None = None) -> QueueRow:
    """One row again, after a claim from the queue."""
    now = now or timezone.now()
    case = Case.objects.select_related("assigned_to").only(*QUEUE_COLUMNS).get(pk=case_id)
    row = QueueRow(case=case, now=now)
    requests = RemovalRequest.objects.filter(case_id=case_id).order_by("platform__name")
    for request in requests.values_list("platform__name", "status", "deadline_at", "deadline_statutory"):
        row.add_request(*request)
    return row


def queue_platforms() -> list[tuple[str, str]]:
    return list(Platform.objects.order_by("name").values_list("slug", "name"))
