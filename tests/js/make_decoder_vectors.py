"""Writes tests/js/decoder-vectors.json: small GIF, BMP and transparent WebP files (the generators of
tests/hashing/images.py at a few sizes) with what Pillow decodes them to, for the Node unit tests of
gif.js, bmp.js and webp.js. Pixels are compared through SHA-256 of Pillow's convert("RGB") and
convert("L") bytes, so the file stays small.

Run: .venv/bin/python tests/js/make_decoder_vectors.py
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.hashing.images import bmp_images, gif_images, webp_alpha_images

# Odd sizes (rows that need padding, bundled pixels that do not fill the last byte) and a single pixel.
SIZES = [(23, 17), (5, 3), (1, 1)]


def main() -> None:
    vectors = []
    for width, height in SIZES:
        for make in (gif_images, bmp_images, webp_alpha_images):
            for name, data in make(width, height).items():
                image = Image.open(io.BytesIO(data))
                image.load()
                vectors.append(
                    {
                        "name": f"{width}x{height}/{name}",
                        "file": base64.b64encode(data).decode(),
                        "width": image.size[0],
                        "height": image.size[1],
                        "mode": image.mode,
                        "rgb_sha256": hashlib.sha256(image.convert("RGB").tobytes()).hexdigest(),
                        "l_sha256": hashlib.sha256(image.convert("L").tobytes()).hexdigest(),
                    }
                )
    target = Path(__file__).with_name("decoder-vectors.json")
    target.write_text(json.dumps(vectors, indent=1) + "\n")
    print(f"wrote {len(vectors)} vectors to {target} ({target.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
