"""Quick exit ends the server session: the victim's status sign-in and any intake draft go at once.

The page's script calls this with `navigator.sendBeacon` while it leaves for the neutral site, so the request
is sent even as the page unloads. A beacon cannot carry a header, so the usual CSRF token check cannot apply;
instead the request must come from one of the portal's own pages: the browser's `Sec-Fetch-Site: same-origin`
(a page cannot set it), or, for browsers without Fetch Metadata, a token tied to the session that only the
portal's own (uncached) pages carry. Anything else is refused and changes nothing. The worst a forged call
could do is sign someone out, but even that must not be possible from another site.
"""

from __future__ import annotations

import hmac

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from helpline.crypto import keyed_digest


def quick_exit_token(request: HttpRequest) -> str:
    """The token the quick-exit link carries: bound to this session, empty without one."""
    key = request.session.session_key if hasattr(request, "session") else None
    return keyed_digest(key, purpose="quick-exit")[:32] if key else ""


def _from_own_page(request: HttpRequest) -> bool:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    expected = quick_exit_token(request)
    return bool(expected) and hmac.compare_digest(expected, request.POST.get("token", ""))


@csrf_exempt  # a beacon has no CSRF header; _from_own_page stands in for it (see above)
@require_POST
def quick_exit(request: HttpRequest) -> HttpResponse:
    if not _from_own_page(request):
        return HttpResponse("Quick exit is only accepted from the portal's own pages.", status=403)
    request.session.flush()  # deletes the row; the middleware then deletes the cookie
    return HttpResponse(status=204)
