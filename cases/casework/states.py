"""The case status machine: states, allowed moves and the check of one move. Pure: no Django.

Shaped like the removal request machine (cases/removals/state.py): constants and labels, every allowed move as
data in MOVES, one `check_move` that returns the move or raises IllegalMove, and one service that performs moves
and writes their history (`case_status_change` in cases/casework/services.py). `Case.Status` is built from here.
"""

from __future__ import annotations

from dataclasses import dataclass

NEW = "new"
IN_PROGRESS = "in_progress"
WAITING_ON_VICTIM = "waiting_on_victim"
RESOLVED = "resolved"
CLOSED = "closed"

LABELS = {
    NEW: "New",
    IN_PROGRESS: "In progress",
    WAITING_ON_VICTIM: "Waiting on victim",
    RESOLVED: "Resolved",
    CLOSED: "Closed",
}
STATES = tuple(LABELS)

OPEN = (NEW, IN_PROGRESS, WAITING_ON_VICTIM)
FINISHED = (RESOLVED, CLOSED)


@dataclass(frozen=True)
class Move:
    target: str
    needs_reason: bool = False  # closing: a reason from CLOSING_REASONS must be given
    reopens: bool = False  # from a finished state back to work: the closing date and reason are cleared


def _move(target: str, *, current: str) -> Move:
    return Move(target=target, needs_reason=target == CLOSED, reopens=current in FINISHED and target in OPEN)


def _moves(current: str, *targets: str) -> dict[str, Move]:
    return {target: _move(target, current=current) for target in targets}


# Every allowed move, and only these. A move not listed is refused with `IllegalMove`.
MOVES: dict[str, dict[str, Move]] = {
    NEW: _moves(NEW, IN_PROGRESS, WAITING_ON_VICTIM, RESOLVED, CLOSED),
    IN_PROGRESS: _moves(IN_PROGRESS, WAITING_ON_VICTIM, RESOLVED, CLOSED),
    WAITING_ON_VICTIM: _moves(WAITING_ON_VICTIM, IN_PROGRESS, RESOLVED, CLOSED),
    # Resolved and closed cases can be reopened: the images may come back.
    RESOLVED: _moves(RESOLVED, IN_PROGRESS, CLOSED),
    CLOSED: _moves(CLOSED, IN_PROGRESS),
}

# Why a case was closed: a fixed list, so the reason never carries a victim's words.
CLOSING_REASONS = {
    "removed": "Images removed",
    "partly_removed": "Some images removed; nothing more we can do",
    "no_response": "No response from the victim",
    "victim_withdrew": "The victim asked us to stop",
    "referred": "Referred to another service (police, another helpline)",
    "out_of_scope": "Not something the helpline handles",
    "duplicate": "Duplicate of another case",
    "other": "Other",
}


class IllegalMove(Exception):
    """A status change that is not allowed; the message says why and what to do."""


def label(state: str) -> str:
    return LABELS.get(state, state)


def check_move(current: str, target: str, *, closing_reason: str = "") -> Move:
    """Return the move from `current` to `target`, or raise IllegalMove saying what is wrong."""
    if current not in MOVES:
        raise IllegalMove(f"Unknown case status {current!r}.")
    if target not in MOVES:
        raise IllegalMove(f"Unknown case status {target!r}.")
    if current == target:
        raise IllegalMove(f"The case is already {label(current).lower()}.")
    move = MOVES[current].get(target)
    if move is None:
        raise IllegalMove(
            f"A case cannot go from {label(current).lower()} to {label(target).lower()}."
            + (" Reopen it first." if current in FINISHED else "")
        )
    if move.needs_reason and closing_reason not in CLOSING_REASONS:
        raise IllegalMove("Choose a closing reason before closing the case.")
    return move


def allowed_targets(current: str) -> list[str]:
    """The statuses a case may move to from `current`, in the order the case page shows them."""
    return list(MOVES.get(current, {}))
