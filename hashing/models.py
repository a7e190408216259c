"""The hash bank shared with partner platforms: entries and their cases, the change clock, partners and their keys,
feedback, and the audit log of partner API calls."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone


class SignalType(models.TextChoices):
    """What a bank entry's value is. The first two are StopNCII's names and the only ones its feed carries."""

    IMAGE_PDQ = "ImagePDQ", "PDQ (image)"
    VIDEO_MD5 = "VideoMD5", "MD5 (video file)"
    PHASH = "pHash", "pHash (image)"
    MD5 = "MD5", "MD5 (any file)"
    SHA256 = "SHA256", "SHA-256 (any file)"
    # The value is the SHA-256 of the entry's frames in python-threatexchange's VPDQSignal form (`vpdq_signal`).
    VPDQ = "vPDQ", "vPDQ (video frames)"


FEED_SIGNAL_TYPES = (SignalType.IMAGE_PDQ, SignalType.VIDEO_MD5)


class BankStatus(models.TextChoices):
    """StopNCII's hash states. Withdrawn and Deleted both tell a partner to stop matching and drop the hash."""

    ACTIVE = "Active", "Active (shared)"
    WITHDRAWN = "Withdrawn", "Withdrawn (consent withdrawn)"
    DELETED = "Deleted", "Deleted (case erased)"


class FeedbackValue(models.TextChoices):
    """StopNCII's CSP feedback values, spelled as its API spells them."""

    BLOCKED = "Blocked", "Blocked"
    NOT_BLOCKED = "NotBlocked", "Not blocked"
    PENDING_REVIEW = "PendingReview", "Pending review"
    QUALITY_UNKNOWN = "QualityUnknown", "Quality unknown"
    NONE = "None", "None"
    UNKNOWN = "Unknown", "Unknown"
    WITHDRAWN = "Withdrawn", "Withdrawn"
    DELETED = "Deleted", "Deleted"


def new_bank_epoch() -> str:
    return secrets.token_hex(16)


