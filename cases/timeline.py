"""The case timeline: one function writes every event, so the history stays complete and PII-free."""

from __future__ import annotations

from typing import Any

from cases.models import Case, CaseEvent


def event_record(
    *, case: Case, kind: CaseEvent.Kind, actor=None, actor_label: str | None = None, **detail: Any
) -> CaseEvent:
    """Append an event. `detail` must hold no personal data (no names, emails, URLs): ids, states, counts. A kind
    that is not a CaseEvent.Kind raises ValueError: reports and indexes match on these values."""
    kind = CaseEvent.Kind(kind)
    if actor_label is None:
        actor_label = "staff" if actor is not None else "system"
    return CaseEvent.objects.create(case=case, kind=kind, actor=actor, actor_label=actor_label, detail=detail)
