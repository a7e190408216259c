"""The completeness check of a request against its basis's elements, and rendering its text and form fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import select_template

from cases.models import Case
from cases.removals.legal import choice, elements, parties
from cases.removals.models import Basis, Platform, RemovalRequest, ReportingChannel

# Statements the templates include, per language. The completeness check looks for each one required by the
# basis in the rendered text, so a template that drops one cannot be sent.
STATEMENTS: dict[str, dict[str, str]] = {
    "en": {
        "good_faith": "I have a good-faith belief that the intimate visual depiction identified above is not "
        "consensual",
        "good_faith_dmca": "I have a good faith belief that use of the material in the manner complained of is not "
        "authorized by the copyright owner, its agent, or the law",
        "accuracy_perjury": "The information in this notification is accurate, and under penalty of perjury, I am "
        "authorized to act on behalf of the owner of an exclusive right that is allegedly infringed",
        "bona_fide": "I confirm my bona fide belief that the information and allegations contained in this "
        "notice are accurate and complete",
        "intimate_state": "The photographs or films show, or appear to show, the person pictured in an intimate state",
        "no_consent": "The person pictured does not consent to their sharing",
        "policy": "This breaches your rules against sharing intimate images without consent (non-consensual "
        "intimate imagery)",
        "minor": "The person pictured is under 18: this is child sexual abuse material",
    },
    "es": {
        "good_faith": "Declaro de buena fe que la representación visual íntima identificada arriba no es consentida",
        "good_faith_dmca": "Declaro de buena fe que el uso del material denunciado no está autorizado por el titular "
        "de los derechos de autor, su agente ni la ley",
        "accuracy_perjury": "La información de esta notificación es exacta y, bajo pena de perjurio, declaro estar "
        "autorizado para actuar en nombre del titular de un derecho exclusivo presuntamente infringido",
        "bona_fide": "Confirmo mi convicción de buena fe de que la información y las alegaciones de esta "
        "notificación son exactas y completas",
        "intimate_state": "Las fotografías o vídeos muestran, o parecen mostrar, a la persona retratada en un "
        "estado íntimo",
        "no_consent": "La persona retratada no consiente su difusión",
        "policy": "Esto infringe sus normas contra la difusión de imágenes íntimas sin consentimiento",
        "minor": "La persona retratada es menor de 18 años: se trata de material de abuso sexual infantil",
    },
}
# Which statement carries each element that is a statement in the text.
STATEMENT_OF = {
    "good_faith": {Basis.TAKE_IT_DOWN: "good_faith", Basis.DMCA: "good_faith_dmca"},
    "accuracy_perjury": {Basis.DMCA: "accuracy_perjury"},
    "bona_fide": {Basis.DSA_ART16: "bona_fide"},
    "intimate_state": {Basis.UK_OSA: "intimate_state"},
    "no_consent": {Basis.UK_OSA: "no_consent", Basis.ESAFETY: "no_consent"},
    "policy": {Basis.PLATFORM_POLICY: "policy"},
    "minor": {Basis.CHILD_SAFETY: "minor"},
}

CAUTIONS = {
    Basis.DMCA: "DMCA notices are often forwarded to the uploader and published (Lumen database) with the notice's "
    "text: use it only as a last resort, and only once the victim has confirmed its statements themselves.",
    Basis.TAKE_IT_DOWN: "The 48-hour duty runs only for covered platforms, and only for requests made through the "
    "process the platform designated under the Act.",
    Basis.CHILD_SAFETY: "The person pictured is under 18: report it as child sexual abuse material; never ask for "
    "or keep copies of the images.",
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

COUNTRY_NAMES = {
    "AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "HR": "Croatia", "CY": "Cyprus", "CZ": "Czechia",
    "DK": "Denmark", "EE": "Estonia", "FI": "Finland", "FR": "France", "DE": "Germany", "GR": "Greece",
    "HU": "Hungary", "IE": "Ireland", "IT": "Italy", "LV": "Latvia", "LT": "Lithuania", "LU": "Luxembourg",
    "MT": "Malta", "NL": "the Netherlands", "PL": "Poland", "PT": "Portugal", "RO": "Romania", "SK": "Slovakia",
    "SI": "Slovenia", "ES": "Spain", "SE": "Sweden", "US": "the United States", "GB": "the United Kingdom",
    "AU": "Australia",
}  # fmt: skip


def explanation_for(case: Case, extra: str = "") -> str:
    sentences = [CATEGORY_EXPLANATIONS[c] for c in case.categories or [] if c in CATEGORY_EXPLANATIONS]
    if case.images_taken_by == Case.TakenBy.AI and Case.Category.AI_GENERATED not in (case.categories or []):
        sentences.append(CATEGORY_EXPLANATIONS[Case.Category.AI_GENERATED])
    if extra.strip():
        sentences.append(extra.strip())
    return " ".join(sentences)


@dataclass(frozen=True)
class Missing:
    code: str
    message: str


MESSAGES = {
    "authority": "no consent to act: the victim has not allowed the helpline to send requests on their behalf; ask "
    "them, or help them send it themselves",
    "designated_process": "not the platform's TAKE IT DOWN process: the Act's 48-hour duty only runs for requests "
    "made through the process a covered platform set up; choose that channel or another basis",
    "signature": "no signature: neither the victim's own (self-filed, signed, and a destination that may know their "
    "name) nor the helpline's (set HELPLINE_SIGNATORY; the victim must have allowed the helpline to act for them)",
    "person_name": "no name: this form asks for the name of the person pictured, and either none was given or this "
    "destination may not learn it; approve disclosure on the board if it must",
    "location": "no URL: this request covers no link yet; add where the images appear",
    "explanation": "no explanation: the case says nothing about how the images came to be shared; add a short "
    "explanation",
    "good_faith": "no good-faith statement in the text (the template lacks it)",
    "contact": "no contact address: set DEFAULT_FROM_EMAIL (or REMOVALS_REPLY_TO) to the helpline's address",
    "notifier": "no notifier: set HELPLINE_LEGAL_NAME and DEFAULT_FROM_EMAIL",
    "member_state": "no member state: DSA notices name the EU country whose law applies; record the victim's country",
    "bona_fide": "no bona fide statement in the text (the template lacks it)",
    "ownership": "no copyright: a DMCA notice only holds when the person pictured took the images themselves, and "
    "never for AI-generated images; choose another legal basis",
    "victim_confirmed": "not confirmed by the victim: they must confirm the ownership and perjury statements on their "
    "status page before a DMCA notice can be sent",
    "work": "no copyrighted work: a DMCA notice needs pictures the person took themselves",
    "accuracy_perjury": "no accuracy and perjury statement in the text (the template lacks it)",
    "intimate_state": "no statement that the images show the person in an intimate state (the template lacks it)",
    "no_consent": "no statement that the person does not consent (the template lacks it)",
    "australian_connection": "no Australian connection: eSafety's scheme needs the person (or poster, or host) to be "
    "in Australia",
    "minor": "not a minor's case: child-safety reports are for people under 18",
    "policy": "no policy named in the text (the template lacks it)",
    "evidence": "held for evidence: the victim may go to the police; a caseworker must confirm the evidence was "
    "captured before anything is sent",
    "adult_basis": "the person pictured is under 18: use the child-safety pathway, never an adult request",
    "abuse_contact": "no abuse contact: {host} is not in the directory; find its abuse address or form and enter it",
    "channel": "no channel: the directory has no way to send this basis to this platform; choose another basis or "
    "add a channel in the admin",
}


def _check(code: str, request: RemovalRequest, case: Case, url_count: int, body: str | None) -> bool:
    language = request.language if request.language in STATEMENTS else "en"
    if code in STATEMENT_OF:
        statement = STATEMENT_OF[code].get(request.basis)
        if statement is not None:
            # A statement element: present in the text as rendered (checked when there is a text).
            if body is not None and STATEMENTS[language][statement] not in body:
                return False
            if code not in ("good_faith", "minor"):
                return True
    may_name = parties.may_name_victim(request, case)
    checks = {
        "authority": lambda: case.consent_act_on_behalf,
        "designated_process": lambda: choice.is_designated_tida(request.platform, request.channel),
        "signature": lambda: parties.signer_for(request, case, may_name=may_name) is not None,
        "person_name": lambda: may_name and bool(case.pictured_name),
        "location": lambda: url_count > 0,
        "explanation": lambda: bool(explanation_for(case, request.explanation_extra)),
        "good_faith": lambda: bool(explanation_for(case, request.explanation_extra)),
        "contact": lambda: bool(parties.reply_to()),
        "notifier": lambda: bool(parties.reply_to() and parties.helpline_name()),
        "member_state": lambda: case.country.upper() in choice.EU_COUNTRIES,
        "ownership": lambda: choice.dmca_eligible(case),
        "work": lambda: choice.dmca_eligible(case),
        "victim_confirmed": lambda: case.dmca_confirmed_at is not None,
        "australian_connection": lambda: case.country.upper() == "AU",
        "minor": lambda: case.is_minor,
    }
    return checks[code]()


def missing_elements(request: RemovalRequest, *, case: Case, url_count: int, body: str | None = None) -> list[Missing]:
    """Every element the request lacks, with what to do. With `body`, statements are looked for in the text."""
    codes = [code for code in elements.required(request.basis) if not _check(code, request, case, url_count, body)]
    if case.is_minor and request.basis in choice.ADULT_BASES:
        codes.append("adult_basis")
    if case.evidence_held:
        codes.append("evidence")
    if request.platform.is_catch_all and not request.abuse_contact.strip():
        codes.append("abuse_contact")
    elif not request.platform.is_catch_all and request.channel_id is None and request.channel is None:
        codes.append("channel")
    host = request.host or "this site"
    return [Missing(code, MESSAGES[code].replace("{host}", host)) for code in codes]


def choose_basis_and_channel(
    platform: Platform,
    channels: list[ReportingChannel],
    *,
    case: Case,
    url_count: int,
    kind: str = RemovalRequest.Kind.REMOVAL,
) -> tuple[str, ReportingChannel | None]:
    """The first candidate basis the case can complete now (evidence holds aside); else the first candidate."""
    candidates = choice.candidate_bases(platform, channels, case=case, kind=kind)
    for basis, channel in candidates:
        probe = RemovalRequest(platform=platform, basis=basis, channel=channel, abuse_contact="-", kind=kind)
        if not [m for m in missing_elements(probe, case=case, url_count=url_count) if m.code != "evidence"]:
            return basis, channel
    if candidates:
        return candidates[0]
    return Basis.PLATFORM_POLICY, None


@dataclass
class Rendered:
    subject: str
    body: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    recipient: str = ""
    caution: str = ""
    names_victim: bool = False
    signer: str = ""


def _template_for(basis: str, language: str):
    return select_template([f"removals/requests/{basis}.{language}.txt", f"removals/requests/{basis}.txt"])


def request_language(request: RemovalRequest) -> str:
    channel = request.channel
    if channel is not None and channel.language:
        return channel.language
    if channel is not None and channel.platform_id != request.platform_id:
        return channel.platform.language or "en"  # a complaint goes in the authority's language
    return request.platform.language or "en"


SUBJECTS = {
    "en": {
        "ncii": "NCII removal request",
        "child": "Child safety report: child sexual abuse material",
        "deindex": "NCII de-listing request",
        "escalation": "Escalation of NCII removal request",
    },
    "es": {
        "ncii": "Solicitud de retirada de imágenes íntimas difundidas sin consentimiento",
        "child": "Denuncia de seguridad infantil: material de abuso sexual infantil",
        "deindex": "Solicitud de desindexación de imágenes íntimas difundidas sin consentimiento",
        "escalation": "Escalado de solicitud de retirada de imágenes íntimas",
    },
}


def _subject(request: RemovalRequest, case: Case, language: str, count: int) -> str:
    words = SUBJECTS.get(language, SUBJECTS["en"])
    if case.is_minor:
        kind = words["child"]
    elif request.kind == RemovalRequest.Kind.ESCALATION:
        kind = words["escalation"]
    elif request.kind == RemovalRequest.Kind.DEINDEX:
        kind = words["deindex"]
    else:
        kind = words["ncii"]
    items = (
        f"{count} item{'s' if count != 1 else ''}"
        if language == "en"
        else f"{count} elemento{'s' if count != 1 else ''}"
    )
    return (
        f"{kind} {request.code}: {items} on {request.target_name}"
        if language == "en"
        else (f"{kind} {request.code}: {items} en {request.target_name}")
    )


def _fingerprints(case: Case) -> list[dict[str, str]]:
    """PDQ and MD5 of the victim's files, only when they agreed to share fingerprints."""
    if not case.consent_share_hashes or case.hashes_withdrawn_at is not None or case.pk is None:
        return []
    return [
        {"pdq": h.pdq, "md5": h.md5, "kind": h.media_kind, "frames": len(h.vpdq_frames or [])}
        for h in case.hashes.all()
    ]


