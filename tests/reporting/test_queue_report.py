"""Queue health: open cases and unassigned ages, time to first staff action, caseworker load."""

from __future__ import annotations

from cases.reporting.selectors import queue_report
from tests.reporting import expected
from tests.reporting.helpers import assert_figures, rows_by_label


def test_open_cases_and_unassigned_ages_match(data, period):
    table = queue_report.queue_now(period)
    want = expected.queue_now(data)
    got = rows_by_label(table)
    assert list(got) == ["Urgent", "Not urgent"]
    for label in ("Urgent", "Not urgent"):
        assert_figures(table, got[label], want[label])
    assert_figures(table, table.total, want["All open cases"])


def test_time_to_first_action_counts_only_staff_events_and_matches(data, period):
    table = queue_report.first_action(period)
    want = expected.first_action(data)
    got = rows_by_label(table)
    for label in ("Urgent", "Not urgent"):
        assert_figures(table, got[label], want[label])
    assert_figures(table, table.total, want["All cases opened"])
    # The data set has system events (actor NULL) before staff ones: counting them would shorten the times.
    assert any(e.actor is None for c in data.cases for e in c.events)


def test_caseworker_load_lists_active_staff_only_with_their_figures(data, period, staff):
    table = queue_report.caseworker_load(period)
    rows, total = expected.caseworker_load(data, ["cw1", "cw2", "sup"])
    got = rows_by_label(table)
    assert set(got) == {str(staff[key]) for key in rows}
    assert str(staff["gone"]) not in got
    for key, figures in rows.items():
        assert_figures(table, got[str(staff[key])], figures)
    assert_figures(table, table.total, total)
    assert [row["open"] for row in table.rows] == sorted((row["open"] for row in table.rows), reverse=True)
    assert any(c.assigned_to == "gone" and c.status in expected.OPEN for c in data.cases)


def test_queue_of_an_empty_helpline_shows_zeros_not_an_error(db, period):
    table = queue_report.queue_now(period)
    assert table.rows == []
    assert table.total["open"] == 0
    assert table.total["unassigned_median_hours"] is None
