"""Small-count suppression for the external export, so no published figure can point at one person.

1. Primary: every count from 1 to 9 is shown as "<10". Zero is shown: it identifies nobody.
2. Secondary: a hidden count must not be recoverable from the sums a table shows (a row's parts add up to its
   whole; the rows add up to the total row). Hidden cells show as "suppressed". Three checks, repeated until
   none finds anything:
   a. every sum has no hidden cell or at least two: when a sum has exactly one, its smallest other non-zero
      part is hidden too, or, when only zeros are left, its whole ("suppress the next smallest cell, or the
      total");
   b. no hidden cell is pinned to one value by a single sum and what the markers say: a "<10" cell is 1 to 9
      and a "suppressed" count is at least 10 (a visible cell is 0 or at least 10, and only non-zero cells are
      picked), so "<10" + "<10" = 2 or "<10" + "suppressed" = 11 would give both away;
   c. no hidden cell is determined by all the sums together (linear algebra: a cell is determined when every
      solution of the table's equations gives it the same value, i.e. the null space of the hidden cells'
      equations is zero in its coordinate), which catches chains across rows and columns that (a) misses.
   Each time (b) or (c) finds a cell, the smallest visible non-zero part of one of its sums (or that sum's whole)
   is hidden as well; when its own sums have nothing left to hide, the smallest non-zero count elsewhere in the
   table that frees it. Zero is never picked: a hidden zero in a sum of small numbers would be pinned down.
3. A rate is hidden when its numerator or denominator is ("rates built on them are suppressed"); a median or
   percentile is hidden when it summarises 1 to 9 values.

What this does not do: bound a hidden cell's range across several sums at once (an interval attack by linear
programming). A reader can still narrow a hidden count to a range; none is ever given away exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cases.reporting.tables import COUNT, RATE, STAT, Table

THRESHOLD = 10
PRIMARY = "primary"
SECONDARY = "secondary"
DERIVED = "derived"

SHOWN_PRIMARY = "<10"
SHOWN_SECONDARY = "suppressed"

Cell = tuple[int, str]  # (row index, column key); the total row's index is len(table.rows)


@dataclass(frozen=True)
class Relation:
    """parts add up to whole."""

    parts: tuple[Cell, ...]
    whole: Cell

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (*self.parts, self.whole)


def relations(table: Table) -> list[Relation]:
    """Every sum the table shows."""
    found = [
        Relation(parts=tuple((i, key) for key in part_keys), whole=(i, whole_key))
        for i in range(len(table.all_rows()))
        for part_keys, whole_key in table.parts
    ]
    if table.total is not None and table.rows:
        total_index = len(table.rows)
        found += [
            Relation(parts=tuple((i, column.key) for i in range(len(table.rows))), whole=(total_index, column.key))
            for column in table.columns
            if column.kind == COUNT and column.sums_down
        ]
    return found


class _Cells:
    """A table's counts, what is hidden so far, and the choice of the next cell to hide."""

    def __init__(self, table: Table):
        self.rows = table.all_rows()
        self.order = {column.key: position for position, column in enumerate(table.columns)}
        self.count_keys = [column.key for column in table.columns if column.kind == COUNT]
        self.hidden: dict[Cell, str] = {}
        for i in range(len(self.rows)):
            for column in table.columns:
                if column.kind == COUNT and 0 < self.count((i, column.key)) < THRESHOLD:
                    self.hidden[(i, column.key)] = PRIMARY

    def all_counts(self) -> list[Cell]:
        return [(i, key) for i in range(len(self.rows)) for key in self.count_keys]

    def count(self, cell: Cell) -> int:
        return int(self.rows[cell[0]].get(cell[1]) or 0)

    def bounds(self, cell: Cell) -> tuple[float, float]:
        """What a reader knows of a cell: its value if shown, else the range its marker allows."""
        if cell not in self.hidden:
            return self.count(cell), self.count(cell)
        return (1, THRESHOLD - 1) if self.hidden[cell] == PRIMARY else (THRESHOLD, math.inf)

    def hide_partner(self, relation: Relation) -> bool:
        """Hide the smallest visible non-zero part of the sum, or else its whole. False when nothing is left."""
        partners = [cell for cell in relation.parts if cell not in self.hidden and self.count(cell) > 0]
        if partners:
            pick = min(partners, key=lambda cell: (self.count(cell), cell[0], self.order[cell[1]]))
        elif relation.whole not in self.hidden and self.count(relation.whole) > 0:
            pick = relation.whole
        else:
            return False
        self.hidden[pick] = SECONDARY
        return True


