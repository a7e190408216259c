// Unit tests of the GIF, BMP and WebP decoders against what Pillow decodes the same files to
// (tests/js/make_decoder_vectors.py), and of how they refuse damaged files. Run: node --test tests/js/
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { BmpError, decodeBmp } from "../../static/hashing/bmp.js";
import { decodeGif, GifError } from "../../static/hashing/gif.js";
import { planesFromImage, planesFromIndexed, planesFromRGB } from "../../static/hashing/pixels.js";
import { decodeVp8l } from "../../static/hashing/vp8l.js";
import { opaqueVp8File, vp8lAlphaHint, WebpError, webpLayout } from "../../static/hashing/webp.js";

const vectors = JSON.parse(readFileSync(new URL("./decoder-vectors.json", import.meta.url)));
const fileOf = (v) => new Uint8Array(Buffer.from(v.file, "base64"));
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

// Pillow's convert("RGB") and convert("L") of a decoded {mode, samples, palette}.
function rgbAndGrey({ width, height, mode, samples, palette }) {
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  const grey = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let r;
    let g;
    let b;
    if (mode === "RGB") [r, g, b] = samples.subarray(i * 3, i * 3 + 3);
    else if (mode === "P") [r, g, b] = palette.subarray(samples[i] * 3, samples[i] * 3 + 3);
    else r = g = b = samples[i];
    rgb.set([r, g, b], i * 3);
    grey[i] = mode === "P" || mode === "RGB" ? (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16 : r;
  }
  return { rgb, grey };
}

function argbToImage({ width, height, argb }) {
  const samples = new Uint8Array(width * height * 3);
  for (let i = 0; i < argb.length; i++) {
    samples[i * 3] = (argb[i] >>> 16) & 255;
    samples[i * 3 + 1] = (argb[i] >>> 8) & 255;
    samples[i * 3 + 2] = argb[i] & 255;
  }
  return { width, height, mode: "RGB", samples };
}

function assertSameAsPillow(image, v) {
  assert.equal(image.width, v.width);
  assert.equal(image.height, v.height);
  const { rgb, grey } = rgbAndGrey(image);
  assert.equal(sha256(rgb), v.rgb_sha256, "convert('RGB') differs");
  assert.equal(sha256(grey), v.l_sha256, "convert('L') differs");
}

for (const v of vectors.filter((v) => v.name.endsWith(".gif"))) {
  test(`GIF ${v.name} decodes to Pillow's ${v.mode} pixels`, () => {
    const image = decodeGif(fileOf(v));
    assert.equal(image.mode, v.mode);
    assertSameAsPillow(image, v);
  });
}

for (const v of vectors.filter((v) => v.name.endsWith(".bmp"))) {
  test(`BMP ${v.name} decodes to Pillow's pixels`, () => {
    const image = decodeBmp(fileOf(v));
    // Pillow calls a BMP with an alpha mask RGBA; its colour is what the hashes see.
    assert.equal(image.mode, v.mode === "RGBA" ? "RGB" : v.mode);
    assertSameAsPillow(image, v);
  });
}

for (const v of vectors.filter((v) => v.name.includes("lossless"))) {
  test(`lossless WebP ${v.name} decodes to Pillow's colour, transparent pixels included`, () => {
    const layout = webpLayout(fileOf(v));
    assert.equal(layout.image, "VP8L");
    assert.equal(vp8lAlphaHint(layout.data) || layout.alphaFlag, true);
    assertSameAsPillow(argbToImage(decodeVp8l(layout.data)), v);
  });
}

for (const v of vectors.filter((v) => v.name.includes("lossy"))) {
  test(`lossy WebP ${v.name} loses only its alpha chunk in the copy the browser decodes`, () => {
    const layout = webpLayout(fileOf(v));
    assert.equal(layout.image, "VP8 ");
    assert.ok(layout.alph && layout.alphaFlag);
    const copy = opaqueVp8File(layout.data);
    const copied = webpLayout(copy);
    assert.equal(copied.image, "VP8 ");
    assert.equal(copied.alph, null);
    assert.equal(copied.alphaFlag, false);
    assert.deepEqual(copied.data, layout.data);
    assert.equal(new DataView(copy.buffer).getUint32(4, true), copy.length - 8);
  });
}

