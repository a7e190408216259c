"""Builders for cases with URLs and hashes, as intake files them."""

from __future__ import annotations

from cases.models import Case, CaseHash
from tests.factories import CaseFactory, add_url  # noqa: F401 - add_url is part of this module's helpers


def make_case(*, urls: list[str] = (), signed: bool = True, anonymous: bool = False, **fields) -> Case:
    """A case filed with `urls`, signed by the victim unless `signed=False`, named unless `anonymous`."""
    values = {
        "categories": [Case.Category.KNOWN_PERSON],
        "consent_act_on_behalf": True,
        "consent_contact": not anonymous,
    }
    if not anonymous:
        values.update(contact_name="Alex Example", contact_email="alex@example.org")
    return CaseFactory(signed=signed, urls=list(urls), **{**values, **fields})


def add_hash(case: Case, hashes) -> CaseHash:
    """A CaseHash from hashing.values.FileHashes, as the browser would post it."""
    data = hashes.as_dict()
    return CaseHash.objects.create(
        case=case,
        media_kind=CaseHash.MediaKind.IMAGE,
        pdq=data["pdq"] or "",
        pdq_quality=data["pdq_quality"],
        pdq_dihedral=data["pdq_dihedral"] or [],
        phash=data["phash"] or "",
        md5=data["md5"],
        sha256=data["sha256"],
    )


def drafted_request(slug="instagram", urls=("https://instagram.com/p/1",), **case_fields):
    """A case filed with `urls`, drafted; its removal request to `slug`."""
    from cases.removals import drafting
    from cases.removals.models import RemovalRequest

    case = make_case(urls=list(urls), **case_fields)
    drafting.draft_for_case(case_id=case.pk)
    return RemovalRequest.objects.get(case=case, platform__slug=slug, kind="removal")


def sent_request(caseworker, **kw):
    """As drafted_request, then marked ready and sent by web form with ticket T-9."""
    from cases.removals import services

    request = drafted_request(**kw)
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    return services.removal_mark_sent(
        request_id=request.pk, actor=caseworker, expected_status="ready", ticket_number="T-9"
    )
