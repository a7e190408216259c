"""Casework records: the audit log, assignment history, internal notes, messages to victims and evidence."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models import Case
from helpline.crypto import EncryptedTextField


class AppendOnlyError(Exception):
    """An attempt to change or remove an audit record."""


class AuditQuerySet(models.QuerySet):
    # The database refuses these too (a trigger, see migration 0002); failing early gives a clear message.
    def update(self, **kwargs):
        raise AppendOnlyError("The audit log is append-only: records cannot be changed.")

    def delete(self):
        raise AppendOnlyError("The audit log is append-only: records cannot be deleted.")


class AuditRecord(models.Model):
    """Who did or saw what, when, on which case or object, and from where. Never holds victim PII.

    `case` and `actor` are kept without database foreign keys so that the record outlives the case
    (erasure) and the account; `case_reference` and `actor_email` keep them readable afterwards.
    """

    class Action(models.TextChoices):
        CASE_VIEW_PII = "case.view_pii", "Viewed victim details"
        EVIDENCE_VIEW = "evidence.view", "Viewed evidence"
        CASE_CLAIM = "case.claim", "Claimed case"
        CASE_ASSIGN = "case.assign", "Assigned case"
        CASE_STATUS = "case.status", "Changed case status"
        NOTE_ADD = "note.add", "Added internal note"
        MESSAGE_SEND = "message.send", "Sent message to victim"
        EVIDENCE_ADD = "evidence.add", "Added evidence"
        CASEWORK_ERASE = "casework.erase", "Erased casework records"
        REMOVAL_VIEW = "removal.view", "Viewed removal requests"
        REMOVAL_CHANGE = "removal.change", "Changed a removal request"
        BANK_RELEASE = "bank.release", "Released held hashes to partners"
        AUDIT_EXPORT = "audit.export", "Exported the audit log"
        CASE_EXPORT = "case.export_pack", "Exported a case's evidence pack"
        OTHER = "other", "Other"

    at = models.DateTimeField(default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_email = models.CharField(max_length=254, blank=True, help_text="Staff account at the time; 'system' if none.")
    action = models.CharField(max_length=40, choices=Action.choices)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    case_reference = models.CharField(max_length=12, blank=True)
    object_type = models.CharField(max_length=40, blank=True, help_text="e.g. evidence, note, message")
    object_id = models.CharField(max_length=40, blank=True)
    detail = models.JSONField(default=dict, blank=True, help_text="Field names, states, counts; never values.")
    ip = models.GenericIPAddressField(null=True, blank=True, unpack_ipv4=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_at_idx"),
            models.Index(fields=["case", "-at"], name="audit_case_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
            models.Index(fields=["action", "-at"], name="audit_action_idx"),
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_email or 'system'} {self.action} {self.case_reference}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The audit log is append-only: records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only: records cannot be deleted.")


class CaseAssignment(models.Model):
    """One change of who works a case: a claim, an assignment or reassignment, or a release."""

    class Kind(models.TextChoices):
        CLAIM = "claim", "Claimed"
        ASSIGN = "assign", "Assigned"
        REASSIGN = "reassign", "Reassigned"
        UNASSIGN = "unassign", "Unassigned"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    previous = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"], name="assignment_case_idx"),
            # Cases given to a caseworker in a period (their own figures); built by reporting 0001, adopted by
            # casework 0010.
            models.Index(fields=["assigned_to", "at"], include=["case"], name="reporting_assignment_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} @ {self.at:%Y-%m-%d %H:%M}"


class CaseNote(models.Model):
    """An internal note on a case, for staff only. Encrypted: notes often repeat what the victim said."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="note_case_idx")]

    def __str__(self) -> str:
        return f"note {self.pk} on case {self.case_id}"


class CaseMessage(models.Model):
    """A message from the helpline to the victim: shown on their status page; emailed only if they allow it."""

    class Email(models.TextChoices):
        NOT_SENT = "not_sent", "Not emailed (status page only)"
        FORBIDDEN = "forbidden", "Not emailed: their safe-contact preferences do not allow email"
        NO_ADDRESS = "no_address", "Not emailed: no email address given"
        QUEUED = "queued", "Email notice queued"
        SENT = "sent", "Email notice sent"
        FAILED = "failed", "Email notice failed"

    # Not "messages": the intake work has a placeholder cases.CaseMessage using that name.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="victim_messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    email_status = models.CharField(max_length=12, choices=Email.choices, default=Email.NOT_SENT)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # When the victim's status page first showed it (the "You have a new message" notice is for unread ones).
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="message_case_idx")]

    def __str__(self) -> str:
        return f"message {self.pk} on case {self.case_id}"


def evidence_object_name(instance: Evidence, filename: str) -> str:
    # A random name: the object key says nothing about the case or the victim.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{uuid.uuid4().hex}.{ext}"


class Evidence(models.Model):
    """A screenshot a caseworker attached: re-encoded without metadata, kept as a private object."""

    class Kind(models.TextChoices):
        URL = "url", "The address (URL)"
        POST = "post", "The post"
        PROFILE = "profile", "The profile of who shared it"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    caption = EncryptedTextField(blank=True, default="")
    file = models.FileField(upload_to=evidence_object_name, max_length=200)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField(help_text="Bytes stored, after re-encoding.")
    sha256 = models.CharField(max_length=64, help_text="Of the stored (cleaned) bytes.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "evidence"
        indexes = [models.Index(fields=["case", "created_at"], name="evidence_case_idx")]

    def __str__(self) -> str:
        return f"evidence {self.pk} on case {self.case_id}"
