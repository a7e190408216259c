"""The case status machine: the states, the moves allowed between them, and the reasons for closing."""

from __future__ import annotations

from django.db import models

from cases.models import Case

Status = Case.Status

OPEN = (Status.NEW, Status.IN_PROGRESS, Status.WAITING_ON_VICTIM)
FINISHED = (Status.RESOLVED, Status.CLOSED)

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.IN_PROGRESS, Status.WAITING_ON_VICTIM, Status.RESOLVED, Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.WAITING_ON_VICTIM, Status.RESOLVED, Status.CLOSED}),
    Status.WAITING_ON_VICTIM: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}),
    # Resolved and closed cases can be reopened: the images may come back.
    Status.RESOLVED: frozenset({Status.IN_PROGRESS, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.IN_PROGRESS}),
}


class ClosingReason(models.TextChoices):
    """Why a case was closed: a fixed list, so the reason never carries a victim's words."""

    REMOVED = "removed", "Images removed"
    PARTLY_REMOVED = "partly_removed", "Some images removed; nothing more we can do"
    NO_RESPONSE = "no_response", "No response from the victim"
    VICTIM_WITHDREW = "victim_withdrew", "The victim asked us to stop"
    REFERRED = "referred", "Referred to another service (police, another helpline)"
    OUT_OF_SCOPE = "out_of_scope", "Not something the helpline handles"
    DUPLICATE = "duplicate", "Duplicate of another case"
    OTHER = "other", "Other"


class TransitionError(Exception):
    """A status change that is not allowed; the message says why and what to do."""


def check_move(current: str, new: str, *, closing_reason: str = "") -> None:
    if current == new:
        raise TransitionError(f"The case is already {Status(current).label.lower()}.")
    if new not in TRANSITIONS.get(current, frozenset()):
        raise TransitionError(
            f"A case cannot go from {Status(current).label.lower()} to {Status(new).label.lower()}."
            + (" Reopen it first." if current in FINISHED else "")
        )
    if new == Status.CLOSED and closing_reason not in ClosingReason.values:
        raise TransitionError("Choose a closing reason before closing the case.")


def is_reopen(current: str, new: str) -> bool:
    return current in FINISHED and new in OPEN
