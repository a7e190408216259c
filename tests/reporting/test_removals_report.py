"""Removal outcomes per platform and search engine, time to removal, TAKE IT DOWN breaches, slowest requests."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.removals import state
from cases.removals.models import RemovalRequest
from cases.reporting.selectors import removals_report
from tests.reporting import expected
from tests.reporting.dataset import PLATFORMS
from tests.reporting.helpers import assert_outcome_tables, rows_by_label

KINDS = dict(RemovalRequest.Kind.choices)


def test_platform_and_search_engine_tables_match_every_figure(data, period):
    assert_outcome_tables(removals_report.outcome_tables(period), expected.outcome_tables(data), "removals")


def test_every_request_sent_falls_in_exactly_one_outcome(data, period):
    for table in removals_report.outcome_tables(period).values():
        for row in table.all_rows():
            outcomes = ("removed", "refused", "pending", "follow_up_due", "overdue", "closed")
            assert sum(row[k] for k in outcomes) == row["sent"]
            assert row["tida_breached"] + row["tida_met"] == row["tida"]


def test_only_a_legal_deadline_passed_is_overdue_the_helplines_own_target_is_a_follow_up(data, period):
    waiting = [r for r in data.requests if r.kind != "escalation" and expected.in_period(r.sent_at)]
    late_in_law = [r for r in waiting if expected.outcome(data, r)[0] == "overdue"]
    follow_ups = [r for r in waiting if expected.outcome(data, r)[0] == "follow_up_due"]
    assert late_in_law and follow_ups, "the data set has requests of both kinds"
    assert all(r.deadline_statutory and r.basis == "take_it_down" for r in late_in_law)
    assert all(not r.deadline_statutory and r.status in ("sent", "acknowledged") for r in follow_ups)
    tables = removals_report.outcome_tables(period)
    totals = [t.total for t in tables.values() if t.total]
    assert sum(t["overdue"] for t in totals) == len(late_in_law)
    assert sum(t["follow_up_due"] for t in totals) == len(follow_ups)


def test_a_removal_won_on_appeal_counts_for_the_original_request(data, period):
    won = [
        r
        for r in data.requests
        if r.kind != "escalation"
        and r.status == "escalated"
        and expected.in_period(r.sent_at)
        and expected.removed_at(data, r) is not None
    ]
    assert won, "the data set has removals won on appeal"
    removed = sum(row["removed"] for table in removals_report.outcome_tables(period).values() for row in table.rows)
    without_appeals = sum(
        1
        for r in data.requests
        if r.kind != "escalation"
        and expected.in_period(r.sent_at)
        and any(t.to_status == "removed" for t in r.transitions)
    )
    assert removed == without_appeals + len(won)


def test_take_it_down_edges_closed_in_time_is_no_breach_removed_a_minute_late_is(data, period):
    edges = [r for r in data.requests if r.hand_made]
    assert [expected.outcome(data, r)[2] for r in edges] == [False, True, False, True]
    alpha = rows_by_label(removals_report.outcome_tables(period)["removals-platforms"])["Alpha Social"]
    rows, _total = expected.outcome_tables(data)["platforms"]
    assert alpha["tida_breached"] == rows["Alpha Social"]["tida_breached"]


def test_requests_sent_outside_the_period_and_drafts_are_left_out(data, period):
    total = sum(t.total["sent"] for t in removals_report.outcome_tables(period).values())
    outside = [r for r in data.requests if r.sent_at is not None and not expected.in_period(r.sent_at)]
    drafts = [r for r in data.requests if r.sent_at is None]
    assert outside and drafts
    assert total == sum(1 for r in data.requests if r.kind != "escalation" and expected.in_period(r.sent_at))


def test_slowest_open_requests_are_the_longest_waiting_with_links_to_their_case_pages(data, period):
    table = removals_report.slowest_open_requests(period)
    assert [row["id"] for row in table.rows] == expected.slowest(data)
    by_pk = {r.pk: r for r in data.requests}
    for row, link in zip(table.rows, table.links, strict=True):
        request = by_pk[row["id"]]
        case = data.cases[request.case]
        assert row["code"] == f"RR-{request.pk:06d}"
        assert row["platform"] == PLATFORMS[request.platform][0]
        assert (row["kind"], row["status"]) == (KINDS[request.kind], state.label(request.status))
        assert row["sent_at"] == request.sent_at and row["deadline_at"] == request.deadline_at
        assert link == reverse("casework:case", args=[row["reference"]])
        assert float(row["days_waiting"]) == pytest.approx((expected.NOW - request.sent_at).total_seconds() / 86400)
        past = request.deadline_at is not None and request.deadline_at < expected.NOW
        # Late in law only past a statutory deadline; past the helpline's own target it is a follow-up.
        assert (row["hours_late"] is not None) == (past and request.deadline_statutory)
        assert (row["hours_past_follow_up"] is not None) == (past and not request.deadline_statutory)
        if past:
            column = "hours_late" if request.deadline_statutory else "hours_past_follow_up"
            assert float(row[column]) == pytest.approx(expected.hours(expected.NOW - request.deadline_at))
        assert case.pk is not None
    assert not table.external


def test_slowest_requests_query_spells_the_same_states_as_its_partial_index():
    import re
    from importlib import import_module

    migration = import_module("cases.reporting.migrations.0001_report_indexes")
    predicate = re.search(r"status IN \(([^)]*)\)", migration.INDEXES["reporting_request_awaiting_idx"]).group(1)
    in_query = re.search(r"status IN \(([^)]*)\)", removals_report.SLOWEST_SQL).group(1)
    assert set(re.findall(r"'(\w+)'", predicate)) == set(re.findall(r"'(\w+)'", in_query))
    assert set(re.findall(r"'(\w+)'", in_query)) == set(removals_report.AWAITING)
    assert set(removals_report.AWAITING) == {"sent", "acknowledged", "needs_info", "overdue"}


def test_a_removal_taken_back_as_a_mistake_is_not_counted_as_removed(data, period):
    """Issue 16, item 16: a caseworker may take back a "Removed" recorded by mistake (removals.services
    .removal_correct_last_move). The report then counts the request by its real state, not as removed."""
    from datetime import timedelta

    from cases.removals.models import RequestTransition
    from cases.removals.services import CORRECTION_LABEL

    def removed() -> int:
        return sum(row["removed"] for table in removals_report.outcome_tables(period).values() for row in table.rows)

    escalated = {r.escalates for r in data.requests if r.escalates is not None}
    mistaken = next(
        r
        for r in data.requests
        if r.kind != "escalation" and r.status == "removed" and expected.in_period(r.sent_at) and r.key not in escalated
    )
    before = removed()
    RequestTransition.objects.create(
        request_id=mistaken.pk,
        from_status="removed",
        to_status="sent",
        at=mistaken.transitions[-1].at + timedelta(minutes=5),
        actor_label=CORRECTION_LABEL,
        note="Correction: wrong post",
    )
    RemovalRequest.objects.filter(pk=mistaken.pk).update(status="sent")
    assert removed() == before - 1
