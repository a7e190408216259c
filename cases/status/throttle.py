"""Brute-force protection for the status sign-in, kept in the Django cache (the database cache, so it keeps
working while Redis is down): per reference 5 wrong PINs in an hour lock it for an hour; per address a rate limit."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from helpline.crypto import keyed_digest

FAILURES_BEFORE_LOCK = 5
FAILURE_WINDOW_SECONDS = 60 * 60
LOCK_SECONDS = 60 * 60
ADDRESS_ATTEMPTS = 20
ADDRESS_WINDOW_SECONDS = 15 * 60


def _key(kind: str, value: str) -> str:
    # Keyed digests: the cache table never holds a reference or an IP address in the clear.
    return f"status:{kind}:{keyed_digest(value, purpose='status-throttle')}"


def client_address(request) -> str:
    """The client's address; behind TRUSTED_PROXY_HOPS proxies, the address the nearest trusted proxy saw."""
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def address_attempt(address: str) -> bool:
    """Count one sign-in attempt from an address; False once it is over the limit for the window."""
    key = _key("address", address)
    cache.add(key, 0, ADDRESS_WINDOW_SECONDS)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ADDRESS_WINDOW_SECONDS)
        attempts = 1
    return attempts <= ADDRESS_ATTEMPTS


def reference_is_locked(reference: str) -> bool:
    return cache.get(_key("lock", reference)) is not None


def reference_failure(reference: str) -> bool:
    """Record a wrong PIN (or unknown reference); True when this failure locks the reference."""
    key = _key("failures", reference)
    cache.add(key, 0, FAILURE_WINDOW_SECONDS)
    try:
        failures = cache.incr(key)
    except ValueError:
        cache.set(key, 1, FAILURE_WINDOW_SECONDS)
        failures = 1
    if failures >= FAILURES_BEFORE_LOCK:
        cache.set(_key("lock", reference), 1, LOCK_SECONDS)
        cache.delete(key)
        return True
    return False


def reference_success(reference: str) -> None:
    cache.delete(_key("failures", reference))
