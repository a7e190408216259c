"""Small-count suppression: primary (1 to 9 as "<10"), secondary (no hidden cell recoverable from the sums),
rates and medians built on hidden counts. Pure: no database."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from cases.reporting import reports, suppression
from cases.reporting.tables import LABEL, RATE, STAT, Column, Table

PARTS = ("removed", "refused", "pending")


def grid(values: list[list[int]], **extra) -> Table:
    """Rows of parts, each row's whole ("sent") and a total row: the shape of the platform tables."""
    rows = [
        {"name": f"row {i}", **dict(zip(PARTS, row, strict=True)), "sent": sum(row)} for i, row in enumerate(values)
    ]
    total = {"name": "Total", **{key: sum(row[key] for row in rows) for key in (*PARTS, "sent")}}
    columns = [Column("name", "Name", LABEL), *(Column(key, key) for key in PARTS), Column("sent", "Sent")]
    return Table(
        slug="grid",
        title="Grid",
        columns=columns + extra.pop("columns", []),
        rows=rows,
        total=total,
        parts=((PARTS, "sent"),),
        **extra,
    )


def shown(table: Table) -> list[list[str]]:
    return list(csv.reader(io.StringIO(reports.table_csv(table, external=True))))[1:]


def test_counts_from_one_to_nine_show_as_under_ten_and_zero_and_ten_show_as_they_are():
    table = grid([[0, 30, 10], [2, 5, 40], [3, 6, 50]])
    lines = shown(table)
    assert lines[0] == ["row 0", "0", "30", "10", "40"]
    assert lines[1] == ["row 1", "<10", "<10", "40", "47"]
    assert lines[2] == ["row 2", "<10", "<10", "50", "59"]
    assert lines[3] == ["Total", "<10", "suppressed", "100", "146"]


def test_one_small_cell_in_a_row_takes_the_next_smallest_in_the_row_and_in_the_column_with_it():
    table = grid([[3, 25, 40], [30, 20, 50], [40, 35, 60]])
    hidden = suppression.suppressed_cells(table)
    assert hidden[(0, "removed")] == suppression.PRIMARY
    # Row 0: the next smallest part (25) is hidden; column "removed": the next smallest (30) too.
    assert hidden[(0, "refused")] == suppression.SECONDARY
    assert hidden[(1, "removed")] == suppression.SECONDARY
    lines = shown(table)
    assert lines[0] == ["row 0", "<10", "suppressed", "40", "68"]
    # Nothing left that one sum gives away: each row and column with a hidden cell has at least two.
    assert _single_hidden_sums(table, hidden) == []


def test_when_only_zeros_are_left_the_total_is_hidden_instead():
    table = grid([[4, 0, 0], [20, 30, 40]])
    hidden = suppression.suppressed_cells(table)
    assert hidden[(0, "removed")] == suppression.PRIMARY
    assert hidden[(0, "sent")] == suppression.PRIMARY  # the row's whole is 4 as well
    assert (0, "refused") not in hidden and (0, "pending") not in hidden  # zeros are never picked
    assert _single_hidden_sums(table, hidden) == []


def test_two_small_cells_that_sum_to_two_are_not_left_to_give_each_other_away():
    # "<10" + "<10" + 40 = 42 means both are 1: another cell must go.
    table = grid([[1, 1, 40], [30, 30, 30], [30, 30, 30]])
    hidden = suppression.suppressed_cells(table)
    assert (0, "pending") in hidden or (0, "sent") in hidden
    assert _pinned_by_one_sum(table, hidden) == []


def test_a_small_cell_next_to_a_ten_that_sums_to_eleven_is_protected_further():
    # "<10" (1) + "suppressed" (10) = 11 would pin both: the rule hides one more.
    table = grid([[1, 10, 0], [50, 60, 70], [55, 65, 75]])
    hidden = suppression.suppressed_cells(table)
    assert _pinned_by_one_sum(table, hidden) == []
    assert len([cell for cell in hidden if cell[0] == 0]) >= 3


def test_rates_built_on_a_hidden_count_and_medians_of_few_values_are_suppressed():
    table = grid(
        [[3, 25, 40], [30, 20, 50]],
        columns=[
            Column("rate", "Rate", RATE, numerator="removed", denominator="sent", unit="%"),
            Column("median", "Median", STAT, base="removed", unit="hours"),
        ],
    )
    for row, rate, median in zip(table.all_rows(), (4.4, 30.0, 33.0), (1.5, 2.5, 3.5), strict=True):
        row["rate"], row["median"] = rate, median
    hidden = suppression.suppressed_cells(table)
    assert hidden[(0, "rate")] == suppression.DERIVED  # 3 removed
    assert hidden[(0, "median")] == suppression.DERIVED  # over 3 values
    assert hidden[(1, "rate")] == suppression.DERIVED  # 30 removed, but it is the secondary cell
    assert (1, "median") not in hidden  # over 30 values: shown
    lines = shown(table)
    assert lines[1][-1] == "2.5"
    assert lines[0][-2:] == ["suppressed", "suppressed"]


