"""Template filters for casework pages: timeline events in plain words."""

from django import template

register = template.Library()

_EVENT_LABELS = {
    "case_claimed": "Claimed",
    "case_assigned": "Assigned",
    "case_reassigned": "Reassigned",
    "case_unassigned": "Unassigned",
    "case_status_changed": "Status changed",
    "case_reopened": "Reopened",
    "note_added": "Internal note added",
    "message_sent": "Message sent to the victim",
    "evidence_added": "Screenshot added",
    "removal_request_moved": "Removal request",
    "removal_request_corrected": "Removal request corrected",
}


@register.filter
def event_label(kind: str) -> str:
    return _EVENT_LABELS.get(kind) or kind.replace("_", " ").capitalize()


@register.filter
def detail_items(detail) -> list[tuple[str, str]]:
    """An event's detail as (name, value) pairs; it holds ids, states and counts only (see cases.timeline)."""
    if not isinstance(detail, dict):
        return []
    return [
        (key.replace("_", " "), ", ".join(map(str, v)) if isinstance(v, list) else str(v)) for key, v in detail.items()
    ]


@register.filter
def event_summary(event) -> str:
    """A short sentence for events whose detail reads better as one (e.g. a platform's answer)."""
    detail = event.detail if isinstance(event.detail, dict) else {}
    if event.kind in ("removal_request_moved", "removal_request_corrected"):
        from cases.removals.state import label

        moved = f"{label(detail.get('from_status', '?'))} → {label(detail.get('to_status', '?'))}"
        return f"{detail.get('platform', '?')}: {moved}"
    if event.kind in ("case_status_changed", "case_reopened"):
        from cases.models import Case

        def status(value):
            return Case.Status(value).label if value in Case.Status.values else value

        return f"{status(detail.get('status_from'))} → {status(detail.get('status_to'))}"
    return ""


@register.filter
def audit_detail(detail) -> list[tuple[str, str]]:
    """An audit record's detail in plain words (cases.casework.audit_labels)."""
    from cases.casework.audit_labels import readable_detail

    return readable_detail(detail)
