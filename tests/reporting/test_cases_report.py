"""Cases by week, category and language, against the same figures worked out from the known records."""

from __future__ import annotations

from datetime import date

from cases.reporting.selectors import cases_report
from tests.reporting import expected
from tests.reporting.helpers import assert_figures, rows_by_label


def test_weekly_cases_match_every_figure_worked_out_independently(data, period):
    table = cases_report.cases_weekly(period)
    rows, total = expected.cases_weekly(data)
    assert [row["week"] for row in table.rows] == [row["week"] for row in rows]
    for got, want in zip(table.rows, rows, strict=True):
        assert_figures(table, got, {k: v for k, v in want.items() if k != "week"})
    assert_figures(table, table.total, {k: v for k, v in total.items() if k != "week"})


def test_weeks_start_on_monday_in_the_helplines_time_zone_and_cover_the_partial_first_week(data, period):
    weeks = [row["week"] for row in cases_report.cases_weekly(period).rows]
    assert weeks[0] == date(2026, 1, 5)  # the period starts on Wednesday 7 January
    assert weeks[-1] == date(2026, 3, 9)
    assert all(week.weekday() == 0 for week in weeks)


def test_case_filed_late_sunday_local_time_counts_in_that_week_not_the_utc_one(data, period):
    # Filed 04:30 UTC Monday 12 January = 23:30 Sunday 11 January in New York: the week of 5 January.
    late_sunday = next(
        c
        for c in data.cases
        if c.language == "fr"
        and not c.categories
        and c.status == "new"
        and c.created_at.day == 12
        and c.created_at.hour == 4
    )
    assert expected.week_of(late_sunday.created_at) == date(2026, 1, 5)
    table = cases_report.cases_weekly(period)
    first_two = {row["week"]: row["opened"] for row in table.rows[:2]}
    rows, _total = expected.cases_weekly(data)
    assert first_two == {row["week"]: row["opened"] for row in rows[:2]}
    assert first_two[date(2026, 1, 5)] >= 1


def test_a_case_resolved_twice_in_a_week_counts_once_that_week_and_again_in_a_later_week(data, period):
    rows = {row["week"]: row["resolved"] for row in cases_report.cases_weekly(period).rows}
    twice = next(c for c in data.cases if c.categories == ["extortion", "extortion"])
    resolved_weeks = [expected.week_of(e.at) for e in twice.events if e.status_to == "resolved"]
    assert resolved_weeks == [date(2026, 2, 2), date(2026, 2, 2), date(2026, 2, 9)]
    want, _total = expected.cases_weekly(data)
    assert rows == {row["week"]: row["resolved"] for row in want}


def test_categories_count_each_case_once_per_category_and_unknown_values_as_other(data, period):
    table = cases_report.cases_by_category(period)
    rows, total = expected.cases_by_category(data)
    got = rows_by_label(table)
    assert list(got) == list(rows)  # every category, in Case.Category order, then "none given"
    for label, want in rows.items():
        assert_figures(table, got[label], want)
    assert_figures(table, table.total, total)
    assert any("legacy_value" in c.categories for c in data.cases if expected.in_period(c.created_at))


def test_languages_and_their_urgent_split_match(data, period):
    table = cases_report.cases_by_language(period)
    rows, total = expected.cases_by_language(data)
    got = rows_by_label(table)
    assert set(got) == set(rows)
    for label, want in rows.items():
        assert_figures(table, got[label], want)
    assert_figures(table, table.total, total)
    assert [row["cases"] for row in table.rows] == sorted((row["cases"] for row in table.rows), reverse=True)


def test_an_empty_period_gives_zero_weeks_and_no_rates(db, period):
    table = cases_report.cases_weekly(period)
    assert len(table.rows) == 10
    assert all(row["opened"] == 0 and row["urgent_share"] is None for row in table.rows)
    assert table.total["opened"] == 0
