"""Drafting: one removal request per (case, platform) and one de-index request per (case, search engine).

Safe to run any number of times: the case row is locked for the whole draft (one transaction, so a killed
worker leaves nothing half-done), URLs already covered are skipped, new URLs join the unsent request of their
target or, once that was sent, a follow-up request. The unique constraints on RemovalRequest back this up.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction

from cases.models import Case, CaseEvent, CaseURL
from cases.removals import directory as directory_module
from cases.removals import legal, state
from cases.removals.models import Platform, RemovalRequest, RequestURL
from cases.timeline import event_record


@dataclass
class DraftResult:
    created: int = 0
    extended: int = 0
    follow_ups: int = 0
    skipped: str = ""


Target = tuple[int, str, str]  # (platform id, host for 'other website', kind)


def _authorities(case: Case, snapshot: directory_module.Directory) -> list[Platform]:
    """Organisations that take a report of the whole case: for a minor, the child-protection organisations that
    serve the victim's country (NCMEC, the IWF); for an adult, the authority of their own country that takes
    reports from the public (eSafety in Australia)."""
    found = []
    for platform in snapshot.by_slug.values():
        if case.is_minor and platform.kind == Platform.Kind.CHILD_PROTECTION:
            channels = snapshot.channels.get(platform.pk, [])
            if any(not c.countries or case.country.upper() in c.countries for c in channels):
                found.append(platform)
        elif not case.is_minor and platform.kind == Platform.Kind.AUTHORITY:
            if legal.candidate_bases(platform, snapshot.channels.get(platform.pk, []), case=case):
                found.append(platform)
    return sorted(found, key=lambda p: p.slug)


def _targets(
    urls: list[CaseURL], snapshot: directory_module.Directory, case: Case | None = None
) -> dict[Target, list[CaseURL]]:
    """Which request each URL belongs in: its platform's removal request, every search engine's de-index
    request when its platform's pages can be listed, and the organisations that take reports of the case."""
    targets: dict[Target, list[CaseURL]] = defaultdict(list)
    if case is not None and urls:
        for platform in _authorities(case, snapshot):
            targets[(platform.pk, "", RemovalRequest.Kind.REMOVAL)].extend(urls)
    for url in urls:
        platform = snapshot.by_slug.get(url.platform_slug) or snapshot.catch_all
        if platform is None:
            continue
        if platform.kind == Platform.Kind.SEARCH_ENGINE:
            # A results page: the engine that shows it is asked to de-list what it links to.
            targets[(platform.pk, "", RemovalRequest.Kind.DEINDEX)].append(url)
            continue
        host = directory_module.normalise_host(url.host or directory_module.host_of(url.url))
        targets[(platform.pk, host if platform.is_catch_all else "", RemovalRequest.Kind.REMOVAL)].append(url)
        if platform.indexable:
            for engine in snapshot.search_engines:
                targets[(engine.pk, "", RemovalRequest.Kind.DEINDEX)].append(url)
    return targets


Planned = list[tuple[RemovalRequest, list[CaseURL]]]  # requests with the URLs this run adds to them


def draft_for_case(*, case_id: int) -> DraftResult:
    """Draft or update every request the case's URLs call for. Raises Case.DoesNotExist for a gone case."""
    snapshot = directory_module.directory_snapshot()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if case.erased_at is not None or case.status == Case.Status.CLOSED:
            return DraftResult(skipped="case erased or closed")
        urls = list(CaseURL.objects.filter(case=case))
        snapshot = _snapshot_knowing(urls, snapshot)
        platforms = {p.pk: p for p in snapshot.by_slug.values()}
        _rederive_platforms(urls)
        by_target, covered = _existing_requests(case, platforms)
        new_requests, extended, follow_ups = _plan(case, urls, snapshot, platforms, by_target, covered)
        _save(case, new_requests, extended, covered)
        _record_events(case, new_requests, extended)
        return DraftResult(created=len(new_requests), extended=len(extended), follow_ups=follow_ups)


def _snapshot_knowing(urls: list[CaseURL], snapshot: directory_module.Directory) -> directory_module.Directory:
    """The directory snapshot, taken again if a URL names a platform it does not know."""
    if any(url.platform_slug and url.platform_slug not in snapshot.by_slug for url in urls):
        # A platform added in the admin since this process took its snapshot: never file it under
        # 'other website' for want of a refresh.
        directory_module.directory_changed()
        return directory_module.directory_snapshot()
    return snapshot


