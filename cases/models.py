"""A victim's case: reference and PIN, what happened, where it is posted, hashes, consents, timeline."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.casework import states as case_states
from helpline.crypto import EncryptedTextField

# No 0/O, 1/I/L or U/V pairs: a reference must survive being read over the phone or written by hand.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"


def new_reference() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"HL-{chars[:4]}-{chars[4:]}"


class Case(models.Model):
    class Status(models.TextChoices):
        # Values and labels from the pure status machine (cases/casework/states.py), as RemovalRequest.Status
        # comes from cases/removals/state.py.
        NEW = case_states.NEW, case_states.LABELS[case_states.NEW]
        IN_PROGRESS = case_states.IN_PROGRESS, case_states.LABELS[case_states.IN_PROGRESS]
        WAITING_ON_VICTIM = case_states.WAITING_ON_VICTIM, case_states.LABELS[case_states.WAITING_ON_VICTIM]
        RESOLVED = case_states.RESOLVED, case_states.LABELS[case_states.RESOLVED]
        CLOSED = case_states.CLOSED, case_states.LABELS[case_states.CLOSED]

    class Filer(models.TextChoices):
        SELF = "self", "The person pictured"
        AUTHORISED = "authorised", "Someone authorised to act for them"
        PARENT = "parent", "A parent or guardian"

    class TakenBy(models.TextChoices):
        SELF = "self", "The person pictured"
        SOMEONE_ELSE = "someone_else", "Someone else"
        UNKNOWN = "unknown", "Not known"
        AI = "ai", "AI-generated or edited"

    class Police(models.TextChoices):
        YES = "yes", "May go to the police"
        UNSURE = "unsure", "Not sure yet"
        NO = "no", "Will not go to the police"

    class Category(models.TextChoices):
        KNOWN_PERSON = "known_person", "Leaked by someone they know"
        HACKED = "hacked", "Account hacked"
        AI_GENERATED = "ai_generated", "AI-generated or edited image"
        EXTORTION = "extortion", "Threats or extortion (sextortion)"
        VIEW_ONCE = "view_once", "Captured from a 'view once' message"
        OTHER = "other", "Other"

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    pin_hash = models.CharField(max_length=256, help_text="The victim's PIN, as a keyed hash only (cases.pins).")
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

    # Safety and eligibility (not personal data on their own).
    is_minor = models.BooleanField(default=False)
    filed_by = models.CharField(max_length=12, choices=Filer.choices, default=Filer.SELF)
    categories = models.JSONField(default=list, blank=True, help_text="Category values; see Case.Category.")
    images_taken_by = models.CharField(
        max_length=12, choices=TakenBy.choices, default=TakenBy.UNKNOWN, help_text="Decides whether DMCA can apply."
    )
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 country of the person pictured; blank: not given."
    )
    police = models.CharField(
        max_length=8, choices=Police.choices, blank=True, help_text="Blank: not asked (cases filed before)."
    )
    # Evidence first: while the victim may go to the police, requests are held until evidence is captured.
    evidence_confirmed_at = models.DateTimeField(null=True, blank=True)
    evidence_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # DMCA: the victim's own confirmation of the ownership and perjury statements, given on the status page.
    dmca_confirmed_at = models.DateTimeField(null=True, blank=True)
    dmca_statement = models.TextField(blank=True, default="", help_text="The exact statements confirmed.")

    # Consents, each with when it was given or withdrawn.
    consent_share_hashes = models.BooleanField(default=False)
    consent_contact = models.BooleanField(default=False)
    consent_act_on_behalf = models.BooleanField(default=False)
    consent_given_at = models.DateTimeField(null=True, blank=True)
    hashes_withdrawn_at = models.DateTimeField(null=True, blank=True)

    # Personal data, encrypted at rest. Empty means "not given".
    person_name = EncryptedTextField(blank=True, default="", help_text="Name of the person pictured, if given.")
    contact_name = EncryptedTextField(blank=True, default="")
    contact_email = EncryptedTextField(blank=True, default="")
    contact_phone = EncryptedTextField(blank=True, default="")
    # JSON text: channels that are safe, safe times, voicemail/email naming the helpline, code word.
    safe_contact = EncryptedTextField(blank=True, default="")
    signature_name = EncryptedTextField(blank=True, default="", help_text="Typed full name as e-signature.")
    signature_statement = models.TextField(blank=True, default="", help_text="The exact statement signed.")
    signed_at = models.DateTimeField(null=True, blank=True)
    description = EncryptedTextField(blank=True, default="", help_text="What happened, in their words.")
    elsewhere = EncryptedTextField(blank=True, default="", help_text="'Somewhere else', free text.")
    # The victim's own StopNCII.org case number, if they made one: cited in requests to StopNCII partner platforms.
    stopncii_case = EncryptedTextField(blank=True, default="", help_text="StopNCII.org case number, as given.")

    # Erasure: the victim's "delete my case", or retention after closing.
    erased_at = models.DateTimeField(null=True, blank=True)

    # An anomalous filing, or files added to a case later (cases.intake.screening), is saved whole, but those files'
    # hashes (CaseHash.bank_held) wait for a caseworker's release before they enter the partner bank. Reasons are
    # BankHoldReason values; held_at and released_at are the latest hold's.
    bank_held_at = models.DateTimeField(null=True, blank=True)
    bank_hold_reasons = models.JSONField(default=list, blank=True)
    bank_released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-is_urgent", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(closed_at__isnull=False),
                name="case_closed_has_closed_at",
            ),
        ]
        # The queue's tabs (one partial index each, in the queue's order: urgent first, then oldest) and the
        # reports' indexes. Built by SQL in casework 0003 and reporting 0001/0007 before Django could say them;
        # cases 0008 adopts them into model state without building them again (tests/helpline/test_indexes.py
        # checks each one in the database is the index described here).
        indexes = [
            models.Index(fields=["status", "-is_urgent", "created_at"], name="case_queue_idx"),
            models.Index(
                fields=["-is_urgent", "created_at", "id"],
                condition=models.Q(status__in=case_states.OPEN),
                name="casework_queue_open_idx",
            ),
            models.Index(
                fields=["-is_urgent", "created_at", "id"],
                condition=models.Q(status__in=case_states.OPEN) & models.Q(assigned_to__isnull=True),
                name="casework_queue_unassigned_idx",
            ),
            models.Index(
                fields=["assigned_to", "-is_urgent", "created_at", "id"],
                condition=models.Q(status__in=case_states.OPEN),
                name="casework_queue_mine_idx",
            ),
            models.Index(
                fields=["-is_urgent", "created_at", "id"],
                condition=models.Q(status__in=case_states.FINISHED),
                name="casework_queue_finished_idx",
            ),
            # Cases closed, and cases filed, in a period (the reports).
            models.Index(
                fields=["closed_at"], condition=models.Q(closed_at__isnull=False), name="reporting_case_closed_idx"
            ),
            models.Index(fields=["created_at"], include=["is_urgent", "language"], name="reporting_case_created_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_anonymous(self) -> bool:
        return not (self.contact_name or self.contact_email or self.contact_phone)

    @property
    def bank_is_held(self) -> bool:
        """Its hashes wait for a caseworker's review before partners receive them."""
        return self.bank_held_at is not None and self.bank_released_at is None

    @property
    def pictured_name(self) -> str:
        """The name of the person in the images: given on intake, else the filer's own when they are that person.
        Never the name of a friend or parent who filed for them."""
        if self.person_name.strip():
            return self.person_name.strip()
        if self.filed_by == self.Filer.SELF:
            return (self.signature_name or self.contact_name).strip()
        return ""

    @property
    def evidence_held(self) -> bool:
        """Requests wait for a caseworker to confirm evidence was captured while the victim may go to the police."""
        return self.police in (self.Police.YES, self.Police.UNSURE) and self.evidence_confirmed_at is None


