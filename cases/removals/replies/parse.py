"""Reading an inbound email: ids for threading, who it was for, its text (never its HTML) and its attachments."""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from html.parser import HTMLParser

MAX_BODY_CHARS = 200_000


@dataclass
class RawAttachment:
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message_id: str
    in_reply_to: list[str]
    sender: str
    recipients: list[str]
    subject: str
    text: str
    is_auto_reply: bool
    attachments: list[RawAttachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class _TextOnly(HTMLParser):
    """HTML to plain text: scripts, styles and every tag are dropped; only the words a reader would see stay."""

    _SKIP = {"script", "style", "head", "title", "template", "noscript"}
    _BREAK = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self.skipping += 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n\s*\n+", "\n\n", re.sub(r"[ \t]+", " ", text)).strip()


_ID = re.compile(r"<[^<>\s]{1,250}>")


def _ids(value: str | None) -> list[str]:
    return _ID.findall(value or "")


def _is_auto_reply(message: EmailMessage) -> bool:
    # RFC 3834 Auto-Submitted, and the headers common responders still send instead.
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto and auto != "no":
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond") or message.get("X-Auto-Response-Suppress"):
        return True
    return str(message.get("Precedence", "")).strip().lower() in {"auto_reply", "bulk", "junk"}


def parse_mail(raw: bytes) -> ParsedMail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    problems: list[str] = []
    message_id = (_ids(str(message.get("Message-ID", ""))) or [""])[0]
    if not message_id:
        # Without one, the bytes identify the mail: a redelivery of the same bytes is still stored once.
        message_id = f"<sha256-{hashlib.sha256(raw).hexdigest()}@no-message-id>"
        problems.append("The mail had no Message-ID.")
    recipients = [
        addr
        for _, addr in getaddresses(
            [str(v) for h in ("To", "Cc", "Delivered-To", "X-Original-To") for v in message.get_all(h, [])]
        )
        if addr
    ]
    text_parts: list[str] = []
    html_parts: list[str] = []
    attachments: list[RawAttachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = part.get_content_disposition()
        try:
            if disposition == "attachment" or not ctype.startswith("text/"):
                attachments.append(RawAttachment(content_type=ctype, data=part.get_payload(decode=True) or b""))
            elif ctype == "text/plain":
                text_parts.append(part.get_content())
            elif ctype == "text/html":
                html_parts.append(part.get_content())
        except (LookupError, ValueError) as exc:
            problems.append(f"A part could not be read ({type(exc).__name__}); it was left out.")
    if text_parts:
        text = "\n\n".join(text_parts)
    elif html_parts:
        text = html_to_text("\n".join(html_parts))
        problems.append("The mail had only an HTML body; it is shown as plain text.")
    else:
        text = ""
    if len(text) > MAX_BODY_CHARS:
        text = text[:MAX_BODY_CHARS]
        problems.append(f"The text was longer than {MAX_BODY_CHARS} characters and was cut there.")
    sender = (getaddresses([str(message.get("From", ""))]) or [("", "")])[0][1]
    return ParsedMail(
        message_id=message_id,
        in_reply_to=_ids(str(message.get("In-Reply-To", ""))) + _ids(str(message.get("References", ""))),
        sender=sender,
        recipients=recipients,
        subject=str(message.get("Subject", ""))[:500],
        text=text,
        is_auto_reply=_is_auto_reply(message),
        attachments=attachments,
        problems=problems,
    )
