"""Who a request names: the person pictured (only where that is safe) and who signs it."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from cases.models import Case
from cases.removals.models import Platform, RemovalRequest

# Destinations that may be run by the person who posted the images, or that only pass traffic on: they learn
# the content and the helpline, never who is pictured (unless a caseworker approves it for one request).
UNKNOWN_KINDS = frozenset({Platform.Kind.HOST, Platform.Kind.CDN, Platform.Kind.REGISTRAR})


def destination_is_known(request: RemovalRequest) -> bool:
    """A directory platform reached through a channel checked against its own pages."""
    platform = request.platform
    if platform.is_catch_all or platform.kind in UNKNOWN_KINDS:
        return False
    return request.channel is not None and request.channel.verified


def may_name_victim(request: RemovalRequest, case: Case) -> bool:
    """Whether this request may carry the name (or signature) of the person pictured."""
    if request.disclosure_approved_at is not None:
        return True
    if case.is_minor:
        return False  # a child is never named in a report of abuse material (DSA Art. 16(2)(c) needs no name)
    return destination_is_known(request)


def reply_to() -> str:
    return getattr(settings, "REMOVALS_REPLY_TO", "") or settings.DEFAULT_FROM_EMAIL


def helpline_name() -> str:
    return (getattr(settings, "HELPLINE_LEGAL_NAME", "") or settings.SITE_NAME).strip()


@dataclass(frozen=True)
class Signer:
    name: str
    capacity: str
    is_victim: bool


def signer_for(request: RemovalRequest, case: Case, *, may_name: bool) -> Signer | None:
    """The person person pictured when they signed themselves and may be named here; otherwise the helpline's
    signatory as their authorised representative (47 U.S.C. 223a(a)(1)(B)(i); agent under 17 U.S.C.
    512(c)(3)(A)(i)). A friend's or parent's own signature is never used: it names them to the platform."""
    from cases.removals.models import Basis

    if (
        request.basis != Basis.DMCA
        and may_name
        and case.filed_by == Case.Filer.SELF
        and case.signature_name.strip()
        and case.signed_at
    ):
        return Signer(case.signature_name.strip(), "the person pictured", True)
    signatory = (getattr(settings, "HELPLINE_SIGNATORY", "") or "").strip()
    if case.consent_act_on_behalf and signatory:
        capacity = (
            "agent of the copyright owner, the person pictured"
            if request.basis == Basis.DMCA
            else "authorised representative of the person pictured"
        )
        return Signer(f"{signatory}, for {helpline_name()}", capacity, False)
    return None
