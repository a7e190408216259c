"""The victim's pages accept no file upload at all: photos stay on the device, only fingerprints travel."""

from __future__ import annotations

from functools import wraps

from django.shortcuts import render
from django.views.decorators.csrf import csrf_protect

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def refuse_file_uploads(view):
    """Refuse any multipart request before its body is read, so no uploaded byte is parsed or spooled to disk.

    The CSRF check normally reads the body (request.POST) in the middleware, before the view; this view is
    marked exempt from the middleware and runs the same check itself, after the content type was checked.
    """
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in _SAFE_METHODS and request.content_type.startswith("multipart/"):
            request.upload_handlers = []  # belt and braces: anything that still parses the body drops files
            return render(request, "intake/no_uploads.html", status=415)
        return protected(request, *args, **kwargs)

    wrapper.csrf_exempt = True
    return wrapper
