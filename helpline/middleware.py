"""Cross-cutting request rules: MFA before any staff page, privacy headers on every response, body size limits."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
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


class SameOriginFormsMiddleware:
    """Lets CSRF protection work under `Referrer-Policy: no-referrer`.

    With that policy browsers send `Origin: null` on form posts, even to the same site, and no
    Referer, so Django's origin check would refuse every form. `Sec-Fetch-Site` is set by the
    browser itself and cannot be set by a page; when it says the post comes from this very site,
    the request's own origin is put in place of "null". The CSRF token is still checked as usual,
    and a cross-site post keeps `Origin: null` and is refused.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.META.get("HTTP_ORIGIN") == "null"
            and request.META.get("HTTP_SEC_FETCH_SITE") == "same-origin"
            and request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
        ):
            request.META["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
        return self.get_response(request)


def large_form_body(when=None):
    """Mark a view whose form may carry up to DATA_UPLOAD_MAX_MEMORY_SIZE (a long video's fingerprints); `when`,
    given the view's URL kwargs, narrows it (one step of the wizard). Every other view keeps FORM_BODY_MAX_BYTES."""

    def mark(view):
        view.large_form_body = when or (lambda kwargs: True)
        return view

    return mark


class FormBodyLimitMiddleware:
    """Refuses a form or JSON body over FORM_BODY_MAX_BYTES (Django's own default, 2.5 MB) before anything reads
    it, except on the views marked with `large_form_body`.

    DATA_UPLOAD_MAX_MEMORY_SIZE is raised for the fingerprint forms alone; without this, every form of the portal
    (sign-in, the status page, the API) would parse bodies that large. It runs before the CSRF check, which reads
    the body. Multipart bodies are left alone: their length is mostly files (a staff screenshot of up to 10 MB,
    an inbound email's attachments), which Django streams to its upload handlers and each view caps itself; their
    form fields stay under DATA_UPLOAD_MAX_MEMORY_SIZE, and the victims' views refuse multipart outright
    (cases.uploads.refuse_file_uploads).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= settings.FORM_BODY_MAX_BYTES or request.content_type.startswith("multipart/"):
            return None
        allowed = getattr(view_func, "large_form_body", None)
        if allowed is not None and allowed(view_kwargs):
            return None
        limit = settings.FORM_BODY_MAX_BYTES / 1_000_000
        return HttpResponse(
            f"This request is too large: {length:,} bytes, where this page takes at most {limit:.1f} MB.",
            status=413,
            content_type="text/plain; charset=utf-8",
        )
