"""Server-side reference hashing: the profile that the browser's hasher.js must reproduce bit for bit.

The profile (see tests/data/reference/SOURCES.md) is what platforms compute with python-threatexchange and
imagehash: PDQ from `pdqhash` on the decoded RGB pixels at full resolution (EXIF orientation not
applied, alpha dropped), its 8 dihedral variants from `pdqhash.compute_dihedral`, pHash from
`imagehash.phash` on the file as Pillow opens it, and MD5/SHA-256 of the file bytes. When the file
carries an EXIF orientation other than 1, `pdq_oriented` is the PDQ of the image as a viewer shows it
(after `PIL.ImageOps.exif_transpose`).

Decoding is bounded: an image's size is read from its header and checked against MAX_PIXELS before a single
pixel is decoded (a 20 KB PNG can declare 13000 x 13000 pixels, half a gigabyte once decoded). A larger JPEG is
reduced while decoding (`Image.draft`, the decoder's own 1/2, 1/4 or 1/8 scaling) to fit under the limit; its
hashes are then close to, not identical with, the full-size ones, which is what a re-check's distance needs.
Anything else over the limit is refused with ImageTooLarge.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import imagehash
import numpy as np
import pdqhash
from PIL import Image, ImageOps, UnidentifiedImageError

from .values import FileHashes, Md5Digest, PdqHash, PerceptualHash, Sha256Digest

# The formats the browser hasher decodes. Pillow opens more (TIFF, ICO, ...), but a hash the
# victim's browser cannot reproduce would never match, so the server treats those as plain files.
# MPO is how Pillow names the JPEGs that many phones write (a JPEG with a second preview image).
IMAGE_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP"})

# 50 megapixels: a 50 MP phone camera's full-size photo decodes (150 MB of RGB); a bomb does not.
MAX_PIXELS = 50_000_000
# The most a JPEG may declare: at 1/8 scale it still fits under MAX_PIXELS.
MAX_JPEG_PIXELS = MAX_PIXELS * 64

EXIF_ORIENTATION_TAG = 0x0112
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class PdqResult:
    hex: str
    quality: int


def _bits_to_hex(bits: np.ndarray) -> str:
    # pdqhash returns the 256 bits most significant first, as python-threatexchange formats them.
    return f"{int(''.join('1' if b else '0' for b in bits), 2):064x}"


def rgb_pixels(image: Image.Image) -> np.ndarray:
    """Decoded pixels as PDQ sees them: RGB at full resolution, alpha dropped, orientation ignored."""
    return np.asarray(image.convert("RGB"))


def pdq(pixels: np.ndarray) -> PdqResult:
    bits, quality = pdqhash.compute(pixels)
    return PdqResult(_bits_to_hex(bits), int(quality))


def pdq_dihedral(pixels: np.ndarray) -> list[str]:
    """The 8 variants in pdqhash's order: original, rot90, rot180, rot270, flip x, flip y, flip +1, flip -1."""
    variants, _quality = pdqhash.compute_dihedral(pixels)
    return [_bits_to_hex(bits) for bits in variants]


def pdq_and_dihedral(pixels: np.ndarray) -> tuple[PdqResult, list[str]]:
    """`pdq()` and `pdq_dihedral()` with one pass over the pixels where pdqhash allows it.

    compute_dihedral's first variant and quality are compute()'s result for every size but 64x64,
    where compute() skips the blur (it takes the plane as already downsampled) and compute_dihedral
    does not.
    """
    variants, quality = pdqhash.compute_dihedral(pixels)
    dihedral = [_bits_to_hex(bits) for bits in variants]
    if pixels.shape[:2] == (64, 64):
        return pdq(pixels), dihedral
    return PdqResult(dihedral[0], int(quality)), dihedral


def phash(image: Image.Image) -> str:
    return str(imagehash.phash(image))


def exif_orientation(image: Image.Image) -> int | None:
    """The orientation `ImageOps.exif_transpose` would act on (2-8), or None when it would do nothing."""
    orientation = image.getexif().get(EXIF_ORIENTATION_TAG)
    return orientation if orientation in range(2, 9) else None


class ImageTooLarge(ValueError):
    """The image declares more pixels than the server decodes; nothing was decoded."""

    def __init__(self, width: int | None = None, height: int | None = None):
        self.width, self.height = width, height
        size = f"{width} x {height} pixels" if width and height else "larger than Pillow's own limit"
        super().__init__(f"the image is {size}, more than the {MAX_PIXELS // 1_000_000} megapixels the server decodes")


def open_image(data: bytes) -> Image.Image | None:
    """The first frame of a supported image, decoded, or None for anything else (video, text, corrupt).

    Raises ImageTooLarge, before decoding, for an image over MAX_PIXELS that cannot be reduced while decoding.
    """
    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in IMAGE_FORMATS:
            return None
        width, height = image.size  # from the header: nothing is decoded yet
        if width * height > MAX_PIXELS:
            if image.format not in ("JPEG", "MPO") or width * height > MAX_JPEG_PIXELS:
                raise ImageTooLarge(width, height)
            scale = 2
            while (width // scale) * (height // scale) > MAX_PIXELS:
                scale *= 2
            # libjpeg scales by 1/2, 1/4 or 1/8 while decoding: the full-size pixels never exist in memory.
            image.draft("RGB", (width // scale, height // scale))
            if image.size[0] * image.size[1] > MAX_PIXELS:
                raise ImageTooLarge(width, height)
        image.load()
    except ImageTooLarge:
        raise
    except Image.DecompressionBombError:  # Pillow's own check, at twice its MAX_IMAGE_PIXELS, in Image.open
        raise ImageTooLarge() from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    return image


def hash_bytes(data: bytes) -> FileHashes:
    """All hashes of one file held in memory, as the browser computes them. Raises ImageTooLarge (see above)."""
    md5 = Md5Digest(hashlib.md5(data, usedforsecurity=False).hexdigest())
    sha256 = Sha256Digest(hashlib.sha256(data).hexdigest())
    image = open_image(data)
    if image is None:
        return FileHashes(md5=md5, sha256=sha256)
    pixels = rgb_pixels(image)
    main, dihedral = pdq_and_dihedral(pixels)
    oriented = None
    if exif_orientation(image) is not None:
        oriented = PdqHash(pdq(rgb_pixels(ImageOps.exif_transpose(image))).hex)
    return FileHashes(
        md5=md5,
        sha256=sha256,
        pdq=PdqHash(main.hex, main.quality),
        pdq_oriented=oriented,
        pdq_dihedral=tuple(PdqHash(h) for h in dihedral),
        phash=PerceptualHash(phash(image)),
    )


def hash_file(path: str | Path) -> FileHashes:
    return hash_bytes(Path(path).read_bytes())


def stream_digests(stream: BinaryIO) -> tuple[Md5Digest, Sha256Digest]:
    """MD5 and SHA-256 of a large file (a video), read in chunks so it never sits in memory whole."""
    md5 = hashlib.md5(usedforsecurity=False)
    sha256 = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        md5.update(chunk)
        sha256.update(chunk)
    return Md5Digest(md5.hexdigest()), Sha256Digest(sha256.hexdigest())
