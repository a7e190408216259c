"""The audit log writer: one function appends every record, with who, what, which case and from where."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models

from cases.casework.models import AuditRecord
from cases.models import Case


@dataclass(frozen=True)
class Origin:
    """Where an action came from: the client's address and browser, or the system (tasks, commands)."""

    ip: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request) -> Origin:
        return cls(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])

    @classmethod
    def system(cls) -> Origin:
        return cls(ip=None, user_agent="system")


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or behind TRUSTED_PROXY_HOPS proxies the address the nearest trusted proxy saw."""
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return _valid_ip(forwarded[-hops])
    return _valid_ip(request.META.get("REMOTE_ADDR", ""))


def _valid_ip(text: str) -> str | None:
    import ipaddress

    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def audit_record(
    *,
    action: str,
    actor,
    origin: Origin,
    case: Case | None = None,
    obj: models.Model | None = None,
    **detail: Any,
) -> AuditRecord:
    """Append one record. `detail` holds field names, states, ids and counts: never a victim's data."""
    return AuditRecord.objects.create(
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_email=getattr(actor, "email", "") or "system",
        case=case,
        case_reference=case.reference if case is not None else "",
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail,
        ip=origin.ip,
        user_agent=origin.user_agent,
    )
