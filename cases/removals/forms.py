"""Forms for the actions on the removal board; every one carries the state the caseworker saw."""

from __future__ import annotations

from django import forms

from cases.removals import state
from cases.removals.models import Basis


class ActionForm(forms.Form):
    from_status = forms.ChoiceField(choices=[(s, state.label(s)) for s in state.STATES], widget=forms.HiddenInput)
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class MarkSentForm(ActionForm):
    ticket_number = forms.CharField(
        required=False, max_length=100, help_text="The platform's ticket or case number, if it gave one."
    )
    submitted_at = forms.DateTimeField(
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="When the web form was submitted (UTC), if not just now: a legal deadline counts from then.",
        error_messages={"invalid": "Give the submission time as a date and time, e.g. 2026-12-06 14:30."},
    )


class AnswerForm(ActionForm):
    answer = forms.ChoiceField(choices=[(s, state.label(s)) for s in state.ANSWERS])
    ticket_number = forms.CharField(required=False, max_length=100)


class EditDraftForm(ActionForm):
    basis = forms.ChoiceField(choices=Basis.choices)
    channel = forms.IntegerField(required=False)
    abuse_contact = forms.CharField(required=False, max_length=500)
    copyright_confirmed = forms.BooleanField(required=False)
    explanation_extra = forms.CharField(required=False, max_length=4000)


class CorrectionForm(ActionForm):
    note = forms.CharField(
        max_length=2000, help_text="What was wrong with the last move (kept in the request's history)."
    )
