"""Casework forms: the queue's filters, claim/assign/status, notes, messages, evidence and the audit log filters."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone

from cases.casework import states
from cases.casework.evidence import MAX_BYTES
from cases.casework.models import AuditRecord, Evidence
from cases.casework.queue import SORTS, QueueQuery, Tab
from cases.casework.selectors import AuditQuery
from cases.models import Case

_NOT_REFERENCE = re.compile(r"[^A-Z0-9]")


def reference_prefix(text: str) -> str:
    """What a caseworker typed, as the start of a reference: 'hl 7f3k' -> 'HL-7F3K', '7F3K9' -> 'HL-7F3K-9'."""
    chars = _NOT_REFERENCE.sub("", (text or "").upper())
    if chars.startswith("HL"):
        chars = chars[2:]
    chars = chars[:8]
    if not chars:
        return ""
    return "HL-" + chars[:4] + ("-" + chars[4:] if len(chars) > 4 else "")


class QueueFilterForm(forms.Form):
    tab = forms.ChoiceField(choices=[(t, Tab.LABELS[t]) for t in Tab.ALL], required=False)
    reference = forms.CharField(label="Reference", required=False, max_length=20)
    platform = forms.ChoiceField(label="Platform", required=False)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any"), *Case.Status.choices])
    priority = forms.ChoiceField(
        label="Priority", required=False, choices=[("", "Any"), ("urgent", "Urgent"), ("normal", "Normal")]
    )
    language = forms.ChoiceField(label="Language", required=False)
    assignee = forms.ChoiceField(label="Assignee", required=False)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=[(k, v[0]) for k, v in SORTS.items()])
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data, *, platforms: list[tuple[str, str]], staff: list, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["platform"].choices = [("", "Any"), *platforms]
        self.fields["language"].choices = [("", "Any"), *settings.LANGUAGES]
        self.fields["assignee"].choices = [
            ("", "Anyone"),
            ("none", "Nobody"),
            *((str(user.pk), str(user)) for user in staff),
        ]

    def query(self) -> QueueQuery:
        """The query asked for; a value that is not valid is ignored rather than failing the page."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        return QueueQuery(
            tab=data.get("tab") or Tab.UNASSIGNED,
            platform=data.get("platform") or "",
            status=data.get("status") or "",
            priority=data.get("priority") or "",
            language=data.get("language") or "",
            assignee=data.get("assignee") or "",
            reference=reference_prefix(data.get("reference") or ""),
            sort=data.get("sort") or "priority",
            page=data.get("page") or 1,
        )


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label="Assign to")

    def __init__(self, *args, staff: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = {str(user.pk): user for user in staff}
        self.fields["assignee"].choices = [("none", "Nobody (unassign)"), *((k, str(u)) for k, u in self.staff.items())]

    def assignee_user(self):
        value = self.cleaned_data["assignee"]
        return None if value == "none" else self.staff[value]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="New status", choices=Case.Status.choices)
    closing_reason = forms.ChoiceField(
        label="Closing reason", required=False, choices=[("", "Choose when closing"), *states.CLOSING_REASONS.items()]
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Internal note",
        help_text="Staff only; never shown to the victim.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Message to the victim",
        help_text="Shown on their status page when they sign in with their reference and PIN.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5_000,
    )
    email = forms.BooleanField(
        label="Also email them a notice that there is a new message (never the message itself)",
        required=False,
        initial=True,
    )

    def __init__(self, *args, email_allowed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not email_allowed:
            self.fields["email"].disabled = True
            self.fields["email"].initial = False


class EvidenceForm(forms.Form):
    # A plain FileField: ImageField would decode the upload with no pixel cap; the service checks it instead.
    screenshot = forms.FileField(
        label="Screenshot",
        help_text=f"PNG, JPEG, WebP or GIF, up to {MAX_BYTES // (1024 * 1024)} MB. "
        "Location, camera and all other hidden data are removed.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}),
    )
    kind = forms.ChoiceField(label="It shows", choices=Evidence.Kind.choices)
    caption = forms.CharField(label="Caption (optional)", required=False, max_length=500)


class AuditFilterForm(forms.Form):
    actor = forms.ChoiceField(label="Who", required=False)
    action = forms.ChoiceField(label="What", required=False, choices=[("", "Anything"), *AuditRecord.Action.choices])
    reference = forms.CharField(label="Case reference", required=False, max_length=20)
    ip = forms.GenericIPAddressField(label="From address", required=False)
    since = forms.DateField(label="From (date)", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To (date)", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data, *, staff: list, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["actor"].choices = [("", "Anyone"), *((str(user.pk), str(user)) for user in staff)]

    def query(self) -> AuditQuery:
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}

        def start_of(day) -> datetime | None:
            return timezone.make_aware(datetime.combine(day, time.min)) if day else None

        until = data.get("until")
        return AuditQuery(
            actor=data.get("actor") or "",
            action=data.get("action") or "",
            reference=reference_prefix(data.get("reference") or ""),
            ip=data.get("ip") or "",
            since=start_of(data.get("since")),
            until=start_of(until + timedelta(days=1)) if until else None,
            page=data.get("page") or 1,
        )