class BankHoldReason(models.TextChoices):
    """Why a filing's hashes wait for review before they are shared with partners."""

    ADDRESS_VOLUME = "address_volume", "Several filings from the same address in a day"
    DAILY_VOLUME = "daily_volume", "More filings today than the portal shares without review"
    ALREADY_SHARED = "already_shared", "Some of its hashes are already shared by another case"
    LOW_QUALITY = "low_quality", "Low-quality image hashes (PDQ quality under 50)"


class FilingMark(models.Model):
    """One filing's trace for the per-address limits: a keyed digest of the address (never the address), kept a day.

    Not linked to the case, so it cannot tell which case came from which address.
    """

    address_digest = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["address_digest", "at"], name="filingmark_address_idx")]

    def __str__(self) -> str:
        return f"filing @ {self.at:%Y-%m-%d %H:%M}"


class CaseURL(models.Model):
    """A place the images appear. `platform_slug` names an entry of the platform directory, if known."""

    class AddedBy(models.TextChoices):
        VICTIM = "victim", "Victim"
        STAFF = "staff", "Staff"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="urls")
    url = EncryptedTextField(help_text="The URL as normalised.")
    url_digest = models.CharField(max_length=64, help_text="Keyed hash of the normalised URL, for de-duplication.")
    host = models.CharField(max_length=253, blank=True)
    platform_slug = models.CharField(max_length=50, blank=True, db_index=True)
    added_by = models.CharField(max_length=10, choices=AddedBy.choices, default=AddedBy.VICTIM)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "url_digest"], name="caseurl_unique_per_case")]

    def __str__(self) -> str:
        return f"{self.case.reference} · {self.host or 'url'}"


