"""The session engine: database sessions whose data is encrypted with the field-encryption key.

Victims' intake drafts (name, email, phone, code word, description, links) and the new case's reference and
PIN live in the session until the case is filed and the "shown once" page is rendered. Django's own encoding
is only signed base64 + zlib, readable by anyone with a database dump; here every row's data is Fernet
ciphertext under FIELD_ENCRYPTION_KEY (rotation as for encrypted columns: the first key encrypts, all
decrypt). A row that cannot be decrypted (tampered, an old key, or written before this engine) reads as an
empty session.
"""

from __future__ import annotations

import logging

from cryptography.fernet import InvalidToken
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import InterfaceError, OperationalError

from helpline.crypto import fernet

logger = logging.getLogger(__name__)

PREFIX = "fernet:"


class SessionStore(DatabaseSessionStore):
    def encode(self, session_dict: dict) -> str:
        return PREFIX + fernet().encrypt(self.serializer().dumps(session_dict)).decode("ascii")

    def decode(self, session_data: str) -> dict:
        if not session_data.startswith(PREFIX):
            return {}
        try:
            return self.serializer().loads(fernet().decrypt(session_data[len(PREFIX) :].encode("ascii")))
        except (InvalidToken, ValueError):
            logger.warning("a session could not be decrypted; it starts empty")
            return {}

    def save(self, must_create: bool = False) -> None:
        """Django turns every database error of an update into UpdateError, which its middleware answers with a
        400 ("the session was deleted"). A lost connection is not that: it is raised as itself, so the person
        gets the calm 503 page (helpline.views.server_error) and their session is still there when they retry."""
        try:
            super().save(must_create=must_create)
        except UpdateError as exc:
            cause = exc.__context__
            if isinstance(cause, (OperationalError, InterfaceError)):
                raise cause from None
            raise
