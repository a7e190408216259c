"""Cleaning an evidence screenshot: image types only, size and pixel caps, re-encoded without any metadata."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
# A screenshot of even a very tall page stays far below this; a decompression bomb does not.
MAX_PIXELS = 40_000_000
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")


class EvidenceRefused(Exception):
    """The upload is not an acceptable screenshot; the message says what was wrong and what to do."""


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    extension: str
    content_type: str
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _pixel_limit() -> int:
    # Pillow's own limit applies too (its warning is made an error below); ours is stricter.
    pillow = Image.MAX_IMAGE_PIXELS
    return min(MAX_PIXELS, pillow) if pillow else MAX_PIXELS


def clean_screenshot(upload, *, size: int | None = None) -> CleanImage:
    """Decode the upload and re-encode its pixels only: EXIF (GPS included), XMP, IPTC, comments, ICC and
    text chunks are all dropped, and the EXIF orientation is applied first so the picture stays upright."""
    size = size if size is not None else getattr(upload, "size", None)
    if size is None or size > MAX_BYTES:
        raise EvidenceRefused(f"The file is too large. Screenshots may be up to {MAX_BYTES // (1024 * 1024)} MB.")
    if size == 0:
        raise EvidenceRefused("The file is empty. Choose the screenshot again.")
    limit = _pixel_limit()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(upload, formats=ACCEPTED_FORMATS)
            # Checked from the header, before a single pixel is decoded.
            width, height = image.size
            if width * height > limit or width <= 0 or height <= 0:
                raise EvidenceRefused(
                    f"The image is {width} by {height} pixels, too large to be a screenshot. "
                    "Crop it to the part that matters and try again."
                )
            source_format = image.format
            image.load()
            image = ImageOps.exif_transpose(image)
        except EvidenceRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise EvidenceRefused(
                "The image is too large to be a screenshot. Crop it to the part that matters and try again."
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise EvidenceRefused(
                "This file is not a picture we can take. Upload a screenshot as PNG, JPEG, WebP or GIF."
            ) from exc

    if source_format == "JPEG":
        mode, out_format, extension, content_type = "RGB", "JPEG", "jpg", "image/jpeg"
    else:
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        mode = "RGBA" if has_alpha else "RGB"
        out_format, extension, content_type = "PNG", "png", "image/png"
    pixels = image.convert(mode)
    # A fresh image carries nothing but pixels: no info dict, no EXIF, no ICC profile, no text.
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)
    buffer = io.BytesIO()
    if out_format == "JPEG":
        clean.save(buffer, format="JPEG", quality=90, optimize=True)
    else:
        clean.save(buffer, format="PNG", optimize=False)
    return CleanImage(
        data=buffer.getvalue(), extension=extension, content_type=content_type, width=clean.width, height=clean.height
    )
