"""Staff pages that are not casework: the staff home and the invitation flow."""

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from helpline.models import StaffInvitation
from helpline.staff import roles
from helpline.staff.adapters import mark_signed_in
from helpline.staff.forms import AcceptInvitationForm, InvitationForm
from helpline.staff.services import (
    StaffError,
    invitation_accept,
    invitation_create,
    invitation_for_token,
    invitation_redeem,
)


@require_http_methods(["GET"])
@roles.staff_required()
def staff_home(request):
    # Sign-in lands on the queue (LOGIN_REDIRECT_URL); this page, behind "Home", says where the work is.
    from cases.casework.queue import Tab, queue_counts

    counts = queue_counts(user=request.user)
    tabs = [{"key": key, "label": Tab.LABELS[key], "count": counts.get(key, 0)} for key in Tab.ALL]
    return render(request, "staff/home.html", {"tabs": tabs})


@require_http_methods(["GET", "POST"])
@roles.staff_required(roles.SUPERVISOR)
def invitations(request):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = invitation_create(
                email=form.cleaned_data["email"], role=form.cleaned_data["role"], invited_by=request.user
            )
        except StaffError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("staff:invitations")
    recent = StaffInvitation.objects.select_related("invited_by", "accepted_user")[:50]
    return render(request, "staff/invitations.html", {"form": form, "invitations": recent})


# The invitation's secret after redemption lives here, never in a URL.
INVITATION_SESSION_KEY = "staff_invitation_secret"


@require_http_methods(["GET", "POST"])
def invitation_redeem_view(request, token: str):
    """The emailed link. GET shows a button (mail scanners that open links do not use up the invitation); POST
    redeems the token and sends the browser to a token-free page, so no later request carries it."""
    if invitation_for_token(token) is None:
        return render(request, "staff/invitation_invalid.html", status=410)
    if request.method == "GET":
        return render(request, "staff/invitation_redeem.html")
    secret = invitation_redeem(token=token)
    if secret is None:
        return render(request, "staff/invitation_invalid.html", status=410)
    request.session[INVITATION_SESSION_KEY] = secret
    return redirect("staff:invitation_accept_form", permanent=False)


@require_http_methods(["GET", "POST"])
def invitation_accept_view(request):
    secret = request.session.get(INVITATION_SESSION_KEY) or ""
    invitation = invitation_for_token(secret) if secret else None
    if invitation is None:
        return render(request, "staff/invitation_invalid.html", status=410)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=secret,
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except StaffError as exc:
            form.add_error(None, str(exc))
        else:
            request.session.pop(INVITATION_SESSION_KEY, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            # Setting the password just now counts as a fresh sign-in, so enrolment needs no re-entry.
            mark_signed_in(request)
            messages.info(request, "Your account is ready. Set up two-factor authentication to continue.")
            return redirect("mfa_activate_totp")
    return render(request, "staff/invitation_accept.html", {"form": form, "invitation": invitation})