class CaseHash(models.Model):
    """The hashes of one file the victim hashed on their device. No image bytes ever reach the server."""

    class MediaKind(models.TextChoices):
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"
        OTHER = "other", "Other file"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="hashes")
    media_kind = models.CharField(max_length=10, choices=MediaKind.choices)
    pdq = models.CharField(max_length=64, blank=True)
    pdq_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    pdq_oriented = models.CharField(max_length=64, blank=True)
    pdq_dihedral = models.JSONField(default=list, blank=True, help_text="8 hex PDQ hashes, pdqhash's order.")
    phash = models.CharField(max_length=16, blank=True)
    md5 = models.CharField(max_length=32)
    sha256 = models.CharField(max_length=64)
    # Videos: the vPDQ frames the browser hashed, rows of [pdq hex, quality, frame number, seconds] in frame order
    # (hashing.values.vpdq_frames_parse reads them), and what it read of the video (duration, size, frame rate).
    vpdq_frames = models.JSONField(null=True, blank=True)
    video = models.JSONField(null=True, blank=True)
    vpdq_error = models.CharField(max_length=20, blank=True, help_text="Why the browser made no vPDQ frames.")
    # Held by screening (cases.intake.screening): kept with the case, not shared until a caseworker releases it.
    bank_held = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "sha256"], name="casehash_unique_file_per_case")]

    def __str__(self) -> str:
        return f"{self.case.reference} · {self.media_kind} {self.sha256[:12]}"