const gifVector = vectors.find((v) => v.name === "23x17/gif-transparent-not-interlaced.gif");
const bmpVector = vectors.find((v) => v.name === "23x17/bmp-24.bmp");
const webpVector = vectors.find((v) => v.name === "23x17/webp-alpha-lossless.webp");

test("a GIF whose image data stops early is refused, as Pillow refuses it", () => {
  const bytes = fileOf(gifVector);
  // Keep the headers and the first data sub-block only.
  const cut = bytes.length - 40;
  assert.throws(() => decodeGif(bytes.subarray(0, cut)), GifError);
});

test("a GIF without any image is refused", () => {
  const header = fileOf(gifVector).subarray(0, 13 + 3 * 256);
  const bytes = new Uint8Array([...header, 0x3b]);
  bytes[10] = 0x87; // global palette of 256 entries, the size kept above
  assert.throws(() => decodeGif(bytes), /no image/);
});

test("transparent pixels of a GIF keep their palette colour, as in Pillow's convert('RGB')", () => {
  // 2x1, palette red/green, index 1 transparent.
  const gif = Uint8Array.from([
    ...Buffer.from("GIF89a"), 2, 0, 1, 0, 0x80, 0, 0, 255, 0, 0, 0, 255, 0,
    0x21, 0xf9, 4, 1, 0, 0, 1, 0,
    0x2c, 0, 0, 0, 0, 2, 0, 1, 0, 0,
    2, 2, 0x44, 0x0a, 0, 0x3b,
  ]); // prettier-ignore
  const image = decodeGif(gif);
  assert.equal(image.mode, "P");
  assert.deepEqual([...image.samples], [0, 1]);
  assert.deepEqual([...image.palette.subarray(0, 6)], [255, 0, 0, 0, 255, 0]);
});

test("a BMP whose pixel rows stop early is refused", () => {
  const bytes = fileOf(bmpVector);
  assert.throws(
    () => decodeBmp(bytes.subarray(0, bytes.length - 200)),
    (e) => e instanceof BmpError && !e.unsupported,
  );
});

test("a BMP layout Pillow does not read is refused as unsupported, not as damaged", () => {
  const bytes = Uint8Array.from(fileOf(bmpVector));
  bytes[28] = 2; // 2 bits per pixel
  assert.throws(
    () => decodeBmp(bytes),
    (e) => e instanceof BmpError && e.unsupported,
  );
});

test("a BMP larger than the limit is refused before any pixel is read", () => {
  assert.throws(
    () => decodeBmp(fileOf(bmpVector), { maxPixels: 100 }),
    (e) => e.tooLarge === true,
  );
});

test("a damaged lossless WebP stream is refused", () => {
  const { data } = webpLayout(fileOf(webpVector));
  assert.throws(() => decodeVp8l(data.subarray(0, data.length >> 1)), WebpError);
  const wrongVersion = Uint8Array.from(data);
  wrongVersion[4] |= 0x20;
  assert.throws(() => decodeVp8l(wrongVersion), /version/);
});

test("palette images give the same planes as their colours looked up", () => {
  const palette = Uint8Array.from([10, 200, 30, 255, 255, 255, 0, 0, 0, 99, 1, 250]);
  const indices = Uint8Array.from([0, 1, 2, 3, 7, 0]); // 7 is past the palette: black
  const rgb = Uint8Array.from([10, 200, 30, 255, 255, 255, 0, 0, 0, 99, 1, 250, 0, 0, 0, 10, 200, 30]);
  const viaPalette = planesFromIndexed(indices, palette, 3, 2);
  const viaRgb = planesFromRGB(rgb, 3, 2, 3);
  assert.deepEqual(viaPalette, viaRgb);
  assert.deepEqual(planesFromImage({ width: 3, height: 2, mode: "P", samples: indices, palette }), viaRgb);
});
