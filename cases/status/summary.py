"""The victim's own case summary as a PDF, from the status page: their links, where each was reported, when and
what came of it. No evidence images, no staff notes, no platform reply texts."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from cases.casework.evidence_pack import collect, render_pdf
from cases.models import CaseEvent
from cases.status.session import victim_required
from cases.timeline import event_record


@victim_required
@require_GET
def case_summary(request):
    case = request.victim_case
    pdf = render_pdf(collect(case, with_evidence=False), template="status/case_summary.html")
    event_record(case=case, kind=CaseEvent.Kind.VICTIM_SUMMARY_DOWNLOADED, actor_label="victim")
    response = HttpResponse(pdf, content_type="application/pdf")
    # A neutral name: a file called "NCII case" in a shared Downloads folder could itself put the victim at risk.
    response["Content-Disposition"] = 'attachment; filename="summary.pdf"'
    response["Cache-Control"] = "no-store"
    return response
