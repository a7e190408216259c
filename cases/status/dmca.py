"""The victim's own confirmation of a DMCA notice's statements (ownership, good faith, accuracy under penalty of
perjury), asked on their status page before a caseworker can mark such a notice ready."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cases.models import Case, CaseEvent
from cases.removals import state
from cases.removals.models import Basis, RemovalRequest
from cases.status.session import victim_required
from cases.timeline import event_record
from cases.uploads import refuse_file_uploads

STATEMENTS = (
    gettext_lazy("I took these photos or videos myself, so I own the copyright in them."),
    gettext_lazy(
        "I believe in good faith that their use on these websites is not authorised by me, by anyone acting for me, "
        "or by the law."
    ),
    gettext_lazy(
        "The information in the notice is accurate, and under penalty of perjury I authorise the helpline to act for "
        "me as the copyright owner."
    ),
)


_TICK = gettext_lazy("Please tick this to confirm, or do not send this notice.")


class DmcaConfirmForm(forms.Form):
    own_pictures = forms.BooleanField(label=STATEMENTS[0], error_messages={"required": _TICK})
    good_faith = forms.BooleanField(label=STATEMENTS[1], error_messages={"required": _TICK})
    accurate = forms.BooleanField(label=STATEMENTS[2], error_messages={"required": _TICK})


def dmca_waiting(case: Case) -> bool:
    """A DMCA notice is drafted and waits for the victim's own confirmation."""
    return (
        case.dmca_confirmed_at is None
        and RemovalRequest.objects.filter(case=case, basis=Basis.DMCA, status__in=state.UNSENT).exists()
    )


def case_dmca_confirm(*, case: Case) -> Case:
    """Record the victim's confirmation with the exact statements they saw (in their language)."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.dmca_confirmed_at is not None:
            return case
        case.dmca_confirmed_at = timezone.now()
        case.dmca_statement = "\n".join(str(s) for s in STATEMENTS)
        case.save(update_fields=["dmca_confirmed_at", "dmca_statement", "updated_at"])
        event_record(case=case, kind=CaseEvent.Kind.DMCA_CONFIRMED, actor_label="victim")
    return case


@refuse_file_uploads
@victim_required
@require_http_methods(["GET", "POST"])
def dmca_confirm(request):
    case = request.victim_case
    waiting = dmca_waiting(case)
    form = DmcaConfirmForm(request.POST or None)
    if request.method == "POST" and not waiting:
        return redirect("status:case")
    if request.method == "POST" and form.is_valid():
        case_dmca_confirm(case=case)
        messages.success(request, _("Thank you. Your caseworker can now send the copyright notice."))
        return redirect("status:case")
    return render(request, "status/dmca_confirm.html", {"case": case, "form": form, "waiting": waiting})
