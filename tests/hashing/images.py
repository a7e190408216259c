"""Generated test images: the sizes, codecs and modes victims' files come in, made reproducibly."""

from __future__ import annotations

import functools
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


@functools.cache
def generated_images() -> dict[str, bytes]:
    """name -> file bytes; names end in the format's usual extension. Made once per process (the
    lossless WebP encodings take seconds); callers must not change the dict."""
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
    # A phone screenshot's shape (tall): Pillow resizes vertically first for pHash.
    files["png-tall-screenshot.png"] = _save(rgb(390, 844, 6).quantize(24).convert("RGB"), "PNG")
    files["png-exif-6.png"] = _save(base, "PNG", exif=_exif_with_orientation(6))
    grey16 = (np.linspace(0, 400, 300 * 220).reshape(220, 300)).astype(np.uint16)
    files["png-grey16.png"] = _save(Image.frombytes("I;16", (300, 220), grey16.astype("<u2").tobytes()), "PNG")

    # WebP: lossy, lossless, with an EXIF orientation; with alpha below
    files["webp-lossy.webp"] = _save(rgb(400, 300, 40), "WEBP", quality=80)
    files["webp-lossless.webp"] = _save(rgb(257, 129, 41), "WEBP", lossless=True)
    files["webp-exif-8.webp"] = _save(rgb(240, 160, 42), "WEBP", quality=85, exif=_exif_with_orientation(8))

    files.update(webp_alpha_images(300, 220))
    files.update(gif_images(200, 150))
    files.update(bmp_images(203, 101))
    return files


def cmyk_with_black_ink(width: int, height: int, seed: int) -> Image.Image:
    """A CMYK image with grey component replacement, so the K channel carries ink (Pillow's own
    RGB-to-CMYK conversion leaves K at 0)."""
    rgb = photo_like(width, height, seed).astype(np.int16)
    k = 255 - rgb.max(axis=2)
    cmy = 255 - rgb - k[..., None]
    return Image.fromarray(np.dstack([cmy, k]).astype(np.uint8), "CMYK")


