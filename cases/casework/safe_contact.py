"""A victim's safe-contact preferences, read from Case.safe_contact (JSON written by intake), and what they allow."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

CHANNEL_LABELS = {"email": "Email", "call": "Phone call", "text": "Text message"}


@dataclass(frozen=True)
class SafeContact:
    """Absent or unreadable preferences allow nothing: the safe default is not to contact."""

    given: bool = False
    channels: frozenset[str] = field(default_factory=frozenset)
    times: str = ""
    voicemail_ok: bool = False
    email_may_name_helpline: bool = False
    code_word: str = ""

    @classmethod
    def parse(cls, text: str) -> SafeContact:
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        channels = data.get("channels") or []
        return cls(
            given=True,
            channels=frozenset(str(c) for c in channels if isinstance(c, str)),
            times=str(data.get("times") or ""),
            voicemail_ok=bool(data.get("voicemail_ok")),
            email_may_name_helpline=bool(data.get("email_may_name_helpline")),
            code_word=str(data.get("code_word") or ""),
        )

    def allows(self, channel: str) -> bool:
        return channel in self.channels

    @property
    def channel_labels(self) -> list[str]:
        return [label for key, label in CHANNEL_LABELS.items() if key in self.channels]

    @property
    def forbidden_labels(self) -> list[str]:
        return [label for key, label in CHANNEL_LABELS.items() if key not in self.channels]


def may_email(case, details=None) -> bool:
    """A message may be emailed only with contact consent, an address, and email ticked as safe. `details` are the
    decrypted VictimDetails the case page holds already (case_for_staff defers the encrypted fields)."""
    email = details.email if details is not None else case.contact_email
    safe = details.safe_contact if details is not None else SafeContact.parse(case.safe_contact)
    return bool(case.consent_contact and email and safe.allows("email"))
