"""Evidence screenshots: metadata stripped, bombs and non-images refused, private storage, authorised serving only."""

from __future__ import annotations

import io
import os
import struct
import time
import zlib

import boto3
import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, PngImagePlugin

from cases.casework import evidence as cleaning
from cases.casework import services
from cases.casework.audit import Origin
from cases.casework.evidence import EvidenceRefused, clean_screenshot
from cases.casework.models import AuditRecord, Evidence
from tests.casework.conftest import make_case
from tests.services import s3_server

ORIGIN = Origin(ip="127.0.0.1", user_agent="pytest")
GPS_IFD = 0x8825


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0110] = "Model 7"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90 degrees when shown
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"taken at home")
    data = buffer.getvalue()
    reread = Image.open(io.BytesIO(data))
    assert reread.getexif().get_ifd(GPS_IFD), "the test image must carry GPS data to begin with"
    return data


def png_with_metadata() -> bytes:
    image = Image.new("RGBA", (40, 30), (0, 128, 0, 200))
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "51.5074 N, 0.1278 W")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPSLatitude 51.5</x:xmpmeta>")
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 26.0)})
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info, exif=exif.tobytes())
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny file that claims to be huge: a decompression bomb's header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def upload(data: bytes, name: str = "shot.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def local_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "helpline.storage.PrivateFileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


@pytest.fixture
def my_case(caseworker):
    case = make_case()
    services.case_claim(case=case, actor=caseworker, origin=ORIGIN)
    return case


def stored_bytes(evidence: Evidence) -> bytes:
    with evidence.file.open("rb") as handle:
        return handle.read()


@pytest.mark.django_db
def test_exif_and_gps_are_gone_after_a_jpeg_upload(local_storage, my_case, caseworker):
    evidence = services.evidence_add(
        case=my_case, upload=upload(jpeg_with_gps(), "photo.jpg"), kind="post", actor=caseworker, origin=ORIGIN
    )
    data = stored_bytes(evidence)
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "JPEG" and evidence.content_type == "image/jpeg"
    assert not stored.getexif() and "exif" not in stored.info and "comment" not in stored.info
    assert b"Exif" not in data and b"SecretCam" not in data and b"taken at home" not in data
    assert (stored.width, stored.height) == (48, 64), "the orientation was applied before it was dropped"
    assert evidence.file.name.startswith("evidence/") and my_case.reference not in evidence.file.name
    assert (local_storage / evidence.file.name).stat().st_mode & 0o077 == 0, "private file permissions"


@pytest.mark.django_db
def test_exif_xmp_and_text_chunks_are_gone_after_a_png_upload(local_storage, my_case, caseworker):
    evidence = services.evidence_add(
        case=my_case, upload=upload(png_with_metadata()), kind="profile", actor=caseworker, origin=ORIGIN
    )
    data = stored_bytes(evidence)
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "PNG" and stored.mode == "RGBA"
    assert stored.info == {} or set(stored.info) <= {"dpi"}
    assert not stored.getexif()
    for marker in (b"eXIf", b"tEXt", b"iTXt", b"zTXt", b"51.5", b"xmpmeta"):
        assert marker not in data, marker


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (png_header_only(100_000, 100_000), "too large to be a screenshot"),
        (png_header_only(8_000, 6_000), "too large to be a screenshot"),
        (b"%PDF-1.7\n1 0 obj <<>> endobj\n", "not a picture"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "not a picture"),
        (b"GIF89a-not-really", "not a picture"),
        (b"", "empty"),
    ],
    ids=["bomb-header", "over-pixel-cap", "pdf", "svg", "broken-gif", "empty"],
)
def test_bombs_and_non_images_are_refused(data, message):
    with pytest.raises(EvidenceRefused, match=message):
        clean_screenshot(upload(data))


def test_a_real_decompression_bomb_is_refused_before_it_is_decoded():
    # 64 megapixels of black: a few kilobytes on disk, 64 MB and more once decoded.
    buffer = io.BytesIO()
    Image.new("1", (8_000, 8_000)).save(buffer, "PNG", optimize=True)
    assert len(buffer.getvalue()) < 200_000
    with pytest.raises(EvidenceRefused, match="too large"):
        clean_screenshot(upload(buffer.getvalue()))


def test_pillows_own_pixel_limit_applies_too(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)
    with pytest.raises(EvidenceRefused, match="too large"):
        clean_screenshot(upload(png_with_metadata()))  # 1,200 pixels


def test_a_file_over_the_size_cap_is_refused_unread():
    big = upload(b"\x89PNG\r\n\x1a\n" + b"\0" * (cleaning.MAX_BYTES + 1))
    with pytest.raises(EvidenceRefused, match=r"too large\. Screenshots may be up to 10 MB"):
        clean_screenshot(big)


@pytest.mark.django_db
def test_an_upload_through_the_case_page_is_cleaned_and_a_bad_one_explained(local_storage, client, my_case, caseworker):
    client.force_login(caseworker)
    url = reverse("casework:evidence_add", args=[my_case.reference])
    response = client.post(url, {"kind": "url", "screenshot": upload(jpeg_with_gps(), "a.jpg")})
    assert response.status_code == 302
    evidence = Evidence.objects.get(case=my_case)
    assert b"SecretCam" not in stored_bytes(evidence)
    refused = client.post(url, {"kind": "url", "screenshot": upload(b"%PDF-1.4", "a.pdf", "application/pdf")})
    assert refused.status_code == 400
    assert "not a picture we can take" in refused.content.decode()
    assert Evidence.objects.filter(case=my_case).count() == 1
    assert AuditRecord.objects.filter(action=AuditRecord.Action.EVIDENCE_ADD, case=my_case).count() == 1


