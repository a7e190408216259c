"""Reads for the removal board: one query set per concern, so the page's query count stays flat."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cases.models import Case
from cases.removals import legal, outcomes, state
from cases.removals.models import Basis, Platform, RemovalRequest, ReportingChannel, RequestTransition, RequestURL
from cases.removals.replies.models import PlatformReply
from cases.removals.services import email_recipient


@dataclass
class BoardURL:
    host: str
    url: str
    check: object | None  # UrlCheck


@dataclass
class BoardRow:
    request: RemovalRequest
    rendered: legal.Rendered
    urls: list[BoardURL]
    transitions: list[RequestTransition]
    targets: list[str]
    can_email: bool
    basis_choices: list[tuple[str, str]] = field(default_factory=list)
    channel_choices: list[ReportingChannel] = field(default_factory=list)
    # Set by board_rows for unsent requests (cases/removals/outcomes.py): what each channel achieved lately.
    channel_outcomes: dict = field(default_factory=dict)
    best_channel: object | None = None
    best_outcome: object | None = None

    @property
    def channel_options(self) -> list[tuple[ReportingChannel, object | None]]:
        """Each channel the caseworker may choose, with what it achieved lately (None when not measured)."""
        return [(channel, self.channel_outcomes.get(channel.pk)) for channel in self.channel_choices]

    @property
    def is_past_deadline(self) -> bool:
        deadline = self.request.deadline_at
        return self.deadline_running and deadline is not None and deadline < timezone.now()

    @property
    def deadline_running(self) -> bool:
        """Finished requests (removed, refused, closed...) show no running deadline."""
        return self.request.deadline_at is not None and self.request.status in state.DEADLINE_RUNS

    @property
    def statutory(self) -> bool:
        return legal.starts_statutory_deadline(self.request)

    @property
    def names_unknown_destination(self) -> bool:
        """Whether the board should offer to approve naming the victim here (an unknown or unverified place)."""
        r = self.request
        return (
            r.status in state.UNSENT
            and r.disclosure_approved_at is None
            and not r.case.is_minor
            and not legal.destination_is_known(r)
        )

    @property
    def deadline_runs(self) -> bool:
        """Only a request waiting on the platform has a running deadline; a finished one shows when it ended."""
        return self.request.status in state.AWAITING_PLATFORM

    @property
    def finished_at(self):
        """When a removed, refused or closed request got there (its last move), else None."""
        if self.request.status not in (state.REMOVED, state.REFUSED, state.CLOSED) or not self.transitions:
            return None
        return self.transitions[-1].at

    @property
    def correction(self) -> tuple[str, str] | None:
        """The last move as (from label, to label) when staff may take it back (state.check_correction)."""
        if not self.transitions:
            return None
        last = self.transitions[-1]
        makers = {"staff": state.STAFF, "system": state.SYSTEM}
        try:
            state.check_correction(
                self.request.status,
                last_from=last.from_status,
                last_to=last.to_status,
                last_by=makers.get(last.actor_label, state.CORRECTION),
            )
        except state.IllegalMove:
            return None
        return state.label(last.from_status), state.label(last.to_status)

    @property
    def answers(self) -> list[tuple[str, str]]:
        return [(s, state.label(s)) for s in state.ANSWERS if s in self.targets]


def case_for_board(reference: str) -> Case:
    return get_object_or_404(Case.objects.select_related("assigned_to"), reference=reference)


def board_requests(case: Case) -> list[RemovalRequest]:
    requests = list(
        RemovalRequest.objects.filter(case=case)
        .select_related("platform", "channel", "escalates", "send_approved_by")
        .prefetch_related(
            Prefetch("request_urls", RequestURL.objects.select_related("case_url", "case_url__recheck")),
            Prefetch("transitions", RequestTransition.objects.select_related("actor")),
            Prefetch("replies", PlatformReply.objects.select_related("decided_by").prefetch_related("attachments")),
        )
        .order_by("platform__name", "host", "kind", "sequence")
    )
    # Platforms first, then 'other website' rows, then search engines; each target's requests together.
    rank: dict[str, int] = {Platform.Kind.PLATFORM: 0, Platform.Kind.HOST: 1, Platform.Kind.SEARCH_ENGINE: 2}
    return sorted(requests, key=lambda r: rank.get(r.platform.kind, 3))


def board_rows(case: Case) -> list[BoardRow]:
    """Everything the board shows, texts included (they hold the victim's name: see services.board_viewed)."""
    requests = board_requests(case)
    # The open channels of the case's platforms and every regulator's, in one query.
    open_channels = ReportingChannel.objects.filter(
        Q(platform_id__in={r.platform_id for r in requests}) | Q(purpose=ReportingChannel.Purpose.REGULATOR),
        retired=False,
    ).select_related("platform")
    regulators: list[ReportingChannel] = []
    channels_of: dict[int, list[ReportingChannel]] = {}
    for channel in open_channels:
        channels_of.setdefault(channel.platform_id, []).append(channel)
        if channel.purpose == ReportingChannel.Purpose.REGULATOR:
            regulators.append(channel)
    rows = []
    for request in requests:
        request.case = case
        links = list(request.request_urls.all())
        urls = [link.case_url.url for link in links]
        rendered = legal.render_request(request, case=case, urls=urls, original=request.escalates)
        channels = channels_of.get(request.platform_id, [])
        if request.kind == RemovalRequest.Kind.ESCALATION:
            basis_values: list[str] = [Basis.APPEAL, Basis.REGULATOR_COMPLAINT]
            channel_choices = [c for c in channels if c.is_escalation] + regulators
        else:
            basis_values = legal.allowed_bases(request.platform, channels, case=case, kind=request.kind)
            channel_choices = [
                c
                for c in channels
                if c.purpose in (ReportingChannel.Purpose.REPORT, ReportingChannel.Purpose.CHILD_SAFETY)
            ]
        rows.append(
            BoardRow(
                request=request,
                rendered=rendered,
                urls=[
                    BoardURL(
                        host=link.case_url.host, url=link.case_url.url, check=getattr(link.case_url, "recheck", None)
                    )
                    for link in links
                ],
                transitions=list(request.transitions.all()),
                targets=state.allowed_targets(request.status),
                can_email=bool(email_recipient(request)),
                basis_choices=[(b, Basis(b).label) for b in basis_values if b in Basis.values],
                channel_choices=channel_choices,
            )
        )
    _attach_outcomes(rows)
    return rows


def _attach_outcomes(rows: list[BoardRow]) -> None:
    """One query for every channel a caseworker may still choose on this board (unsent requests only)."""
    choosing = [row for row in rows if row.request.status in state.UNSENT and row.channel_choices]
    if not choosing:
        return
    figures = outcomes.channel_outcomes({c.pk for row in choosing for c in row.channel_choices})
    for row in choosing:
        row.channel_outcomes = {c.pk: figures[c.pk] for c in row.channel_choices}
        # Suggest only among channels that serve this case's situation (an empty list serves every one).
        situations = legal.choice.situations_for(row.request.case)
        fitting = [
            figures[c.pk]
            for c in row.channel_choices
            if not c.situations or not situations or situations & set(c.situations)
        ]
        best = outcomes.best_channel(fitting)
        row.best_channel = next((c for c in row.channel_choices if best and c.pk == best.channel_id), None)
        row.best_outcome = best if row.best_channel is not None else None
