"""Writes tests/js/vectors.json: pixel arrays (described by a pattern both languages generate) and
the hashes the Python reference gives them, for the Node unit tests of the pure JS hash code.

Run: .venv/bin/python tests/js/make_vectors.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hashing.reference import pdq, pdq_dihedral, phash

# (pattern, width, height, seed): 64x64 takes pdqhash's no-blur path; under 5 px gives the zero hash;
# 3x1000 makes Pillow resize vertically first; uniform and symmetric images make pHash's DCT
# coefficients tie, so only pocketfft's exact rounding gives the right bits.
CASES = [
    ("noise", 64, 64, 1),
    ("noise", 65, 64, 2),
    ("noise", 5, 5, 3),
    ("noise", 4, 10, 4),
    ("noise", 1, 1, 5),
    ("noise", 100, 37, 6),
    ("noise", 257, 129, 7),
    ("noise", 3, 1000, 8),
    ("noise", 1000, 3, 9),
    ("noise", 640, 480, 10),
    ("noise", 32, 32, 11),
    ("uniform", 50, 40, 77),
    ("uniform", 300, 200, 200),
    ("hsym", 64, 48, 0),
    ("hsym", 333, 90, 0),
    ("gradient", 200, 150, 0),
]


def pattern(kind: str, width: int, height: int, seed: int) -> np.ndarray:
    """Must stay identical to pattern() in hashing.test.mjs."""
    out = np.zeros(width * height * 3, dtype=np.uint8)
    state = seed
    for i in range(width * height * 3):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        p, c = divmod(i, 3)
        y, x = divmod(p, width)
        if kind == "noise":
            v = x * (3 + c) + y * (5 - c) + ((x ^ y) & 31) + (state >> 24)
        elif kind == "uniform":
            v = seed + 40 * c
        elif kind == "hsym":
            v = abs(2 * x - (width - 1)) * 3 + y + 50 * c
        else:
            v = (x * 255) // max(width - 1, 1) + c * 7
        out[i] = v & 255
    return out.reshape(height, width, 3)


def main() -> None:
    vectors = []
    for kind, width, height, seed in CASES:
        rgb = pattern(kind, width, height, seed)
        main_pdq = pdq(rgb)
        vectors.append(
            {
                "pattern": kind,
                "width": width,
                "height": height,
                "seed": seed,
                "pdq": main_pdq.hex,
                "pdq_quality": main_pdq.quality,
                "pdq_dihedral": pdq_dihedral(rgb),
                "phash": phash(Image.fromarray(rgb, "RGB")),
            }
        )
    target = Path(__file__).with_name("vectors.json")
    target.write_text(json.dumps(vectors, indent=1) + "\n")
    print(f"wrote {len(vectors)} vectors to {target}")


if __name__ == "__main__":
    main()
