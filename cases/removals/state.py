"""The removal request state machine: states, allowed moves and the check of one move. Pure: no Django."""

from __future__ import annotations

from dataclasses import dataclass

DRAFTED = "drafted"
READY = "ready"
SENT = "sent"
ACKNOWLEDGED = "acknowledged"
REMOVED = "removed"
REFUSED = "refused"
NEEDS_INFO = "needs_info"
OVERDUE = "overdue"
ESCALATED = "escalated"
CLOSED = "closed"

LABELS = {
    DRAFTED: "Drafted",
    READY: "Ready to send",
    SENT: "Sent",
    ACKNOWLEDGED: "Acknowledged",
    REMOVED: "Removed",
    REFUSED: "Refused",
    NEEDS_INFO: "Needs information",
    OVERDUE: "Overdue",
    ESCALATED: "Escalated",
    CLOSED: "Closed",
}
STATES = tuple(LABELS)

# Requests a caseworker may still edit, and to which new URLs are added instead of opening a follow-up.
UNSENT = frozenset({DRAFTED, READY})
# Sent and waiting on the platform: the deadline runs and the URLs are re-checked.
AWAITING_PLATFORM = frozenset({SENT, ACKNOWLEDGED, NEEDS_INFO, OVERDUE, ESCALATED})
# The hourly check may declare these overdue.
DEADLINE_RUNS = frozenset({SENT, ACKNOWLEDGED})

SYSTEM = "system"
STAFF = "staff"
CORRECTION = "correction"  # a move that took back the one before it
CORRECTION_LABEL = "staff correction"  # its RequestTransition.actor_label (the reports leave such moves out)


@dataclass(frozen=True)
class Move:
    target: str
    by: frozenset[str]  # who may make the move: staff, system
    needs_complete: bool = False  # the request must have every element its legal basis requires


def _move(target: str, *, by: tuple[str, ...] = (STAFF,), **kwargs) -> Move:
    return Move(target=target, by=frozenset(by), **kwargs)


# Every allowed move, and only these. A move not listed is refused with `IllegalMove`.
MOVES: dict[str, dict[str, Move]] = {
    DRAFTED: {
        READY: _move(READY, needs_complete=True),
        CLOSED: _move(CLOSED),
    },
    READY: {
        DRAFTED: _move(DRAFTED),
        # Sending: by staff (web form, in-app, marked sent) or by the system (email approved by staff).
        SENT: _move(SENT, by=(STAFF, SYSTEM), needs_complete=True),
        CLOSED: _move(CLOSED),
    },
    SENT: {
        ACKNOWLEDGED: _move(ACKNOWLEDGED),
        REMOVED: _move(REMOVED),
        REFUSED: _move(REFUSED),
        NEEDS_INFO: _move(NEEDS_INFO),
        OVERDUE: _move(OVERDUE, by=(SYSTEM,)),
        CLOSED: _move(CLOSED),
    },
    ACKNOWLEDGED: {
        REMOVED: _move(REMOVED),
        REFUSED: _move(REFUSED),
        NEEDS_INFO: _move(NEEDS_INFO),
        OVERDUE: _move(OVERDUE, by=(SYSTEM,)),
        CLOSED: _move(CLOSED),
    },
    NEEDS_INFO: {
        DRAFTED: _move(DRAFTED),
        SENT: _move(SENT, by=(STAFF, SYSTEM), needs_complete=True),
        REMOVED: _move(REMOVED),
        REFUSED: _move(REFUSED),
        ESCALATED: _move(ESCALATED),
        CLOSED: _move(CLOSED),
    },
    OVERDUE: {
        ACKNOWLEDGED: _move(ACKNOWLEDGED),
        REMOVED: _move(REMOVED),
        REFUSED: _move(REFUSED),
        NEEDS_INFO: _move(NEEDS_INFO),
        ESCALATED: _move(ESCALATED),
        CLOSED: _move(CLOSED),
    },
    REFUSED: {
        ESCALATED: _move(ESCALATED),
        CLOSED: _move(CLOSED),
    },
    ESCALATED: {
        REMOVED: _move(REMOVED),
        REFUSED: _move(REFUSED),
        CLOSED: _move(CLOSED),
    },
    REMOVED: {
        CLOSED: _move(CLOSED),
    },
    CLOSED: {},
}

# The answers a platform can give, recorded by staff with one form.
ANSWERS = (ACKNOWLEDGED, REMOVED, REFUSED, NEEDS_INFO)


# Correcting a mistake: staff may take back the last move when it was one they recorded by hand (a platform's
# answer, or closing), going back to the state before it. Moves with effects beyond the request's state are not
# taken back this way: sending (the platform has it) and escalating (a follow-up request exists).
CORRECTABLE = frozenset({ACKNOWLEDGED, REMOVED, REFUSED, NEEDS_INFO, CLOSED})


class IllegalMove(Exception):
    """A move the state machine does not allow; the message says why, in plain words."""


def label(state: str) -> str:
    return LABELS.get(state, state)


def check_move(current: str, target: str, *, by: str = STAFF, complete: bool = True) -> Move:
    """Return the move from `current` to `target`, or raise IllegalMove saying what is wrong."""
    if current not in MOVES:
        raise IllegalMove(f"Unknown request state {current!r}.")
    if target not in MOVES:
        raise IllegalMove(f"Unknown request state {target!r}.")
    move = MOVES[current].get(target)
    if move is None:
        allowed = ", ".join(label(t) for t, m in MOVES[current].items() if by in m.by) or "none"
        raise IllegalMove(
            f"A request that is {label(current).lower()} cannot become {label(target).lower()}. "
            f"Allowed from here: {allowed}."
        )
    if by not in move.by:
        raise IllegalMove(f"Only the portal itself marks a request {label(target).lower()}; staff cannot.")
    if move.needs_complete and not complete:
        raise IllegalMove(
            "This request is missing required elements of its legal basis; complete it before it is "
            f"{label(target).lower()}."
        )
    return move


def allowed_targets(current: str, *, by: str = STAFF) -> list[str]:
    """The states `by` may move a request to from `current`, in the order the board shows them."""
    return [target for target, move in MOVES.get(current, {}).items() if by in move.by]


def check_correction(current: str, *, last_from: str | None, last_to: str | None, last_by: str | None) -> str:
    """The state that correcting the last move `last_from` -> `last_to` goes back to, or IllegalMove saying why
    not. `current` is the request's state now; `last_by` who made that move (staff,
    system or a correction)."""
    if last_to is None or last_from is None:
        raise IllegalMove("This request has no recorded move to correct.")
    if last_to != current:
        raise IllegalMove("The request's history does not end in its current state; nothing was changed.")
    if last_by == CORRECTION:
        raise IllegalMove("The last move was itself a correction; record what the platform really answered instead.")
    if last_by != STAFF:
        raise IllegalMove(f"The portal itself made the last move ({label(last_to).lower()}); it cannot be undone.")
    if current not in CORRECTABLE:
        raise IllegalMove(
            f"A move to {label(current).lower()} cannot be taken back; only a recorded answer or closing can."
        )
    if MOVES.get(last_from, {}).get(current) is None:
        raise IllegalMove(f"The history shows a move from {label(last_from).lower()} that is not allowed.")
    return last_from
