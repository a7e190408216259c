"""The victim gives (or clears) their StopNCII.org case number on the status page; it is kept encrypted and cited
only in requests to StopNCII partner platforms (cases/removals/legal/render.py, requests/_extras*.txt).

StopNCII's own pages were not found in the reference search on 2026-12-06, so the number's exact format is not
confirmed: any 4 to 40 letters, digits and dashes are taken, and nothing else (it goes into emails)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.models import Case, CaseEvent
from cases.status.session import victim_required
from cases.timeline import event_record
from cases.uploads import refuse_file_uploads


class StopNCIIForm(forms.Form):
    stopncii_case = forms.RegexField(
        regex=r"^[A-Za-z0-9][A-Za-z0-9-]{2,38}[A-Za-z0-9]$",
        required=False,
        strip=True,
        max_length=40,
        label=gettext_lazy("Your StopNCII.org case number"),
        error_messages={
            "invalid": gettext_lazy(
                "That does not look like a StopNCII case number: use only the letters, numbers and dashes it shows."
            )
        },
    )


def case_stopncii_set(*, case: Case, number: str) -> Case:
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        locked.stopncii_case = number
        locked.save(update_fields=["stopncii_case", "updated_at"])
        # The timeline says that it changed, never the number.
        event_record(
            case=locked,
            kind=CaseEvent.Kind.STOPNCII_CASE_GIVEN if number else CaseEvent.Kind.STOPNCII_CASE_CLEARED,
            actor_label="victim",
        )
    return locked


@refuse_file_uploads
@victim_required
@require_POST
def stopncii(request):
    form = StopNCIIForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("stopncii_case", []):
            messages.error(request, error)
        return redirect("status:case")
    case_stopncii_set(case=request.victim_case, number=form.cleaned_data["stopncii_case"])
    if form.cleaned_data["stopncii_case"]:
        messages.success(request, _("Saved. We will mention your StopNCII case to platforms that work with StopNCII."))
    else:
        messages.success(request, _("Removed. We will not mention a StopNCII case."))
    return redirect("status:case")
