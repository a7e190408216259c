"""The victim's own case summary (status page): a PDF in their language, their links and requests, no pictures."""

from __future__ import annotations

import io
import subprocess

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases.casework import services as casework_services
from cases.casework.audit import Origin
from cases.intake.services import case_file
from cases.models import CaseEvent
from cases.removals import drafting
from cases.removals import services as removal_services
from cases.removals.models import RemovalRequest
from tests.cases.helpers import fingerprint, post_form
from tests.removals.conftest import helpline, platforms  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("platforms", "helpline")


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60
    ).stdout.decode()


def pdf_image_count(pdf: bytes) -> int:
    listing = subprocess.run(
        [
            "pdfimages",
            "-list",
            "-",
        ],
        input=pdf,
        capture_output=True,
        timeout=60,
    )
    if listing.returncode != 0:  # older poppler cannot read stdin: count image XObjects instead
        return pdf.count(b"/Subtype /Image")
    return max(0, len(listing.stdout.decode().splitlines()) - 2)


@pytest.fixture
def spanish_case(caseworker):
    cache.clear()
    filed = case_file(
        draft={
            "safety": {"safe_now": "yes", "age": "adult", "filed_by": "self"},
            "where": {"urls": ["https://instagram.com/p/summary1"], "elsewhere": ""},
            "images": {"hashes": [fingerprint(3)]},
            "contact": {"name": "Lucía", "email": "lucia@example.net", "safe_channels": ["email"]},
            "consent": {"consent_share_hashes": True, "consent_contact": True, "consent_act_on_behalf": True},
        },
        language="es",
    )
    case = filed.case
    case.assigned_to = caseworker
    case.save(update_fields=["assigned_to"])
    drafting.draft_for_case(case_id=case.pk)
    request = RemovalRequest.objects.get(case=case, platform__slug="instagram", kind="removal")
    request.explanation_extra = "Las compartió una expareja sin su consentimiento."
    request.save(update_fields=["explanation_extra"])
    removal_services.removal_mark_ready(request_id=request.pk, actor=caseworker)
    removal_services.removal_mark_sent(
        request_id=request.pk, actor=caseworker, expected_status="ready", ticket_number="IG-SUM-1"
    )
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (10, 120, 10)).save(buffer, format="PNG")
    casework_services.evidence_add(
        case=case, upload=SimpleUploadedFile("s.png", buffer.getvalue(), content_type="image/png"), kind="post",
        actor=caseworker, origin=Origin(ip="127.0.0.1", user_agent="pytest"),
    )  # fmt: skip
    return filed


def test_the_victim_downloads_a_summary_in_their_language_without_any_picture(client, spanish_case):
    response = post_form(client, "/status/", {"reference": spanish_case.case.reference, "pin": spanish_case.pin})
    assert response.status_code == 302
    page = client.get("/status/case/").content.decode()
    assert "/status/case/summary/" in page
    summary = client.get("/status/case/summary/")
    assert summary.status_code == 200 and summary["Content-Type"] == "application/pdf"
    assert summary["Content-Disposition"] == 'attachment; filename="summary.pdf"'
    text = pdf_text(summary.content)
    assert "Resumen del caso" in text and "Solicitudes enviadas" in text and "Enviada" in text
    assert "https://instagram.com/p/summary1" in text and "IG-SUM-1" in text
    assert pdf_image_count(summary.content) == 0
    assert CaseEvent.objects.filter(case=spanish_case.case, kind="victim_summary_downloaded").exists()


def test_the_summary_needs_the_victims_sign_in(client, spanish_case):
    response = client.get("/status/case/summary/")
    assert response.status_code in (302, 403) and response.get("Content-Type") != "application/pdf"


def test_the_staff_pack_of_a_spanish_case_is_in_spanish(caseworker_client, spanish_case):
    import zipfile

    from django.urls import reverse

    response = caseworker_client.post(reverse("casework:evidence_pack", args=[spanish_case.case.reference]))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    pdf = archive.read("evidence-pack.pdf")
    text = pdf_text(pdf)
    assert "Expediente de pruebas" in text and "Cronología" in text and "Capturas de pantalla" in text
    assert pdf_image_count(pdf) >= 1  # the staff pack does carry the screenshot
