"""Writes on a case shared by the victim's pages and the staff side: the hash bank link and erasure."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from cases.bank_sync import bank_sync_case
from cases.models import Case, CaseEvent
from cases.timeline import event_record

logger = logging.getLogger(__name__)


def case_bank_sync(*, case: Case) -> None:
    """Make the partner hash bank reflect the case's hashes and consent. Call inside the writing transaction."""
    bank_sync_case(case=case)


def _casework_erase(*, case: Case, actor, request=None) -> None:
    """Notes, messages and evidence files the casework side holds (cases.casework). The audit record names the
    staff member's address and browser when a request is given (erasure from the admin)."""
    from cases.casework.audit import Origin
    from cases.casework.services import casework_erase

    casework_erase(case=case, actor=actor, origin=Origin.from_request(request) if request is not None else None)


def _removals_erase(*, case: Case) -> None:
    """What the case's removal requests say about the victim (cases.removals)."""
    from cases.removals.services import removals_erase

    removals_erase(case=case)


def case_erase(
    *, case: Case, actor=None, actor_label: str = "victim", reason: str = "victim_request", request=None
) -> Case:
    """Erase the victim's data at once: personal fields blanked, links, fingerprints and messages deleted,
    the bank told the hashes are gone. What is left is an anonymous row for statistics."""
    now = timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.erased_at is not None:
            return case
        case.urls.all().delete()
        case.hashes.all().delete()
        _casework_erase(case=case, actor=actor, request=request)
        _removals_erase(case=case)
        for field in (
            "contact_name",
            "contact_email",
            "contact_phone",
            "safe_contact",
            "signature_name",
            "signature_statement",
            "description",
            "elsewhere",
            "stopncii_case",
        ):
            setattr(case, field, "")
        case.pin_hash = "!"  # an unusable hash: nobody can sign in to an erased case
        case.consent_share_hashes = False
        case.consent_contact = False
        case.consent_act_on_behalf = False
        if case.consent_given_at and case.hashes_withdrawn_at is None:
            case.hashes_withdrawn_at = now
        case.erased_at = now
        # A case closed before (retention erases closed cases) keeps why it was closed: an anonymous figure.
        if not (case.status == Case.Status.CLOSED and case.closing_reason):
            case.closing_reason = "erased"
        case.status = Case.Status.CLOSED
        case.closed_at = case.closed_at or now
        case.save()
        # The bank sees a case with no hashes and no consent: its entries are marked deleted.
        case_bank_sync(case=case)
        event_record(case=case, kind=CaseEvent.Kind.CASE_ERASED, actor=actor, actor_label=actor_label, reason=reason)
    return case
