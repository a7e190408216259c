"""Builders for the reply tests: an emailed request, and platform replies to it as raw mail."""

from __future__ import annotations

import io
from email.message import EmailMessage
from email.utils import make_msgid

from django.core import mail

from cases.removals import services
from tests.removals.factories import drafted_request

TELEGRAM_RULES = {
    "auto_reply": ["thanks for your report"],
    "ticket": r"Ticket\s*#\s*([A-Z]{2}-\d{4,10})",
    "removed": ["the content has been removed"],
    "refused": ["does not violate"],
    "needs_info": ["we need more information"],
}


def emailed_request(caseworker, sends, committed, *, rules: dict | None = None):
    """A request to Telegram (an email channel) sent by the portal; returns it and the email as sent."""
    request = drafted_request(slug="telegram", urls=("https://t.me/somechannel/12",), assigned_to=caseworker)
    if rules is not None:
        request.platform.reply_rules = rules
        request.platform.save(update_fields=["reply_rules"])
    services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    with committed():
        services.removal_approve_send(request_id=request.pk, actor=caseworker)
    assert services.removal_send_email(**sends[-1]) == "sent"
    request.refresh_from_db()
    return request, mail.outbox[-1]


def reply_mail(
    *,
    to: str,
    body: str = "",
    html: str = "",
    subject: str = "Re: your report",
    in_reply_to: str = "",
    auto: bool = False,
    attachments: list[tuple[bytes, str, str]] = (),
    message_id: str | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = "Telegram Abuse <abuse@telegram.org>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="telegram.org")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    if auto:
        message["Auto-Submitted"] = "auto-replied"
    if html and not body:
        message.set_content(html, subtype="html")
    else:
        message.set_content(body or "(no text)")
        if html:
            message.add_alternative(html, subtype="html")
    for data, maintype_subtype, filename in attachments:
        maintype, subtype = maintype_subtype.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def jpeg_with_gps() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (64, 48), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes(), comment=b"secret comment")
    return buffer.getvalue()
