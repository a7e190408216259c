"""The client's address, as every rate limit and lock-out sees it (status sign-in, staff sign-in, intake)."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    """The client's address; behind TRUSTED_PROXY_HOPS proxies, the address the nearest trusted proxy saw.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so the entry
    TRUSTED_PROXY_HOPS from the end was written by our own nearest proxy; entries before it are the client's
    to invent and are ignored. Anything that is not an IP address falls back to REMOTE_ADDR.
    """
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            try:
                return str(ipaddress.ip_address(forwarded[-hops]))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR") or None  # None: a request built in code (axes and allauth accept it)