def _pair_up(cells: _Cells, sums: list[Relation]) -> None:
    """Rule 2a, until no sum has exactly one hidden cell."""
    changed = True
    while changed:
        changed = False
        for relation in sums:
            if sum(cell in cells.hidden for cell in relation.cells) == 1 and cells.hide_partner(relation):
                changed = True


def _pinned(cells: _Cells, relation: Relation) -> Cell | None:
    """Rule 2b: a hidden cell of this sum whose value the sum and the markers fix."""
    signed = [(cell, 1) for cell in relation.parts] + [(relation.whole, -1)]
    known = sum(sign * cells.count(cell) for cell, sign in signed if cell not in cells.hidden)
    unknown = [(cell, sign) for cell, sign in signed if cell in cells.hidden]
    for cell, sign in unknown:
        low = high = -known  # sum of sign * value over the other hidden cells plus this one is -known
        for other, other_sign in unknown:
            if other == cell:
                continue
            lo, hi = cells.bounds(other)
            span = (other_sign * lo, other_sign * hi)
            low, high = low - max(span), high - min(span)
        # sign * value lies in [low, high]
        lo, hi = (low, high) if sign == 1 else (-high, -low)
        own_lo, own_hi = cells.bounds(cell)
        if max(lo, own_lo) == min(hi, own_hi):
            return cell
    return None


def _determined(cells: _Cells, sums: list[Relation], only: Cell | None = None) -> Cell | None:
    """Rule 2c: a hidden cell every solution of the table's sums agrees on (or: is `only` one?)."""
    variables = sorted(cells.hidden, key=lambda cell: (cell[0], cells.order[cell[1]]))
    index = {cell: i for i, cell in enumerate(variables)}
    equations = []
    for relation in sums:
        coefficients = np.zeros(len(variables))
        for cell, sign in [(cell, 1.0) for cell in relation.parts] + [(relation.whole, -1.0)]:
            if cell in index:
                coefficients[index[cell]] += sign
        if coefficients.any():
            equations.append(coefficients)
    if not equations:
        return None
    matrix = np.array(equations)
    _u, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null_space = vt[rank:]  # rows spanning the solutions of matrix @ x = 0
    for cell in [only] if only is not None else variables:
        if null_space.size == 0 or np.all(np.abs(null_space[:, index[cell]]) < 1e-9):
            return cell
    return None


def _break_chain(cells: _Cells, sums: list[Relation], cell: Cell) -> bool:
    """Rule 2c when the cell's own sums have nothing left to hide: the chain that fixes it runs through other
    rows and columns. Hide the smallest visible non-zero count whose hiding frees the cell (or, if no single
    one does, the smallest, and look again). Hiding every non-zero count always frees it: with only zeros in
    view, the sums are all "= 0" and cannot fix a cell that is not zero."""
    visible = sorted(
        (c for c in cells.all_counts() if c not in cells.hidden and cells.count(c) > 0),
        key=lambda c: (cells.count(c), c[0], cells.order[c[1]]),
    )
    if not visible:
        return False
    for candidate in visible:
        cells.hidden[candidate] = SECONDARY
        if _determined(cells, sums, only=cell) is None:
            return True
        del cells.hidden[candidate]
    cells.hidden[visible[0]] = SECONDARY
    return True


def suppressed_cells(table: Table) -> dict[Cell, str]:
    """Which cells the external export hides, and why."""
    cells = _Cells(table)
    sums = relations(table)
    unprotectable: set[Cell] = set()
    while True:
        _pair_up(cells, sums)
        pinned = [
            (cell, relation) for relation in sums if (cell := _pinned(cells, relation)) not in (None, *unprotectable)
        ]
        if pinned:
            cell = pinned[0][0]
            if not any(cells.hide_partner(relation) for c, relation in pinned if c == cell):
                unprotectable.add(cell)  # only hidden cells and zeros around it, and still pinned: cannot happen
            continue
        cell = _determined(cells, sums)
        if cell is None:
            break
        if not any(cells.hide_partner(relation) for relation in sums if cell in relation.cells):
            if not _break_chain(cells, sums, cell):
                break

    hidden = dict(cells.hidden)
    total_index = len(table.rows)
    for i, row in enumerate(cells.rows):
        for column in table.columns:
            if column.kind == RATE:
                numerator = (i, column.numerator)
                denominator = (total_index if column.denominator_in_total else i, column.denominator)
                if numerator in hidden or denominator in hidden:
                    hidden[(i, column.key)] = DERIVED
            elif column.kind == STAT and column.base and 0 < int(row.get(column.base) or 0) < THRESHOLD:
                hidden[(i, column.key)] = DERIVED
    return hidden


def shown_as(reason: str) -> str:
    return SHOWN_PRIMARY if reason == PRIMARY else SHOWN_SECONDARY
