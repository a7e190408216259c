"""Encryption of personal data at rest: Fernet with the keys from FIELD_ENCRYPTION_KEY."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

_PREFIX = "fernet:"


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_text(plaintext: str) -> str:
    return _PREFIX + fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    if not token.startswith(_PREFIX):
        raise ValueError("value is not encrypted by this portal")
    try:
        return fernet().decrypt(token[len(_PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise ValueError("value cannot be decrypted with the configured FIELD_ENCRYPTION_KEY") from None


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; empty strings stay empty so "not given" needs no decryption.

    Encrypted columns cannot be searched or ordered in SQL, which is the point.
    """

    description = "Text encrypted at rest"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt_text(value)


def _digest(text: str, *, purpose: str, field_key: str) -> str:
    # A key per purpose: a digest made for one purpose never equals one made for another.
    key = hashlib.sha256(f"helpline-digest:{purpose}:{field_key}".encode()).digest()
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def keyed_digest(text: str, *, purpose: str) -> str:
    """HMAC-SHA256 of text under a key derived from the first field key: lets encrypted values be
    de-duplicated or looked up without storing them in the clear. Rotating the first key changes
    digests, so a rotation must re-digest existing rows."""
    return _digest(text, purpose=purpose, field_key=settings.FIELD_ENCRYPTION_KEYS[0])


def keyed_digests(text: str, *, purpose: str) -> list[str]:
    """keyed_digest under every field key, the first key's first: for checking a stored digest across a rotation."""
    return [_digest(text, purpose=purpose, field_key=field_key) for field_key in settings.FIELD_ENCRYPTION_KEYS]
