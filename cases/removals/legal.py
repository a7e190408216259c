"""Legal bases: the elements each requires, the completeness check, and rendering a request's text and fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.template import engines
from django.template.loader import select_template

from cases.models import Case
from cases.removals.models import Basis, Platform, RemovalRequest, ReportingChannel, Situation

# What each basis requires. The codes are checked by `missing_elements`; the order is the order shown.
# The helpline sends every request as the victim's authorised representative (Case.consent_act_on_behalf), so
# "contact" is the helpline's reply address: platforms, and through them uploaders, never get the victim's
# own email or phone. The victim's typed name is the signature where a basis needs one.
REQUIRED: dict[str, tuple[str, ...]] = {
    # 47 U.S.C. 223a: signature of the identifiable individual or an authorised person; identification and
    # location of the depiction; good-faith statement that it is not consensual, with information to judge
    # it; contact information.
    Basis.TAKE_IT_DOWN: ("authority", "signature", "location", "explanation", "contact"),
    # 17 U.S.C. 512(c)(3)(A): signature; the copyrighted work; the infringing material and its location;
    # contact information; good-faith statement; accuracy and authority under penalty of perjury.
    Basis.DMCA: ("authority", "signature", "copyright", "location", "contact"),
    # DSA Art. 16(2): substantiated explanation; exact URLs; notifier's name and email; bona fide statement.
    Basis.DSA_ART16: ("authority", "explanation", "location", "contact"),
    Basis.PLATFORM_POLICY: ("authority", "location", "explanation"),
    # Google's and Bing's NCII forms: who is pictured (the requester or the person represented), whether the
    # filer is an authorised representative, the URLs, and that the imagery is intimate and non-consensual.
    Basis.GOOGLE_NCII: ("authority", "person_name", "location", "explanation", "contact"),
    Basis.BING_NCII: ("authority", "person_name", "location", "explanation", "contact"),
    Basis.APPEAL: ("authority", "location"),
    Basis.REGULATOR_COMPLAINT: ("authority", "location", "contact"),
}

# Statements every template of a basis includes, named so a test can check the text carries them.
STATEMENTS = {
    "good_faith_tida": "I have a good-faith belief that the intimate visual depiction identified above is not "
    "consensual",
    "good_faith_dmca": "I have a good faith belief that use of the material in the manner complained of is not "
    "authorized by the copyright owner, its agent, or the law",
    "perjury_dmca": "The information in this notification is accurate, and under penalty of perjury, I am "
    "authorized to act on behalf of the owner of an exclusive right that is allegedly infringed",
    "bona_fide_dsa": "I confirm my bona fide belief that the information and allegations contained in this "
    "notice are accurate and complete",
}

# What a caseworker should weigh before sending under a basis, shown beside the request.
CAUTIONS = {
    Basis.DMCA: "DMCA notices are often passed on to the uploader and published (Lumen database) with the "
    "signer's name: prefer TAKE IT DOWN or the platform's policy unless the victim accepts that.",
    Basis.TAKE_IT_DOWN: "Only covered platforms (public sites for user content) must act within 48 hours.",
}

CATEGORY_SITUATIONS = {
    Case.Category.KNOWN_PERSON: {Situation.REAL_IMAGE, Situation.FORMER_PARTNER},
    Case.Category.HACKED: {Situation.REAL_IMAGE, Situation.HACK, Situation.PRIVATE_IMAGE},
    Case.Category.AI_GENERATED: {Situation.AI_GENERATED},
    Case.Category.EXTORTION: {Situation.EXTORTION, Situation.UNKNOWN_PERSON},
    Case.Category.VIEW_ONCE: {Situation.REAL_IMAGE, Situation.PRIVATE_IMAGE},
}

CATEGORY_EXPLANATIONS = {
    Case.Category.KNOWN_PERSON: "The images were shared by someone the person pictured knows, without their consent.",
    Case.Category.HACKED: "The images were taken from the person's account without permission and published.",
    Case.Category.AI_GENERATED: "The images are AI-generated or edited to depict the person nude or in a sexual "
    "way; they never consented to their creation or publication.",
    Case.Category.EXTORTION: "The images are used to threaten or extort the person pictured.",
    Case.Category.VIEW_ONCE: "The images were captured from a private 'view once' message and published without "
    "consent.",
}


def situations_for(case: Case) -> set[str]:
    situations: set[str] = set()
    for category in case.categories or []:
        situations |= CATEGORY_SITUATIONS.get(category, set())
    if Situation.AI_GENERATED not in situations:
        situations.add(Situation.REAL_IMAGE)
    return situations


def explanation_for(case: Case, extra: str = "") -> str:
    sentences = [CATEGORY_EXPLANATIONS[c] for c in case.categories or [] if c in CATEGORY_EXPLANATIONS]
    if extra.strip():
        sentences.append(extra.strip())
    return " ".join(sentences)


@dataclass(frozen=True)
class Missing:
    code: str
    message: str


def _missing(code: str, case: Case, request: RemovalRequest) -> Missing:
    messages = {
        "authority": "no consent to act: the victim has not allowed the helpline to send requests on their "
        "behalf; ask them, or help them send it themselves",
        "signature": "no signature: the victim filed anonymously"
        if case.is_anonymous
        else "no signature: the victim has not typed their full name to sign the statement",
        "person_name": "no name: the victim filed anonymously, and this form asks for the name of the person pictured",
        "location": "no URL: this request covers no link yet; add where the images appear",
        "explanation": "no explanation: the case says nothing about how the images came to be shared; add a "
        "short explanation",
        "copyright": "no copyright: a DMCA notice needs the victim to own the picture (for example, they took "
        "it themselves); confirm it with them or choose another legal basis",
        "contact": "no contact address: set DEFAULT_FROM_EMAIL (or REMOVALS_REPLY_TO) to the helpline's address",
        "abuse_contact": f"no abuse contact: {request.host or 'this site'} is not in the directory; find its "
        "abuse address or form and enter it",
        "channel": "no channel: the directory has no way to send this basis to this platform; choose another "
        "basis or add a channel in the admin",
    }
    return Missing(code, messages[code])


def reply_to() -> str:
    return getattr(settings, "REMOVALS_REPLY_TO", "") or settings.DEFAULT_FROM_EMAIL


def missing_elements(request: RemovalRequest, *, case: Case, url_count: int) -> list[Missing]:
    """Every required element the request lacks, with a message saying what to do."""
    checks = {
        "authority": lambda: case.consent_act_on_behalf,
        "signature": lambda: bool(case.signature_name.strip() and case.signed_at),
        "person_name": lambda: bool((case.signature_name or case.contact_name).strip()),
        "location": lambda: url_count > 0,
        "explanation": lambda: bool(explanation_for(case, request.explanation_extra)),
        "copyright": lambda: request.copyright_confirmed,
        "contact": lambda: bool(reply_to()),
    }
    codes = [code for code in REQUIRED.get(request.basis, ()) if not checks[code]()]
    if request.platform.is_catch_all and not request.abuse_contact.strip():
        codes.append("abuse_contact")
    elif not request.platform.is_catch_all and request.channel_id is None:
        codes.append("channel")
    return [_missing(code, case, request) for code in codes]


def choose_channel(
    channels: list[ReportingChannel], *, basis: str, situations: set[str], purpose: str = "report"
) -> ReportingChannel | None:
    """The channel most likely to act: it takes the basis, serves the situation; then the lowest priority."""
    candidates = []
    for channel in channels:
        if channel.purpose != purpose or (channel.bases and basis not in channel.bases):
            continue
        served = set(channel.situations)
        if served and not served & situations:
            continue
        candidates.append((-len(served & situations), channel.priority, channel.id, channel))
    return min(candidates, key=lambda c: c[:3])[3] if candidates else None


def choose_basis_and_channel(
    platform: Platform, channels: list[ReportingChannel], *, case: Case, url_count: int
) -> tuple[str, ReportingChannel | None]:
    """The first basis the platform accepts that the case can complete now; else its default basis."""
    situations = situations_for(case)
    first: tuple[str, ReportingChannel | None] | None = None
    for basis in platform.accepted_bases or [Basis.PLATFORM_POLICY]:
        channel = choose_channel(channels, basis=basis, situations=situations)
        if channel is None and not platform.is_catch_all:
            continue
        probe = RemovalRequest(platform=platform, basis=basis, channel=channel, abuse_contact="-")
        if first is None:
            first = (basis, channel)
        if not missing_elements(probe, case=case, url_count=url_count):
            return basis, channel
    return first or (platform.default_basis, None)


@dataclass
class Rendered:
    subject: str
    body: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    recipient: str = ""
    caution: str = ""


def _template_for(basis: str, language: str):
    return select_template([f"removals/requests/{basis}.{language}.txt", f"removals/requests/{basis}.txt"])


def render_request(
    request: RemovalRequest,
    *,
    case: Case,
    urls: list[str],
    original: RemovalRequest | None = None,
) -> Rendered:
    """The request's text and web-form fields. Reads the victim's name and signature: callers that show it to
    a person record that they did (see services.board_viewed)."""
    explanation = explanation_for(case, request.explanation_extra)
    person = case.signature_name or case.contact_name
    signed: datetime | None = case.signed_at
    ai = Situation.AI_GENERATED in situations_for(case)
    context = {
        "request": request,
        "code": request.code,
        "platform": request.platform,
        "target": request.target_name,
        "urls": urls,
        "explanation": explanation,
        "person": person,
        "filed_by_self": case.filed_by == Case.Filer.SELF,
        "signature": case.signature_name,
        "signed_at": signed,
        "signature_statement": case.signature_statement,
        "helpline": settings.SITE_NAME,
        "helpline_email": reply_to(),
        "helpline_phone": settings.HELPLINE_PHONE,
        "statements": STATEMENTS,
        "ai_generated": ai,
        "original": original,
        # Escalating moves the original on, so ask its history whether the platform refused or went silent.
        "original_refused": original is not None and original.transitions.filter(to_status="refused").exists(),
        "is_minor": case.is_minor,
    }
    body = _template_for(request.basis, request.language).render(context).strip() + "\n"
    subject_text = engines["django"].from_string(
        "{% autoescape off %}{{ kind }} request {{ code }}: {{ n }} item{{ n|pluralize }} on {{ target }}"
        "{% endautoescape %}"
    )
    kind = {"removal": "Removal", "deindex": "De-listing", "escalation": "Escalation"}[request.kind]
    subject = subject_text.render({"kind": kind, "code": request.code, "n": len(urls), "target": request.target_name})
    url_lines = "\n".join(urls)
    fields = [
        ("Our reference", request.code),
        ("Name of the person pictured", person),
        ("Who is filing", f"{settings.SITE_NAME}, authorised representative of the person pictured"),
        ("Email for replies", reply_to()),
        ("URLs", url_lines),
        ("Real or AI-generated", "AI-generated or edited" if ai else "Real image"),
        ("Why it must be removed", explanation),
        ("Signature", f"{case.signature_name} ({signed:%Y-%m-%d})" if case.signature_name and signed else ""),
    ]
    if request.basis in (Basis.GOOGLE_NCII, Basis.BING_NCII):
        fields.insert(3, ("Relationship to the person pictured", "Helpline acting with their written consent"))
        fields.append(("Does the content show nudity or sexual material?", "Yes"))
        fields.append(("Did the person consent to it being published?", "No"))
    recipient = request.abuse_contact if request.platform.is_catch_all else ""
    if request.channel is not None:
        recipient = request.channel.email or request.channel.url or request.channel.label
    return Rendered(
        subject=subject,
        body=body,
        fields=[(label, value) for label, value in fields if value],
        missing=missing_elements(request, case=case, url_count=len(urls)),
        recipient=recipient,
        caution=CAUTIONS.get(request.basis, ""),
    )
