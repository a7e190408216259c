"""Victim PINs at rest: a keyed HMAC whose key is in the environment, never in the database (see SECURITY.md).

A PIN has 6 digits: a million values. A slow password hash cannot protect so few values from anyone holding a
database dump: a million PINs at Django's 1,000,000 PBKDF2 iterations is 10^12 HMAC-SHA256 computations a case,
minutes on one GPU at the PBKDF2 rates hashcat publishes (not measured here), while each check cost the portal
0.35 s of CPU at every filing and every sign-in: most of the time of POST /help/check/ and POST /status/ under
load. An HMAC-SHA256 under a 256-bit key that is not in the dump gives
such an attacker nothing to test a PIN against; online guessing is stopped by the lockout (cases.status.throttle:
5 wrong PINs lock a reference for an hour). The key is derived from FIELD_ENCRYPTION_KEY, which production
already requires from the environment and which already protects the case's personal data.

Stored forms:
- ``hmac-sha256$<salt>$<hex>``: HMAC(key, salt + "$" + pin); the salt keeps equal PINs from having equal digests.
- ``pbkdf2-hmac$<iterations>$<salt>$<hex>``: a PBKDF2 hash of the portal's earlier releases, wrapped by migration
  cases.0009 as HMAC(key, Django's encoded PBKDF2 hash), so a dump cannot test those PINs either. It still costs
  the PBKDF2 to check, and is replaced by the first form at the PIN's next correct use (only the PIN can do that).
- anything else (an unusable "!", a hash of another Django hasher): Django's check_password, then replaced alike.

Every key of FIELD_ENCRYPTION_KEY is tried, so rotating the keys does not lock victims out; a digest made with an
older key is replaced by one with the first key at the next correct PIN.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password

from helpline.crypto import keyed_digest, keyed_digests

SCHEME = "hmac-sha256"
WRAPPED_PBKDF2 = "pbkdf2-hmac"
# Digests of their own purpose: a digest made for another purpose (helpline.crypto.keyed_digest) never verifies a PIN.
PURPOSE = "pin"


def pin_hash_make(pin: str) -> str:
    salt = secrets.token_hex(16)
    return f"{SCHEME}${salt}${keyed_digest(f'{salt}${pin}', purpose=PURPOSE)}"


def pbkdf2_wrap(encoded: str) -> str | None:
    """Django's ``pbkdf2_sha256$<iterations>$<salt>$<hash>`` as the keyed form above; None for any other hash."""
    parts = encoded.split("$")
    if len(parts) != 4 or parts[0] != PBKDF2PasswordHasher.algorithm or not parts[1].isdigit():
        return None
    return f"{WRAPPED_PBKDF2}${parts[1]}${parts[2]}${keyed_digest(encoded, purpose=PURPOSE)}"


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    # The PIN was right but is stored in an older form (or under an older key): store pin_hash_make(pin) instead.
    upgrade: bool = False


def _matches_any_key(expected: str, message: str) -> int | None:
    """Index of the key under which `message` gives `expected`; every key is computed, so the time is the same."""
    found = None
    for number, digest in enumerate(keyed_digests(message, purpose=PURPOSE)):
        if hmac.compare_digest(digest, expected) and found is None:
            found = number
    return found


def pin_check(pin: str, stored: str) -> PinCheck:
    scheme, _, rest = stored.partition("$")
    if scheme == SCHEME:
        salt, _, expected = rest.partition("$")
        number = _matches_any_key(expected, f"{salt}${pin}")
        return PinCheck(ok=number is not None, upgrade=bool(number))
    if scheme == WRAPPED_PBKDF2:
        iterations, salt, expected = [*rest.split("$"), "", "", ""][:3]
        if not iterations.isdigit():
            return PinCheck(ok=False)
        encoded = PBKDF2PasswordHasher().encode(pin, salt, int(iterations))
        return PinCheck(ok=_matches_any_key(expected, encoded) is not None, upgrade=True)
    if scheme == PBKDF2PasswordHasher.algorithm:
        # Not wrapped (a row restored from a backup older than the migration): PBKDF2 is what those releases used,
        # whatever PASSWORD_HASHERS says now.
        ok = PBKDF2PasswordHasher().verify(pin, stored)
    else:
        ok = check_password(pin, stored)
    return PinCheck(ok=ok, upgrade=ok)


def pin_dummy_check(pin: str) -> None:
    """The cost of checking a PIN, for an unknown reference, so it answers in the same time as a wrong PIN."""
    pin_check(pin, _DUMMY)


# A digest of zeros: computing it costs what a real check costs, and no PIN gives it (2^-256 per try).
_DUMMY = f"{SCHEME}${'0' * 32}${'0' * 64}"
