"""The evidence pack download: staff who work the case only; every export audited (cases/casework/evidence_pack.py)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from cases.casework import access
from cases.casework.audit import Origin
from cases.casework.evidence_pack import PackRefused, evidence_pack_export
from cases.models import Case
from helpline.staff import roles


@require_POST
@roles.staff_required(roles.CASEWORKER, roles.SUPERVISOR)
def evidence_pack(request, reference: str):
    case = get_object_or_404(Case, reference=reference)
    if not access.can_see_pii(request.user, case):
        raise PermissionDenied("Only the caseworker assigned to this case, or a supervisor, can export its evidence.")
    try:
        data, _ = evidence_pack_export(case=case, actor=request.user, origin=Origin.from_request(request))
    except PackRefused as exc:
        messages.error(request, str(exc))
        return redirect("casework:case", reference=reference)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="evidence-pack-{case.reference}.zip"'
    response["Cache-Control"] = "no-store"
    return response
