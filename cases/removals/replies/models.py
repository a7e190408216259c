"""A platform's reply to a removal request (or mail that matched none, for staff triage) and its attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from helpline.crypto import EncryptedTextField


class PlatformReply(models.Model):
    """One inbound email. Stored whatever it is: matched to its request, or left for staff to file."""

    class Route(models.TextChoices):
        IMAP = "imap", "Mailbox (IMAP)"
        WEBHOOK = "webhook", "Provider webhook"

    class Match(models.TextChoices):
        TOKEN = "token", "Reply address token"
        THREAD = "thread", "Thread (In-Reply-To / References)"
        STAFF = "staff", "Filed by staff"
        NONE = "none", "No request found"
        FORGED = "forged", "Reply address token did not verify"

    class Suggestion(models.TextChoices):
        NONE = "", "No suggestion"
        ACKNOWLEDGED = "acknowledged", "Acknowledged (ticket only)"
        REMOVED = "removed", "Removed"
        REFUSED = "refused", "Refused"
        NEEDS_INFO = "needs_info", "Needs information"

    request = models.ForeignKey(
        "removals.RemovalRequest", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    route = models.CharField(max_length=10, choices=Route.choices)
    match = models.CharField(max_length=10, choices=Match.choices)
    # Idempotence: the same message delivered twice (IMAP and webhook, or a redelivery) is stored once.
    message_id = models.CharField(max_length=255, unique=True)
    received_at = models.DateTimeField(default=timezone.now)
    sender = EncryptedTextField(blank=True, default="")
    subject = EncryptedTextField(blank=True, default="")
    body = EncryptedTextField(blank=True, default="", help_text="Plain text; HTML is reduced to text, no markup.")
    is_auto_reply = models.BooleanField(default=False)
    problems = models.JSONField(default=list, blank=True, help_text="What was refused or odd, in plain words.")
    suggested_status = models.CharField(max_length=20, choices=Suggestion.choices, blank=True, default="")
    suggested_ticket = models.CharField(max_length=100, blank=True)
    ticket_recorded = models.BooleanField(default=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=20, blank=True, help_text="confirmed, dismissed or filed.")

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["match", "decided_at"], name="reply_triage_idx")]

    def __str__(self) -> str:
        return f"reply {self.pk} ({self.match})"

    @property
    def needs_triage(self) -> bool:
        return self.request_id is None


class ReplyAttachment(models.Model):
    """A file that came with a reply, kept in the private storage; images re-encoded without metadata."""

    reply = models.ForeignKey(PlatformReply, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="replies/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, help_text="Of the bytes as received.")
    stored_sha256 = models.CharField(max_length=64, blank=True, help_text="Of the bytes kept (after re-encoding).")
    refused = models.CharField(max_length=300, blank=True, help_text="Why the file was not kept.")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"attachment {self.pk} of reply {self.reply_id}"
