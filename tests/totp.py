"""TOTP for the tests, through allauth's public API only: enrol a secret, and compute the code an app would show."""

from __future__ import annotations

from allauth.mfa.models import Authenticator

from helpline.staff import totp as _totp
from helpline.staff.services import staff_totp_enrol

PERIOD = _totp.PERIOD
DIGITS = _totp.DIGITS
new_secret = _totp.new_secret
code = _totp.code


def enrol(user, secret: str) -> Authenticator:
    """What completing allauth's TOTP set-up stores: the secret, encrypted by the MFA adapter."""
    return staff_totp_enrol(user=user, secret=secret)
