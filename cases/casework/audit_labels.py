"""The audit log in plain words: readable names for the detail keys and values that services record."""

from __future__ import annotations

from typing import Any

# Names of the things a record's detail mentions: victim detail fields, page sections and detail keys.
NAMES = {
    "shown": "Shown",
    "contact_name": "name",
    "contact_email": "email address",
    "contact_phone": "phone number",
    "signature_name": "signature name",
    "description": "what happened",
    "elsewhere": "where else it was shared",
    "safe_contact": "safe-contact instructions",
    "stopncii_case": "StopNCII case number",
    "notes": "internal notes",
    "messages": "messages",
    "evidence_list": "evidence list",
    "removal_requests": "removal requests",
    "request_ids": "Removal requests",
    "step": "Step",
    "status": "Status",
    "status_from": "From status",
    "status_to": "To status",
    "from_status": "From",
    "to_status": "To",
    "reopened": "Reopened",
    "kind": "Kind",
    "filters": "Filters",
    "rows": "Rows",
    "to": "To",
    "from": "From",
}


def _name(key: str) -> str:
    return NAMES.get(key) or key.replace("_", " ")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_name(v) if isinstance(v, str) else str(v) for v in value) or "nothing"
    if isinstance(value, dict):
        return "; ".join(f"{_name(k)}: {_value(v)}" for k, v in value.items()) or "none"
    if isinstance(value, str):
        return value.replace("_", " ")
    return str(value)


def readable_detail(detail: Any) -> list[tuple[str, str]]:
    """A record's detail as (label, text) pairs: `shown=['contact_email']` reads "Shown: email address"."""
    if not isinstance(detail, dict):
        return []
    return [(_name(key).capitalize(), _value(value)) for key, value in detail.items()]


def readable_line(detail: Any) -> str:
    return "; ".join(f"{label}: {text}" for label, text in readable_detail(detail))
