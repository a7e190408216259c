"""Data retention: what a closed case keeps after its retention period (anonymous figures) and what is gone
(personal data, links, fingerprints, notes, messages, evidence objects in S3, request texts), the victim's
"delete my case" at once, and withdrawn bank hashes purged after partners have had time to see it."""

from __future__ import annotations

import io
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import timedelta

import boto3
import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.utils import timezone
from PIL import Image

from cases import retention
from cases.casework import services as casework
from cases.casework.audit import Origin
from cases.casework.models import AuditRecord, CaseAssignment, CaseMessage, CaseNote, Evidence
from cases.models import Case, CaseEvent, CaseHash, CaseURL
from cases.removals import drafting, state
from cases.removals import services as removals
from cases.removals.models import RemovalRequest, RequestTransition, RequestURL
from cases.services import case_bank_sync
from cases.status.services import case_sharing_withdraw
from hashing.models import BankEntry, BankEntryCase, BankStatus, FeedbackValue, PartnerFeedback
from helpline.celery import app
from tests.cases.helpers import post_form
from tests.security.conftest import PII, file_pii_case, production_env, victim_client
from tests.services import ROOT, celery_worker, s3_server, wait_for

ORIGIN = Origin.system()


def png(colour: tuple[int, int, int]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buffer, "PNG")
    return SimpleUploadedFile("shot.png", buffer.getvalue(), content_type="image/png")


def s3_settings(endpoint: str, bucket: str) -> dict:
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": "us-east-1",
            "access_key": "test",
            "secret_key": "test",
            "default_acl": "private",
            "signature_version": "s3v4",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }


@pytest.fixture
def s3(settings):
    """Evidence stored in S3 (moto's server over HTTP), as in production."""
    with s3_server() as endpoint:
        client = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
        )
        # moto keeps its buckets per process, across servers: each test gets a bucket of its own.
        bucket = f"evidence-{uuid.uuid4().hex[:12]}"
        client.create_bucket(Bucket=bucket)
        settings.STORAGES = {**settings.STORAGES, "default": s3_settings(endpoint, bucket)}
        yield S3(client, endpoint, bucket)


@dataclass
class S3:
    client: object
    endpoint: str
    bucket: str

    def keys(self) -> set[str]:
        return {item["Key"] for item in self.client.list_objects_v2(Bucket=self.bucket).get("Contents", [])}


def worked_case(caseworker, *, seed: int = 7, **pii):
    """A case with everything the portal can hold about a victim: contact details, links, fingerprints shared in
    the bank, drafted and sent removal requests with notes, casework notes, messages and an evidence file."""
    filed = file_pii_case(seed=seed, **pii)
    case = filed.case
    name = pii.get("name", PII["name"])
    drafting.draft_for_case(case_id=case.pk)
    casework.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    request = RemovalRequest.objects.filter(case=case, kind="removal").first()
    RemovalRequest.objects.filter(pk=request.pk).update(explanation_extra=f"{name} never agreed to this.")
    removals.removal_mark_ready(request_id=request.pk, actor=caseworker)
    removals.removal_mark_sent(
        request_id=request.pk,
        actor=caseworker,
        expected_status=state.READY,
        ticket_number="T-77",
        note=f"Filed for {name}",
        sent_via="web_form",
    )
    casework.note_add(case=case, text=f"{name} called from a new number", actor=caseworker, origin=ORIGIN)
    casework.message_send(case=case, body=f"Dear {name}, we sent the request.", actor=caseworker, origin=ORIGIN)
    evidence = casework.evidence_add(
        case=case, upload=png((seed, 0, 0)), kind="post", caption=f"Post about {name}", actor=caseworker, origin=ORIGIN
    )
    case.refresh_from_db()
    return filed, request, evidence


def close(case, caseworker, *, days_ago: float) -> None:
    casework.case_status_change(
        case=case, status=Case.Status.CLOSED, closing_reason="removed", actor=caseworker, origin=ORIGIN
    )
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=days_ago))


