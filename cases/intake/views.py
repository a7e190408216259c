"""The intake wizard's pages: server-rendered steps with the draft in the session; JavaScript only for hashing."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.intake import forms as intake_forms
from cases.intake.hashes import MAX_FILES
from cases.intake.review import draft_sections
from cases.intake.screening import FilingRefused
from cases.intake.services import SIGNATURE_STATEMENT, case_file
from cases.status.throttle import client_address
from cases.uploads import refuse_file_uploads
from helpline.crypto import keyed_digest
from helpline.middleware import large_form_body

DRAFT_KEY = "intake_draft"
FILING_CLAIM_SECONDS = 60
FILED_KEY = "intake_filed"


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    form_class: type[forms.Form]
    template: str


STEPS = [
    Step("safety", _("Safety first"), intake_forms.SafetyForm, "intake/step_safety.html"),
    Step("what-happened", _("What happened"), intake_forms.WhatHappenedForm, "intake/step_what.html"),
    Step("where", _("Where it is posted"), intake_forms.WhereForm, "intake/step_where.html"),
    Step("images", _("Fingerprint your images"), intake_forms.HashesForm, "intake/step_images.html"),
    Step("contact", _("How to reach you"), intake_forms.ContactForm, "intake/step_contact.html"),
    Step("consent", _("Consent and signature"), intake_forms.ConsentForm, "intake/step_consent.html"),
]
STEP_BY_NAME = {step.name: step for step in STEPS}


def _draft(request) -> dict:
    draft = request.session.get(DRAFT_KEY)
    return draft if isinstance(draft, dict) else {}


def _initial(step: Step, saved: dict | None) -> dict:
    """A saved step as the form's initial values (the draft keeps cleaned values)."""
    if not saved:
        return {}
    if step.name == "where":
        return {**saved, "urls": "\n".join(saved.get("urls") or [])}
    if step.name == "images":
        return {"hashes": json.dumps(saved.get("hashes") or [])}
    return saved


def _has_contact(draft: dict) -> bool:
    contact = draft.get("contact") or {}
    return bool(contact.get("email") or contact.get("phone"))


def _form(step: Step, draft: dict, data=None) -> forms.Form:
    kwargs = {"has_contact": _has_contact(draft)} if step.name == "consent" else {}
    if data is not None:
        return step.form_class(data, **kwargs)
    return step.form_class(initial=_initial(step, draft.get(step.name)), **kwargs)


def _claim_filing(request) -> bool:
    """One filing per draft: the first request to claim the session's draft files it, any parallel one waits out."""
    key = f"intake:filing:{keyed_digest(request.session.session_key or '', purpose='intake-filing')}"
    return cache.add(key, 1, FILING_CLAIM_SECONDS)


def _merge_saved_hashes(form: forms.Form, draft: dict, *, forget: bool) -> None:
    """The picker starts empty each time the step is shown: new files add to those saved before."""
    saved = [] if forget else (draft.get("images") or {}).get("hashes") or []
    merged = {values["sha256"]: values for values in saved}
    for values in form.cleaned_data["hashes"]:
        merged.setdefault(values["sha256"], values)
    if len(merged) > MAX_FILES:
        form.add_error("hashes", _("You can add up to %(limit)s files. Remove some first.") % {"limit": MAX_FILES})
        return
    form.cleaned_data["hashes"] = list(merged.values())


@require_GET
def start(request):
    return render(request, "intake/start.html", {"steps": STEPS, "resuming": bool(_draft(request))})