def _rederive_platforms(urls: list[CaseURL]) -> None:
    """URLs filed before their host was in the directory get its platform now."""
    rederived = []
    for url in urls:
        if not url.platform_slug:
            slug = directory_module.platform_slug_for_host(url.host or directory_module.host_of(url.url))
            if slug:
                url.platform_slug = slug
                rederived.append(url)
    if rederived:
        CaseURL.objects.bulk_update(rederived, ["platform_slug"])


def _existing_requests(
    case: Case, platforms: dict[int, Platform]
) -> tuple[dict[Target, list[RemovalRequest]], dict[int, set[int]]]:
    """The case's requests by target (escalations aside), and the URLs each already covers."""
    covered: dict[int, set[int]] = defaultdict(set)
    for request_id, case_url_id in RequestURL.objects.filter(request__case=case).values_list(
        "request_id", "case_url_id"
    ):
        covered[request_id].add(case_url_id)
    by_target: dict[Target, list[RemovalRequest]] = defaultdict(list)
    for request in RemovalRequest.objects.filter(case=case).exclude(kind=RemovalRequest.Kind.ESCALATION):
        if request.platform_id in platforms:
            request.platform = platforms[request.platform_id]
        by_target[(request.platform_id, request.host, request.kind)].append(request)
    return by_target, covered


def _plan(
    case: Case,
    urls: list[CaseURL],
    snapshot: directory_module.Directory,
    platforms: dict[int, Platform],
    by_target: dict[Target, list[RemovalRequest]],
    covered: dict[int, set[int]],
) -> tuple[Planned, Planned, int]:
    """New requests (first or follow-up) and unsent requests that take new URLs; and how many are follow-ups."""
    new_requests: Planned = []
    extended: Planned = []
    follow_ups = 0
    for target, target_urls in _targets(urls, snapshot, case).items():
        requests = by_target[target]
        seen = set().union(*(covered[r.pk] for r in requests))
        fresh = [u for u in target_urls if u.pk not in seen]
        if not fresh:
            continue
        unsent = next((r for r in requests if r.status in state.UNSENT), None)
        if unsent is not None:
            extended.append((unsent, fresh))
            continue
        new_requests.append((_new_request(case, platforms[target[0]], target, requests, fresh, snapshot), fresh))
        follow_ups += bool(requests)
    return new_requests, extended, follow_ups


def _new_request(
    case: Case,
    platform: Platform,
    target: Target,
    earlier: list[RemovalRequest],
    fresh: list[CaseURL],
    snapshot: directory_module.Directory,
) -> RemovalRequest:
    """An unsaved request to `target` under the best legal basis and channel, numbered after the earlier ones."""
    _platform_id, host, kind = target
    basis, channel = legal.choose_basis_and_channel(
        platform, snapshot.channels.get(platform.pk, []), case=case, url_count=len(fresh), kind=kind
    )
    return RemovalRequest(
        case=case,
        platform=platform,
        host=host,
        kind=kind,
        sequence=max((r.sequence for r in earlier), default=0) + 1,
        basis=basis,
        channel=channel,
        language=(channel.language if channel is not None else "") or platform.language,
    )


def _save(case: Case, new_requests: Planned, extended: Planned, covered: dict[int, set[int]]) -> None:
    """Write the new requests and the URLs each request takes, with what each still lacks for its basis."""
    for request, fresh in new_requests:
        request.missing_elements = [m.code for m in legal.missing_elements(request, case=case, url_count=len(fresh))]
    RemovalRequest.objects.bulk_create([request for request, _ in new_requests])
    RequestURL.objects.bulk_create(
        [RequestURL(request=r, case_url=u) for r, fresh in [*new_requests, *extended] for u in fresh]
    )
    for request, fresh in extended:
        request.case = case
        count = len(covered[request.pk]) + len(fresh)
        request.missing_elements = [m.code for m in legal.missing_elements(request, case=case, url_count=count)]
    if extended:
        RemovalRequest.objects.bulk_update([r for r, _ in extended], ["missing_elements"])


def _record_events(case: Case, new_requests: Planned, extended: Planned) -> None:
    # One timeline event per drafting run, naming each request: the timeline stays readable and
    # drafting a case costs a fixed number of queries.
    if new_requests:
        event_record(
            case=case,
            kind=CaseEvent.Kind.REMOVAL_REQUESTS_DRAFTED,
            requests=[
                {
                    "request_id": r.pk,
                    "platform": r.platform.slug,
                    "request_kind": r.kind,
                    "sequence": r.sequence,
                    "basis": r.basis,
                    "url_count": len(fresh),
                }
                for r, fresh in new_requests
            ],
        )
    if extended:
        event_record(
            case=case,
            kind=CaseEvent.Kind.REMOVAL_REQUEST_URLS_ADDED,
            requests=[{"request_id": r.pk, "url_count": len(fresh)} for r, fresh in extended],
        )
