"""The case status machine on its own: allowed moves, refused moves with plain messages, and the shape it shares
with the removal request machine (cases/removals/state.py)."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cases.casework import states
from cases.models import Case
from cases.removals import state as removal_state

ROOT = Path(__file__).resolve().parents[2]


def test_work_on_a_case_from_new_to_closed_is_allowed():
    path = [states.NEW, states.IN_PROGRESS, states.WAITING_ON_VICTIM, states.RESOLVED, states.CLOSED]
    for current, target in itertools.pairwise(path):
        assert states.check_move(current, target, closing_reason="removed").target == target


def test_closing_needs_a_reason_from_the_fixed_list():
    with pytest.raises(states.IllegalMove, match="Choose a closing reason"):
        states.check_move(states.IN_PROGRESS, states.CLOSED)
    with pytest.raises(states.IllegalMove, match="Choose a closing reason"):
        states.check_move(states.IN_PROGRESS, states.CLOSED, closing_reason="she told me her address is ...")
    assert states.check_move(states.IN_PROGRESS, states.CLOSED, closing_reason="referred").needs_reason


def test_only_moves_from_a_finished_state_back_to_work_reopen():
    assert states.check_move(states.CLOSED, states.IN_PROGRESS).reopens
    assert states.check_move(states.RESOLVED, states.IN_PROGRESS).reopens
    assert not states.check_move(states.WAITING_ON_VICTIM, states.IN_PROGRESS).reopens


def test_refused_moves_say_why():
    with pytest.raises(states.IllegalMove, match="already in progress"):
        states.check_move(states.IN_PROGRESS, states.IN_PROGRESS)
    with pytest.raises(states.IllegalMove, match=re.escape("cannot go from closed to resolved. Reopen it first.")):
        states.check_move(states.CLOSED, states.RESOLVED)
    with pytest.raises(states.IllegalMove, match="Unknown case status 'lost'"):
        states.check_move("lost", states.NEW)


def test_the_case_model_takes_its_statuses_from_the_machine():
    assert Case.Status.choices == [(s, states.LABELS[s]) for s in states.STATES]
    assert set(states.MOVES) == set(states.STATES)
    assert all(set(moves) <= set(states.STATES) for moves in states.MOVES.values())


def test_both_machines_have_the_same_shape():
    for machine in (states, removal_state):
        for name in ("STATES", "LABELS", "MOVES", "IllegalMove", "label", "check_move", "allowed_targets"):
            assert hasattr(machine, name), f"{machine.__name__} has no {name}"
        assert set(machine.MOVES) == set(machine.STATES)


def test_both_machines_import_no_django_module():
    code = (
        "import json, sys\n"
        "import cases.casework.states, cases.removals.state\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env={"PATH": "/usr/bin"}
    )
    assert json.loads(out.stdout) == []