def pii_in_database(strings) -> list[str]:
    """Every stored value (decrypted where encrypted) of every model that contains one of the strings."""
    found = []
    for model in apps.get_models():
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField | models.EmailField)
        ]
        if not text_fields:
            continue
        for row in model._base_manager.values_list("pk", *text_fields):
            for field, value in zip(text_fields, row[1:], strict=True):
                if value and any(s.lower() in str(value).lower() for s in strings):
                    found.append(f"{model._meta.label}.{field} pk={row[0]}")
    return found


OTHER = {
    "name": "Ottoline Brasswick",
    "email": "ottoline.brasswick@example.net",
    "phone": "+44 7700 900555",
    "description": "Shared by a stranger called Fenwick Osgood",
    "elsewhere": "an imageboard named copperfen",
    "url_path": "copperfen-thread-4410",
}


@pytest.mark.services
def test_a_case_closed_past_retention_keeps_only_anonymous_figures_evidence_objects_deleted(
    s3, caseworker, platforms, django_capture_on_commit_callbacks
):
    old, _request, evidence = worked_case(caseworker)
    recent, _r, recent_evidence = worked_case(caseworker, seed=8, **OTHER)
    close(old.case, caseworker, days_ago=settings.RETENTION_DAYS_AFTER_CLOSE + 1)
    close(recent.case, caseworker, days_ago=settings.RETENTION_DAYS_AFTER_CLOSE - 1)
    assert s3.keys() == {evidence.file.name, recent_evidence.file.name}
    assert pii_in_database(PII.values()), "the scan must see the personal data before erasure"
    before = Case.objects.values().get(pk=old.case.pk)
    requests_before = list(
        RemovalRequest.objects.filter(case=old.case)
        .order_by("pk")
        .values_list("pk", "platform_id", "kind", "status", "sent_at", "created_at", "status_changed_at")
    )
    transitions_before = RequestTransition.objects.filter(request__case=old.case).count()
    assert requests_before and transitions_before

    with django_capture_on_commit_callbacks(execute=True):
        result = retention.retention_run()
    assert result.cases_erased == 1

    # Gone: every personal string, anywhere in the database, and the evidence object in S3.
    assert pii_in_database(PII.values()) == []
    assert s3.keys() == {recent_evidence.file.name}
    case = Case.objects.get(pk=old.case.pk)
    for field in ("contact_name", "contact_email", "contact_phone", "safe_contact", "description", "elsewhere"):
        assert getattr(case, field) == ""
    assert case.signature_name == "" and case.signature_statement == ""
    assert not case.pin_hash.startswith(("hmac-sha256", "pbkdf2", "md5", "scrypt"))
    for model in (CaseURL, CaseHash, CaseNote, CaseMessage, Evidence):
        assert not model.objects.filter(case=case).exists(), model.__name__
    assert not RequestURL.objects.filter(request__case=case).exists()
    assert set(RemovalRequest.objects.filter(case=case).values_list("sent_body", "explanation_extra")) == {("", "")}
    assert set(RequestTransition.objects.filter(request__case=case).values_list("note", "ticket_number")) == {("", "")}
    assert set(BankEntryCase.objects.filter(case=case).values_list("status", flat=True)) == {BankStatus.DELETED}

    # Kept: the anonymous figures reporting counts.
    for field in ("reference", "status", "created_at", "closed_at", "closing_reason", "categories", "language"):
        assert getattr(case, field) == before[field], field
    assert (case.is_urgent, case.is_minor, case.filed_by) == (before["is_urgent"], before["is_minor"], "self")
    assert case.erased_at is not None
    assert (
        list(
            RemovalRequest.objects.filter(case=case)
            .order_by("pk")
            .values_list("pk", "platform_id", "kind", "status", "sent_at", "created_at", "status_changed_at")
        )
        == requests_before
    )
    assert RequestTransition.objects.filter(request__case=case).count() == transitions_before
    assert CaseAssignment.objects.filter(case=case).exists()
    assert CaseEvent.objects.filter(case=case, kind="case_erased", detail__reason="retention").count() == 1
    assert AuditRecord.objects.filter(case_reference=case.reference, action="casework.erase").exists()

    # The case closed one day short of the period is untouched.
    kept = Case.objects.get(pk=recent.case.pk)
    assert kept.erased_at is None and kept.contact_email == OTHER["email"]
    assert Evidence.objects.filter(case=kept).count() == 1 and CaseNote.objects.filter(case=kept).count() == 1

    # Running again changes nothing.
    assert retention.retention_run().cases_erased == 0


