"""TOTP codes as an authenticator app computes them, for seeded and benchmark staff and the tests.

RFC 6238 (TOTP) over RFC 4226 (HOTP): HMAC-SHA1 of the 30-second step, dynamic truncation, 6 digits; the same
parameters allauth's defaults use (MFA_TOTP_PERIOD 30, MFA_TOTP_DIGITS 6). Written here rather than imported
from allauth's `mfa.totp.internal`, which is not its public API (see tests/helpline/test_allauth_public_api.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time

PERIOD = 30
DIGITS = 6


def new_secret() -> str:
    """A 160-bit base32 secret, the length RFC 4226 recommends and allauth generates."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows for `secret` at time `at` (now by default)."""
    counter = int(time.time() if at is None else at) // PERIOD
    digest = hmac.new(base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**DIGITS
    return f"{value:0{DIGITS}}"
