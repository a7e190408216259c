"""The cast of the legal tests: a directory of their own (so no test depends on the directory data file) and
the situations a case can be in."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from cases.models import Case
from cases.removals import directory
from cases.removals.models import Basis, Platform, PlatformDomain, RemovalRequest, ReportingChannel

P = ReportingChannel.Purpose
M = ReportingChannel.Method

VICTIM_NAME = "Robin Quillfeather"
VICTIM_EMAIL = "robin.quill@victim.example"
VICTIM_PHONE = "+1 202 555 0147"
FRIEND_NAME = "Pat Friendly"
PICTURED_BY_FRIEND = "Sam Pictured"
SIGNATORY = "Jo Signer"
LEGAL_NAME = "Example Helpline CIC"


def _platform(slug, name, kind, domains=(), **fields) -> Platform:
    platform = Platform.objects.create(slug=slug, name=name, kind=kind, **fields)
    for domain in domains:
        PlatformDomain.objects.create(platform=platform, domain=domain)
    return platform


def _channel(platform, label, *, purpose=P.REPORT, method=M.WEB_FORM, **fields) -> ReportingChannel:
    if method == M.EMAIL:
        fields.setdefault("email", f"{platform.slug}@{platform.slug}.example")
    else:
        fields.setdefault("url", f"https://{platform.slug}.example/{label.lower().replace(' ', '-')}")
    return ReportingChannel.objects.create(platform=platform, label=label, purpose=purpose, method=method, **fields)


def build_directory() -> dict[str, Platform]:
    """Platforms of every kind the legal engine tells apart, replacing the directory loaded by migration."""
    RemovalRequest.objects.all().delete()
    Platform.objects.all().delete()
    covered = _platform(
        "covered", "Covered Social", Platform.Kind.PLATFORM, ["covered.example"], covered_platform=True,
        accepted_bases=[Basis.TAKE_IT_DOWN, Basis.PLATFORM_POLICY],
    )  # fmt: skip
    _channel(covered, "TAKE IT DOWN form", bases=[Basis.TAKE_IT_DOWN], takeitdown_designated=True, verified=True)
    _channel(
        covered, "Report form", bases=[Basis.PLATFORM_POLICY, Basis.DSA_ART16, Basis.UK_OSA], verified=True,
        priority=50,
    )  # fmt: skip
    _channel(covered, "Copyright form", bases=[Basis.DMCA], verified=True)
    _channel(covered, "Child safety form", purpose=P.CHILD_SAFETY, bases=[Basis.CHILD_SAFETY], verified=True)
    _channel(covered, "Formulario de denuncia", bases=[Basis.PLATFORM_POLICY, Basis.DSA_ART16], verified=True,
             language="es", countries=["ES", "MX"], priority=10)  # fmt: skip
    # A covered platform that has not (per the directory) designated a TAKE IT DOWN process.
    nodesig = _platform(
        "nodesig", "Undesignated Social", Platform.Kind.PLATFORM, ["nodesig.example"], covered_platform=True,
        accepted_bases=[Basis.TAKE_IT_DOWN, Basis.PLATFORM_POLICY],
    )  # fmt: skip
    _channel(nodesig, "Help page", bases=[], verified=True)
    _platform("other", "Other website", Platform.Kind.HOST, is_catch_all=True,
                accepted_bases=[Basis.TAKE_IT_DOWN])  # fmt: skip
    host = _platform("hostco", "HostCo", Platform.Kind.HOST, ["hostco.example"])
    _channel(host, "Abuse mailbox", method=M.EMAIL, verified=True)
    cdn = _platform("cdnco", "CDNCo", Platform.Kind.CDN, ["cdnco.example"], indexable=False)
    _channel(cdn, "Abuse form", verified=True)
    engine = _platform(
        "engine", "Searchy", Platform.Kind.SEARCH_ENGINE, ["searchy.example"],
        accepted_bases=[Basis.GOOGLE_NCII, Basis.PLATFORM_POLICY],
    )  # fmt: skip
    _channel(engine, "NCII removal form", bases=[Basis.GOOGLE_NCII, Basis.CHILD_SAFETY], verified=True)
    dsc = _platform("dsc-de", "Bundesnetzagentur (DSC)", Platform.Kind.AUTHORITY, country="DE")
    _channel(dsc, "DSA complaint", purpose=P.REGULATOR, bases=[Basis.DSA_ART16], verified=True)
    dsc_ie = _platform("dsc-ie", "Coimisiún na Meán (DSC)", Platform.Kind.AUTHORITY, country="IE")
    _channel(dsc_ie, "DSA complaint", purpose=P.REGULATOR, bases=[Basis.DSA_ART16], verified=True)
    dsc_es = _platform("dsc-es", "CNMC (DSC)", Platform.Kind.AUTHORITY, country="ES", language="es")
    _channel(dsc_es, "Reclamación DSA", purpose=P.REGULATOR, bases=[Basis.DSA_ART16], verified=True)
    esafety = _platform("esafety", "eSafety Commissioner", Platform.Kind.AUTHORITY, country="AU")
    # As in the directory file: a regulator's channel, for Australia, that takes the first report too.
    _channel(
        esafety, "Image-based abuse report", purpose=P.REGULATOR, bases=[Basis.ESAFETY, Basis.REGULATOR_COMPLAINT],
        countries=["AU"], verified=True,
    )  # fmt: skip
    ftc = _platform("ftc", "FTC", Platform.Kind.AUTHORITY, country="US")
    _channel(ftc, "TAKE IT DOWN complaint", purpose=P.REGULATOR, bases=[Basis.TAKE_IT_DOWN], verified=True)
    ncmec = _platform("ncmec", "NCMEC", Platform.Kind.CHILD_PROTECTION, country="US")
    _channel(ncmec, "CyberTipline", bases=[Basis.CHILD_SAFETY], verified=True)
    iwf = _platform("iwf", "Internet Watch Foundation", Platform.Kind.CHILD_PROTECTION, country="GB")
    _channel(iwf, "Report Remove", bases=[Basis.CHILD_SAFETY], countries=["GB"], verified=True)
    directory.directory_changed()
    return {p.slug: p for p in Platform.objects.all()}


URL_ON = {
    "covered": "https://covered.example/p/abc123",
    "nodesig": "https://nodesig.example/v/77",
    "other": "https://unknown-tube.example/watch/42",
    "hostco": "https://files.hostco.example/img/9.jpg",
    "cdnco": "https://img.cdnco.example/x/1.jpg",
}


@dataclass(frozen=True)
class Situation:
    name: str
    fields: dict = field(default_factory=dict)
    # What must never appear in a request that may not name the victim (and the friend's name, anywhere).
    private: tuple[str, ...] = (VICTIM_NAME, VICTIM_EMAIL, VICTIM_PHONE)
    pictured: str = VICTIM_NAME
    victim_signs: bool = True


def _signed(name=VICTIM_NAME) -> dict:
    return {
        "signature_name": name,
        "signature_statement": "I confirm...",
        "signed_at": timezone.now(),
    }


ADULT = {
    "contact_name": VICTIM_NAME,
    "contact_email": VICTIM_EMAIL,
    "contact_phone": VICTIM_PHONE,
    "consent_act_on_behalf": True,
    "categories": [Case.Category.KNOWN_PERSON],
    "images_taken_by": Case.TakenBy.SELF,
}

SITUATIONS = {
    "adult_self_signed_us": Situation("adult_self_signed_us", {**ADULT, **_signed(), "country": "US"}),
    "anonymous": Situation(
        "anonymous",
        {"consent_act_on_behalf": True, "categories": [Case.Category.KNOWN_PERSON]},
        pictured="",
        victim_signs=False,
    ),
    "friend_filing": Situation(
        "friend_filing",
        {
            **ADULT,
            "contact_name": FRIEND_NAME,
            "filed_by": Case.Filer.AUTHORISED,
            "person_name": PICTURED_BY_FRIEND,
            **_signed(FRIEND_NAME),
            "country": "US",
        },
        private=(FRIEND_NAME, PICTURED_BY_FRIEND, VICTIM_EMAIL, VICTIM_PHONE),
        pictured=PICTURED_BY_FRIEND,
        victim_signs=False,
    ),
    "ai_generated": Situation(
        "ai_generated",
        {
            **ADULT,
            **_signed(),
            "categories": [Case.Category.AI_GENERATED],
            "images_taken_by": Case.TakenBy.AI,
            "country": "US",
        },
    ),
    "someone_else_took": Situation(
        "someone_else_took", {**ADULT, **_signed(), "images_taken_by": Case.TakenBy.SOMEONE_ELSE, "country": "US"}
    ),
    "minor": Situation(
        "minor",
        {
            **ADULT,
            **_signed(),
            "is_minor": True,
            "country": "GB",
            "filed_by": Case.Filer.PARENT,
            "contact_name": FRIEND_NAME,
            "person_name": PICTURED_BY_FRIEND,
        },
        private=(FRIEND_NAME, PICTURED_BY_FRIEND, VICTIM_NAME, VICTIM_EMAIL, VICTIM_PHONE),
        pictured="",
        victim_signs=False,
    ),
    "eu_victim": Situation("eu_victim", {**ADULT, **_signed(), "country": "DE"}),
    "uk_victim": Situation("uk_victim", {**ADULT, **_signed(), "country": "GB"}),
    "au_victim": Situation("au_victim", {**ADULT, **_signed(), "country": "AU"}),
}
