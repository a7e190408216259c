"""manage.py seed_demo: demo staff (with TOTP), demo cases and their history for a local portal. Safe to re-run.

Everything goes through the same services the portal uses (claiming, sending and answering removal requests,
the hash bank, partner feedback), so every report page has figures to show: cases by week, category and
language; removal outcomes and times per platform; queue health; the bank and partners' feedback; and the
demo caseworker's own figures. The fingerprints are made-up values, not hashes of any picture.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cases.casework.audit import Origin
from cases.casework.services import case_claim
from cases.intake.services import SIGNATURE_STATEMENT, case_hashes_create, case_urls_create
from cases.models import Case
from cases.pins import pin_hash_make
from cases.removals import state
from cases.removals.drafting import draft_for_case
from cases.removals.models import RemovalRequest
from cases.removals.services import RemovalError, removal_mark_ready, removal_mark_sent, removal_record_answer
from cases.services import case_bank_sync
from cases.status.services import case_sharing_withdraw
from hashing.bank.partners import partner_create
from hashing.bank.services import FeedbackItem, bank_feedback_record
from hashing.models import FeedbackValue, Partner
from helpline.staff import roles, totp
from helpline.staff.services import staff_create, staff_totp_enrol, staff_totp_secret

DEMO_STAFF = [
    ("caseworker@demo.helpline.test", roles.CASEWORKER, "demo-caseworker-2026", "Casey", "Worker"),
    ("supervisor@demo.helpline.test", roles.SUPERVISOR, "demo-supervisor-2026", "Sam", "Supervisor"),
]
DEMO_PIN = "246810"
# Demo references use "0", which real references never contain, so they cannot collide with a real case.
DEMO_CASES = [
    {
        "reference": "HL-DEM0-0001",
        "is_urgent": True,
        "language": "en",
        "status": Case.Status.NEW,
        "categories": [Case.Category.EXTORTION],
        # Who is who, as intake records it: she files for herself, took the images herself, lives in the US.
        "filed_by": Case.Filer.SELF,
        "images_taken_by": Case.TakenBy.SELF,
        "country": "US",
        "police": Case.Police.NO,
        "contact_name": "Demo Person One",
        "contact_email": "demo.one@example.org",
        "signature_name": "Demo Person One",
        "urls": ["https://www.reddit.com/r/demo_example/comments/abc123/", "https://x.com/demo_account/status/1"],
    },
    {
        "reference": "HL-DEM0-0002",
        "is_urgent": False,
        "language": "es",
        "status": Case.Status.NEW,
        "categories": [Case.Category.KNOWN_PERSON],
        # Anonymous, in Spain, pictured by a former partner: a DSA notice naming Spain; the helpline signs.
        "images_taken_by": Case.TakenBy.SOMEONE_ELSE,
        "country": "ES",
        "police": Case.Police.NO,
        "urls": ["https://www.instagram.com/p/DEMOPOST/", "https://www.google.com/search?q=demo+example"],
    },
    {
        "reference": "HL-DEM0-0003",
        "is_urgent": False,
        "language": "en",
        "status": Case.Status.IN_PROGRESS,
        "categories": [Case.Category.AI_GENERATED],
        # AI-generated, on an unknown site: the draft names only the helpline and the content; no DMCA.
        "images_taken_by": Case.TakenBy.AI,
        "country": "GB",
        "police": Case.Police.NO,
        "contact_email": "demo.three@example.org",
        "signature_name": "Demo Person Three",
        "urls": ["https://demo-forum.example.net/thread/42"],
    },
    {
        "reference": "HL-DEM0-0004",
        "is_urgent": False,
        "language": "en",
        "status": Case.Status.WAITING_ON_VICTIM,
        "categories": [Case.Category.HACKED],
        # May go to the police: any request would wait for a caseworker to confirm evidence was captured.
        "police": Case.Police.YES,
        "urls": [],
    },
    {
        "reference": "HL-DEM0-0005",
        "is_urgent": True,
        "is_minor": True,
        "language": "en",
        "status": Case.Status.NEW,
        "categories": [Case.Category.EXTORTION],
        # A minor, reported by a parent: the child-safety pathway (platform's child-safety channel, NCMEC).
        "filed_by": Case.Filer.PARENT,
        "images_taken_by": Case.TakenBy.SELF,
        "country": "US",
        "police": Case.Police.NO,
        "urls": ["https://www.instagram.com/p/DEMOMINOR/"],
    },
]


DEMO_PARTNER = "Demo Platform (seed_demo)"
# What happens to each demo case's removal requests, in drafting order: the platform's answer to each request
# sent (None: sent, no answer yet). Cases not listed keep their requests as drafts.
DEMO_ANSWERS = {
    "HL-DEM0-0001": [state.REMOVED, state.REFUSED, None],
    "HL-DEM0-0003": [state.ACKNOWLEDGED, state.REMOVED],
}


def _fingerprint(case_number: int, file_number: int) -> dict:
    """Made-up but well-formed fingerprints for one demo file (deterministic, so re-runs add nothing)."""
    seed = hashlib.sha256(f"helpline demo {case_number}/{file_number}".encode()).hexdigest()
    pdq = (seed * 2)[:64]
    return {
        "media_kind": "image",
        "md5": seed[:32],
        "sha256": seed,
        "pdq": pdq,
        "pdq_quality": 90,
        "pdq_oriented": None,
        "pdq_dihedral": [pdq] + [hashlib.sha256(f"{seed}{i}".encode()).hexdigest() for i in range(1, 8)],
        "phash": seed[-16:],
    }


def _demo_history(caseworker) -> list[str]:
    """Claim a case, send and answer requests, share fingerprints and record partner feedback; once only."""
    if Partner.objects.filter(name=DEMO_PARTNER).exists():
        return []
    origin = Origin.system()
    done = []
    for number, case in enumerate(Case.objects.filter(reference__startswith="HL-DEM0-").order_by("reference"), 1):
        if case_hashes_create(case=case, hashes=[_fingerprint(number, 1), _fingerprint(number, 2)]):
            case_bank_sync(case=case)
    for reference in ("HL-DEM0-0001", "HL-DEM0-0003"):
        case = Case.objects.get(reference=reference)
        if case.assigned_to_id is None:
            case_claim(case=case, actor=caseworker, origin=origin)
        answers = list(DEMO_ANSWERS[reference])
        for request in RemovalRequest.objects.filter(case=case, status=state.DRAFTED).order_by("pk"):
            if not answers:
                break
            try:
                removal_mark_ready(request_id=request.pk, actor=caseworker)
            except RemovalError:
                continue  # a draft still missing part of its legal basis stays a draft, as it would for staff
            answer = answers.pop(0)
            removal_mark_sent(
                request_id=request.pk, actor=caseworker, expected_status=state.READY, ticket_number=f"DEMO-{request.pk}"
            )
            if answer:
                removal_record_answer(
                    request_id=request.pk, actor=caseworker, answer=answer, expected_status=state.SENT
                )
        done.append(reference)
    # The case that said no to sharing later: its fingerprints leave the bank (the "withdrawn" figures).
    case_sharing_withdraw(case=Case.objects.get(reference="HL-DEM0-0004"))
    partner, _key, _raw = partner_create(name=DEMO_PARTNER, scopes=["fetch", "feedback"], rate_limit_per_minute=60)
    feedback = [
        FeedbackItem(hash_value=_fingerprint(1, 1)["pdq"], value=FeedbackValue.BLOCKED),
        FeedbackItem(hash_value=_fingerprint(1, 2)["md5"], value=FeedbackValue.BLOCKED),
        FeedbackItem(hash_value=_fingerprint(2, 1)["pdq"], value=FeedbackValue.PENDING_REVIEW),
    ]
    bank_feedback_record(partner=partner, items=feedback)
    return done


# HL-DEM0-0004 waits on the victim, whose status page says "please read the messages below": these are them.
DEMO_MESSAGES = {
    "HL-DEM0-0004": [
        "Hello, I am the caseworker looking after your case. Thank you for telling us your account was hacked.",
        "To ask websites to remove the images we need to know where they are. When it is safe for you, please "
        'add the links on this page under "Add links". If you do not have links, reply by telling us which '
        "apps or websites you think they are on.",
    ],
}


def _demo_messages(caseworker) -> int:
    """The caseworker's messages that the demo cases' states refer to; added once per case."""
    from cases.casework.models import CaseMessage
    from cases.casework.services import message_send

    origin = Origin.system()
    sent = 0
    for reference, bodies in DEMO_MESSAGES.items():
        case = Case.objects.get(reference=reference)
        if CaseMessage.objects.filter(case=case).exists():
            continue
        if case.assigned_to_id is None:
            case_claim(case=case, actor=caseworker, origin=origin)
        for body in bodies:
            message_send(case=case, body=body, actor=caseworker, origin=origin, email=False)
            sent += 1
    return sent


def _totp_secret(user) -> str:
    # Recovery codes are left to the person: allauth's recovery-codes page generates them on request.
    secret = staff_totp_secret(user=user)
    if secret is None:
        secret = totp.new_secret()
        staff_totp_enrol(user=user, secret=secret)
    return secret


class Command(BaseCommand):
    help = "Create demo staff accounts (with TOTP) and demo cases. Refuses to run with DEBUG off unless --force."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Seed even though DEBUG is off (never in production).")

    def handle(self, *args, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates accounts with published passwords; it runs only with DEBUG=true.")
        # Cases and staff first (their requests are drafted when that commits), then their history.
        lines, created = self._staff_and_cases()
        with transaction.atomic():
            caseworker = get_user_model().objects.get(email=DEMO_STAFF[0][0])
            history = _demo_history(caseworker)
            _demo_messages(caseworker)
        self.stdout.write("Demo staff (add the TOTP secret to an authenticator app, or use the code shown):")
        self.stdout.write("\n".join(lines))
        self.stdout.write(
            f"Demo cases: {', '.join(c['reference'] for c in DEMO_CASES)} (PIN {DEMO_PIN}); {created} created now."
        )
        if history:
            self.stdout.write(f"Demo history (claims, requests sent and answered, feedback): {', '.join(history)}.")

    @transaction.atomic
    def _staff_and_cases(self) -> tuple[list[str], int]:
        User = get_user_model()
        lines = []
        for email, role, password, first, last in DEMO_STAFF:
            user = User.objects.filter(email=email).first() or staff_create(
                email=email, role=role, password=password, first_name=first, last_name=last
            )
            secret = _totp_secret(user)
            now_code = totp.code(secret)
            lines.append(f"  {role:<11} {email}  password: {password}  TOTP secret: {secret}  (code now: {now_code})")
        created = 0
        for spec in DEMO_CASES:
            spec = dict(spec)
            urls = spec.pop("urls")
            signed = bool(spec.get("signature_name"))
            case, was_created = Case.objects.get_or_create(
                reference=spec.pop("reference"),
                defaults={
                    **spec,
                    "pin_hash": pin_hash_make(DEMO_PIN),
                    "consent_share_hashes": True,
                    "consent_contact": bool(spec.get("contact_email")),
                    "consent_act_on_behalf": True,
                    "consent_given_at": timezone.now(),
                    "signature_statement": str(SIGNATURE_STATEMENT) if signed else "",
                    "signed_at": timezone.now() if signed else None,
                },
            )
            if was_created:
                created += 1
                case_urls_create(case=case, urls=urls)
                transaction.on_commit(lambda case_id=case.id: draft_for_case(case_id=case_id))
        return lines, created
