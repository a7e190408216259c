"""A small, known data set for the reports, and every figure the reports should show, worked out here in plain
Python from the same records (never from the database), so a test compares two independent computations.

The records are generated from a seeded random source (so the figures are not hand-picked to agree), around a
fixed `NOW`, in a time zone with a daylight-saving change inside the period, with records on both sides of the
period's edges. Hand-made records cover the cases the rules single out (removal won on appeal, a request closed
within 48 hours, two resolutions of one case in one week, unknown categories...).
"""

from __future__ import annotations

import math
import random
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.hashers import make_password

from cases.casework.models import CaseAssignment
from cases.models import Case, CaseEvent
from cases.removals.models import Platform, RemovalRequest, RequestTransition
from cases.reporting.period import Period
from hashing.models import BankEntry, BankEntryCase, Partner, PartnerFeedback

TZ = "America/New_York"  # summer time starts on 8 March 2026, inside the period
ZONE = zoneinfo.ZoneInfo(TZ)
UTC = zoneinfo.ZoneInfo("UTC")
NOW = datetime(2026, 3, 18, 16, 0, tzinfo=UTC)
FIRST_DAY = date(2026, 1, 7)  # a Wednesday: the first week is partial
LAST_DAY = date(2026, 3, 15)  # a Sunday
OPEN = ("new", "in_progress", "waiting_on_victim")
CATEGORIES = ["known_person", "hacked", "ai_generated", "extortion", "view_once", "other"]
PIN_HASH = make_password("246810", hasher="md5")


def period() -> Period:
    return Period(first_day=FIRST_DAY, last_day=LAST_DAY, now=NOW, tz=TZ)


START = period().start.astimezone(UTC)
END = period().end.astimezone(UTC)


def in_period(moment: datetime | None) -> bool:
    return moment is not None and START <= moment < END


def week_of(moment: datetime) -> date:
    local = moment.astimezone(ZONE).date()
    return local - timedelta(days=local.weekday())


