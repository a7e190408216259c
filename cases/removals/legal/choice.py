"""Which legal bases a request can use, from the platform, the victim's country, the content and who took it."""

from __future__ import annotations

from cases.models import Case
from cases.removals.models import Basis, Platform, RemovalRequest, ReportingChannel, Situation

# EU member states (ISO 3166-1 alpha-2; Greece is "GR" in ISO, "EL" in EU usage).
EU_COUNTRIES = frozenset("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split())
ADULT_BASES = frozenset(
    {
        Basis.TAKE_IT_DOWN,
        Basis.DMCA,
        Basis.PLATFORM_POLICY,
        Basis.GOOGLE_NCII,
        Basis.BING_NCII,
        Basis.DSA_ART16,
        Basis.UK_OSA,
        Basis.ESAFETY,
    }
)
# 47 U.S.C. 223a(a)(3): "no later than 48 hours after receiving"
STATUTORY_HOURS: dict[str, int] = {Basis.TAKE_IT_DOWN: 48}

CATEGORY_SITUATIONS = {
    Case.Category.KNOWN_PERSON: {Situation.REAL_IMAGE, Situation.FORMER_PARTNER},
    Case.Category.HACKED: {Situation.REAL_IMAGE, Situation.HACK, Situation.PRIVATE_IMAGE},
    Case.Category.AI_GENERATED: {Situation.AI_GENERATED},
    Case.Category.EXTORTION: {Situation.EXTORTION, Situation.UNKNOWN_PERSON},
    Case.Category.VIEW_ONCE: {Situation.REAL_IMAGE, Situation.PRIVATE_IMAGE},
}


def situations_for(case: Case) -> set[str]:
    situations: set[str] = set()
    for category in case.categories or []:
        situations |= CATEGORY_SITUATIONS.get(category, set())
    if case.images_taken_by == Case.TakenBy.AI:
        situations.add(Situation.AI_GENERATED)
    if Situation.AI_GENERATED not in situations:
        situations.add(Situation.REAL_IMAGE)
    return situations


def is_ai_generated(case: Case) -> bool:
    return Situation.AI_GENERATED in situations_for(case)


def region_of(country: str) -> str:
    country = (country or "").upper()
    if country in EU_COUNTRIES:
        return "EU"
    return {"US": "US", "GB": "UK", "AU": "AU"}.get(country, "")


def dmca_eligible(case: Case) -> bool:
    """Copyright belongs to whoever took the picture: only the person's own pictures, never AI-generated ones."""
    return not case.is_minor and case.images_taken_by == Case.TakenBy.SELF and not is_ai_generated(case)


def is_designated_tida(platform: Platform, channel: ReportingChannel | None) -> bool:
    return bool(platform.covered_platform and channel is not None and channel.takeitdown_designated)


def starts_statutory_deadline(request: RemovalRequest) -> bool:
    """Only a TAKE IT DOWN request made through the covered platform's own process starts the 48-hour duty."""
    return (
        request.kind != RemovalRequest.Kind.ESCALATION
        and request.basis == Basis.TAKE_IT_DOWN
        and is_designated_tida(request.platform, request.channel)
    )


def choose_channel(
    channels: list[ReportingChannel],
    *,
    basis: str,
    situations: set[str],
    purpose: str = ReportingChannel.Purpose.REPORT,
    country: str = "",
) -> ReportingChannel | None:
    """The channel most likely to act: it takes the basis, serves the situation and the victim's country; then
    the lowest priority."""
    candidates = []
    for channel in channels:
        if channel.purpose != purpose or (channel.bases and basis not in channel.bases):
            continue
        if basis == Basis.TAKE_IT_DOWN and not channel.takeitdown_designated:
            continue
        if channel.countries and country.upper() not in channel.countries:
            continue
        served = set(channel.situations)
        if served and not served & situations:
            continue
        candidates.append((-len(served & situations), channel.priority, channel.id, channel))
    return min(candidates, key=lambda c: c[:3])[3] if candidates else None


def _channel(platform, channels, basis, case, situations) -> ReportingChannel | None:
    found = choose_channel(channels, basis=basis, situations=situations, country=case.country)
    if found is None and basis in (Basis.DSA_ART16, Basis.UK_OSA):
        # Statutory notices go through the platform's ordinary report form when it has none of its own
        # (DSA Art. 16(1) and OSA s.20 oblige it to take them there).
        found = choose_channel(channels, basis=Basis.PLATFORM_POLICY, situations=situations, country=case.country)
    return found


def candidate_bases(
    platform: Platform, channels: list[ReportingChannel], *, case: Case, kind: str = RemovalRequest.Kind.REMOVAL
) -> list[tuple[str, ReportingChannel | None]]:
    """Every basis this request may use, best first, each with its channel (None: none in the directory)."""
    situations = situations_for(case)
    if case.is_minor:
        channel = choose_channel(
            channels,
            basis=Basis.CHILD_SAFETY,
            situations=situations,
            purpose=ReportingChannel.Purpose.CHILD_SAFETY,
            country=case.country,
        ) or choose_channel(channels, basis=Basis.CHILD_SAFETY, situations=situations, country=case.country)
        return [(Basis.CHILD_SAFETY, channel)]
    if platform.kind == Platform.Kind.CHILD_PROTECTION:
        return []
    if platform.kind == Platform.Kind.AUTHORITY:
        if platform.country and platform.country == (case.country or "").upper():
            # eSafety is a regulator (the directory files its channel under that purpose, where escalations
            # also find it), yet its image-based abuse scheme takes the victim's own first report.
            channel = choose_channel(
                channels, basis=Basis.ESAFETY, situations=situations, country=case.country
            ) or choose_channel(
                channels,
                basis=Basis.ESAFETY,
                situations=situations,
                purpose=ReportingChannel.Purpose.REGULATOR,
                country=case.country,
            )
            return [(Basis.ESAFETY, channel)] if channel is not None else []
        return []
    region = region_of(case.country)
    out: list[tuple[str, ReportingChannel | None]] = []
    if platform.kind == Platform.Kind.SEARCH_ENGINE or kind == RemovalRequest.Kind.DEINDEX:
        for basis in platform.accepted_bases or []:
            if basis in (Basis.GOOGLE_NCII, Basis.BING_NCII):
                out.append((basis, _channel(platform, channels, basis, case, situations)))
        out.append((Basis.PLATFORM_POLICY, _channel(platform, channels, Basis.PLATFORM_POLICY, case, situations)))
        return out
    # DSA Art. 16 binds hosting services (platforms, hosts, unknown sites); not CDNs or registrars.
    hosting = platform.is_catch_all or platform.kind in (Platform.Kind.PLATFORM, Platform.Kind.HOST)
    tida = None
    if platform.covered_platform and not platform.is_catch_all:
        designated = choose_channel(channels, basis=Basis.TAKE_IT_DOWN, situations=situations, country=case.country)
        if designated is not None:
            tida = (Basis.TAKE_IT_DOWN, designated)
    if tida and region in ("", "US"):
        out.append(tida)
    if region == "EU" and hosting:
        out.append((Basis.DSA_ART16, _channel(platform, channels, Basis.DSA_ART16, case, situations)))
    if region == "UK" and (platform.kind == Platform.Kind.PLATFORM or platform.is_catch_all):
        out.append((Basis.UK_OSA, _channel(platform, channels, Basis.UK_OSA, case, situations)))
    if tida and region not in ("", "US"):
        out.append(tida)
    out.append((Basis.PLATFORM_POLICY, _channel(platform, channels, Basis.PLATFORM_POLICY, case, situations)))
    return out


def allowed_bases(platform: Platform, channels: list[ReportingChannel], *, case: Case, kind: str) -> list[str]:
    """What a caseworker may choose for the request: the candidates, and DMCA last where it can hold."""
    bases = [basis for basis, _ in candidate_bases(platform, channels, case=case, kind=kind)]
    if (
        dmca_eligible(case)
        and kind == RemovalRequest.Kind.REMOVAL
        and platform.kind in (Platform.Kind.PLATFORM, Platform.Kind.HOST, Platform.Kind.CDN, Platform.Kind.REGISTRAR)
    ):
        bases.append(Basis.DMCA)
    return list(dict.fromkeys(bases))
