"""The evidence pack: a PDF (read back with pdftotext) and a ZIP whose manifest hashes match its files; staff
who work the case only; audited; nothing the victim gave only to be reached safely."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cases.casework import services as casework_services
from cases.casework.audit import Origin
from cases.casework.evidence_pack import shipped_only_fetcher
from cases.casework.models import AuditRecord
from cases.removals.replies import services as reply_services
from cases.removals.replies.models import PlatformReply
from tests.removals.conftest import committed, helpline, platforms, sends  # noqa: F401 - fixtures
from tests.removals.replies_cast import TELEGRAM_RULES, emailed_request, reply_mail

pytestmark = pytest.mark.usefixtures("platforms", "helpline")
ORIGIN = Origin(ip="127.0.0.1", user_agent="pytest")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "evidence-pack"
CODE_WORD = "marigold-7731"
PHONE = "+44 7700 900555"


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60)
    return done.stdout.decode()


def screenshot() -> bytes:
    image = Image.new("RGB", (320, 200), (240, 240, 240))
    for x in range(40, 280):
        for y in range(60, 70):
            image.putpixel((x, y), (30, 30, 120))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def case_with_history(caseworker, sends, committed):  # noqa: F811
    request, message = emailed_request(caseworker, sends, committed, rules=TELEGRAM_RULES)
    case = request.case
    case.contact_phone = PHONE
    case.contact_email = "victim-private@example.org"
    case.safe_contact = json.dumps({"channels": ["email"], "times": "evenings", "code_word": CODE_WORD})
    case.save()
    reply_services.reply_ingest(
        raw=reply_mail(to=message.reply_to[0], body="The content has been removed.\nTicket # TG-424242"),
        route=PlatformReply.Route.IMAP,
    )
    casework_services.evidence_add(
        case=case,
        upload=SimpleUploadedFile("shot.png", screenshot(), content_type="image/png"),
        kind="post",
        actor=caseworker,
        origin=ORIGIN,
        caption="The post as it appeared",
    )
    return case, request


def export(client, case):
    return client.post(reverse("casework:evidence_pack", args=[case.reference]))


def test_the_pack_holds_the_pdf_the_files_and_a_manifest_whose_hashes_match(case_with_history, caseworker_client):
    case, request = case_with_history
    response = export(caseworker_client, case)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    names = {f["name"] for f in manifest["files"]}
    assert "evidence-pack.pdf" in names and any(n.startswith("evidence/") for n in names)
    assert set(archive.namelist()) == names | {"manifest.json"}
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"]
    pdf = archive.read("evidence-pack.pdf")
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    evidence_hash = next(f["sha256"] for f in manifest["files"] if f["name"].startswith("evidence/"))
    for expected in (case.reference, "https://t.me/somechannel/12", request.code, "TG-424242",
                     "The content has been removed.", evidence_hash[:32], "Timeline", "Requests sent"):  # fmt: skip
        assert expected in text.replace("\n", " ") or expected in text, expected
    request.refresh_from_db()
    assert request.sent_body.splitlines()[0][:40] in text

    # Pages for the closing note.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "evidence-pack.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(ARTIFACTS / "evidence-pack.pdf"), str(ARTIFACTS / "page")],
            check=True,
            timeout=120,
        )


def test_the_pack_never_holds_the_victims_contact_details_or_code_word(case_with_history, caseworker_client):
    case, _ = case_with_history
    archive = zipfile.ZipFile(io.BytesIO(export(caseworker_client, case).content))
    text = pdf_text(archive.read("evidence-pack.pdf"))
    assert CODE_WORD not in text and PHONE not in text and "victim-private@example.org" not in text
    assert "evenings" not in text
    for name in archive.namelist():
        assert CODE_WORD.encode() not in archive.read(name)


def test_the_export_is_audited_with_the_pdfs_hash(case_with_history, caseworker_client, caseworker):
    case, _ = case_with_history
    archive = zipfile.ZipFile(io.BytesIO(export(caseworker_client, case).content))
    record = AuditRecord.objects.get(action=AuditRecord.Action.CASE_EXPORT, case=case)
    assert record.actor == caseworker
    assert record.detail["pdf_sha256"] == hashlib.sha256(archive.read("evidence-pack.pdf")).hexdigest()


def test_staff_who_do_not_work_the_case_cannot_export_it_and_nothing_is_recorded(
    case_with_history, client, other_caseworker
):
    case, _ = case_with_history
    client.force_login(other_caseworker)
    assert export(client, case).status_code == 403
    assert not AuditRecord.objects.filter(action=AuditRecord.Action.CASE_EXPORT).exists()


def test_a_victim_or_anyone_signed_out_cannot_export(case_with_history, client):
    case, _ = case_with_history
    assert export(client, case).status_code in (302, 403)
    assert not AuditRecord.objects.filter(action=AuditRecord.Action.CASE_EXPORT).exists()


def test_the_pack_is_a_download_by_post_only(case_with_history, caseworker_client):
    case, _ = case_with_history
    assert caseworker_client.get(reverse("casework:evidence_pack", args=[case.reference])).status_code == 405


def test_the_pdf_renderer_fetches_nothing_but_the_shipped_fonts_and_inline_images():
    fetcher = shipped_only_fetcher()
    for url in ("http://127.0.0.1:9/", "https://example.org/x.png", "file:///etc/passwd", "ftp://x/y"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    font = Path(__file__).resolve().parents[2] / "cases" / "casework" / "fonts" / "DejaVuSans.ttf"
    assert fetcher.fetch(font.as_uri()).read(4) == font.read_bytes()[:4]


def test_making_a_pack_leaves_the_process_refusing_truncated_pictures(case_with_history, caseworker_client):
    """WeasyPrint loosens Pillow for the whole process when imported (LOAD_TRUNCATED_IMAGES); after an export
    in the same worker, a half-sent JPEG must still be refused by the server's hashing, not hashed as a picture."""
    from PIL import ImageFile

    from hashing.reference import hash_bytes

    case, _request = case_with_history
    assert export(caseworker_client, case).status_code == 200
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    photo = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 30, 200)).save(photo, "JPEG", quality=90)
    truncated = photo.getvalue()[: len(photo.getvalue()) // 2]
    assert hash_bytes(truncated).pdq is None
