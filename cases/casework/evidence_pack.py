"""The evidence pack for police or a lawyer: one case's timeline, URLs, requests with their replies and the evidence
screenshots, as a PDF (WeasyPrint, fonts shipped in cases/casework/fonts/) inside a ZIP with the files and a
manifest of their SHA-256 hashes. Also the victim's own summary (no evidence images).

What it never holds: the victim's contact details, safe-contact preferences and code word, internal notes and
the staff's messages to the victim. Those are what the victim gave the helpline to reach them safely, not
evidence; the pack is handed to people outside the helpline."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cases.casework.models import Evidence
from cases.models import Case, CaseEvent, CaseURL
from cases.removals.models import RemovalRequest, RequestTransition
from cases.removals.replies.models import PlatformReply

FONTS = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"}


@dataclass
class UrlLine:
    url: str
    platform: str
    added_at: datetime
    reported_at: datetime | None
    checked_at: datetime | None
    check_result: str
    status: str
    removed_at: datetime | None


@dataclass
class EvidenceFile:
    name: str
    kind: str
    caption: str
    created_at: datetime
    sha256: str
    data: bytes = field(repr=False)
    content_type: str = ""

    @property
    def data_uri(self) -> str:
        return f"data:{self.content_type};base64,{base64.b64encode(self.data).decode()}"


@dataclass
class PackContent:
    case: Case
    generated_at: datetime
    timeline: list[tuple[datetime, str]]
    urls: list[UrlLine]
    requests: list[RemovalRequest]
    evidence: list[EvidenceFile]


def _urls(case: Case, requests: list[RemovalRequest]) -> list[UrlLine]:
    by_url: dict[int, list[RemovalRequest]] = {}
    for request in requests:
        for link in request.request_urls.all():
            by_url.setdefault(link.case_url_id, []).append(request)
    lines = []
    for case_url in CaseURL.objects.filter(case=case).select_related("recheck").order_by("created_at", "id"):
        covering = by_url.get(case_url.pk, [])
        sent = [r.sent_at for r in covering if r.sent_at]
        latest = max(covering, key=lambda r: (r.status_changed_at, r.pk), default=None)
        removed = [
            t.at for r in covering for t in r.transitions.all() if t.to_status == "removed"
        ]  # fmt: skip
        check = getattr(case_url, "recheck", None)
        lines.append(
            UrlLine(
                url=case_url.url,
                platform=latest.target_name if latest else case_url.host,
                added_at=case_url.created_at,
                reported_at=min(sent) if sent else None,
                checked_at=check.checked_at if check else None,
                check_result=check.get_result_display() if check and check.checked_at else "",
                status=latest.status_label if latest else "",
                removed_at=max(removed) if removed else None,
            )
        )
    return lines


def collect(case: Case, *, with_evidence: bool = True) -> PackContent:
    requests = list(
        RemovalRequest.objects.filter(case=case)
        .select_related("platform", "channel")
        .prefetch_related(
            "request_urls",
            Prefetch("transitions", RequestTransition.objects.order_by("at", "id")),
            Prefetch("replies", PlatformReply.objects.prefetch_related("attachments").order_by("received_at", "id")),
        )
        .order_by("created_at", "id")
    )
    evidence = []
    if with_evidence:
        for n, item in enumerate(Evidence.objects.filter(case=case).order_by("created_at", "id"), start=1):
            with default_storage.open(item.file.name) as stored:
                data = stored.read()
            ext = item.file.name.rsplit(".", 1)[-1]
            evidence.append(
                EvidenceFile(
                    name=f"evidence/{n:03d}.{ext}", kind=item.get_kind_display(), caption=item.caption,
                    created_at=item.created_at, sha256=hashlib.sha256(data).hexdigest(), data=data,
                    content_type=item.content_type,
                )
            )  # fmt: skip
    return PackContent(
        case=case,
        generated_at=timezone.now(),
        timeline=[
            (event.at, event.kind.replace("_", " ").capitalize())
            for event in CaseEvent.objects.filter(case=case).order_by("at", "id")
        ],
        urls=_urls(case, requests),
        requests=requests,
        evidence=evidence,
    )


def _import_weasyprint() -> None:
    """Import WeasyPrint without letting it loosen Pillow for the whole process.

    weasyprint.images sets Pillow's global `ImageFile.LOAD_TRUNCATED_IMAGES = True` when imported; left so, every
    later decode in this process (hashing in hashing/reference.py, evidence screenshots, re-checks) would accept
    a truncated picture as whole. The pack only embeds images the portal re-encoded itself, so it needs no such
    tolerance: put the flag back as it was.
    """
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    import weasyprint
    import weasyprint.images  # noqa: F401

    ImageFile.LOAD_TRUNCATED_IMAGES = before


def shipped_only_fetcher():
    """WeasyPrint may load nothing but the shipped fonts and the inline (data:) images: no network, no other
    file. A URL in a reply or a caption can never make the server fetch anything."""
    _import_weasyprint()
    from weasyprint.urls import URLFetcher

    class ShippedOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file://"):
                path = Path(url[len("file://") :].split("?")[0]).resolve()
                if not (path.parent == FONTS and path.name in FONT_FILES):
                    raise ValueError("The evidence pack loads no file but its shipped fonts.")
            return super().fetch(url, headers)

    return ShippedOnly(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=5)


def render_pdf(content: PackContent, *, template: str = "casework/evidence_pack.html") -> bytes:
    _import_weasyprint()
    from weasyprint import HTML

    with translation.override(content.case.language if content.case.language in ("en", "es") else "en"):
        html = render_to_string(template, {"pack": content, "fonts": FONTS.as_uri()})
    return HTML(string=html, url_fetcher=shipped_only_fetcher(), base_url=FONTS.as_uri() + "/").write_pdf()


def build_zip(content: PackContent) -> tuple[bytes, dict]:
    """The ZIP: the PDF, every evidence file as stored, every kept reply attachment, and manifest.json."""
    pdf = render_pdf(content)
    files: list[tuple[str, bytes]] = [("evidence-pack.pdf", pdf)]
    files += [(item.name, item.data) for item in content.evidence]
    for request in content.requests:
        for reply in request.replies.all():
            for attachment in reply.attachments.all():
                if attachment.file:
                    with default_storage.open(attachment.file.name) as stored:
                        data = stored.read()
                    ext = attachment.file.name.rsplit(".", 1)[-1]
                    files.append((f"replies/{request.code}/{reply.pk}-{attachment.pk}.{ext}", data))
    manifest = {
        "case": content.case.reference,
        "generated_at": content.generated_at.isoformat(),
        "files": [
            {"name": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in files
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    return buffer.getvalue(), manifest


class PackRefused(Exception):
    """The pack cannot be made for this case; the message says why."""


def evidence_pack_export(*, case: Case, actor, origin) -> tuple[bytes, dict]:
    """Build the ZIP for one case and record who exported it, when, and the PDF's hash (audit and timeline)."""
    from django.db import transaction

    from cases.casework.audit import audit_record
    from cases.casework.models import AuditRecord
    from cases.timeline import event_record

    if case.erased_at is not None:
        raise PackRefused("This case's details were erased; there is nothing to export.")
    content = collect(case)
    data, manifest = build_zip(content)
    with transaction.atomic():
        audit_record(
            action=AuditRecord.Action.CASE_EXPORT, actor=actor, origin=origin, case=case,
            pdf_sha256=manifest["files"][0]["sha256"], zip_sha256=hashlib.sha256(data).hexdigest(),
            files=len(manifest["files"]),
        )  # fmt: skip
        event_record(case=case, kind=CaseEvent.Kind.EVIDENCE_PACK_EXPORTED, actor=actor, files=len(manifest["files"]))
    return data, manifest