def weeks() -> list[date]:
    first = FIRST_DAY - timedelta(days=FIRST_DAY.weekday())
    return [first + timedelta(weeks=i) for i in range((LAST_DAY - first).days // 7 + 1)]


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def rate(part: int, whole: int) -> Decimal | None:
    """round(100.0 * part / whole, 1), rounding halves away from zero as PostgreSQL does."""
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


# The records.


@dataclass
class EventSpec:
    at: datetime
    kind: str
    actor: str | None  # a staff key, or None for the system
    status_to: str | None = None


@dataclass
class CaseSpec:
    key: int
    created_at: datetime
    is_urgent: bool
    language: str
    categories: list
    status: str
    assigned_to: str | None = None
    assigned_at: datetime | None = None
    closed_at: datetime | None = None
    events: list[EventSpec] = field(default_factory=list)
    assignments: list[tuple[datetime, str, str | None]] = field(default_factory=list)  # at, kind, to
    pk: int | None = None


@dataclass
class TransitionSpec:
    at: datetime
    from_status: str
    to_status: str
    actor: str | None = None


@dataclass
class RequestSpec:
    key: int
    case: int
    platform: str
    kind: str
    basis: str
    status: str
    sent_at: datetime | None
    deadline_at: datetime | None
    status_changed_at: datetime
    deadline_statutory: bool = False
    transitions: list[TransitionSpec] = field(default_factory=list)
    escalates: int | None = None
    send_approved_by: str | None = None
    sequence: int | None = None  # None: numbered in order per case, platform and kind when written
    hand_made: bool = False
    pk: int | None = None


@dataclass
class EntrySpec:
    key: int
    signal_type: str
    status: str
    created_at: datetime
    links: list[tuple[int, str, datetime]]  # case key, status, changed_at


@dataclass
class FeedbackSpec:
    partner: str
    entry: int
    value: str
    at: datetime


# The helpline's follow-up target for requests without a legal deadline (settings.REMOVALS_FOLLOW_UP_HOURS).
FOLLOW_UP_HOURS = 120

# Platforms: kind, deadline hours.
PLATFORMS = {
    "alpha": ("Alpha Social", "platform", 48),
    "beta": ("Beta Video", "platform", 48),
    "hostco": ("Hostco forums", "host", None),
    "gsearch": ("G Search", "search_engine", 168),
    "bsearch": ("B Search", "search_engine", 168),
}
PARTNERS = ["Partner One", "Partner Two", "Partner Quiet"]
STAFF = ("cw1", "cw2", "sup", "gone")  # gone: an inactive account that still holds cases


@dataclass
class Dataset:
    cases: list[CaseSpec]
    requests: list[RequestSpec]
    entries: list[EntrySpec]
    feedback: list[FeedbackSpec]
    staff: dict = field(default_factory=dict)  # key -> user
    platforms: dict = field(default_factory=dict)  # key -> Platform
    partners: dict = field(default_factory=dict)  # name -> Partner

    def case(self, key: int) -> CaseSpec:
        return self.cases[key]

    def request(self, key: int) -> RequestSpec:
        return self.requests[key]


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    # In UTC: Python adds and subtracts aware datetimes of one zone on the wall clock, which is wrong across the
    # change to summer time that the period contains.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    seconds = (end - start).total_seconds()
    return start + timedelta(seconds=round(rng.uniform(0, seconds)))


def generate(seed: int = 8) -> Dataset:
    rng = random.Random(seed)
    cases: list[CaseSpec] = []
    staff_actors = ["cw1", "cw1", "cw2", "sup"]
    for key in range(140):
        created = _between(rng, START - timedelta(days=20), NOW - timedelta(hours=2))
        categories = rng.sample(CATEGORIES, rng.choice([0, 1, 1, 1, 2, 3]))
        if rng.random() < 0.05:
            categories.append("legacy_value")  # not a known category: counts as "other"
        status = rng.choice(["new", "in_progress", "in_progress", "waiting_on_victim", "resolved", "closed", "closed"])
        spec = CaseSpec(
            key=key,
            created_at=created,
            is_urgent=rng.random() < 0.3,
            language=rng.choice(["en", "en", "en", "es", "es", "fr"]),
            categories=categories,
            status=status,
        )
        if rng.random() < 0.5:
            spec.events.append(EventSpec(created + timedelta(minutes=5), "removal_requests_drafted", None))
        first_action = created + timedelta(hours=rng.uniform(0.05, 150))
        acted = status != "new" or rng.random() < 0.4
        if acted and first_action < NOW:
            actor = rng.choice(staff_actors)
            spec.events.append(EventSpec(first_action, "case_claimed", actor))
            if status != "new" or rng.random() < 0.5:
                holder = actor if rng.random() < 0.9 else "gone"
                spec.assigned_to, spec.assigned_at = holder, first_action
                spec.assignments.append((first_action, "claim", holder))
            later = first_action + timedelta(hours=rng.uniform(1, 300))
            if status == "resolved" and later < NOW:
                spec.events.append(EventSpec(later, "case_status_changed", rng.choice(staff_actors), "resolved"))
            if status == "closed":
                closed = min(later, NOW - timedelta(minutes=30))
                spec.closed_at = closed
                if rng.random() < 0.85:
                    spec.events.append(EventSpec(closed, "case_status_changed", rng.choice(staff_actors), "closed"))
            if status == "in_progress" and rng.random() < 0.2 and later < NOW - timedelta(hours=1):
                # Resolved, then reopened: the resolution still counts in its week.
                spec.events.append(EventSpec(later, "case_status_changed", actor, "resolved"))
                spec.events.append(EventSpec(later + timedelta(minutes=30), "case_reopened", actor, "in_progress"))
        elif status == "closed":
            spec.closed_at = created + timedelta(hours=1)  # erased at the victim's request: no staff event
        cases.append(spec)

    # Hand-made: a case resolved twice in one week (counts once) and again in another week (counts again).
    twice = CaseSpec(
        key=len(cases),
        created_at=datetime(2026, 2, 2, 15, 0, tzinfo=UTC),
        is_urgent=True,
        language="es",
        categories=["extortion", "extortion"],
        status="resolved",
    )
    twice.events += [
        EventSpec(datetime(2026, 2, 3, 15, 0, tzinfo=UTC), "case_claimed", "cw2"),
        EventSpec(datetime(2026, 2, 4, 15, 0, tzinfo=UTC), "case_status_changed", "cw2", "resolved"),
        EventSpec(datetime(2026, 2, 5, 15, 0, tzinfo=UTC), "case_reopened", "cw2", "in_progress"),
        EventSpec(datetime(2026, 2, 6, 15, 0, tzinfo=UTC), "case_status_changed", "cw2", "resolved"),
        EventSpec(datetime(2026, 2, 12, 15, 0, tzinfo=UTC), "case_reopened", "cw2", "in_progress"),
        EventSpec(datetime(2026, 2, 13, 15, 0, tzinfo=UTC), "case_status_changed", "cw2", "resolved"),
    ]
    twice.assigned_to, twice.assigned_at = "cw2", datetime(2026, 2, 3, 15, 0, tzinfo=UTC)
    twice.assignments.append((twice.assigned_at, "claim", "cw2"))
    cases.append(twice)
    # Filed at 23:30 on Sunday 11 January in New York, which is already Monday in UTC: it belongs to the week of
    # 5 January locally.
    cases.append(
        CaseSpec(
            key=len(cases),
            created_at=datetime(2026, 1, 12, 4, 30, tzinfo=UTC),
            is_urgent=False,
            language="fr",
            categories=[],
            status="new",
        )
    )
    # A caseworker's reassignment (taken on by cw1 from cw2) and an unassignment (not "taken on").
    handed = cases[3]
    handed.assignments.append((datetime(2026, 2, 20, 10, 0, tzinfo=UTC), "reassign", "cw1"))
    handed.assignments.append((datetime(2026, 2, 21, 10, 0, tzinfo=UTC), "unassign", None))

    requests = _generate_requests(rng, cases)
    entries, feedback = _generate_bank(rng, cases)
    return Dataset(cases=cases, requests=requests, entries=entries, feedback=feedback)


def _generate_requests(rng: random.Random, cases: list[CaseSpec]) -> list[RequestSpec]:
    requests: list[RequestSpec] = []
    actors = ["cw1", "cw2", "sup", None]

    def add(**values) -> RequestSpec:
        spec = RequestSpec(key=len(requests), **values)
        requests.append(spec)
        return spec

    for case in cases:
        for slug in rng.sample(list(PLATFORMS), rng.choice([1, 2, 2, 3])):
            _name, kind, _deadline_hours = PLATFORMS[slug]
            request_kind = "deindex" if kind == "search_engine" else "removal"
            basis = "take_it_down" if kind == "platform" and rng.random() < 0.7 else "platform_policy"
            scenario = rng.choice(
                [
                    "drafted",
                    "removed",
                    "removed",
                    "removed",
                    "removed_closed",
                    "refused",
                    "refused_closed",
                    "closed",
                    "overdue",
                    "waiting",
                    "needs_info",
                    "escalated_removed",
                    "escalated_waiting",
                ]
            )
            if scenario == "drafted":
                add(
                    case=case.key,
                    platform=slug,
                    kind=request_kind,
                    basis=basis,
                    status="drafted",
                    sent_at=None,
                    deadline_at=None,
                    status_changed_at=case.created_at,
                )
                continue
            sent = _between(rng, max(case.created_at, START - timedelta(days=12)), NOW - timedelta(hours=1))
            if sent < case.created_at:
                sent = case.created_at + timedelta(minutes=10)
            # As the legal engine sets them (cases/removals/services.deadline_for): 48 hours in law for TAKE IT
            # DOWN; the helpline's own follow-up target (no legal duty) for every other basis.
            statutory = basis == "take_it_down"
            deadline = sent + timedelta(hours=48 if statutory else FOLLOW_UP_HOURS)
            actor = rng.choice(actors)
            approved = rng.choice(["cw1", "cw2"]) if actor is None else None
            spec = add(
                case=case.key,
                platform=slug,
                kind=request_kind,
                basis=basis,
                status="sent",
                sent_at=sent,
                deadline_at=deadline,
                deadline_statutory=statutory,
                status_changed_at=sent,
                send_approved_by=approved,
            )
            spec.transitions.append(TransitionSpec(sent - timedelta(hours=1), "drafted", "ready", "cw1"))
            spec.transitions.append(TransitionSpec(sent, "ready", "sent", actor))
            answer = sent + timedelta(hours=rng.choice([rng.uniform(0.5, 47), rng.uniform(49, 400)]))
            if answer >= NOW:
                answer = sent + (NOW - sent) / 2

            def move(to: str, at: datetime, spec=spec) -> None:
                spec.transitions.append(TransitionSpec(at, spec.status, to, rng.choice(["cw1", "cw2"])))
                spec.status, spec.status_changed_at = to, at

            if scenario in ("removed", "removed_closed"):
                move("removed", answer)
                if scenario == "removed_closed":
                    move("closed", answer + (NOW - answer) / 2)
            elif scenario in ("refused", "refused_closed"):
                move("refused", answer)
                if scenario == "refused_closed":
                    move("closed", answer + (NOW - answer) / 3)
            elif scenario == "closed":
                move("closed", answer)
            elif scenario == "overdue":
                # The hourly check marks overdue only a request past a legal deadline; one past the follow-up
                # target stays "sent" (its caseworker is prompted to follow up).
                if statutory and deadline < NOW:
                    spec.transitions.append(TransitionSpec(deadline, "sent", "overdue", None))
                    spec.status, spec.status_changed_at = "overdue", deadline
            elif scenario == "waiting":
                if rng.random() < 0.5:
                    move("acknowledged", sent + (answer - sent) / 4)
            elif scenario == "needs_info":
                move("needs_info", answer)
            else:
                move("refused", sent + (answer - sent) / 3)
                move("escalated", sent + (answer - sent) / 2)
                escalation = add(
                    case=case.key,
                    platform=slug,
                    kind="escalation",
                    basis="appeal",
                    status="sent",
                    sent_at=spec.status_changed_at,
                    deadline_at=None,
                    status_changed_at=spec.status_changed_at,
                    escalates=spec.key,
                )
                escalation.transitions.append(TransitionSpec(escalation.sent_at, "ready", "sent", "cw1"))
                if scenario == "escalated_removed":
                    escalation.transitions.append(TransitionSpec(answer, "sent", "removed", "cw2"))
                    escalation.status, escalation.status_changed_at = "removed", answer
    # Hand-made TAKE IT DOWN edges on Alpha (48 hours), all sent on 2 March:
    case = cases[0]
    sent = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    for sequence, (status, at, removed) in enumerate(
        [
            ("closed", sent + timedelta(hours=20), False),  # closed by us within 48 h: no breach
            ("closed", sent + timedelta(hours=60), False),  # closed after 48 h without removal: breach
            ("removed", sent + timedelta(hours=47, minutes=59), True),  # just in time: no breach
            ("removed", sent + timedelta(hours=48, minutes=1), True),  # just late: breach
        ],
        start=2,
    ):
        spec = add(
            case=case.key,
            platform="alpha",
            kind="removal",
            basis="take_it_down",
            status=status,
            sent_at=sent,
            deadline_at=sent + timedelta(hours=48),
            deadline_statutory=True,
            status_changed_at=at,
        )
        spec.transitions.append(TransitionSpec(sent, "ready", "sent", "cw2"))
        spec.transitions.append(TransitionSpec(at, "sent", "removed" if removed else "closed", "cw2"))
        spec.sequence, spec.hand_made = sequence, True
    return requests


def _generate_bank(rng: random.Random, cases: list[CaseSpec]) -> tuple[list[EntrySpec], list[FeedbackSpec]]:
    entries: list[EntrySpec] = []
    for key in range(70):
        created = _between(rng, START - timedelta(days=15), NOW - timedelta(hours=1))
        status = rng.choice(["Active", "Active", "Active", "Withdrawn", "Deleted"])
        linked = rng.sample(range(len(cases)), rng.choice([1, 1, 2]))
        links = []
        for case_key in linked:
            if status == "Active":
                links.append((case_key, "Active", created))
            else:
                link_status = status if status == "Deleted" or rng.random() < 0.6 else "Deleted"
                links.append((case_key, link_status, _between(rng, created, NOW)))
        if status == "Withdrawn" and all(s != "Withdrawn" for _c, s, _at in links):
            case_key, _s, at = links[0]
            links[0] = (case_key, "Withdrawn", at)
        entries.append(
            EntrySpec(
                key=key,
                signal_type=rng.choice(["ImagePDQ", "ImagePDQ", "MD5", "SHA256"]),
                status=status,
                created_at=created,
                links=links,
            )
        )
    feedback = []
    for _ in range(160):
        feedback.append(
            FeedbackSpec(
                partner=rng.choice(["Partner One", "Partner One", "Partner Two"]),
                entry=rng.randrange(len(entries)),
                value=rng.choice(["Blocked", "Blocked", "Blocked", "NotBlocked", "PendingReview", "Unknown"]),
                at=_between(rng, START - timedelta(days=5), NOW),
            )
        )
    # Partner Quiet only spoke before the period: it has no row.
    feedback.append(FeedbackSpec(partner="Partner Quiet", entry=0, value="Blocked", at=START - timedelta(days=1)))
    return entries, feedback


# Writing the records.


def insert(data: Dataset, staff: dict) -> Dataset:
    """Write the records with bulk inserts (ids come back from PostgreSQL)."""
    data.staff = staff
    for slug, (name, kind, deadline) in PLATFORMS.items():
        data.platforms[slug] = Platform.objects.create(
            slug=f"test-{slug}", name=name, kind=kind, deadline_hours=deadline
        )
    case_rows = Case.objects.bulk_create(
        [
            Case(
                pin_hash=PIN_HASH,
                created_at=spec.created_at,
                is_urgent=spec.is_urgent,
                language=spec.language,
                categories=spec.categories,
                status=spec.status,
                assigned_to=staff.get(spec.assigned_to) if spec.status in OPEN else None,
                assigned_at=spec.assigned_at if spec.status in OPEN else None,
                closed_at=spec.closed_at,
                contact_name="Victim Name",
                contact_email="victim@example.org",
            )
            for spec in data.cases
        ]
    )
    for spec, row in zip(data.cases, case_rows, strict=True):
        spec.pk = row.pk
        if spec.status not in OPEN:
            spec.assigned_to = None  # a finished case is no longer anyone's load
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case_id=spec.pk,
                at=event.at,
                kind=event.kind,
                actor=staff.get(event.actor) if event.actor else None,
                actor_label="staff" if event.actor else "system",
                detail={"status_to": event.status_to} if event.status_to else {},
            )
            for spec in data.cases
            for event in spec.events
        ]
    )
    CaseAssignment.objects.bulk_create(
        [
            CaseAssignment(case_id=spec.pk, kind=kind, assigned_to=staff.get(to) if to else None, at=at)
            for spec in data.cases
            for at, kind, to in spec.assignments
        ]
    )
    sequences: dict = defaultdict(int)
    for spec in data.requests:
        target = (spec.case, spec.platform, spec.kind)
        sequences[target] += 1
        spec.sequence = spec.sequence or sequences[target]
    # Escalations refer to their original: originals first, then escalations.
    for wave in (
        [r for r in data.requests if r.escalates is None],
        [r for r in data.requests if r.escalates is not None],
    ):
        rows = RemovalRequest.objects.bulk_create(
            [
                RemovalRequest(
                    case_id=data.cases[spec.case].pk,
                    platform=data.platforms[spec.platform],
                    kind=spec.kind,
                    sequence=spec.sequence,
                    escalates_id=data.requests[spec.escalates].pk if spec.escalates is not None else None,
                    status=spec.status,
                    basis=spec.basis,
                    sent_at=spec.sent_at,
                    deadline_at=spec.deadline_at,
                    deadline_statutory=spec.deadline_statutory,
                    status_changed_at=spec.status_changed_at,
                    send_approved_by=staff.get(spec.send_approved_by) if spec.send_approved_by else None,
                )
                for spec in wave
            ]
        )
        for spec, row in zip(wave, rows, strict=True):
            spec.pk = row.pk
    RequestTransition.objects.bulk_create(
        [
            RequestTransition(
                request_id=spec.pk,
                from_status=t.from_status,
                to_status=t.to_status,
                at=t.at,
                actor=staff.get(t.actor) if t.actor else None,
                actor_label="staff" if t.actor else "system",
            )
            for spec in data.requests
            for t in spec.transitions
        ]
    )
    for name in PARTNERS:
        data.partners[name] = Partner.objects.create(name=name)
    entry_rows = BankEntry.objects.bulk_create(
        [
            BankEntry(
                signal_type=spec.signal_type,
                value=f"{spec.key:064x}" if spec.signal_type != "MD5" else f"{spec.key:032x}",
                status=spec.status,
                seq=spec.key + 1,
                created_at=spec.created_at,
                last_modified=NOW,  # feedback moves it: never what the report reads
            )
            for spec in data.entries
        ]
    )
    BankEntryCase.objects.bulk_create(
        [
            BankEntryCase(entry=row, case_id=data.cases[case_key].pk, status=status, changed_at=at)
            for spec, row in zip(data.entries, entry_rows, strict=True)
            for case_key, status, at in spec.links
        ]
    )
    PartnerFeedback.objects.bulk_create(
        [
            PartnerFeedback(partner=data.partners[f.partner], entry=entry_rows[f.entry], value=f.value, at=f.at)
            for f in data.feedback
        ]
    )
    return data