def _video_fingerprints(fingerprints: list[dict]) -> dict[str, int]:
    """How many of the shared videos carry vPDQ frames, and how many frames: cited as a count, never the hashes
    (hundreds of frame hashes in a letter help nobody; partners fetch them from the bank)."""
    frames = [f["frames"] for f in fingerprints if f["frames"]]
    return {"videos": len(frames), "frames": sum(frames)} if frames else {}


def render_request(
    request: RemovalRequest,
    *,
    case: Case,
    urls: list[str],
    original: RemovalRequest | None = None,
) -> Rendered:
    """The request's text and web-form fields. May read the victim's name and signature: callers that show it to
    a person record that they did (see services.board_viewed)."""
    language = request_language(request)
    request.language = language
    explanation = explanation_for(case, request.explanation_extra)
    may_name = parties.may_name_victim(request, case)
    person = case.pictured_name if may_name else ""
    signer = parties.signer_for(request, case, may_name=may_name)
    ai = choice.is_ai_generated(case)
    country = case.country.upper()
    fingerprints = _fingerprints(case)
    context = {
        "request": request,
        "code": request.code,
        "platform": request.platform,
        "target": request.target_name,
        "urls": urls,
        "explanation": explanation,
        "person": person,
        "named": bool(person),
        "signer": signer,
        "signed_at": case.signed_at if signer is not None and signer.is_victim else None,
        "helpline": parties.helpline_name(),
        "helpline_email": parties.reply_to(),
        "helpline_phone": settings.HELPLINE_PHONE,
        "statements": STATEMENTS.get(language, STATEMENTS["en"]),
        "ai_generated": ai,
        "original": original,
        "original_refused": original is not None
        and original.pk is not None
        and original.transitions.filter(to_status="refused").exists(),
        "is_minor": case.is_minor,
        "country": country,
        "country_name": COUNTRY_NAMES.get(country, country),
        "preservation": case.police in (Case.Police.YES, Case.Police.UNSURE),
        "fingerprints": fingerprints,
        "video_fingerprints": _video_fingerprints(fingerprints),
        # Only a StopNCII partner can look the case up; to anyone else the number is just one more identifier.
        "stopncii_case": case.stopncii_case if request.platform.is_hash_partner else "",
        "statutory": choice.starts_statutory_deadline(request),
        "taken_by_self": case.images_taken_by == Case.TakenBy.SELF,
    }
    body = _template_for(request.basis, language).render(context).strip() + "\n"
    subject = _subject(request, case, language, len(urls))
    fields = [
        ("Our reference", request.code),
        ("Name of the person pictured", person),
        ("Who is filing", f"{parties.helpline_name()}, authorised representative of the person pictured"),
        ("Email for replies", parties.reply_to()),
        ("URLs", "\n".join(f"{n}. {url}" for n, url in enumerate(urls, 1))),
        ("Real or AI-generated", "AI-generated or edited" if ai else "Real image"),
        ("Why it must be removed", explanation),
        ("Signature", f"{signer.name} ({signer.capacity})" if signer is not None else ""),
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
        missing=missing_elements(request, case=case, url_count=len(urls), body=body),
        recipient=recipient,
        caution=CAUTIONS.get(request.basis, ""),
        names_victim=bool(person) or bool(signer and signer.is_victim),
        signer=signer.name if signer else "",
    )
