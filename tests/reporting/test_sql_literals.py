"""Every status and event kind the reporting SQL and the partial-index migrations match on is a value the models
define: a renamed state or a typo would otherwise make a report count nothing, silently."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cases.casework.models import CaseAssignment
from cases.models import Case, CaseEvent
from cases.removals import state
from cases.removals.models import Platform, RemovalRequest
from hashing.models import BankStatus

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((ROOT / "cases" / "reporting").rglob("*.py")),
    *sorted((ROOT / "cases" / "migrations").glob("0*.py")),
    *sorted((ROOT / "cases" / "removals" / "migrations").glob("0*.py")),
    *sorted((ROOT / "cases" / "casework" / "migrations").glob("0*.py")),
    *sorted((ROOT / "hashing" / "migrations").glob("0*.py")),
]
# A column (optionally table-qualified, or a JSON key as `detail ->> 'status_to'`), a comparison, then a quoted
# literal or a parenthesised list of them.
COMPARISON = re.compile(
    r"(?:\b\w+\.)?(?P<column>kind|status|to_status|from_status|'status_to'|'status_from')\)?\s*"
    r"(?:=|<>|!=|\bIN\b|\bNOT IN\b)\s*(?P<values>\((?:\s*'[^']*'\s*,?)+\)|'[^']*')",
)
# RemovalRequest.Status is built from state.STATES with the functional API, so its .values are the labels.
REQUEST_STATES = set(state.STATES)
STATUSES = {*Case.Status.values, *REQUEST_STATES, *BankStatus.values}
ALLOWED = {
    "kind": {*CaseEvent.Kind.values, *RemovalRequest.Kind.values, *Platform.Kind.values, *CaseAssignment.Kind.values},
    "status": STATUSES,
    "to_status": REQUEST_STATES,
    "from_status": REQUEST_STATES,
    "'status_to'": set(Case.Status.values),
    "'status_from'": set(Case.Status.values),
}


def sql_literals(text: str) -> list[tuple[str, str]]:
    """(column, literal) for every status/kind comparison with a literal; f-string placeholders are names already."""
    found = []
    for match in COMPARISON.finditer(text):
        for literal in re.findall(r"'([^']*)'", match.group("values")):
            if "{" not in literal:
                found.append((match.group("column"), literal))
    return found


def test_the_scanner_finds_literals_and_would_flag_a_typo():
    sample = (
        "WHERE e.kind = 'case_status_change' AND (e.detail ->> 'status_to') = 'resolvd' AND s.status IN ('sent', 'x')"
    )
    assert sql_literals(sample) == [
        ("kind", "case_status_change"),
        ("'status_to'", "resolvd"),
        ("status", "sent"),
        ("status", "x"),
    ]
    assert [lit for col, lit in sql_literals(sample) if lit not in ALLOWED[col]] == [
        "case_status_change",
        "resolvd",
        "x",
    ]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_status_and_kind_literal_is_a_member_of_the_choices(path):
    unknown = [(col, lit) for col, lit in sql_literals(path.read_text(encoding="utf-8")) if lit not in ALLOWED[col]]
    assert unknown == [], f"{path.relative_to(ROOT)} compares with values no model defines: {unknown}"


def test_the_reports_literals_are_found_at_all():
    """Guards the scanner itself: the reports do match on these, so finding none would mean the regex broke."""
    every = {lit for path in SOURCES for _, lit in sql_literals(path.read_text(encoding="utf-8"))}
    assert {"case_status_changed", "resolved", "closed", "sent", "removed", "escalation"} <= every


def test_every_event_written_is_a_kind_and_an_unknown_kind_is_refused(db):
    from cases.timeline import event_record
    from tests.casework.conftest import make_case

    case = make_case()
    with pytest.raises(ValueError):
        event_record(case=case, kind="case_status_change")
    assert not CaseEvent.objects.filter(case=case, kind="case_status_change").exists()