class BankClock(models.Model):
    """The bank's change clock: one row, advanced under a row lock by every change to the bank.

    Each change set takes `max(previous + 1, unix seconds now)`, so values look like timestamps (StopNCII
    clients show them as dates) yet strictly increase. The row lock is held until the writing transaction
    commits, so change sets become visible in clock order: a reader that has seen value N has seen every
    change up to N, and a feed or an index that resumes after N misses nothing. `epoch` changes when the
    bank is recreated (a fresh database), which tells in-process indexes to rebuild.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(default=0)
    epoch = models.CharField(max_length=32, default=new_bank_epoch)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="bankclock_single_row")]

    def __str__(self) -> str:
        return f"bank clock {self.value}"


class BankEntry(models.Model):
    """One hash value in the bank, shared by every case that has it (two victims may hash the same image)."""

    signal_type = models.CharField(max_length=10, choices=SignalType.choices)
    value = models.CharField(max_length=64, help_text="Lowercase hex.")
    status = models.CharField(max_length=10, choices=BankStatus.choices, default=BankStatus.ACTIVE)
    # PDQ only: the 8 rotation and flip variants (pdqhash's order), 32 bytes each, packed for fast index builds.
    pdq_variants = models.BinaryField(null=True, blank=True, editable=False)
    pdq_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    # vPDQ only: the video's frames as python-threatexchange's VPDQSignal parses them (a JSON list of
    # "pdq,quality,seconds"); kept on Withdrawn and Deleted entries, which partners drop by this same string.
    vpdq_signal = models.TextField(blank=True, default="", editable=False)
    seq = models.BigIntegerField(help_text="The bank clock value of the entry's last change.")
    # The bank clock value of the change that took the entry out of the active set (None while Active). A partner
    # whose first fetch came at or after it never received the entry, so it is never sent its tombstone.
    inactive_since_seq = models.BigIntegerField(null=True, blank=True, editable=False)
    # When the entry's sharing last changed (not partners' feedback): the clock of the purge of withdrawn entries.
    last_modified = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "bank entries"
        constraints = [
            models.UniqueConstraint(fields=["signal_type", "value"], name="bankentry_unique_value"),
            models.CheckConstraint(condition=models.Q(status__in=BankStatus.values), name="bankentry_status_valid"),
        ]
        indexes = [
            # Native fetch and the in-process indexes' catch-up: one signal type, in change order.
            models.Index(fields=["signal_type", "seq", "id"], name="bankentry_type_seq_idx"),
            # The StopNCII feed: its two signal types together, in change order.
            models.Index(
                fields=["seq", "id"],
                name="bankentry_feed_seq_idx",
                condition=models.Q(signal_type__in=FEED_SIGNAL_TYPES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signal_type} {self.value[:16]}… ({self.status})"

    @property
    def pdq_variant_hexes(self) -> list[str]:
        raw = bytes(self.pdq_variants or b"")
        return [raw[i : i + 32].hex() for i in range(0, len(raw), 32)]


class BankEntryCase(models.Model):
    """Which case shares a bank entry, and that case's own status for it (the feed's `caseNumbers`)."""

    entry = models.ForeignKey(BankEntry, on_delete=models.CASCADE, related_name="case_links")
    # PROTECT: a case with bank entries is erased (bank_sync_case marks them Deleted), never deleted outright,
    # or partners would never learn that its hashes are gone.
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="bank_links")
    # The file the hash came from; erasure deletes the file's row and keeps this link as Deleted.
    case_hash = models.ForeignKey(
        "cases.CaseHash", null=True, blank=True, on_delete=models.SET_NULL, related_name="bank_links"
    )
    status = models.CharField(max_length=10, choices=BankStatus.choices, default=BankStatus.ACTIVE)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "case"], name="bankentrycase_unique"),
            models.CheckConstraint(condition=models.Q(status__in=BankStatus.values), name="bankentrycase_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} · case {self.case_id} ({self.status})"


def new_case_number_key() -> str:
    return secrets.token_hex(32)


class Partner(models.Model):
    """A platform that pulls the bank, matches uploads against it and tells us what it blocked."""

    class Scope(models.TextChoices):
        FETCH = "fetch", "Fetch the bank"
        MATCH = "match", "Match hashes"
        FEEDBACK = "feedback", "Send feedback"

    name = models.CharField(max_length=100, unique=True, help_text="Shown to caseworkers, e.g. 'Platform X'.")
    scope_fetch = models.BooleanField("may fetch the bank", default=True)
    scope_match = models.BooleanField("may match hashes", default=True)
    scope_feedback = models.BooleanField("may send feedback", default=True)
    rate_limit_per_minute = models.PositiveIntegerField(default=120, help_text="API calls allowed per minute.")
    is_active = models.BooleanField(default=True, help_text="Inactive partners' keys are refused.")
    # Keys the HMAC that turns case ids into this partner's opaque case numbers; never shown, never rotated
    # (rotating it would renumber every case in the partner's copy of the bank).
    case_number_key = models.CharField(max_length=64, default=new_case_number_key, editable=False)
    # The bank clock value at the partner's first fetch (None before it): its copy starts from the active bank,
    # and only entries that left the active set after this point are sent to it as Withdrawn or Deleted.
    feed_start_seq = models.BigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def scopes(self) -> frozenset[str]:
        granted = {
            self.Scope.FETCH: self.scope_fetch,
            self.Scope.MATCH: self.scope_match,
            self.Scope.FEEDBACK: self.scope_feedback,
        }
        return frozenset(str(scope) for scope, allowed in granted.items() if allowed)


class PartnerKey(models.Model):
    """An API key, stored as the SHA-256 of a high-entropy secret; the key itself is shown once."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="keys")
    prefix = models.CharField(max_length=16, unique=True, help_text="The key's public start, to tell keys apart.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.partner})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class PartnerFeedback(models.Model):
    """One piece of feedback from a partner on a bank entry ("we blocked an upload matching this hash")."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="feedback")
    entry = models.ForeignKey(BankEntry, on_delete=models.CASCADE, related_name="feedback")
    value = models.CharField(max_length=20, choices=FeedbackValue.choices)
    tags = models.JSONField(default=list, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["entry", "partner", "at"], name="partnerfeedback_entry_idx")]

    def __str__(self) -> str:
        return f"{self.partner} {self.value} entry {self.entry_id}"


class PartnerApiCall(models.Model):
    """The audit log: one row per partner API call, answered or refused. Never holds hash values."""

    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="api_calls")
    key_prefix = models.CharField(max_length=16, blank=True, help_text="Empty when no valid key was sent.")
    endpoint = models.CharField(max_length=60)
    method = models.CharField(max_length=8)
    status = models.PositiveSmallIntegerField()
    hashes_in = models.PositiveIntegerField(default=0)
    hashes_out = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "partner API call"
        indexes = [models.Index(fields=["partner", "at"], name="partnerapicall_partner_idx")]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.status} @ {self.at:%Y-%m-%d %H:%M:%S}"


class PartnerApiRefusals(models.Model):
    """Calls refused for want of a valid key, counted per minute and endpoint rather than a row each.

    Anyone can send such calls; one row per call would let them fill the database. Each web process adds up
    its refusals in memory and writes them at most every few seconds (`hashing.bank.gate.REFUSALS_FLUSH_SECONDS`).
    """

    minute = models.DateTimeField(help_text="The minute the calls arrived in (UTC, seconds zero).")
    endpoint = models.CharField(max_length=60)
    status = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-minute", "endpoint"]
        verbose_name = "refused partner API calls (per minute)"
        verbose_name_plural = "refused partner API calls (per minute)"
        constraints = [
            models.UniqueConstraint(fields=["minute", "endpoint", "status"], name="partnerapirefusals_unique_minute")
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.status} x{self.count} @ {self.minute:%Y-%m-%d %H:%M}"
