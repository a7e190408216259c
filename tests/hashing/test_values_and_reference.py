"""Hash value types, Hamming distance, and the server reference against the reference images' expected hashes."""

from __future__ import annotations

import csv
import io
import time

import numpy as np
import pdqhash
import pytest
from PIL import Image

from hashing import reference
from hashing.reference import hash_bytes, hash_file, pdq, pdq_and_dihedral, stream_digests
from hashing.values import FileHashes, HashValueError, Md5Digest, PdqHash, PerceptualHash, hamming_distance

from .conftest import REFERENCE

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def test_hamming_distance_counts_differing_bits():
    assert hamming_distance("00", "00") == 0
    assert hamming_distance("0f", "00") == 4
    assert hamming_distance("ff" * 32, "00" * 32) == 256


@pytest.mark.parametrize(
    "value",
    [PDQ[:-1], PDQ + "0", PDQ.upper(), "g" + PDQ[1:], 12345],
    ids=["short", "long", "uppercase", "not-hex", "not-text"],
)
def test_a_malformed_pdq_hash_is_refused(value):
    with pytest.raises(HashValueError):
        PdqHash(value)


@pytest.mark.parametrize("quality", [-1, 101, 50.5, True])
def test_pdq_quality_outside_0_to_100_is_refused(quality):
    with pytest.raises(HashValueError):
        PdqHash(PDQ, quality)


def test_parsing_normalises_what_a_person_pastes():
    assert PdqHash.parse(f"  {PDQ.upper()}\n", 80) == PdqHash(PDQ, 80)
    assert PerceptualHash.parse("BA8C84536BD3C366").hex == "ba8c84536bd3c366"


def test_quality_below_50_is_a_weak_match():
    assert PdqHash(PDQ, 49).is_weak and not PdqHash(PDQ, 50).is_weak


def test_hashes_of_different_kinds_cannot_be_compared():
    with pytest.raises(HashValueError):
        hamming_distance(PDQ, "ba8c84536bd3c366")


def test_the_browsers_result_round_trips_through_file_hashes():
    data = (REFERENCE / "images/dih/bridge-1-original.jpg").read_bytes()
    hashes = hash_bytes(data)
    assert FileHashes.from_browser(hashes.as_dict()) == hashes
    with pytest.raises(HashValueError):
        FileHashes.from_browser({**hashes.as_dict(), "pdq_dihedral": [PDQ] * 7})
    with pytest.raises(HashValueError):
        FileHashes.from_browser({**hashes.as_dict(), "md5": "x"})


def test_the_reference_reproduces_every_row_of_expected_hashes_csv():
    rows = list(csv.DictReader((REFERENCE / "expected-hashes.csv").open()))
    for row in rows:
        got = hash_file(REFERENCE / "images" / row["file"]).as_dict()
        assert got["pdq"] == row["pdq"] and got["pdq_quality"] == int(row["pdq_quality"]), row["file"]
        assert ";".join(got["pdq_dihedral"]) == row["pdq_dihedral"], row["file"]
        assert got["phash"] == row["phash"] and got["md5"] == row["md5"] and got["sha256"] == row["sha256"]
        assert (got["pdq_oriented"] or got["pdq"]) == row["pdq_oriented"], row["file"]


def test_expected_hashes_csv_has_one_row_per_reference_image_and_the_published_values():
    rows = {row["file"]: row for row in csv.DictReader((REFERENCE / "expected-hashes.csv").open())}
    images = {path.relative_to(REFERENCE / "images").as_posix() for path in (REFERENCE / "images").glob("*/*")}
    assert set(rows) == images
    # Values published by the upstream projects themselves, not computed here.
    assert rows["dih/bridge-1-original.jpg"]["pdq"] == PDQ
    assert (rows["misc/imagehash.png"]["phash"], rows["misc/imagehash.png"]["dhash"]) == (
        "ba8c84536bd3c366",
        "0026273b2b19550e",
    )
    # Each case the SOURCES file promises is present: EXIF rotation, CMYK, grey, grey+alpha, palette, RGBA.
    assert rows["exif-rotn/exif-rotn-6.jpg"]["pdq_oriented"] != rows["exif-rotn/exif-rotn-6.jpg"]["pdq"]
    modes = {Image.open(REFERENCE / "images" / name).mode for name in images}
    assert {"RGB", "CMYK", "L", "LA", "P", "RGBA"} <= modes


def test_one_pass_pdq_equals_pdqhash_compute_including_the_64x64_case():
    rng = np.random.default_rng(3)
    for shape in [(64, 64, 3), (64, 65, 3), (100, 37, 3)]:
        for _ in range(20):
            pixels = (100 + rng.integers(0, 3, shape)).astype(np.uint8)
            main, _dihedral = pdq_and_dihedral(pixels)
            _bits, quality = pdqhash.compute(pixels)
            assert main == pdq(pixels)
            assert main.quality == quality


def test_videos_and_other_files_get_only_digests(tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x20ftypisom" + bytes(3_000_000))
    hashes = hash_file(clip)
    assert hashes.pdq is None and hashes.phash is None and not hashes.is_image
    with clip.open("rb") as stream:
        assert stream_digests(stream) == (hashes.md5, hashes.sha256)
    assert isinstance(hashes.md5, Md5Digest)


def test_a_tiny_png_declaring_13000_by_13000_pixels_is_refused_before_any_pixel_is_decoded():
    buffer = io.BytesIO()
    Image.new("1", (13_000, 13_000)).save(buffer, "PNG")
    data = buffer.getvalue()
    assert len(data) < 64_000
    started = time.monotonic()
    with pytest.raises(reference.ImageTooLarge, match="13000 x 13000 pixels, more than the 50 megapixels"):
        hash_bytes(data)
    # Decoding it took 23 s and 4.5 GiB; reading the header takes milliseconds.
    assert time.monotonic() - started < 1.0


def test_a_png_just_over_the_limit_is_refused_and_one_at_the_limit_is_hashed():
    over, at = io.BytesIO(), io.BytesIO()
    Image.new("1", (10_000, 5_001)).save(over, "PNG")
    Image.new("1", (10_000, 5_000)).save(at, "PNG")
    with pytest.raises(reference.ImageTooLarge):
        hash_bytes(over.getvalue())
    assert hash_bytes(at.getvalue()).pdq is not None


def test_a_jpeg_over_the_limit_is_reduced_while_decoding_and_still_hashed():
    gradient = Image.linear_gradient("L").resize((12_000, 6_000)).convert("RGB")  # 72 MP
    buffer = io.BytesIO()
    gradient.save(buffer, "JPEG", quality=80)
    del gradient
    image = reference.open_image(buffer.getvalue())
    assert image.size == (6_000, 3_000)  # decoded at 1/2 scale: 18 MP, never 72
    hashes = hash_bytes(buffer.getvalue())
    assert hashes.pdq is not None and hashes.phash is not None


def test_a_jpeg_too_large_even_at_an_eighth_is_refused():
    # Only the header matters: a baseline JPEG header claiming 65000 x 65000 pixels.
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = (65_000).to_bytes(2, "big") + (65_000).to_bytes(2, "big")
    with pytest.raises(reference.ImageTooLarge):
        hash_bytes(bytes(data))
