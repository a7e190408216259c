"""TOTP codes as an authenticator app computes them, for seeded and benchmark staff and the tests.

pyotp (RFC 6238 over RFC 4226) with allauth's default parameters (MFA_TOTP_PERIOD 30, MFA_TOTP_DIGITS 6, SHA-1).
allauth verifies the codes; this module only makes them, since allauth's own code generator lives in
`mfa.totp.internal`, which is not its public API (see tests/helpline/test_allauth_public_api.py).
"""

from __future__ import annotations

import pyotp

PERIOD = 30
DIGITS = 6


def new_secret() -> str:
    """A 160-bit base32 secret, the length RFC 4226 recommends and allauth generates."""
    return pyotp.random_base32(length=32)


def code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows for `secret` at time `at` (now by default)."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD)
    return totp.now() if at is None else totp.at(at)
