"""The state machine module on its own: allowed moves, refused moves with plain messages."""

import itertools
import re

import pytest

from cases.removals import state


def test_the_happy_path_from_draft_to_closed_is_allowed():
    path = [state.DRAFTED, state.READY, state.SENT, state.ACKNOWLEDGED, state.REMOVED, state.CLOSED]
    for current, target in itertools.pairwise(path):
        assert state.check_move(current, target, by=state.STAFF).target == target


def test_a_draft_cannot_jump_to_sent():
    with pytest.raises(
        state.IllegalMove, match=re.escape("drafted cannot become sent. Allowed from here: Ready to send")
    ):
        state.check_move(state.DRAFTED, state.SENT)


def test_an_incomplete_request_cannot_be_marked_ready():
    with pytest.raises(state.IllegalMove, match="missing required elements"):
        state.check_move(state.DRAFTED, state.READY, complete=False)


def test_only_the_portal_marks_a_request_overdue():
    with pytest.raises(state.IllegalMove, match="Only the portal itself"):
        state.check_move(state.SENT, state.OVERDUE, by=state.STAFF)
    assert state.check_move(state.SENT, state.OVERDUE, by=state.SYSTEM).target == state.OVERDUE


def test_a_closed_request_goes_nowhere():
    assert state.allowed_targets(state.CLOSED) == []
    with pytest.raises(state.IllegalMove, match="Allowed from here: none"):
        state.check_move(state.CLOSED, state.SENT)


def test_refused_and_overdue_requests_can_be_escalated_but_a_new_one_cannot():
    assert state.ESCALATED in state.allowed_targets(state.REFUSED)
    assert state.ESCALATED in state.allowed_targets(state.OVERDUE)
    assert state.ESCALATED not in state.allowed_targets(state.DRAFTED)


def test_staff_never_see_the_system_only_overdue_move():
    assert state.OVERDUE not in state.allowed_targets(state.SENT, by=state.STAFF)


def test_every_state_has_a_label_and_a_row_in_the_move_table():
    assert set(state.MOVES) == set(state.STATES) == set(state.LABELS)
    for moves in state.MOVES.values():
        assert set(moves) <= set(state.STATES)


def test_unknown_states_are_refused():
    with pytest.raises(state.IllegalMove, match="Unknown request state"):
        state.check_move("lost", state.SENT)
