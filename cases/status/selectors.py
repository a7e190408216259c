"""Reads for the victim's status page: their links grouped by platform with progress in plain words."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from cases.status.dmca import dmca_waiting

# Removal request states (cases.removals.state) as the victim reads them; unknown ones read "in progress".
PLAIN_STATES = {
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
CASE_STATES = {
    Case.Status.NEW: _("Received: a caseworker will look at your case soon"),
    Case.Status.IN_PROGRESS: _("A caseworker is working on your case"),
    Case.Status.WAITING_ON_VICTIM: _("We need something from you: please read the messages below"),
    Case.Status.RESOLVED: _("Resolved"),
    Case.Status.CLOSED: _("Closed"),
}


@dataclass
class PlatformProgress:
    name: str
    state: str
    links: list[str] = field(default_factory=list)

    @property
    def state_text(self) -> str:
        return PLAIN_STATES.get(self.state, PLAIN_STATES["pending"])


def _removal_requests(case: Case) -> list:
    """The case's removal requests with their platform, once the removals app has its models."""
    try:
        model = apps.get_model("removals", "RemovalRequest")
    except LookupError:
        return []
    return list(model.objects.filter(case=case).select_related("platform").order_by("id"))


def case_progress(case: Case) -> list[PlatformProgress]:
    """One line per platform: its latest request's state in plain words, and the victim's links there."""
    groups: dict[str, PlatformProgress] = {}
    for request in _removal_requests(case):
        slug = request.platform.slug
        groups[slug] = PlatformProgress(name=request.platform.name, state=request.status)
    for url in case.urls.all():
        key = url.platform_slug or url.host
        groups.setdefault(key, PlatformProgress(name=url.host, state="pending")).links.append(url.url)
    return list(groups.values())


def case_messages(case: Case) -> list:
    """Messages from the caseworker (cases.casework), oldest first."""
    manager = getattr(case, "victim_messages", None)
    return list(manager.all()) if manager is not None else []


def case_status_page(case: Case) -> dict:
    return {
        "case": case,
        "case_state": CASE_STATES.get(case.status, case.get_status_display()),
        "progress": case_progress(case),
        "hash_count": case.hashes.count(),
        "dmca_waiting": dmca_waiting(case),
        "case_messages": case_messages(case),
    }
