"""The door of every partner API call: the key, the partner's rate limit, its scope, and the audit log row."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from hashing.bank.partners import partner_key_authenticate
from hashing.models import Partner, PartnerApiCall, PartnerApiRefusals, PartnerKey
from helpline.counters import counter_hit

logger = logging.getLogger(__name__)

# StopNCII clients send a key in both of its headers; the native API uses a bearer token. Any one will do.
KEY_HEADERS = ("Ocp-Apim-Subscription-Key", "x-functions-key")

# One body for a missing, malformed, unknown or revoked key, or an inactive partner: a caller without a
# valid key learns nothing, not even which of these it was.
UNAUTHORIZED_BODY = {"detail": "A valid API key is required."}


def authenticate(request: HttpRequest) -> PartnerKey | None:
    """The live key behind the request's headers; tries each header, as clients may put a stale key in one."""
    auth = request.headers.get("Authorization", "")
    scheme, _, token = auth.partition(" ")
    candidates = [token.strip()] if scheme.lower() == "bearer" else []
    candidates += [request.headers.get(name, "").strip() for name in KEY_HEADERS]
    for candidate in dict.fromkeys(c for c in candidates if c):
        key = partner_key_authenticate(candidate)
        if key is not None:
            return key
    return None


def rate_limit_wait(partner: Partner, *, now: float | None = None) -> int | None:
    """Count a call in the partner's one-minute window; seconds to wait if it is over the limit.

    The window counter is a row in the database (helpline/counters.py) so every web process counts together; its
    increment is one atomic statement, so simultaneous calls cannot under-count. The window starts with the first
    call after the previous one ended.
    """
    moment = timezone.now() if now is None else datetime.fromtimestamp(now, tz=UTC)
    hit = counter_hit(key=f"bank:rate:{partner.pk}", window_seconds=60, now=moment)
    if hit.count > partner.rate_limit_per_minute:
        return max(1, math.ceil(hit.seconds_left(moment)))
    return None


def audit_counts(request: HttpRequest, *, hashes_in: int = 0, hashes_out: int = 0) -> None:
    """Let a view tell the audit log how many hashes it received and returned."""
    request.bank_audit_counts = (hashes_in, hashes_out)


def _record_call(request: HttpRequest, *, endpoint: str, key: PartnerKey | None, status: int, started: float) -> None:
    hashes_in, hashes_out = getattr(request, "bank_audit_counts", (0, 0))
    try:
        PartnerApiCall.objects.create(
            partner=key.partner if key else None,
            key_prefix=key.prefix if key else "",
            endpoint=endpoint,
            method=request.method or "",
            status=status,
            hashes_in=hashes_in,
            hashes_out=hashes_out,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
    except Exception:
        # The partner's answer is ready; a failed audit write is logged, not turned into a 500.
        logger.exception("could not write the audit row for %s", endpoint)


# Refused calls without a valid key: counted in memory per (minute, endpoint, status), written as one upsert per
# bucket at most every REFUSALS_FLUSH_SECONDS per process. A process that stops in between loses at most that
# many seconds of counts: a statistic of noise, not an audit of a partner.
REFUSALS_FLUSH_SECONDS = 10.0
_refusals: Counter[tuple[datetime, str, int]] = Counter()
_refusals_lock = threading.Lock()
_refusals_flushed_at = time.monotonic()


def _count_refusal(*, endpoint: str, status: int) -> None:
    minute = datetime.now(UTC).replace(second=0, microsecond=0)
    with _refusals_lock:
        _refusals[(minute, endpoint, status)] += 1
        due = time.monotonic() - _refusals_flushed_at >= REFUSALS_FLUSH_SECONDS
    if due:
        refusals_flush()


def refusals_flush() -> int:
    """Write this process's counted refusals (one upsert per minute and endpoint); returns how many calls."""
    global _refusals_flushed_at
    with _refusals_lock:
        pending = dict(_refusals)
        _refusals.clear()
        _refusals_flushed_at = time.monotonic()
    if not pending:
        return 0
    table = PartnerApiRefusals._meta.db_table
    upsert = (
        f"INSERT INTO {table} (minute, endpoint, status, count) VALUES (%s, %s, %s, %s) "  # noqa: S608 - constant name
        f"ON CONFLICT (minute, endpoint, status) DO UPDATE SET count = {table}.count + EXCLUDED.count"
    )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(upsert, [(*bucket, count) for bucket, count in sorted(pending.items())])
    except Exception:
        # Put the counts back for the next flush rather than lose them; the caller's answer is unaffected.
        logger.exception("could not write the refused-call counts")
        with _refusals_lock:
            _refusals.update(pending)
        return 0
    return sum(pending.values())


def partner_endpoint(*, endpoint: str, scope: str) -> Callable:
    """Wrap a view (or a django-ninja operation, via `decorate_view`) as a partner API endpoint.

    Order: key (401), rate limit (429 with Retry-After), scope (403), then the view. Every call with a valid key,
    answered or refused, writes one audit row; calls without one are only counted (see `_count_refusal`).
    The view finds the partner in `request.bank_partner`.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            started = time.monotonic()
            key = authenticate(request)
            status = 500
            try:
                if key is None:
                    response: HttpResponse = JsonResponse(UNAUTHORIZED_BODY, status=401)
                    response["WWW-Authenticate"] = 'Bearer realm="hash bank"'
                elif (wait := rate_limit_wait(key.partner)) is not None:
                    response = JsonResponse(
                        {
                            "detail": f"Too many calls: this key allows {key.partner.rate_limit_per_minute} a minute. "
                            f"Try again in {wait} seconds."
                        },
                        status=429,
                    )
                    response["Retry-After"] = str(wait)
                elif scope not in key.partner.scopes:
                    response = JsonResponse(
                        {"detail": f"This key may not {scope}: ask the helpline to add the '{scope}' scope."},
                        status=403,
                    )
                else:
                    request.bank_partner = key.partner
                    request.bank_key = key
                    response = view(request, *args, **kwargs)
                status = response.status_code
                return response
            finally:
                if key is None:
                    _count_refusal(endpoint=endpoint, status=status)
                else:
                    _record_call(request, endpoint=endpoint, key=key, status=status, started=started)

        return wrapper

    return decorator
