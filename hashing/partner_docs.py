"""The partners' set-up page at /api/v1/docs: server-rendered, every asset from the portal, no key needed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

# The versions the helpline_threatexchange package was tested with (clients/threatexchange/pyproject.toml).
EXTENSION_VERSION = "1.0.0"
THREATEXCHANGE_VERSION = "1.2.17"


@require_GET
def partner_docs(request: HttpRequest) -> HttpResponse:
    portal = request.build_absolute_uri("/").rstrip("/")
    return render(
        request,
        "hashing/partner_docs.html",
        {"portal": portal, "extension_version": EXTENSION_VERSION, "threatexchange_version": THREATEXCHANGE_VERSION},
    )


@require_GET
def partner_docs_explorer(request: HttpRequest) -> HttpResponse:
    """The OpenAPI schema in Swagger UI, vendored under static/vendor/swagger-ui (no other host, under the CSP)."""
    return render(request, "hashing/api_explorer.html")