def test_open_resolved_and_reopened_cases_are_never_erased_by_retention(caseworker, platforms):
    long_ago = timezone.now() - timedelta(days=settings.RETENTION_DAYS_AFTER_CLOSE * 3)
    open_case = file_pii_case(seed=11).case
    Case.objects.filter(pk=open_case.pk).update(created_at=long_ago)
    resolved = file_pii_case(seed=12).case
    Case.objects.filter(pk=resolved.pk).update(status=Case.Status.RESOLVED, created_at=long_ago)
    reopened = file_pii_case(seed=13).case
    casework.case_claim(case=reopened, actor=caseworker, origin=ORIGIN)
    close(reopened, caseworker, days_ago=settings.RETENTION_DAYS_AFTER_CLOSE + 5)
    due = list(retention.cases_due_for_erasure().values_list("pk", flat=True))
    assert due == [reopened.pk]
    # Reopened between the listing and the erasure: the erasure re-checks under the row lock and stands down.
    casework.case_status_change(case=reopened, status=Case.Status.IN_PROGRESS, actor=caseworker, origin=ORIGIN)
    assert retention.retention_erase_case(case_id=reopened.pk) is False
    assert retention.retention_run().cases_erased == 0
    assert not Case.objects.filter(erased_at__isnull=False).exists()
    assert [c.contact_email for c in Case.objects.all()] == [PII["email"]] * 3


def test_the_retention_period_is_a_setting(caseworker, platforms, settings):
    case = file_pii_case(seed=14).case
    casework.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    close(case, caseworker, days_ago=40)
    assert retention.retention_run(dry_run=True).cases_erased == 0
    settings.RETENTION_DAYS_AFTER_CLOSE = 30
    assert retention.retention_run(dry_run=True).cases_erased == 1
    assert Case.objects.get(pk=case.pk).erased_at is None  # a dry run changes nothing
    assert retention.retention_run().cases_erased == 1
    assert Case.objects.get(pk=case.pk).erased_at is not None


def settings_in_child(**env) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.RETENTION_DAYS_AFTER_CLOSE, settings.BANK_PURGE_DAYS_AFTER_WITHDRAWAL)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=production_env(**env), capture_output=True, text=True, timeout=60
    )


def test_retention_days_come_from_the_environment_strictly():
    assert settings_in_child().stdout.split() == ["180", "30"]
    custom = settings_in_child(RETENTION_DAYS_AFTER_CLOSE="90", BANK_PURGE_DAYS_AFTER_WITHDRAWAL="14")
    assert custom.stdout.split() == ["90", "14"]
    bad = settings_in_child(RETENTION_DAYS_AFTER_CLOSE="six months")
    assert bad.returncode != 0 and "RETENTION_DAYS_AFTER_CLOSE='six months' is not a whole number" in bad.stderr
    zero = settings_in_child(BANK_PURGE_DAYS_AFTER_WITHDRAWAL="0")
    assert zero.returncode != 0 and "BANK_PURGE_DAYS_AFTER_WITHDRAWAL=0 is too small" in zero.stderr


def test_nightly_beat_entry_runs_the_registered_retention_task():
    entry = settings.CELERY_BEAT_SCHEDULE["retention-nightly"]
    assert entry["task"] == "cases.retention_run"
    app.loader.import_default_modules()  # what a worker does at start: the apps' tasks modules
    assert entry["task"] in app.tasks
    schedule = entry["schedule"]
    # Once a day: the next run after any moment is less than 24 hours away, and two runs are 24 hours apart.
    assert schedule.hour == {3} and len(schedule.minute) == 1


