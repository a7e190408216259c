"""The "check your answers" page: every answer of the draft in plain words, per step, in the page's language."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Answer:
    label: str
    values: list[str]


@dataclass(frozen=True)
class Section:
    step: str
    title: str
    answers: list[Answer]


def _shown(field: forms.Field, value) -> list[str]:
    """A saved value as the victim chose it: the choice's words, Yes/No, or "Not given"."""
    if isinstance(field, forms.BooleanField):
        return [_("Yes") if value else _("No")]
    choices = dict(getattr(field, "choices", None) or [])
    values = value if isinstance(value, list) else [value]
    words = [str(choices.get(v, v)) if choices else str(v) for v in values if v not in (None, "")]
    return words or [_("Not given")]


def draft_sections(*, steps: list, draft: dict, form_for) -> list[Section]:
    """One section per step with its answers; `form_for(step)` gives the step's unbound form (labels, choices)."""
    sections = []
    for step in steps:
        saved = draft.get(step.name) or {}
        if step.name == "images":
            count = len(saved.get("hashes") or [])
            shown = (
                ngettext(
                    "%(count)d picture or video fingerprinted", "%(count)d pictures or videos fingerprinted", count
                )
                % {"count": count}
                if count
                else _("None: you can add them later from your case page")
            )
            answers = [Answer(label=_("Fingerprints"), values=[shown])]
        elif step.name == "where":
            form = form_for(step)
            answers = [
                Answer(label=str(form.fields["urls"].label), values=list(saved.get("urls") or []) or [_("Not given")]),
                Answer(
                    label=str(form.fields["elsewhere"].label),
                    values=_shown(form.fields["elsewhere"], saved.get("elsewhere")),
                ),
            ]
        else:
            form = form_for(step)
            answers = [
                Answer(label=str(field.label), values=_shown(field, saved.get(name)))
                for name, field in form.fields.items()
            ]
        sections.append(Section(step=step.name, title=str(step.title), answers=answers))
    return sections
