"""Every report figure for a tests/reporting/dataset.Dataset, worked out in Python from the records themselves."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from tests.reporting.dataset import (
    CATEGORIES,
    END,
    NOW,
    OPEN,
    PLATFORMS,
    START,
    Dataset,
    hours,
    in_period,
    percentile_cont,
    rate,
    week_of,
    weeks,
)

LANGUAGE_NAMES = {"en": "English", "es": "Español"}
CATEGORY_LABELS = {
    "known_person": "Leaked by someone they know",
    "hacked": "Account hacked",
    "ai_generated": "AI-generated or edited image",
    "extortion": "Threats or extortion (sextortion)",
    "view_once": "Captured from a 'view once' message",
    "other": "Other",
    "": "None given",
}


def _with_total(rows: list[dict], label_key: str, label: str, keys: list[str]) -> dict:
    return {label_key: label, **{key: sum(row[key] for row in rows) for key in keys}}


def cases_weekly(data: Dataset) -> tuple[list[dict], dict]:
    opened = Counter(week_of(c.created_at) for c in data.cases if in_period(c.created_at))
    urgent = Counter(week_of(c.created_at) for c in data.cases if in_period(c.created_at) and c.is_urgent)
    resolved_sets = defaultdict(set)
    for c in data.cases:
        for e in c.events:
            if e.kind == "case_status_changed" and e.status_to == "resolved" and in_period(e.at):
                resolved_sets[week_of(e.at)].add(c.key)
    closed = Counter(week_of(c.closed_at) for c in data.cases if in_period(c.closed_at))
    rows = []
    for week in weeks():
        rows.append(
            {
                "week": week,
                "opened": opened[week],
                "urgent": urgent[week],
                "not_urgent": opened[week] - urgent[week],
                "urgent_share": rate(urgent[week], opened[week]),
                "resolved": len(resolved_sets[week]),
                "closed": closed[week],
            }
        )
    total = _with_total(rows, "week", "Total", ["opened", "urgent", "not_urgent", "resolved", "closed"])
    total["urgent_share"] = rate(total["urgent"], total["opened"])
    return rows, total


def cases_by_category(data: Dataset) -> tuple[dict[str, dict], dict]:
    opened = [c for c in data.cases if in_period(c.created_at)]
    counts = Counter()
    for c in opened:
        tags = {value if value in CATEGORIES else "other" for value in c.categories} or {""}
        counts.update(tags)
    rows = {
        CATEGORY_LABELS[category]: {"cases": counts[category], "share": rate(counts[category], len(opened))}
        for category in [*CATEGORIES, ""]
    }
    return rows, {"cases": len(opened), "share": rate(len(opened), len(opened))}


def cases_by_language(data: Dataset) -> tuple[dict[str, dict], dict]:
    opened = [c for c in data.cases if in_period(c.created_at)]
    rows = {}
    for language in sorted({c.language for c in opened}):
        mine = [c for c in opened if c.language == language]
        urgent = sum(c.is_urgent for c in mine)
        rows[LANGUAGE_NAMES.get(language, language)] = {
            "cases": len(mine),
            "urgent": urgent,
            "not_urgent": len(mine) - urgent,
            "share": rate(len(mine), len(opened)),
        }
    urgent = sum(c.is_urgent for c in opened)
    total = {"cases": len(opened), "urgent": urgent, "not_urgent": len(opened) - urgent, "share": rate(1, 1)}
    return rows, total


def removed_at(data: Dataset, request) -> object:
    """When it, or an escalation of it, reached removed."""
    times = [t.at for t in request.transitions if t.to_status == "removed"]
    for other in data.requests:
        if other.escalates == request.key:
            times += [t.at for t in other.transitions if t.to_status == "removed"]
    return min(times) if times else None


def outcome(data: Dataset, request) -> tuple[str, object, bool]:
    removal = removed_at(data, request)
    if removal is not None or request.status == "removed":
        result = "removed"
    elif request.status == "refused":
        result = "refused"
    elif request.status == "closed":
        result = "closed"
    elif request.status == "overdue" or (
        request.status in ("sent", "acknowledged")
        and request.deadline_statutory
        and request.deadline_at is not None
        and request.deadline_at < NOW
    ):
        result = "overdue"  # past a legal deadline
    elif request.status in ("sent", "acknowledged") and request.deadline_at is not None and request.deadline_at < NOW:
        result = "follow_up_due"  # past the helpline's own target only
    else:
        result = "pending"
    breached = False
    if request.basis == "take_it_down":
        stop = removal or (request.status_changed_at if request.status == "closed" else None) or NOW
        breached = request.sent_at + timedelta(hours=48) < stop
    return result, removal, breached


def sent_by(data: Dataset, request, who: str) -> bool:
    return request.send_approved_by == who or any(t.to_status == "sent" and t.actor == who for t in request.transitions)


def outcome_figures(data: Dataset, requests: list) -> dict:
    outcomes = [outcome(data, r) for r in requests]
    removal_hours = [
        hours(removal - r.sent_at) for r, (_o, removal, _b) in zip(requests, outcomes, strict=True) if removal
    ]
    counts = Counter(o for o, _removal, _b in outcomes)
    tida = [r for r in requests if r.basis == "take_it_down"]
    breached = sum(b for r, (_o, _removal, b) in zip(requests, outcomes, strict=True) if r.basis == "take_it_down")
    return {
        "sent": len(requests),
        "removed": counts["removed"],
        "refused": counts["refused"],
        "pending": counts["pending"],
        "follow_up_due": counts["follow_up_due"],
        "overdue": counts["overdue"],
        "closed": counts["closed"],
        "removal_rate": rate(counts["removed"], len(requests)),
        "median_hours": percentile_cont(removal_hours, 0.5),
        "p90_hours": percentile_cont(removal_hours, 0.9),
        "tida": len(tida),
        "tida_breached": breached,
        "tida_met": len(tida) - breached,
    }


def outcome_tables(data: Dataset, who: str | None = None) -> dict[str, tuple[dict[str, dict], dict]]:
    """{"platforms": ({platform name: figures}, total), "search_engines": (...)}."""
    cohort = [
        r
        for r in data.requests
        if r.kind != "escalation" and in_period(r.sent_at) and (who is None or sent_by(data, r, who))
    ]
    tables = {}
    for group in ("platforms", "search_engines"):
        mine = [r for r in cohort if (PLATFORMS[r.platform][1] == "search_engine") == (group == "search_engines")]
        rows = {}
        for slug in sorted({r.platform for r in mine}):
            rows[PLATFORMS[slug][0]] = outcome_figures(data, [r for r in mine if r.platform == slug])
        tables[group] = (rows, outcome_figures(data, mine) if mine else None)
    return tables


def slowest(data: Dataset, limit: int = 20) -> list[int]:
    waiting = [
        r
        for r in data.requests
        if r.status in ("sent", "acknowledged", "needs_info", "overdue") and r.sent_at is not None
    ]
    waiting.sort(key=lambda r: (r.sent_at, r.pk))
    return [r.pk for r in waiting[:limit]]


def queue_now(data: Dataset) -> dict[str, dict]:
    open_cases = [c for c in data.cases if c.status in OPEN]
    result = {}
    for label, group in (
        ("Urgent", [c for c in open_cases if c.is_urgent]),
        ("Not urgent", [c for c in open_cases if not c.is_urgent]),
        ("All open cases", open_cases),
    ):
        unassigned = [c for c in group if c.assigned_to is None]
        ages = [hours(NOW - c.created_at) for c in unassigned]
        result[label] = {
            "open": len(group),
            "assigned": len(group) - len(unassigned),
            "unassigned": len(unassigned),
            "new": sum(c.status == "new" for c in group),
            "in_progress": sum(c.status == "in_progress" for c in group),
            "waiting": sum(c.status == "waiting_on_victim" for c in group),
            "unassigned_median_hours": percentile_cont(ages, 0.5),
            "unassigned_oldest_hours": max(ages) if ages else None,
        }
    return result


def first_staff_event(case):
    staff_events = sorted((e for e in case.events if e.actor is not None), key=lambda e: e.at)
    return staff_events[0] if staff_events else None


def first_action(data: Dataset) -> dict[str, dict]:
    opened = [c for c in data.cases if in_period(c.created_at)]
    result = {}
    for label, group in (
        ("Urgent", [c for c in opened if c.is_urgent]),
        ("Not urgent", [c for c in opened if not c.is_urgent]),
        ("All cases opened", opened),
    ):
        waits = [hours(first_staff_event(c).at - c.created_at) for c in group if first_staff_event(c)]
        result[label] = {
            "cases": len(group),
            "acted": len(waits),
            "waiting": len(group) - len(waits),
            "median_hours": percentile_cont(waits, 0.5),
            "p90_hours": percentile_cont(waits, 0.9),
        }
    return result


def _finished_by(data: Dataset, who: str, status: str) -> set:
    return {
        c.key
        for c in data.cases
        for e in c.events
        if e.kind == "case_status_changed" and e.status_to == status and e.actor == who and in_period(e.at)
    }


def caseworker_load(data: Dataset, active: list[str]) -> tuple[dict[str, dict], dict]:
    rows = {}
    for who in active:
        held = [c for c in data.cases if c.status in OPEN and c.assigned_to == who]
        rows[who] = {
            "open": len(held),
            "urgent": sum(c.is_urgent for c in held),
            "waiting": sum(c.status == "waiting_on_victim" for c in held),
            "resolved": len(_finished_by(data, who, "resolved")),
            "closed": len(_finished_by(data, who, "closed")),
        }
    total = {key: sum(row[key] for row in rows.values()) for key in ("open", "urgent", "waiting")}
    total["resolved"] = len(set().union(*(_finished_by(data, who, "resolved") for who in active)))
    total["closed"] = len(set().union(*(_finished_by(data, who, "closed") for who in active)))
    return rows, total


def bank_weekly(data: Dataset) -> tuple[list[dict], dict]:
    shared = Counter(week_of(e.created_at) for e in data.entries if in_period(e.created_at))
    stopped = {"Withdrawn": Counter(), "Deleted": Counter()}
    for entry in data.entries:
        if entry.status in stopped:
            at = max(changed for _case, _status, changed in entry.links)
            if in_period(at):
                stopped[entry.status][week_of(at)] += 1
    rows = [
        {"week": w, "shared": shared[w], "withdrawn": stopped["Withdrawn"][w], "deleted": stopped["Deleted"][w]}
        for w in weeks()
    ]
    return rows, _with_total(rows, "week", "Total", ["shared", "withdrawn", "deleted"])


SIGNAL_LABELS = {"ImagePDQ": "PDQ (image)", "MD5": "MD5 (any file)", "SHA256": "SHA-256 (any file)"}


def bank_now(data: Dataset) -> tuple[dict[str, dict], dict]:
    def figures(entries):
        return {
            "entries": len(entries),
            "active": sum(e.status == "Active" for e in entries),
            "withdrawn": sum(e.status == "Withdrawn" for e in entries),
            "deleted": sum(e.status == "Deleted" for e in entries),
        }

    rows = {
        SIGNAL_LABELS[kind]: figures([e for e in data.entries if e.signal_type == kind])
        for kind in sorted({e.signal_type for e in data.entries})
    }
    return rows, figures(data.entries)


def partner_feedback(data: Dataset) -> tuple[dict[str, dict], dict]:
    def figures(items):
        return {
            "feedback": len(items),
            "blocked": sum(f.value == "Blocked" for f in items),
            "not_blocked": sum(f.value == "NotBlocked" for f in items),
            "other": sum(f.value not in ("Blocked", "NotBlocked") for f in items),
            "hashes_blocked": len({f.entry for f in items if f.value == "Blocked"}),
        }

    current = [f for f in data.feedback if START <= f.at < END]
    rows = {name: figures([f for f in current if f.partner == name]) for name in sorted({f.partner for f in current})}
    return rows, figures(current)


# A caseworker's own figures.


def own_held(data: Dataset, who: str) -> dict[str, dict]:
    held = [c for c in data.cases if c.status in OPEN and c.assigned_to == who]
    result = {}
    for label, group in (
        ("Urgent", [c for c in held if c.is_urgent]),
        ("Not urgent", [c for c in held if not c.is_urgent]),
        ("All", held),
    ):
        result[label] = {
            "open": len(group),
            "new": sum(c.status == "new" for c in group),
            "in_progress": sum(c.status == "in_progress" for c in group),
            "waiting": sum(c.status == "waiting_on_victim" for c in group),
        }
    return result


def own_weekly(data: Dataset, who: str) -> tuple[list[dict], dict]:
    taken, resolved, closed, sent = (defaultdict(set) for _ in range(4))
    for c in data.cases:
        for at, kind, to in c.assignments:
            if to == who and kind != "unassign" and in_period(at):
                taken[week_of(at)].add(c.key)
        for e in c.events:
            if e.kind == "case_status_changed" and e.actor == who and in_period(e.at):
                {"resolved": resolved, "closed": closed}.get(e.status_to, defaultdict(set))[week_of(e.at)].add(c.key)
    for r in data.requests:
        for t in r.transitions:
            mine = t.actor == who or (t.actor is None and r.send_approved_by == who)
            if t.to_status == "sent" and mine and in_period(t.at):
                sent[week_of(t.at)].add(r.key)
    rows = [
        {
            "week": w,
            "taken": len(taken[w]),
            "resolved": len(resolved[w]),
            "closed": len(closed[w]),
            "sent": len(sent[w]),
        }
        for w in weeks()
    ]
    return rows, _with_total(rows, "week", "Total", ["taken", "resolved", "closed", "sent"])


def own_first_action(data: Dataset, who: str) -> dict:
    waits = []
    for c in data.cases:
        first = first_staff_event(c)
        if in_period(c.created_at) and first is not None and first.actor == who:
            waits.append(hours(first.at - c.created_at))
    return {"cases": len(waits), "median_hours": percentile_cont(waits, 0.5), "p90_hours": percentile_cont(waits, 0.9)}
