"""A caseworker's own figures: every one of them theirs, none of anyone else's."""

from __future__ import annotations

from cases.reporting.selectors import own_report
from tests.reporting import expected
from tests.reporting.helpers import assert_figures, assert_outcome_tables, rows_by_label


def test_cases_held_are_only_the_caseworkers_own(data, period, staff):
    for who in ("cw1", "cw2"):
        table = own_report.own_held(period, staff[who])
        want = expected.own_held(data, who)
        got = rows_by_label(table)
        for label, row in got.items():
            assert_figures(table, row, want[label])
        assert_figures(table, table.total, want["All"])
    assert expected.own_held(data, "cw1")["All"] != expected.own_held(data, "cw2")["All"]


def test_weekly_activity_counts_only_what_the_caseworker_did(data, period, staff):
    for who in ("cw1", "cw2"):
        table = own_report.own_weekly(period, staff[who])
        rows, total = expected.own_weekly(data, who)
        for got, want in zip(table.rows, rows, strict=True):
            assert got["week"] == want["week"]
            assert_figures(table, got, {k: v for k, v in want.items() if k != "week"})
        assert_figures(table, table.total, {k: v for k, v in total.items() if k != "week"})


def test_requests_sent_or_approved_by_the_caseworker_and_their_outcomes_match(data, period, staff):
    for who in ("cw1", "cw2"):
        tables = own_report.own_requests(period, staff[who])
        assert_outcome_tables(tables, expected.outcome_tables(data, who), "mine")
    # Some requests were sent by the portal's email worker after approval (no actor on the move).
    assert any(r.send_approved_by == "cw1" for r in data.requests if expected.in_period(r.sent_at))


def test_first_actions_are_the_cases_the_caseworker_acted_on_first(data, period, staff):
    for who in ("cw1", "cw2", "sup"):
        table = own_report.own_first_action(period, staff[who])
        want = expected.own_first_action(data, who)
        assert want["cases"] > 0
        assert_figures(table, table.rows[0], want)
