"""Legal bases of removal requests: their elements (elements), which apply (choice), who is named (parties), the
completeness check and the text (render)."""

from cases.removals.legal.choice import (
    EU_COUNTRIES,
    allowed_bases,
    candidate_bases,
    choose_channel,
    dmca_eligible,
    is_designated_tida,
    region_of,
    situations_for,
    starts_statutory_deadline,
)
from cases.removals.legal.elements import BASES, REQUIRED, required
from cases.removals.legal.parties import destination_is_known, may_name_victim, reply_to, signer_for
from cases.removals.legal.render import (
    CAUTIONS,
    STATEMENTS,
    Missing,
    Rendered,
    choose_basis_and_channel,
    explanation_for,
    missing_elements,
    render_request,
    request_language,
)

__all__ = [
    "BASES",
    "CAUTIONS",
    "EU_COUNTRIES",
    "REQUIRED",
    "STATEMENTS",
    "Missing",
    "Rendered",
    "allowed_bases",
    "candidate_bases",
    "choose_basis_and_channel",
    "choose_channel",
    "destination_is_known",
    "dmca_eligible",
    "explanation_for",
    "is_designated_tida",
    "may_name_victim",
    "missing_elements",
    "region_of",
    "render_request",
    "reply_to",
    "request_language",
    "required",
    "signer_for",
    "situations_for",
    "starts_statutory_deadline",
]