def test_the_operator_command_counts_then_erases(caseworker, platforms):
    case = file_pii_case(seed=15).case
    casework.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    close(case, caseworker, days_ago=settings.RETENTION_DAYS_AFTER_CLOSE + 1)
    out = io.StringIO()
    call_command("retention_run", "--dry-run", stdout=out)
    assert "Retention due: 1 closed case(s) erased" in out.getvalue()
    assert Case.objects.get(pk=case.pk).erased_at is None
    out = io.StringIO()
    call_command("retention_run", stdout=out)
    assert "Retention done: 1 closed case(s) erased (closed more than 180 days ago)" in out.getvalue()
    assert Case.objects.get(pk=case.pk).contact_email == ""


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_nightly_task_run_by_a_real_worker_erases_due_cases_and_their_s3_objects(s3, caseworker, monkeypatch):
    import cases.intake.services
    from tests.removals.conftest import load_directory

    # Drafting is run here directly; nothing of this test goes to the shared Redis's default queue.
    monkeypatch.setattr(cases.intake.services, "queue_drafting", lambda **kw: None)
    load_directory()
    filed, _request, evidence = worked_case(caseworker)
    close(filed.case, caseworker, days_ago=settings.RETENTION_DAYS_AFTER_CLOSE + 1)
    assert s3.keys() == {evidence.file.name}
    storage_env = {
        "AWS_STORAGE_BUCKET_NAME": s3.bucket,
        "AWS_S3_ENDPOINT_URL": s3.endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }
    with celery_worker(extra_env=storage_env) as (process, queue):
        app.send_task("cases.retention_run", queue=queue)
        wait_for(
            lambda: Case.objects.filter(pk=filed.case.pk, erased_at__isnull=False).exists(),
            timeout=60,
            what="the worker's retention run",
        )
        wait_for(lambda: s3.keys() == set(), timeout=30, what="the evidence object to be deleted")
        assert process.poll() is None
    assert pii_in_database(PII.values()) == []


# --- The victim's "delete my case": at once, through the status page, evidence objects included. ---


@pytest.mark.services
def test_delete_my_case_erases_at_once_including_the_evidence_object(
    s3, caseworker, platforms, django_capture_on_commit_callbacks
):
    filed, _request, evidence = worked_case(caseworker)
    browser = victim_client(filed)
    assert s3.keys() == {evidence.file.name}
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(browser, "/status/case/delete/", {"confirm": "on"})
    assert response.status_code == 200
    assert s3.keys() == set()
    assert pii_in_database(PII.values()) == []
    case = Case.objects.get(pk=filed.case.pk)
    assert case.erased_at is not None and case.closing_reason == "erased"
    assert browser.get("/status/case/").status_code == 302  # signed out
    again = post_form(Client(), "/status/", {"reference": case.reference, "pin": filed.pin})
    assert again.status_code == 200  # the reference and PIN no longer open anything


def rows_containing(strings) -> list[str]:
    """Every row of every table in the database whose text (all its columns, as PostgreSQL prints the row, JSON
    and arrays included) contains one of the strings: what a dump of the database would show. Runs inside the
    test's transaction, so it sees exactly what the portal wrote."""
    from django.db import connection

    patterns = [f"%{s}%" for s in strings]
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(f"SELECT t::text FROM {table} AS t WHERE t::text ILIKE ANY(%s)", [patterns])  # noqa: S608
            found += [f"{table}: {row[0][:200]}" for row in cursor.fetchall()]
    return found


IDENTIFYING_HOST = "alice-realname.example.com"
IDENTIFYING_CONTACT = "abuse@alice-host.example.net"


