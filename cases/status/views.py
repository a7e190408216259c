"""The victim's status pages: sign in with reference and PIN, see progress, and act on the case."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from cases.casework.safe_contact import SafeContact
from cases.intake.forms import AddURLsForm, HashesForm
from cases.status import services, throttle
from cases.status.forms import ConfirmForm, ContactUpdateForm, SignInForm
from cases.status.selectors import case_status_page
from cases.status.session import victim_required, victim_session_case, victim_session_end, victim_session_start
from cases.uploads import refuse_file_uploads
from helpline.middleware import large_form_body

# From the third wrong PIN on (2 tries left of 5), the page says how many remain before the hour's lock.
WARN_WHEN_TRIES_LEFT = throttle.FAILURES_BEFORE_LOCK - 3
SIGN_IN_FAILED = gettext_lazy("The reference and PIN do not match a case. Please check them and try again.")


@refuse_file_uploads
@require_http_methods(["GET", "POST"])
def sign_in(request):
    case, _timed_out = victim_session_case(request)
    if case is not None and request.method == "GET":
        return redirect("status:case")
    status = 200
    if request.method == "POST":
        form = SignInForm(request.POST)
        if not throttle.address_attempt(throttle.client_address(request)):
            form.is_valid()
            form.add_error(None, _("Too many tries from this connection. Please wait 15 minutes and try again."))
            status = 429
        elif form.is_valid():
            result = services.victim_sign_in(reference=form.cleaned_data["reference"], pin=form.cleaned_data["pin"])
            if result.case is not None:
                victim_session_start(request, result.case)
                return redirect("status:case")
            if result.locked:
                form.add_error(
                    None,
                    _(
                        "For your safety, this reference is locked for an hour after too many tries. "
                        "If you need help now, call the helpline."
                    ),
                )
                status = 429
            else:
                form.add_error(None, SIGN_IN_FAILED)
                if result.tries_left is not None and result.tries_left <= WARN_WHEN_TRIES_LEFT:
                    form.add_error(
                        None,
                        ngettext(
                            "For your safety, after %(count)d more wrong try this reference is locked for an hour.",
                            "For your safety, after %(count)d more wrong tries this reference is locked for an hour.",
                            result.tries_left,
                        )
                        % {"count": result.tries_left},
                    )
    else:
        form = SignInForm()
    return render(request, "status/sign_in.html", {"form": form}, status=status)


def _case_page(request, *, status: int = 200, urls_form=None, hashes_form=None):
    context = case_status_page(request.victim_case)
    context["urls_form"] = urls_form or AddURLsForm()
    context["hashes_form"] = hashes_form or HashesForm()
    return render(request, "status/case.html", context, status=status)


@victim_required
@require_http_methods(["GET"])
def case(request):
    response = _case_page(request)
    # Rendered above with the new-message notice; from now on these messages are no longer new.
    services.case_messages_mark_read(case=request.victim_case)
    return response


@refuse_file_uploads
@victim_required
@require_POST
def add_urls(request):
    form = AddURLsForm(request.POST)
    if not form.is_valid():
        return _case_page(request, urls_form=form, status=400)
    added = services.case_urls_add(case=request.victim_case, urls=form.cleaned_data["urls"])
    if added:
        messages.success(request, _("Thank you. We added the new links to your case."))
    else:
        messages.info(request, _("Your case already had these links, so nothing changed."))
    if form.rejected:
        # The good links are saved; the rest come back in the box, each with what is wrong, to fix or leave.
        # (Validating the rejected lines alone gives each its reason, numbered as the box now shows them.)
        retry = AddURLsForm({"urls": "\n".join(bad.text for bad in form.rejected)})
        retry.is_valid()
        return _case_page(request, urls_form=retry)
    return redirect("status:case")


@large_form_body()
@refuse_file_uploads
@victim_required
@require_POST
def add_hashes(request):
    form = HashesForm(request.POST)
    if not form.is_valid():
        return _case_page(request, hashes_form=form, status=400)
    if not form.cleaned_data["hashes"]:
        form.add_error("hashes", _("Please choose at least one picture or video first."))
        return _case_page(request, hashes_form=form, status=400)
    added = services.case_hashes_add(case=request.victim_case, hashes=form.cleaned_data["hashes"])
    if added:
        messages.success(request, _("Thank you. We added the new fingerprints to your case."))
    else:
        messages.info(request, _("Your case already had these fingerprints, so nothing changed."))
    return redirect("status:case")


@refuse_file_uploads
@victim_required
@require_http_methods(["GET", "POST"])
def contact(request):
    case = request.victim_case
    if request.method == "POST":
        form = ContactUpdateForm(request.POST)
        if form.is_valid():
            services.case_contact_update(
                case=case, contact=form.cleaned_data, consent_contact=form.cleaned_data["consent_contact"]
            )
            messages.success(request, _("Your contact preferences are saved."))
            return redirect("status:case")
    else:
        prefs = SafeContact.parse(case.safe_contact)
        form = ContactUpdateForm(
            initial={
                "name": case.contact_name,
                "email": case.contact_email,
                "phone": case.contact_phone,
                "safe_channels": sorted(prefs.channels),
                "safe_times": prefs.times,
                "voicemail_ok": prefs.voicemail_ok,
                "email_may_name_helpline": prefs.email_may_name_helpline,
                "code_word": prefs.code_word,
                "consent_contact": case.consent_contact,
            }
        )
    return render(request, "status/contact.html", {"form": form, "case": case})


@refuse_file_uploads
@victim_required
@require_http_methods(["GET", "POST"])
def withdraw(request):
    case = request.victim_case
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.case_sharing_withdraw(case=case)
        messages.success(
            request,
            _("Sharing is withdrawn. Partner platforms are told to stop using your fingerprints."),
        )
        return redirect("status:case")
    return render(request, "status/withdraw.html", {"form": form, "case": case})


@refuse_file_uploads
@victim_required
@require_http_methods(["GET", "POST"])
def delete(request):
    case = request.victim_case
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.case_delete_by_victim(case=case)
        victim_session_end(request)
        return render(request, "status/deleted.html")
    return render(request, "status/delete.html", {"form": form, "case": case})


@refuse_file_uploads
@require_POST
def sign_out(request):
    victim_session_end(request)
    messages.info(request, _("You are signed out. Close this tab if others use this device."))
    return redirect("status:sign_in")