@large_form_body(when=lambda kwargs: kwargs.get("name") == "images")
@refuse_file_uploads
@require_http_methods(["GET", "POST"])
def step(request, name: str):
    current = STEP_BY_NAME.get(name)
    if current is None:
        raise Http404
    draft = _draft(request)
    index = STEPS.index(current)
    # Steps are done in order: a later step is reachable once every earlier one was saved.
    for earlier in STEPS[:index]:
        if earlier.name not in draft:
            return redirect("intake:step", name=earlier.name)

    if request.method == "POST":
        form = _form(current, draft, request.POST)
        if form.is_valid() and current.name == "images":
            _merge_saved_hashes(form, draft, forget=bool(request.POST.get("forget_saved")))
        if form.is_valid() and current.name == "safety" and form.cleaned_data["safe_now"] == "no":
            # Not safe now: say what to do (leave, come back, who to call) and keep nothing of this visit.
            request.session.pop(DRAFT_KEY, None)
            return render(request, "intake/not_safe_now.html")
        if form.is_valid():
            draft[current.name] = form.cleaned_data
            request.session[DRAFT_KEY] = draft
            if request.POST.get("from_check") and all(s.name in draft for s in STEPS):
                return redirect("intake:check")
            if index + 1 < len(STEPS):
                return redirect("intake:step", name=STEPS[index + 1].name)
            return redirect("intake:check")
    else:
        form = _form(current, draft)
    return _render_step(request, current, form, draft, index)


@refuse_file_uploads
@require_http_methods(["GET", "POST"])
def check(request):
    """Every answer with a link to change it, before anything is sent; "Send my request" files the case."""
    draft = _draft(request)
    for step in STEPS:
        if step.name not in draft:
            return redirect("intake:step", name=step.name)
    if draft["consent"].get("consent_contact") and not _has_contact(draft):
        # The contact details were removed after consenting to contact: that consent must be looked at again.
        messages.warning(request, _("You removed your contact details, so please check your choices again."))
        return redirect("intake:step", name="consent")
    status = 200
    problem = None
    if request.method == "POST":
        # The claim is written in the filing's own transaction (the cache is the database): if the filing
        # fails (the database drops away mid-way) the claim goes with it, and sending again files the case
        # rather than showing the "shown only once" page for a case that does not exist.
        try:
            with transaction.atomic():
                if not _claim_filing(request):
                    # A second "Send" (double click, or two tabs) while the first is being filed.
                    return redirect("intake:done")
                filed = case_file(draft=draft, language=get_language() or "en", client_address=client_address(request))
        except FilingRefused as exc:
            # Nothing was written (the claim went with the transaction); the draft stays in the session.
            problem, status = exc.message, 429
    if problem is None and request.method == "POST":
        del request.session[DRAFT_KEY]
        request.session[FILED_KEY] = {
            "reference": filed.case.reference,
            "pin": filed.pin,
            "is_minor": filed.case.is_minor,
            "anonymous": filed.case.is_anonymous,
            # What will really happen, from the consents given (the done page says it).
            "act_on_behalf": filed.case.consent_act_on_behalf,
            "url_count": filed.case.urls.count(),
            "hash_count": filed.case.hashes.count(),
            "shares_hashes": filed.case.consent_share_hashes
            and (settings.BANK_SHARE_MINORS or not filed.case.is_minor),
            "contact_ok": filed.case.consent_contact,
        }
        return redirect("intake:done")
    sections = draft_sections(steps=STEPS, draft=draft, form_for=lambda step: _form(step, draft))
    return render(request, "intake/check.html", {"sections": sections, "problem": problem}, status=status)


def _render_step(request, current: Step, form: forms.Form, draft: dict, index: int, *, status: int = 200):
    return render(
        request,
        current.template,
        {
            "form": form,
            "step": current,
            "steps": STEPS,
            "step_number": index + 1,
            "step_count": len(STEPS),
            "previous": STEPS[index - 1] if index else None,
            "draft": draft,
            "is_minor": (draft.get("safety") or {}).get("age") == "minor",
            "signature_statement": SIGNATURE_STATEMENT,
            "has_contact": _has_contact(draft),
            "saved_hash_count": len((draft.get("images") or {}).get("hashes") or []),
            "bank_shares_minors": settings.BANK_SHARE_MINORS,
        },
        status=status,
    )


@require_GET
def done(request):
    # Shown once: the PIN leaves the session as soon as this page is rendered.
    filed = request.session.pop(FILED_KEY, None)
    if not isinstance(filed, dict):
        return render(request, "intake/done_gone.html")
    return render(request, "intake/done.html", {"filed": filed})


@refuse_file_uploads
@require_POST
def discard(request):
    request.session.pop(DRAFT_KEY, None)
    return redirect("home")
