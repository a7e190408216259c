"""A victim's case: the reference and PIN they come back with, its status, priority and assignee."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from helpline.crypto import EncryptedTextField

# No 0/O, 1/I/L or U/V pairs: a reference must survive being read over the phone or written by hand.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"


def new_reference() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"HL-{chars[:4]}-{chars[4:]}"


class Case(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_PROGRESS = "in_progress", "In progress"
        WAITING_ON_VICTIM = "waiting_on_victim", "Waiting on victim"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    pin_hash = models.CharField(max_length=256, help_text="The victim's PIN, as a password hash only.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    is_urgent = models.BooleanField(default=False, help_text="Threats, extortion or a minor: worked first.")
    language = models.CharField(max_length=8, default="en")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_cases"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_reason = models.CharField(max_length=200, blank=True)

    # Personal data, encrypted at rest. Empty means "not given".
    contact_name = EncryptedTextField(blank=True, default="")
    contact_email = EncryptedTextField(blank=True, default="")
    contact_phone = EncryptedTextField(blank=True, default="")

    class Meta:
        ordering = ["-is_urgent", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(closed_at__isnull=False),
                name="case_closed_has_closed_at",
            ),
        ]

    def __str__(self) -> str:
        return self.reference