def test_delete_my_case_leaves_no_identifying_string_in_any_row_of_any_table(
    settings, tmp_path, caseworker, platforms, django_capture_on_commit_callbacks
):
    from cases.status.services import case_urls_add

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "helpline.storage.PrivateFileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    filed, _request, _evidence = worked_case(caseworker)
    case = filed.case
    # A site named after the victim, its abuse address, and a request sent there by email.
    case_urls_add(case=case, urls=[f"https://{IDENTIFYING_HOST}/photos/{PII['url_path']}"])
    drafting.draft_for_case(case_id=case.pk)
    request = RemovalRequest.objects.get(case=case, host=IDENTIFYING_HOST, kind="removal")
    removals.removal_edit_draft(
        request_id=request.pk,
        actor=caseworker,
        basis=(request.platform.accepted_bases or ["platform_policy"])[0],
        channel_id=None,
        abuse_contact=IDENTIFYING_CONTACT,
    )
    removals.removal_mark_ready(request_id=request.pk, actor=caseworker)
    token = removals.removal_approve_send(request_id=request.pk, actor=caseworker).send_claim_token
    assert removals.removal_send_email(request_id=request.pk, token=token) == "sent"
    request.refresh_from_db()
    assert (request.host, request.sent_to, request.status) == (IDENTIFYING_HOST, IDENTIFYING_CONTACT, state.SENT)
    removals.escalation_prepare(request=request)  # a second request for the same site
    identifying = [*PII.values(), IDENTIFYING_HOST, IDENTIFYING_CONTACT, "alice-realname", "alice-host"]
    assert rows_containing(identifying), "the case must hold the identifying strings in plain columns to begin with"

    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(victim_client(filed), "/status/case/delete/", {"confirm": "on"})
    assert response.status_code == 200
    assert rows_containing(identifying) == []
    assert pii_in_database(identifying) == []  # encrypted columns too, decrypted
    # What stays are anonymous figures: the requests, one name per site, no address, no text.
    hosts = set(RemovalRequest.objects.filter(case=case).exclude(host="").values_list("host", flat=True))
    assert hosts == {"erased-1"}
    assert RemovalRequest.objects.filter(case=case, host="erased-1").count() == 2


def test_a_case_cannot_be_deleted_in_the_admin_only_erased_through_the_erasure_service(
    settings, tmp_path, caseworker, platforms, django_user_model, django_capture_on_commit_callbacks
):
    from tests import totp

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "helpline.storage.PrivateFileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    filed, _request, evidence = worked_case(caseworker)
    case = filed.case
    stored = tmp_path / evidence.file.name
    assert stored.exists() and BankEntry.objects.filter(case_links__case=case, status=BankStatus.ACTIVE).exists()
    root = django_user_model.objects.create_superuser(email="root@helpline.test", password="x" * 24)
    totp.enrol(root, totp.new_secret())
    admin = Client(HTTP_USER_AGENT="admin-browser/1.0")
    admin.force_login(root)
    changelist = "/admin/cases/case/"

    # The attack: delete the row (one case, or "delete selected"). Refused, and nothing changes.
    assert admin.get(f"{changelist}{case.pk}/delete/").status_code == 403
    assert admin.post(f"{changelist}{case.pk}/delete/", {"post": "yes"}).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(changelist, {"action": "delete_selected", "_selected_action": [case.pk], "post": "yes"})
    assert Case.objects.filter(pk=case.pk, erased_at__isnull=True).exists() and stored.exists()
    assert "delete_selected" not in admin.get(changelist).content.decode()
    assert admin.get(f"/admin/removals/removalrequest/{_request.pk}/delete/").status_code == 403

    # Erasing asks first, then goes through case_erase: files, bank, timeline and audit log.
    ask = admin.post(changelist, {"action": "erase_cases", "_selected_action": [case.pk]})
    assert ask.status_code == 200 and case.reference in ask.content.decode()
    assert Case.objects.get(pk=case.pk).erased_at is None
    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post(
            changelist, {"action": "erase_cases", "_selected_action": [case.pk], "erase_confirmed": "yes"}
        )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.erased_at is not None and case.closing_reason == "erased"
    assert not stored.exists()
    assert set(BankEntry.objects.filter(case_links__case=case).values_list("status", flat=True)) == {BankStatus.DELETED}
    assert CaseEvent.objects.filter(case=case, kind="case_erased", actor=root, actor_label="staff").exists()
    record = AuditRecord.objects.get(case=case, action=AuditRecord.Action.CASEWORK_ERASE)
    assert (record.actor, record.ip, record.user_agent) == (root, "127.0.0.1", "admin-browser/1.0")
    assert pii_in_database(PII.values()) == []


