"""Hashes the victim's browser made of their files, as posted by the picker: parsed and checked by type."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.models import CaseHash
from hashing.values import FileHashes, HashValueError

MAX_FILES = 50
# A JSON list of 50 files with 8 dihedral PDQ hashes each is about 40 kB. A video's vPDQ frames take about 110 to
# 150 bytes a second (a browser may write a timestamp with 17 digits), so 4 hours of video
# (hashing.values.MAX_VPDQ_FRAMES) is 1.6 to 2.2 MB, and 2.9 MB once urlencoded. The cap leaves room for two such
# videos and stays under DATA_UPLOAD_MAX_MEMORY_SIZE once urlencoded, so an over-long list gets this message
# rather than a bare 400.
MAX_JSON_LENGTH = 4_500_000


def parse_hash_list(text: str, *, limit: int = MAX_FILES) -> list[dict]:
    """The JSON list the picker puts in the form: one object per file, as `hashFile()` returns it.

    Returns canonical dicts (FileHashes.as_dict plus media_kind), duplicates (same SHA-256) merged.
    """
    text = (text or "").strip()
    if not text:
        return []
    if len(text) > MAX_JSON_LENGTH:
        raise ValidationError(
            _("Too many fingerprints at once. Please add at most %(limit)s files."), params={"limit": limit}
        )
    try:
        items = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: hostile nesting like "[[[[..."
        raise ValidationError(
            _("The fingerprints of your files could not be read. Please choose the files again.")
        ) from None
    if not isinstance(items, list):
        raise ValidationError(_("The fingerprints of your files could not be read. Please choose the files again."))
    if len(items) > limit:
        raise ValidationError(
            _("Too many fingerprints at once. Please add at most %(limit)s files."), params={"limit": limit}
        )
    found: dict[str, dict] = {}
    for item in items:
        if not isinstance(item, dict):
            raise ValidationError(_("The fingerprints of your files could not be read. Please choose the files again."))
        try:
            hashes = FileHashes.from_browser(item)
        except (HashValueError, TypeError, ValueError):
            raise ValidationError(
                _("One of the fingerprints is not valid. Please remove that file and choose it again.")
            ) from None
        kind = item.get("media_kind") or item.get("kind")
        if hashes.is_video:
            kind = CaseHash.MediaKind.VIDEO  # frames (or the browser's refusal to decode) say what it is
        elif kind not in CaseHash.MediaKind.values:
            kind = CaseHash.MediaKind.IMAGE if hashes.is_image else CaseHash.MediaKind.OTHER
        found.setdefault(hashes.sha256.hex, {**hashes.as_dict(), "media_kind": kind})
    return list(found.values())


def case_hash_from(values: dict, *, case) -> CaseHash:
    """An unsaved CaseHash from one canonical dict of parse_hash_list."""
    return CaseHash(
        case=case,
        media_kind=values["media_kind"],
        pdq=values.get("pdq") or "",
        pdq_quality=values.get("pdq_quality"),
        pdq_oriented=values.get("pdq_oriented") or "",
        pdq_dihedral=values.get("pdq_dihedral") or [],
        phash=values.get("phash") or "",
        md5=values["md5"],
        sha256=values["sha256"],
        # Rows of [pdq, quality, frame_number, timestamp]: a quarter of the size of the browser's objects.
        vpdq_frames=[[f["pdq"], f["quality"], f["frame_number"], f["timestamp"]] for f in values["vpdq"]]
        if values.get("vpdq") is not None
        else None,
        video=values.get("video"),
        vpdq_error=values.get("vpdq_error") or "",
    )
