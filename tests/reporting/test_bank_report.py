"""Hash bank: shared and withdrawn by week, the bank now, partner feedback."""

from __future__ import annotations

from cases.reporting.selectors import bank_report
from tests.reporting import expected
from tests.reporting.helpers import assert_figures, rows_by_label


def test_hashes_shared_withdrawn_and_deleted_by_week_match(data, period):
    table = bank_report.bank_weekly(period)
    rows, total = expected.bank_weekly(data)
    assert [row["week"] for row in table.rows] == [row["week"] for row in rows]
    for got, want in zip(table.rows, rows, strict=True):
        assert_figures(table, got, {k: v for k, v in want.items() if k != "week"})
    assert_figures(table, table.total, {k: v for k, v in total.items() if k != "week"})
    assert total["withdrawn"] and total["deleted"]


def test_bank_now_by_hash_type_matches(data, period):
    table = bank_report.bank_now(period)
    rows, total = expected.bank_now(data)
    got = rows_by_label(table)
    assert set(got) == set(rows)
    for label, want in rows.items():
        assert_figures(table, got[label], want)
    assert_figures(table, table.total, total)


def test_partner_feedback_in_the_period_matches_and_a_partner_silent_in_it_has_no_row(data, period):
    table = bank_report.partner_feedback(period)
    rows, total = expected.partner_feedback(data)
    got = rows_by_label(table)
    assert set(got) == {"Partner One", "Partner Two"}
    for label, want in rows.items():
        assert_figures(table, got[label], want)
    assert_figures(table, table.total, total)
