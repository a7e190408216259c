"""TOTP for the tests, through allauth's public API only: enrol a secret, and compute the code an app would show.

RFC 6238 (TOTP) over RFC 4226 (HOTP): HMAC-SHA1 of the 30-second step, dynamic truncation, 6 digits; the same
parameters allauth's defaults use (MFA_TOTP_PERIOD 30, MFA_TOTP_DIGITS 6).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time

from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator

PERIOD = 30
DIGITS = 6


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def enrol(user, secret: str) -> Authenticator:
    """What completing allauth's TOTP set-up stores: the secret, encrypted by the MFA adapter."""
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": get_adapter().encrypt(secret)}
    )


def code(secret: str, at: float | None = None) -> str:
    counter = int(time.time() if at is None else at) // PERIOD
    digest = hmac.new(base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**DIGITS
    return f"{value:0{DIGITS}}"
