"""Cross-cutting request rules: MFA before any staff page, and privacy headers on every response."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect

from helpline.staff.roles import has_mfa

# Paths a signed-in account without MFA may still reach: sign-in/out and enrolment (allauth),
# assets, health checks and the language switch. Everything else sends them to enrolment.
_MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/")


class StaffMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_MFA_EXEMPT_PREFIXES)
            and not has_mfa(user)
        ):
            if request.headers.get("HX-Request"):
                response = redirect("mfa_activate_totp")
                response["HX-Redirect"] = response["Location"]
                return response
            return redirect("mfa_activate_totp")
        return self.get_response(request)


_STAFF_PREFIXES = ("/staff/", "/admin/", "/accounts/")


class PrivacyHeadersMiddleware:
    """Nothing a victim or caseworker saw is kept in the browser cache or sent to another site."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if not request.path.startswith(settings.STATIC_URL):
            response.setdefault("Cache-Control", "no-store, max-age=0")
        if request.path.startswith(_STAFF_PREFIXES):
            response.setdefault("X-Robots-Tag", "noindex, nofollow")
        return response