class CaseEvent(models.Model):
    """Append-only timeline of a case: who did what, when. Never holds personal data in `detail`."""

    class Kind(models.TextChoices):
        """Every kind of event the timeline holds; reports and partial indexes match on these values."""

        CASE_FILED = "case_filed", "The victim filed the case"
        CASE_CLAIMED = "case_claimed", "A caseworker claimed the case"
        CASE_ASSIGNED = "case_assigned", "The case was assigned"
        CASE_REASSIGNED = "case_reassigned", "The case was reassigned"
        CASE_UNASSIGNED = "case_unassigned", "The case was unassigned"
        CASE_STATUS_CHANGED = "case_status_changed", "The case's status changed"
        CASE_REOPENED = "case_reopened", "The case was reopened"
        CASE_ERASED = "case_erased", "The victim's data was erased"
        NOTE_ADDED = "note_added", "A note was added"
        MESSAGE_SENT = "message_sent", "A message was sent to the victim"
        MESSAGES_READ = "messages_read", "The victim read messages"
        EVIDENCE_ADDED = "evidence_added", "Evidence was added"
        EVIDENCE_CONFIRMED = "evidence_confirmed", "Evidence capture was confirmed"
        PII_VIEWED = "pii_viewed", "Victim details were viewed"
        VICTIM_SIGNED_IN = "victim_signed_in", "The victim signed in to the status page"
        STATUS_LOCKED = "status_locked", "The status page was locked after failed sign-ins"
        CONTACT_UPDATED = "contact_updated", "The victim updated their contact details"
        URLS_ADDED = "urls_added", "The victim added links"
        HASHES_ADDED = "hashes_added", "The victim added fingerprints"
        SHARING_WITHDRAWN = "sharing_withdrawn", "The victim withdrew consent to share fingerprints"
        DMCA_CONFIRMED = "dmca_confirmed", "The victim confirmed a copyright notice"
        BANK_HELD = "bank_held", "Fingerprints held back from the bank for review"
        BANK_RELEASED = "bank_released", "Fingerprints released to the bank"
        URL_APPEARS_REMOVED = "url_appears_removed", "A link appears to be removed"
        REMOVAL_REQUESTS_DRAFTED = "removal_requests_drafted", "Removal requests were drafted"
        REMOVAL_REQUEST_URLS_ADDED = "removal_request_urls_added", "Links were added to a removal request"
        REMOVAL_REQUEST_EDITED = "removal_request_edited", "A removal request was edited"
        REMOVAL_REQUEST_MOVED = "removal_request_moved", "A removal request changed state"
        REMOVAL_REQUEST_CORRECTED = "removal_request_corrected", "A removal request's last move was taken back"
        REMOVAL_REQUEST_SEND_APPROVED = "removal_request_send_approved", "A removal request was approved for sending"
        REMOVAL_REQUEST_SEND_INTERRUPTED = (
            "removal_request_send_interrupted",
            "Sending a removal request was interrupted",
        )
        REMOVAL_REQUEST_FOLLOW_UP_DUE = "removal_request_follow_up_due", "A removal request is due a follow-up"
        REMOVAL_REQUEST_OVERDUE = "removal_request_overdue", "A removal request is overdue"
        REMOVAL_DISCLOSURE_APPROVED = "removal_disclosure_approved", "Naming the victim in a request was approved"
        REMOVAL_ESCALATION_DRAFTED = "removal_escalation_drafted", "An escalation was drafted"
        REMOVAL_REPLY_RECEIVED = "removal_reply_received", "A platform replied to a removal request"
        STOPNCII_CASE_GIVEN = "stopncii_case_given", "The victim gave their StopNCII case number"
        STOPNCII_CASE_CLEARED = "stopncii_case_cleared", "The victim removed their StopNCII case number"
        EVIDENCE_PACK_EXPORTED = "evidence_pack_exported", "An evidence pack was exported"
        VICTIM_SUMMARY_DOWNLOADED = "victim_summary_downloaded", "The victim downloaded their case summary"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=40, default="system", help_text="victim, system, or staff")
    kind = models.CharField(max_length=50, choices=Kind.choices)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        # The first staff action on each case (time to first action): one probe per case (reporting 0001).
        indexes = [
            models.Index(
                fields=["case", "at"],
                include=["actor"],
                condition=models.Q(actor__isnull=False),
                name="reporting_event_staff_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.kind} @ {self.at:%Y-%m-%d %H:%M}"