def test_a_share_of_a_hidden_total_is_suppressed():
    table = Table(
        slug="shares",
        title="Shares",
        columns=[
            Column("name", "Name", LABEL),
            Column("cases", "Cases", sums_down=False),
            Column("share", "Share", RATE, numerator="cases", denominator="cases", denominator_in_total=True),
        ],
        rows=[{"name": "a", "cases": 3, "share": 50.0}, {"name": "b", "cases": 5, "share": 83.3}],
        total={"name": "All", "cases": 6, "share": 100.0},
    )
    hidden = suppression.suppressed_cells(table)
    assert {cell for cell, why in hidden.items() if why == suppression.DERIVED} == {
        (0, "share"),
        (1, "share"),
        (2, "share"),
    }


# Property: on any table of this shape, no hidden cell can be recovered, checked by a method independent of the
# one the module uses: in a table whose rows and columns all sum, a hidden cell can be changed (and the change
# balanced) exactly when it lies on a cycle of hidden cells alternating between rows and columns.

values = st.one_of(st.just(0), st.integers(1, 9), st.integers(10, 60))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(values, min_size=3, max_size=3), min_size=1, max_size=6))
def test_no_hidden_cell_of_any_table_can_be_worked_out_from_the_sums(interior):
    table = grid(interior)
    hidden = suppression.suppressed_cells(table)
    counts = {cell: why for cell, why in hidden.items() if why != suppression.DERIVED}
    rows = table.all_rows()
    for i, row in enumerate(rows):
        for key in (*PARTS, "sent"):
            if 0 < row[key] < 10:
                assert counts.get((i, key)) == suppression.PRIMARY
            if row[key] == 0:
                assert (i, key) not in counts
    assert _single_hidden_sums(table, counts) == []
    assert _pinned_by_one_sum(table, counts) == []
    for cell in counts:
        assert _on_cycle(cell, counts), f"{cell} is determined by the sums; hidden: {sorted(counts)}"


def _single_hidden_sums(table: Table, hidden) -> list:
    return [
        relation for relation in suppression.relations(table) if sum(cell in hidden for cell in relation.cells) == 1
    ]


def _pinned_by_one_sum(table: Table, hidden) -> list:
    """For each sum: the values a hidden cell's marker allows for which the other hidden cells can make up the
    rest; a cell with a single such value is given away. The grand total caps every count when it is shown."""
    rows = table.all_rows()
    grand = (len(rows) - 1, "sent")
    ceiling = rows[-1]["sent"] if grand not in hidden else 10**9
    found = []
    for relation in suppression.relations(table):
        signed = [(cell, 1) for cell in relation.parts] + [(relation.whole, -1)]
        known = sum(sign * rows[c[0]][c[1]] for c, sign in signed if c not in hidden)
        unknown = [(c, sign) for c, sign in signed if c in hidden]

        def allowed(cell):
            return (1, 9) if hidden[cell] == suppression.PRIMARY else (10, ceiling)

        for cell, sign in unknown:
            others = [(c, s) for c, s in unknown if c != cell]
            # The others' signed values can make any integer sum between lows and highs.
            lows = sum(s * allowed(c)[0] if s == 1 else s * allowed(c)[1] for c, s in others)
            highs = sum(s * allowed(c)[1] if s == 1 else s * allowed(c)[0] for c, s in others)
            lo, hi = allowed(cell)
            # value is possible when lows <= -known - sign * value <= highs
            if sign == 1:
                first, last = max(lo, -known - highs), min(hi, -known - lows)
            else:
                first, last = max(lo, known + lows), min(hi, known + highs)
            if first == last:
                found.append((relation, cell))
    return found


def _on_cycle(cell, hidden) -> bool:
    """Is the edge (row, column) of this cell on a cycle of the bipartite graph of hidden cells?"""
    edges = [(("r", i), ("c", key)) for i, key in hidden]
    target = (("r", cell[0]), ("c", cell[1]))
    graph = defaultdict(set)
    for a, b in edges:
        if (a, b) != target:
            graph[a].add(b)
            graph[b].add(a)
    start, goal = target
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        for nxt in graph[node] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return False