def _with_alpha(image: Image.Image, seed: int) -> Image.Image:
    """RGBA with every kind of alpha: a transparent band (whose colour the hashes still see), a ramp,
    and noise."""
    width, height = image.size
    rng = np.random.default_rng(seed)
    alpha = np.tile(np.linspace(0, 255, width, dtype=np.uint8), (height, 1))
    alpha[: max(1, height // 5), :] = 0
    alpha[height // 2 :, : width // 3] = rng.integers(0, 256, (height - height // 2, width // 3))
    out = image.convert("RGB")
    out.putalpha(Image.fromarray(alpha, "L"))
    return out


def webp_alpha_images(width: int, height: int) -> dict[str, bytes]:
    """WebP with transparency: lossy (a VP8 frame plus an ALPH chunk) and lossless (VP8L) with each of
    the encoder's tools: predictors, colour transforms, colour cache, palettes with pixel bundling."""
    rgba = _with_alpha(Image.fromarray(photo_like(width, height, 60), "RGB"), 60)
    files = {
        "webp-alpha-lossy.webp": _save(rgba, "WEBP", quality=90),
        "webp-alpha-lossy-exif-6.webp": _save(rgba, "WEBP", quality=70, exif=_exif_with_orientation(6)),
        # exact=True keeps the colour under alpha 0; without it the encoder may change it.
        "webp-alpha-lossless.webp": _save(rgba, "WEBP", lossless=True, exact=True),
        "webp-alpha-lossless-fast.webp": _save(rgba, "WEBP", lossless=True, quality=0, method=0),
        "webp-alpha-lossless-best.webp": _save(rgba, "WEBP", lossless=True, quality=100, method=6, exact=True),
    }
    # alpha_is_used is only a hint; a stream that clears it but has transparency must still be exact.
    hinted = bytearray(files["webp-alpha-lossless.webp"])
    assert hinted[12:16] == b"VP8L"
    hinted[24] &= ~0x10
    files["webp-alpha-lossless-unhinted.webp"] = bytes(hinted)
    binary_alpha = np.where(np.asarray(rgba)[..., 3] > 100, 255, 0).astype(np.uint8)
    for colours in (2, 4, 12, 60):
        # At most 16 colours the lossless format packs 2, 4 or 8 pixels into one.
        paletted = Image.fromarray(photo_like(width, height, 61 + colours), "RGB").quantize(colours).convert("RGB")
        paletted.putalpha(Image.fromarray(binary_alpha, "L"))
        files[f"webp-alpha-lossless-{colours}-colours.webp"] = _save(paletted, "WEBP", lossless=True, exact=True)
    return files


# ---- GIF ----


def _gif_frame(image: Image.Image, **params) -> tuple[bytes, bytes]:
    """(palette, LZW data with its code-size byte and sub-blocks) of `image` as Pillow writes it, so
    hand-built GIFs carry a real encoder's LZW codes."""
    data = _save(image, "GIF", **params)
    p = 13
    palette = b""
    if data[10] & 0x80:
        palette = data[p : p + (3 << ((data[10] & 7) + 1))]
        p += len(palette)
    while data[p] == 0x21:
        p += 2
        while data[p]:
            p += 1 + data[p]
        p += 1
    assert data[p] == 0x2C
    flags = data[p + 9]
    p += 10
    if flags & 0x80:
        size = 3 << ((flags & 7) + 1)
        palette = data[p : p + size]
        p += size
    start = p
    p += 1
    while data[p]:
        p += 1 + data[p]
    return palette, data[start : p + 1]


def _palette_bits(palette: bytes) -> int:
    return max(1, (len(palette) // 3 - 1).bit_length()) - 1


def _gif(
    screen: tuple[int, int],
    frame: tuple[int, int, int, int],
    palette: bytes,
    lzw: bytes,
    *,
    local: bool = False,
    transparency: int | None = None,
    interlaced: bool = False,
) -> bytes:
    """A one-frame GIF89a with the frame at (x, y, width, height) on a screen of `screen` size."""
    import struct

    palette = palette.ljust(3 << (_palette_bits(palette) + 1), b"\0")
    table = 0x80 | _palette_bits(palette)
    out = b"GIF89a" + struct.pack("<HHBBB", *screen, 0 if local else table, 0, 0)
    if not local:
        out += palette
    if transparency is not None:
        out += bytes([0x21, 0xF9, 4, 1, 10, 0, transparency, 0])
    flags = (table if local else 0) | (0x40 if interlaced else 0)
    out += b"," + struct.pack("<HHHHB", *frame, flags)
    if local:
        out += palette
    return out + lzw + b";"


def gif_images(width: int, height: int) -> dict[str, bytes]:
    """GIFs as victims' files come: opaque and transparent, interlaced or not, greyscale, a local
    palette, a frame smaller than the screen or reaching past it, and an animation."""
    photo = Image.fromarray(photo_like(width, height, 50), "RGB")
    files = {"gif-opaque.gif": _save(photo, "GIF")}
    paletted = photo.quantize(100)
    files["gif-transparent.gif"] = _save(paletted, "GIF", transparency=5)
    files["gif-transparent-not-interlaced.gif"] = _save(paletted, "GIF", transparency=0, interlace=False)
    files["gif-grey.gif"] = _save(photo.convert("L"), "GIF", optimize=False)
    files["gif-16-colours.gif"] = _save(photo.quantize(16), "GIF", interlace=False)
    frames = [Image.fromarray(photo_like(width, height, 51 + i), "RGB").quantize(64) for i in range(3)]
    files["gif-animated.gif"] = _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)

    half = (max(1, width // 2), max(1, height // 2))
    small = Image.fromarray(photo_like(*half, 52), "RGB").quantize(40)
    palette, lzw = _gif_frame(small, interlace=False)
    inside = (width // 4, height // 5, *half)
    files["gif-small-frame.gif"] = _gif((width, height), inside, palette, lzw)
    # Outside the frame Pillow shows the transparency index, whose colour the hashes see.
    files["gif-small-frame-transparent.gif"] = _gif((width, height), inside, palette, lzw, transparency=7)
    beyond = (width // 2, height // 2, *half)
    files["gif-frame-past-screen.gif"] = _gif((width * 3 // 4, height * 2 // 3), beyond, palette, lzw, local=True)
    palette, lzw = _gif_frame(small, interlace=True)
    files["gif-local-palette-interlaced.gif"] = _gif(half, (0, 0, *half), palette, lzw, local=True, interlaced=True)
    return files


# ---- BMP ----


def _bmp(
    size: tuple[int, int],
    bits: int,
    pixel_data: bytes,
    *,
    palette: list[tuple[int, int, int]] | None = None,
    compression: int = 0,
    header: int = 40,
    masks: tuple[int, ...] | None = None,
    top_down: bool = False,
) -> bytes:
    """A BMP around `pixel_data` (rows already padded and in file order)."""
    import struct

    width, height = size
    entry = 3 if header == 12 else 4
    table = b"".join(bytes([b, g, r, 0][:entry]) for r, g, b in (palette or []))
    if header == 12:
        info = struct.pack("<IHHHH", 12, width, height, 1, bits)
    else:
        info = struct.pack(
            "<IiiHHIIiiII",
            header,
            width,
            -height if top_down else height,
            1,
            bits,
            compression,
            len(pixel_data),
            2835,
            2835,
            len(palette or []),
            0,
        )
        fields = b"".join(struct.pack("<I", m) for m in masks or ())
        info += fields[: header - 40] if header > 40 else b""
        info = info.ljust(header, b"\0")
        if header == 40 and masks:
            info += fields[:12]
    offset = 14 + len(info) + len(table)
    return b"BM" + struct.pack("<IHHI", offset + len(pixel_data), 0, 0, offset) + info + table + pixel_data


def _rows(array: np.ndarray, bits: int, top_down: bool = False) -> bytes:
    """Pixel rows packed at `bits` per pixel (arrays of bytes, or of indices for 1 and 4 bits), each
    padded to 4 bytes, bottom row first unless `top_down`."""
    out = bytearray()
    for row in array if top_down else array[::-1]:
        if bits < 8:
            packed = np.packbits(np.unpackbits(row.astype(np.uint8)[:, None], axis=1)[:, 8 - bits :].ravel())
            line = packed.tobytes()
        else:
            line = row.tobytes()
        out += line.ljust((len(line) + 3) // 4 * 4, b"\0")
    return bytes(out)


def _little_endian_words(values: np.ndarray) -> np.ndarray:
    return values.astype("<u2").view(np.uint8).reshape(values.shape[0], values.shape[1] * 2)


def _rle(indices: np.ndarray, four_bit: bool) -> bytes:
    """RLE8/RLE4 of palette indices, bottom row first: runs, absolute stretches, a delta over zeros,
    end of line and end of bitmap."""
    out = bytearray()
    for row in indices[::-1]:
        row = [int(v) for v in row]
        x = 0
        while x < len(row):
            run = 1
            while x + run < len(row) and run < 255 and row[x + run] == row[x]:
                run += 1
            if run >= 4 and row[x] == 0:
                out += bytes([0, 2, run, 0])  # delta: skip right, the skipped pixels are index 0
            elif run >= 2:
                out += bytes([run, row[x] * 17 if four_bit else row[x]])
            else:
                end = x + 1
                while end < len(row) and end - x < 255 and (end + 1 >= len(row) or row[end] != row[end + 1]):
                    end += 1
                stretch = row[x:end]
                if len(stretch) < 3:
                    for v in stretch:
                        out += bytes([1, v * 17 if four_bit else v])
                else:
                    if four_bit:
                        data = bytes(
                            (stretch[i] << 4) | (stretch[i + 1] if i + 1 < len(stretch) else 0)
                            for i in range(0, len(stretch), 2)
                        )
                    else:
                        data = bytes(stretch)
                    out += bytes([0, len(stretch)]) + data + (b"\0" if len(data) % 2 else b"")
                run = len(stretch)
            x += run
        out += bytes([0, 0])
    return bytes(out[:-2] + bytes([0, 1]))


def _palette_of(image: Image.Image) -> list[tuple[int, int, int]]:
    entries = (image.getpalette() or []) + [0] * 48
    return [tuple(entries[i * 3 : i * 3 + 3]) for i in range(16)]


def bmp_images(width: int, height: int) -> dict[str, bytes]:
    """BMPs in the layouts Pillow reads: 24- and 32-bit (with and without alpha bitfields), 16-bit
    5-6-5 and 5-5-5, 8-, 4- and 1-bit palettes, greyscale, top-down rows, RLE8, RLE4, OS/2 headers."""
    photo = Image.fromarray(photo_like(width, height, 51), "RGB")
    pixels = np.asarray(photo)
    files = {"bmp-24.bmp": _save(photo, "BMP")}
    # Pillow writes RGBA as 32-bit BI_RGB, which it reads back as RGB with the fourth byte ignored.
    files["bmp-32.bmp"] = _save(_with_alpha(photo, 51), "BMP")
    bgra = np.asarray(_with_alpha(photo, 52))[..., [2, 1, 0, 3]]
    files["bmp-32-alpha-bitfields.bmp"] = _bmp(
        (width, height),
        32,
        _rows(bgra, 32),
        compression=3,
        header=124,
        masks=(0xFF0000, 0xFF00, 0xFF, 0xFF000000),
    )
    xbgr = np.concatenate([np.zeros((height, width, 1), np.uint8), pixels[..., ::-1]], axis=2)
    files["bmp-32-xbgr.bmp"] = _bmp(
        (width, height), 32, _rows(xbgr, 32), compression=3, masks=(0xFF000000, 0xFF0000, 0xFF00)
    )
    files["bmp-24-top-down.bmp"] = _bmp((width, height), 24, _rows(pixels[..., ::-1], 24, top_down=True), top_down=True)
    r, g, b = (pixels[..., i].astype(np.uint16) for i in range(3))
    rgb565 = ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3)
    files["bmp-16-565.bmp"] = _bmp(
        (width, height),
        16,
        _rows(_little_endian_words(rgb565), 16),
        compression=3,
        header=56,
        masks=(0xF800, 0x7E0, 0x1F, 0),
    )
    rgb555 = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3)
    files["bmp-16-555.bmp"] = _bmp((width, height), 16, _rows(_little_endian_words(rgb555), 16))
    files["bmp-8-palette.bmp"] = _save(photo.quantize(200), "BMP")
    files["bmp-8-grey.bmp"] = _save(photo.convert("L"), "BMP")
    files["bmp-1-bit.bmp"] = _save(photo.convert("1"), "BMP")
    sixteen = photo.quantize(16)
    colours = _palette_of(sixteen)
    indices = np.asarray(sixteen)
    files["bmp-4-palette.bmp"] = _bmp((width, height), 4, _rows(indices, 4), palette=colours)
    files["bmp-4-palette-os2.bmp"] = _bmp((width, height), 4, _rows(indices, 4), palette=colours, header=12)
    files["bmp-1-bit-colours.bmp"] = _bmp(
        (width, height), 1, _rows((pixels[..., 1] > 128).astype(np.uint8), 1), palette=[(200, 30, 40), (20, 60, 220)]
    )
    # Flat areas so the run-length coding has runs (and index 0 stretches for the delta code).
    blocky = np.array(
        photo.resize((max(1, width // 9), max(1, height // 7)), Image.Resampling.NEAREST).resize(
            (width, height), Image.Resampling.NEAREST
        )
    )
    blocky[height // 3 : height // 2] = pixels[height // 3 : height // 2]  # a noisy band: absolute runs
    few = Image.fromarray(blocky, "RGB").quantize(16)
    few_indices = np.asarray(few)
    few_colours = _palette_of(few)
    files["bmp-rle8.bmp"] = _bmp((width, height), 8, _rle(few_indices, False), palette=few_colours, compression=1)
    files["bmp-rle4.bmp"] = _bmp((width, height), 4, _rle(few_indices, True), palette=few_colours, compression=2)
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
