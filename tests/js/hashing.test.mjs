// Unit tests of the pure JS hash code on pixel arrays, against vectors from the Python reference
// (tests/js/make_vectors.py). Run: node --test tests/js/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { exifOrientation, sniffFormat } from "../../static/hashing/formats.js";
import { jaroszWindowSize, pdqFromLuma } from "../../static/hashing/pdq.js";
import { phashFromGrey, resizeGrey } from "../../static/hashing/phash.js";
import { orientLuma, planesFromRGB } from "../../static/hashing/pixels.js";
import { decodePng } from "../../static/hashing/png.js";
import { pattern } from "./patterns.mjs";

const vectors = JSON.parse(readFileSync(new URL("./vectors.json", import.meta.url)));


for (const v of vectors) {
  const name = `${v.pattern} ${v.width}x${v.height}`;
  test(`PDQ, quality and dihedral variants of ${name} equal pdqhash's`, () => {
    const { luma } = planesFromRGB(pattern(v.pattern, v.width, v.height, v.seed), v.width, v.height, 3);
    const result = pdqFromLuma(luma, v.height, v.width);
    assert.equal(result.hex, v.pdq);
    assert.equal(result.quality, v.pdq_quality);
    assert.deepEqual(result.dihedral, v.pdq_dihedral);
  });
  test(`pHash of ${name} equals imagehash's`, () => {
    const { grey } = planesFromRGB(pattern(v.pattern, v.width, v.height, v.seed), v.width, v.height, 3);
    assert.equal(phashFromGrey(grey, v.width, v.height), v.phash);
  });
}

test("images under 5 px on a side get pdqhash's zero hash and quality 0", () => {
  const result = pdqFromLuma(new Float32Array(4 * 100), 4, 100);
  assert.equal(result.hex, "0".repeat(64));
  assert.equal(result.quality, 0);
});

test("the Jarosz window is about 1/128 of the side, rounded up", () => {
  assert.equal(jaroszWindowSize(1024, 64), 8);
  assert.equal(jaroszWindowSize(1025, 64), 9);
  assert.equal(jaroszWindowSize(64, 64), 1);
});

test("resizing to the same size copies the plane, as Pillow does", () => {
  const grey = Uint8Array.from({ length: 32 * 32 }, (_, i) => i & 255);
  assert.deepEqual(resizeGrey(grey, 32, 32, 32, 32), grey);
});

test("orientations 5-8 swap the sides and put each pixel where a viewer shows it", () => {
  // 2 rows x 3 columns: 0 1 2 / 3 4 5
  const luma = Float32Array.from([0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...orientLuma(luma, 2, 3, 2).luma], [2, 1, 0, 5, 4, 3]);
  assert.deepEqual([...orientLuma(luma, 2, 3, 3).luma], [5, 4, 3, 2, 1, 0]);
  const rotated = orientLuma(luma, 2, 3, 6); // 90 degrees clockwise
  assert.equal(rotated.rows, 3);
  assert.deepEqual([...rotated.luma], [3, 0, 4, 1, 5, 2]);
  assert.deepEqual([...orientLuma(luma, 2, 3, 8).luma], [2, 5, 1, 4, 0, 3]);
});

test("formats are recognised from their bytes, not their names", () => {
  const bytes = (...values) => Uint8Array.from([...values, ...new Array(64).fill(0)]);
  const text = (s) => Uint8Array.from([...s].map((ch) => ch.charCodeAt(0)).concat(new Array(64).fill(0)));
  assert.equal(sniffFormat(bytes(0xff, 0xd8, 0xff, 0xe0)), "jpeg");
  assert.equal(sniffFormat(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)), "png");
  assert.equal(sniffFormat(text("RIFF\0\0\0\0WEBPVP8 ")), "webp");
  assert.equal(sniffFormat(text("GIF89a")), "gif");
  assert.equal(sniffFormat(text("\0\0\0\x18ftypheic")), "heic");
  assert.equal(sniffFormat(text("\0\0\0\x18ftypisom")), "video");
  assert.equal(sniffFormat(text("hello, this is text")), null);
});

test("the EXIF orientation is read in both byte orders", () => {
  const little = Uint8Array.from([0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
  const big = Uint8Array.from([0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0]);
  assert.equal(exifOrientation(little), 6);
  assert.equal(exifOrientation(big), 8);
  assert.equal(exifOrientation(Uint8Array.from([1, 2, 3])), null);
});

test("a 2x2 greyscale-with-alpha PNG decodes to Pillow's LA samples", async () => {
  // Made with Pillow: Image.frombytes("LA", (2, 2), bytes([10, 0, 20, 128, 30, 255, 40, 7])).save(..., "PNG")
  const png = Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAQAAADYv8WvAAAAEklEQVR4nGPkYuBqYBH5z8UBAAcxAb8S/xYoAAAAAElFTkSuQmCC",
    "base64",
  );
  const decoded = await decodePng(new Uint8Array(png));
  assert.equal(decoded.mode, "LA");
  assert.deepEqual([...decoded.samples], [10, 0, 20, 128, 30, 255, 40, 7]);
});