@pytest.mark.django_db
def test_a_tiny_png_of_13000_by_13000_pixels_is_refused_quickly_through_the_case_page(
    local_storage, client, my_case, caseworker
):
    buffer = io.BytesIO()
    Image.new("1", (13_000, 13_000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 64_000
    client.force_login(caseworker)
    url = reverse("casework:evidence_add", args=[my_case.reference])
    started = time.monotonic()
    refused = client.post(url, {"kind": "url", "screenshot": upload(buffer.getvalue(), "bomb.png")})
    assert time.monotonic() - started < 2.0  # decided from the header; decoding would take tens of seconds
    assert refused.status_code == 400
    assert "too large to be a screenshot. Crop it to the part that matters" in refused.content.decode()
    assert not Evidence.objects.filter(case=my_case).exists()
    assert list(local_storage.iterdir()) == []


@pytest.mark.django_db
def test_evidence_is_served_only_to_authorised_staff_and_each_view_is_audited(
    local_storage, client, my_case, caseworker, other_caseworker, supervisor
):
    evidence = services.evidence_add(
        case=my_case, upload=upload(png_with_metadata()), kind="post", actor=caseworker, origin=ORIGIN
    )
    url = reverse("casework:evidence_file", args=[my_case.reference, evidence.pk])

    client.force_login(other_caseworker)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302  # to sign-in
    assert not AuditRecord.objects.filter(action=AuditRecord.Action.EVIDENCE_VIEW).exists()

    for user in (caseworker, supervisor):
        client.force_login(user)
        response = client.get(url, REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="Evidence viewer")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == stored_bytes(evidence)
        assert response["Content-Type"] == "image/png"
        assert "no-store" in response["Cache-Control"]
        assert "sandbox" in response["Content-Security-Policy"]
    views = AuditRecord.objects.filter(action=AuditRecord.Action.EVIDENCE_VIEW).order_by("at", "id")
    assert [(r.actor, r.object_id, r.ip, r.user_agent) for r in views] == [
        (caseworker, str(evidence.pk), "198.51.100.4", "Evidence viewer"),
        (supervisor, str(evidence.pk), "198.51.100.4", "Evidence viewer"),
    ]
    other_case = make_case()
    assert client.get(reverse("casework:evidence_file", args=[other_case.reference, evidence.pk])).status_code == 404


@pytest.fixture
def s3_storage(settings):
    with s3_server() as endpoint:
        client = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
        )
        client.create_bucket(Bucket="evidence")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": "evidence",
                    "endpoint_url": endpoint,
                    "region_name": "us-east-1",
                    "access_key": "test",
                    "secret_key": "test",
                    "default_acl": "private",
                    "signature_version": "s3v4",
                    "querystring_auth": True,
                    "querystring_expire": 60,
                    "file_overwrite": False,
                },
            },
        }
        yield client, endpoint


@pytest.mark.services
@pytest.mark.django_db
def test_with_s3_evidence_is_a_private_object_reached_only_by_a_short_lived_signed_redirect(
    s3_storage, client, my_case, caseworker, other_caseworker
):
    s3, endpoint = s3_storage
    client.force_login(caseworker)
    response = client.post(
        reverse("casework:evidence_add", args=[my_case.reference]),
        {"kind": "post", "screenshot": upload(jpeg_with_gps(), "p.jpg")},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(case=my_case)
    stored = s3.get_object(Bucket="evidence", Key=evidence.file.name)["Body"].read()
    assert b"SecretCam" not in stored and b"Exif" not in stored
    acl = s3.get_object_acl(Bucket="evidence", Key=evidence.file.name)
    assert all(grant["Grantee"].get("URI") is None for grant in acl["Grants"]), "no public grant"
    assert requests.get(f"{endpoint}/evidence/{evidence.file.name}", timeout=5).status_code == 403

    page = client.get(reverse("casework:case", args=[my_case.reference]))
    assert endpoint in page["Content-Security-Policy"].split("img-src", 1)[1].split(";", 1)[0]

    url = reverse("casework:evidence_file", args=[my_case.reference, evidence.pk])
    response = client.get(url)
    assert response.status_code == 302
    signed = response["Location"]
    assert signed.startswith(endpoint) and "X-Amz-Signature=" in signed and "X-Amz-Expires=60" in signed
    assert requests.get(signed, timeout=5).content == stored
    assert AuditRecord.objects.filter(action=AuditRecord.Action.EVIDENCE_VIEW, actor=caseworker).count() == 1

    client.force_login(other_caseworker)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_a_screenshot_over_the_form_body_limit_is_still_taken_through_the_case_page(
    local_storage, client, my_case, caseworker, settings
):
    """The 2.5 MB limit on form bodies (tests/security/test_request_size.py) is not a limit on uploaded files."""
    buffer = io.BytesIO()
    # Noise does not compress: a PNG of about 4 MB, well within the 10 MB a screenshot may be.
    Image.frombytes("RGB", (1200, 1200), os.urandom(1200 * 1200 * 3)).save(buffer, "PNG")
    assert len(buffer.getvalue()) > settings.FORM_BODY_MAX_BYTES
    client.force_login(caseworker)
    url = reverse("casework:evidence_add", args=[my_case.reference])
    response = client.post(url, {"kind": "url", "screenshot": upload(buffer.getvalue(), "big.png")})
    assert response.status_code == 302
    assert Evidence.objects.filter(case=my_case).count() == 1
