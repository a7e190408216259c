"""Generated test images: the sizes, codecs and modes victims' files come in, made reproducibly."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image


def photo_like(width: int, height: int, seed: int) -> np.ndarray:
    """RGB content with gradients, edges and noise, so every hash has detail to work with."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    w, h = max(width - 1, 1), max(height - 1, 1)
    red = 255 * (x / w) * 0.7 + 40 * np.sin(y / 7.0 + seed)
    green = 255 * (y / h) * 0.6 + 60 * np.cos((x + y) / 11.0)
    blue = 128 + 100 * np.sin(x / 13.0) * np.cos(y / 17.0)
    image = np.stack([red, green, blue], axis=-1)
    # a few solid shapes
    for _ in range(3):
        cx, cy = rng.integers(0, width), rng.integers(0, height)
        r = max(1, int(rng.integers(1, max(2, min(width, height) // 3 + 1))))
        mask = (x - cx) ** 2 + (y - cy) ** 2 < r * r
        image[mask] = rng.integers(0, 256, 3)
    image += rng.normal(0, 12, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def _exif_with_orientation(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def _save(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def generated_images() -> dict[str, bytes]:
    """name -> file bytes; names end in the format's usual extension."""
    files: dict[str, bytes] = {}
    rgb = lambda w, h, seed=1: Image.fromarray(photo_like(w, h, seed), "RGB")  # noqa: E731

    # JPEG: sizes, subsampling, progressive, greyscale, tiny and extreme aspect ratios
    for w, h in [(640, 480), (333, 517), (64, 64), (33, 31), (1, 1), (3, 3), (4, 9), (5, 5), (2000, 12), (9, 1500)]:
        files[f"jpeg-{w}x{h}.jpg"] = _save(rgb(w, h, w + h), "JPEG", quality=90)
    for sub, name in [(0, "444"), (1, "422"), (2, "420")]:
        files[f"jpeg-sub{name}.jpg"] = _save(rgb(401, 299, 7), "JPEG", quality=85, subsampling=sub)
    files["jpeg-progressive.jpg"] = _save(rgb(500, 375, 8), "JPEG", quality=80, progressive=True)
    files["jpeg-progressive-420-q40.jpg"] = _save(rgb(257, 193, 9), "JPEG", quality=40, progressive=True, subsampling=2)
    files["jpeg-grey.jpg"] = _save(rgb(300, 200, 10).convert("L"), "JPEG", quality=90)
    for orientation in range(1, 9):
        files[f"jpeg-exif-{orientation}.jpg"] = _save(
            rgb(320, 200, 20 + orientation), "JPEG", quality=88, exif=_exif_with_orientation(orientation)
        )

    # PNG: every mode Pillow opens differently
    base = rgb(300, 220, 30)
    alpha = np.tile(np.linspace(0, 255, 300, dtype=np.uint8), (220, 1))
    alpha[:40, :] = 0  # fully transparent pixels that still carry colour
    rgba = base.copy()
    rgba.putalpha(Image.fromarray(alpha, "L"))
    files["png-rgb.png"] = _save(base, "PNG")
    files["png-rgba.png"] = _save(rgba, "PNG")
    files["png-la.png"] = _save(rgba.convert("LA"), "PNG")
    files["png-l.png"] = _save(base.convert("L"), "PNG")
    files["png-1bit.png"] = _save(base.convert("1"), "PNG")
    files["png-palette.png"] = _save(base.quantize(200), "PNG")
    files["png-palette-16.png"] = _save(base.quantize(16), "PNG", bits=4)
    palette_t = base.quantize(64)
    files["png-palette-transparent.png"] = _save(palette_t, "PNG", transparency=3)
    files["png-interlaced.png"] = _interlaced_png(base)
    files["png-tiny-1x1.png"] = _save(rgb(1, 1, 3), "PNG")
    files["png-4x3.png"] = _save(rgb(4, 3, 4), "PNG")
    files["png-wide.png"] = _save(rgb(1200, 7, 5), "PNG")
    files["png-exif-6.png"] = _save(base, "PNG", exif=_exif_with_orientation(6))
    grey16 = (np.linspace(0, 400, 300 * 220).reshape(220, 300)).astype(np.uint16)
    files["png-grey16.png"] = _save(Image.frombytes("I;16", (300, 220), grey16.astype("<u2").tobytes()), "PNG")

    # WebP: lossy, lossless, with alpha, with an EXIF orientation
    files["webp-lossy.webp"] = _save(rgb(400, 300, 40), "WEBP", quality=80)
    files["webp-lossless.webp"] = _save(rgb(257, 129, 41), "WEBP", lossless=True)
    files["webp-alpha.webp"] = _save(rgba, "WEBP", quality=90)
    files["webp-exif-8.webp"] = _save(rgb(240, 160, 42), "WEBP", quality=85, exif=_exif_with_orientation(8))

    # GIF and BMP
    files["gif-opaque.gif"] = _save(rgb(200, 150, 50), "GIF")
    files["bmp-24.bmp"] = _save(rgb(203, 101, 51), "BMP")
    return files


def _interlaced_png(image: Image.Image) -> bytes:
    """Pillow cannot write Adam7; build it with zlib so the decoder's interlace path is exercised."""
    import struct
    import zlib

    pixels = np.asarray(image)
    height, width, _ = pixels.shape
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = bytearray()
    for x0, y0, dx, dy in passes:
        sub = pixels[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        for row in sub:
            raw.append(0)
            raw += row.tobytes()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")
    )


def write_generated(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, data in generated_images().items():
        path = folder / name
        path.write_bytes(data)
        paths[name] = path
    return paths
