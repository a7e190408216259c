"""Brute-force protection for the status sign-in, kept in the database's windowed counters (helpline/counters.py:
atomic, and working while Redis is down): per reference 5 wrong PINs in an hour lock it for an hour; per address
a rate limit."""

from __future__ import annotations

from helpline.client import client_address  # noqa: F401 - the status views' name for it
from helpline.counters import counter_clear, counter_hit, counter_value
from helpline.crypto import keyed_digest

FAILURES_BEFORE_LOCK = 5
FAILURE_WINDOW_SECONDS = 60 * 60
LOCK_SECONDS = 60 * 60
ADDRESS_ATTEMPTS = 20
ADDRESS_WINDOW_SECONDS = 15 * 60


def _key(kind: str, value: str) -> str:
    # Keyed digests: the counter table never holds a reference or an IP address in the clear.
    return f"status:{kind}:{keyed_digest(value, purpose='status-throttle')}"


def address_attempt(address: str | None) -> bool:
    """Count one sign-in attempt from an address; False once it is over the limit for the window."""
    hit = counter_hit(key=_key("address", address or "unknown"), window_seconds=ADDRESS_WINDOW_SECONDS)
    return hit.count <= ADDRESS_ATTEMPTS


def reference_is_locked(reference: str) -> bool:
    return counter_value(key=_key("lock", reference)) > 0


def reference_failure(reference: str) -> int:
    """Record a wrong PIN (or unknown reference); the tries left before the lock (0: this failure locked it).

    The count's window is the hour from the first failure: later failures do not move it, and nothing expires it
    early, so 4 wrong PINs every few minutes reach the lock within the hour.
    """
    key = _key("failures", reference)
    count = counter_hit(key=key, window_seconds=FAILURE_WINDOW_SECONDS).count
    if count >= FAILURES_BEFORE_LOCK:
        counter_hit(key=_key("lock", reference), window_seconds=LOCK_SECONDS)
        counter_clear(key=key)
        return 0
    return FAILURES_BEFORE_LOCK - count


def reference_success(reference: str) -> None:
    counter_clear(key=_key("failures", reference))
