"""Polling the helpline's reply mailbox over IMAP with TLS: every message is filed (services.reply_ingest), then
marked seen. A message is only marked after it is stored, so a crash in between files it again next time, which
the Message-ID makes harmless."""

from __future__ import annotations

import imaplib
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings

from cases.removals.replies.models import PlatformReply
from cases.removals.replies.services import reply_ingest

# One poll handles at most this many messages; the next poll takes the rest.
BATCH = 200
# The largest message fetched (a reply with 20 attachments of 10 MB fits); larger ones are still filed, from
# their headers only, so nothing is lost without a record.
MAX_MESSAGE_BYTES = 60 * 1024 * 1024


class MailboxNotConfigured(Exception):
    pass


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str
    folder: str


def mailbox_from_settings() -> Mailbox:
    url = getattr(settings, "REPLY_IMAP_URL", "")
    if not url:
        raise MailboxNotConfigured("REPLY_IMAP_URL is not set.")
    parts = urlsplit(url)
    if parts.scheme != "imaps":
        raise MailboxNotConfigured("REPLY_IMAP_URL must start with imaps:// (IMAP over TLS).")
    return Mailbox(
        host=parts.hostname or "",
        port=parts.port or 993,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
    )


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=getattr(settings, "REPLY_IMAP_CA_FILE", "") or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def poll_mailbox(mailbox: Mailbox | None = None) -> dict[str, int]:
    """File every unseen message. Returns counts for the task's log."""
    mailbox = mailbox or mailbox_from_settings()
    counts = {"new": 0, "duplicate": 0, "matched": 0, "triage": 0}
    timeout = getattr(settings, "REPLY_IMAP_TIMEOUT", 30)
    with imaplib.IMAP4_SSL(mailbox.host, mailbox.port, ssl_context=_tls_context(), timeout=timeout) as imap:
        imap.login(mailbox.user, mailbox.password)
        imap.select(mailbox.folder)
        status, data = imap.uid("SEARCH", None, "UNSEEN")
        if status != "OK":
            raise imaplib.IMAP4.error(f"SEARCH failed: {status}")
        for uid in (data[0] or b"").split()[:BATCH]:
            status, sized = imap.uid("FETCH", uid, "(RFC822.SIZE)")
            size = int(sized[0].split(b"RFC822.SIZE ")[1].split(b")")[0]) if status == "OK" and sized[0] else 0
            part = "BODY.PEEK[]" if size <= MAX_MESSAGE_BYTES else "BODY.PEEK[HEADER]"
            status, fetched = imap.uid("FETCH", uid, f"({part})")
            if status != "OK" or not fetched or not isinstance(fetched[0], tuple):
                continue
            reply, new = reply_ingest(raw=fetched[0][1], route=PlatformReply.Route.IMAP)
            if size > MAX_MESSAGE_BYTES and new:
                reply.problems = [*reply.problems, f"The message was {size} bytes; only its headers were read."]
                reply.save(update_fields=["problems"])
            counts["new" if new else "duplicate"] += 1
            counts["matched" if reply.request_id else "triage"] += 1
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    return counts
