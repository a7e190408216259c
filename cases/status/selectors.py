"""Reads for the victim's status page: their links grouped by platform with progress in plain words."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from cases.status.dmca import dmca_waiting

# Removal request states (cases.removals.state) as the victim reads them; unknown ones read "in progress".
PLAIN_STATES: dict[str, Promise] = {
    "pending": _("We are preparing the request"),
    "drafted": _("Request prepared, waiting to be sent"),
    "ready": _("Request prepared, waiting to be sent"),
    "sent": _("Request sent, waiting for an answer"),
    "acknowledged": _("The website confirmed it got the request"),
    "needs_info": _("The website asked for more information; your caseworker is answering"),
    "escalated": _("Your caseworker has taken this further"),
    "removed": _("Removed"),
    "refused": _("The website refused; your caseworker is looking at other options"),
    "overdue": _("No answer in time; your caseworker is following up"),
    "closed": _("Closed"),
}
CASE_STATES: dict[str, Promise] = {
    Case.Status.NEW: _("Received: a caseworker will look at your case soon"),
    Case.Status.IN_PROGRESS: _("A caseworker is working on your case"),
    Case.Status.WAITING_ON_VICTIM: _("We need something from you: please read the messages below"),
    Case.Status.RESOLVED: _("Resolved"),
    Case.Status.CLOSED: _("Closed"),
}


@dataclass
class PlatformProgress:
    """One card on the status page: one removal request (or the links not yet in any request, per site)."""

    name: str
    state: str
    links: list[str] = field(default_factory=list)

    @property
    def state_text(self) -> str:
        return str(PLAIN_STATES.get(self.state, PLAIN_STATES["pending"]))


def _removal_requests(case: Case) -> list:
    """The case's removal requests with their platform and links, once the removals app has its models."""
    try:
        model = apps.get_model("removals", "RemovalRequest")
    except LookupError:
        return []
    return list(
        model.objects.filter(case=case)
        .select_related("platform")
        .prefetch_related("request_urls__case_url")
        .order_by("id")
    )


def case_progress(case: Case) -> list[PlatformProgress]:
    """One card per removal request, with its own state and the links it carries; links that no request
    covers yet get one "preparing" card per site. (Grouping requests and links by one key made a phantom
    "Other website" card beside the host's own, and search engines' requests showed none of their links.)"""
    cards: list[PlatformProgress] = []
    covered: set[int] = set()
    for request in _removal_requests(case):
        links = [link.case_url for link in request.request_urls.all()]
        covered.update(url.pk for url in links)
        name = request.host if request.host else request.platform.name
        cards.append(PlatformProgress(name=name, state=request.status, links=[url.url for url in links]))
    waiting: dict[str, PlatformProgress] = {}
    for url in case.urls.all():
        if url.pk in covered:
            continue
        waiting.setdefault(url.host, PlatformProgress(name=url.host, state="pending")).links.append(url.url)
    return cards + list(waiting.values())


def case_messages(case: Case) -> list:
    """Messages from the caseworker (cases.casework), oldest first."""
    return list(case.victim_messages.all())


def unread_message_count(messages: list) -> int:
    """Messages the victim has not yet been shown on the status page."""
    return sum(1 for message in messages if message.read_at is None)


def case_status_page(case: Case) -> dict:
    messages = case_messages(case)
    return {
        "case": case,
        "case_state": CASE_STATES.get(case.status) or case.get_status_display(),
        "progress": case_progress(case),
        "hash_count": case.hashes.count(),
        "dmca_waiting": dmca_waiting(case),
        "case_messages": messages,
        "unread_message_count": unread_message_count(messages),
    }