# --- The hash bank: withdrawn hashes leave the feed at once and are purged later. ---


def feed_statuses(case) -> set[str]:
    return set(BankEntry.objects.filter(case_links__case=case).values_list("status", flat=True))


def test_withdrawn_hashes_leave_matching_at_once_and_are_purged_after_partners_had_time(platforms, partner_keys):
    from hashing.bank.partners import partner_key_authenticate

    withdrawing = file_pii_case(seed=21).case
    # Two victims with the same image share its bank entries: one withdrawing leaves them shared by the other.
    still_shared = file_pii_case(seed=22).case
    also_withdrawing = file_pii_case(seed=22).case
    # Filed second, the same image waited for review (cases.intake.screening); a caseworker released it.
    assert also_withdrawing.bank_is_held
    CaseHash.objects.filter(case=also_withdrawing).update(bank_held=False)
    case_bank_sync(case=also_withdrawing)
    partner = partner_key_authenticate(partner_keys.live).partner
    entry_ids = set(BankEntry.objects.filter(case_links__case=withdrawing).values_list("pk", flat=True))
    assert entry_ids and feed_statuses(withdrawing) == {BankStatus.ACTIVE}
    PartnerFeedback.objects.create(partner=partner, entry_id=min(entry_ids), value=FeedbackValue.BLOCKED)
    md5 = CaseHash.objects.filter(case=withdrawing).values_list("md5", flat=True).first()

    def matched() -> list:
        response = Client().post(
            "/api/v1/match",
            {"signal_type": "md5", "hashes": [md5]},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {partner_keys.live}",
        )
        assert response.status_code == 200
        return response.json()["results"][0]["matches"]

    assert matched()
    # The partner holds the hashes (it fetched them), so it is sent their withdrawal (a partner whose first
    # fetch came after it never is: tests/hashing/test_partner_isolation.py).
    Client().get("/stopncii/v1/FetchHashes", HTTP_OCP_APIM_SUBSCRIPTION_KEY=partner_keys.live)
    case_sharing_withdraw(case=withdrawing)
    case_sharing_withdraw(case=also_withdrawing)
    # At once: Withdrawn in the feed (partners drop it) and no longer matched.
    assert feed_statuses(withdrawing) == {BankStatus.WITHDRAWN}
    assert matched() == []
    feed = Client().get("/stopncii/v1/FetchHashes", HTTP_OCP_APIM_SUBSCRIPTION_KEY=partner_keys.live).json()
    assert {h["hashStatus"] for h in feed["hashRecords"]} >= {"Withdrawn"}

    days = settings.BANK_PURGE_DAYS_AFTER_WITHDRAWAL
    assert retention.bank_purge_withdrawn(now=timezone.now() + timedelta(days=days - 1)) == 0
    assert BankEntry.objects.filter(pk__in=entry_ids).count() == len(entry_ids)
    purged = retention.bank_purge_withdrawn(now=timezone.now() + timedelta(days=days, minutes=1))
    assert purged == len(entry_ids)
    assert not BankEntry.objects.filter(pk__in=entry_ids).exists()
    assert not BankEntryCase.objects.filter(case=withdrawing).exists()
    assert not PartnerFeedback.objects.filter(entry_id__in=entry_ids).exists()
    # Entries another case still shares stay Active and are never purged. The case keeps its own fingerprints.
    assert feed_statuses(still_shared) == {BankStatus.ACTIVE}
    assert BankEntryCase.objects.filter(case=also_withdrawing, status=BankStatus.WITHDRAWN).exists()
    assert CaseHash.objects.filter(case=withdrawing).exists()
    assert Case.objects.get(pk=withdrawing.pk).erased_at is None
