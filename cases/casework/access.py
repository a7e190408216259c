"""Who may see and do what on a case: the assigned caseworker and supervisors; other staff see no PII."""

from __future__ import annotations

from cases.models import Case
from helpline.staff import roles


class NotAllowed(Exception):
    """The person's role or relation to the case does not allow this; the message says why."""


def is_supervisor(user) -> bool:
    return roles.role_of(user) in (roles.SUPERVISOR, "admin")


def can_see_pii(user, case: Case) -> bool:
    """Victim details, notes, messages and evidence: the caseworker the case is assigned to, and supervisors."""
    if roles.role_of(user) is None:
        return False
    return is_supervisor(user) or (case.assigned_to_id is not None and case.assigned_to_id == user.pk)


def can_work(user, case: Case) -> bool:
    """Writing on a case (status, notes, messages, evidence) needs the same standing as reading its details."""
    return can_see_pii(user, case)


def require_work(user, case: Case) -> None:
    if not can_work(user, case):
        holder = case.assigned_to
        raise NotAllowed(
            "Only the caseworker assigned to this case, or a supervisor, can do this. "
            + (f"It is assigned to {holder}." if holder else "Claim the case first.")
        )


def require_supervisor(user) -> None:
    if not is_supervisor(user):
        raise NotAllowed("Only a supervisor can do this.")
