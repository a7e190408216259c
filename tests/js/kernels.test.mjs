// kernels.wasm against the JS code it speeds up: the same bits for PDQ's blur, pHash's resampling
// and the luma/grey planes, on the Python reference's vectors and on planes of awkward sizes.
// Run: node --test tests/js/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { createKernels, returnKernels } from "../../static/hashing/kernels.js";
import { downsample64, pdqFromLuma } from "../../static/hashing/pdq.js";
import { phashFromGrey, resizeGrey } from "../../static/hashing/phash.js";
import {
  orientLuma,
  planesFromRGB,
  planesFromRGBAInKernels,
  planesFromYuvInKernels,
} from "../../static/hashing/pixels.js";
import { pattern } from "./patterns.mjs";

const vectors = JSON.parse(readFileSync(new URL("./vectors.json", import.meta.url)));
const kernels = await createKernels();

// Deterministic RGBA with edges, gradients and noise (alpha varies too, and must not matter).
function rgbaPlane(width, height, seed) {
  const out = new Uint8Array(width * height * 4);
  let state = seed;
  for (let i = 0; i < out.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    const p = i >> 2;
    const x = p % width;
    const y = (p - x) / width;
    out[i] = (x * (3 + (i & 3)) + y * 5 + ((x ^ y) & 31) + (state >> 25)) & 255;
  }
  return out;
}

// Sizes: 4 and 16 apart from the SIMD widths, under 5 px, one row or column of groups, extreme ratios.
// Tall ones (a phone screenshot's shape) make Pillow resize vertically first.
const SIZES = [[5, 5], [7, 6], [64, 64], [65, 63], [131, 97], [1000, 5], [5, 1000], [333, 517], [1030, 771], [117, 1253], [33, 700]]; // prettier-ignore

test("kernels.wasm loads under Node", () => {
  assert.ok(kernels, "WebAssembly with SIMD is required");
});

for (const [width, height] of SIZES) {
  const rgba = rgbaPlane(width, height, width * 31 + height);
  const n = width * height;

  test(`luma and grey of ${width}x${height} RGBA are the JS planes, bit for bit`, async () => {
    const k = await createKernels();
    const at = planesFromRGBAInKernels(k, rgba, width, height);
    const js = planesFromRGB(rgba, width, height, 4);
    assert.deepEqual(k.f32(at.luma, n), js.luma);
    assert.deepEqual(k.u8(at.grey, n), js.grey);
  });

  test(`PDQ's blurred 64x64 block of ${width}x${height} is the JS one, bit for bit`, async () => {
    const { luma } = planesFromRGB(rgba, width, height, 4);
    const k = await createKernels();
    assert.deepEqual(downsample64(Float32Array.from(luma), height, width, k), downsample64(luma, height, width));
  });

  test(`pHash's 32x32 resize of ${width}x${height} is the JS one`, async () => {
    const { grey } = planesFromRGB(rgba, width, height, 4);
    const k = await createKernels();
    assert.deepEqual(resizeGrey(grey, width, height, 32, 32, k), resizeGrey(grey, width, height, 32, 32));
  });
}


for (const v of vectors) {
  test(`with kernels, PDQ and pHash of ${v.pattern} ${v.width}x${v.height} equal the Python reference's`, async () => {
    const k = await createKernels();
    const { luma, grey } = planesFromRGB(pattern(v.pattern, v.width, v.height, v.seed), v.width, v.height, 3);
    const result = pdqFromLuma(luma, v.height, v.width, { kernels: k });
    assert.equal(result.hex, v.pdq);
    assert.equal(result.quality, v.pdq_quality);
    assert.deepEqual(result.dihedral, v.pdq_dihedral);
    assert.equal(phashFromGrey(grey, v.width, v.height, { kernels: k }), v.phash);
  });
}

test("a plane whose view was detached by memory growth is refused, not hashed as zeros", async () => {
  const k = await createKernels();
  const at = k.alloc(64 * 64 * 4);
  const view = k.f32(at, 64 * 64);
  k.alloc(16 * 1024 * 1024); // grows the memory
  assert.throws(() => pdqFromLuma(view, 64, 64, { kernels: k }), /detached/);
});

// libjpeg-turbo's fancy upsampling (jdsample.c) and YCbCr -> RGB (jdcolor.c), written out plainly,
// then luma and grey as planesFromRGB makes them: what planes_yuv must give.
function jpegReference(Y, Cb, Cr, width, height, cw, ch, mode) {
  const up = (plane, row, far) => {
    const out = new Uint8Array(cw * 2);
    const near = (j) => plane[row * cw + j];
    if (mode === 0) return plane.subarray(row * cw, row * cw + cw);
    if (cw <= 2) {
      for (let j = 0; j < cw; j++) out[2 * j] = out[2 * j + 1] = near(j);
      return out;
    }
    if (mode === 1) {
      for (let j = 0; j < cw; j++) {
        out[2 * j] = j === 0 ? near(0) : (3 * near(j) + near(j - 1) + 1) >> 2;
        out[2 * j + 1] = j === cw - 1 ? near(j) : (3 * near(j) + near(j + 1) + 2) >> 2;
      }
      return out;
    }
    const s = (j) => 3 * near(j) + plane[far * cw + j];
    for (let j = 0; j < cw; j++) {
      out[2 * j] = j === 0 ? (4 * s(0) + 8) >> 4 : (3 * s(j) + s(j - 1) + 8) >> 4;
      out[2 * j + 1] = j === cw - 1 ? (4 * s(j) + 7) >> 4 : (3 * s(j) + s(j + 1) + 7) >> 4;
    }
    return out;
  };
  const rgb = new Uint8Array(width * height * 3);
  const clamp = (v) => Math.max(0, Math.min(255, v));
  for (let row = 0; row < height; row++) {
    let cy = row;
    let far = row;
    if (mode === 2) {
      cy = row >> 1;
      far = row & 1 ? Math.min(cy + 1, ch - 1) : Math.max(cy - 1, 0);
    }
    const cbRow = up(Cb, cy, far);
    const crRow = up(Cr, cy, far);
    for (let x = 0; x < width; x++) {
      const y = Y[row * width + x];
      const xb = cbRow[x] - 128;
      const xr = crRow[x] - 128;
      const i = (row * width + x) * 3;
      rgb[i] = clamp(y + ((91881 * xr + 32768) >> 16));
      rgb[i + 1] = clamp(y + ((-46802 * xr - 22554 * xb + 32768) >> 16));
      rgb[i + 2] = clamp(y + ((116130 * xb + 32768) >> 16));
    }
  }
  return planesFromRGB(rgb, width, height, 3);
}

const JPEG_SIZES = [[1, 1], [2, 3], [3, 2], [4, 4], [5, 7], [6, 1], [8, 8], [13, 5], [33, 31], [401, 299]]; // prettier-ignore

for (const [mode, name] of [
  [0, "4:4:4"],
  [1, "4:2:2"],
  [2, "4:2:0"],
]) {
  for (const [width, height] of JPEG_SIZES) {
    test(`planes_yuv upsamples ${name} chroma of ${width}x${height} as libjpeg-turbo, to Pillow's planes`, async () => {
      const cw = mode === 0 ? width : (width + 1) >> 1;
      const ch = mode === 2 ? (height + 1) >> 1 : height;
      const noise = rgbaPlane(width + cw * 2, height, width * 7 + mode);
      const Y = noise.subarray(0, width * height);
      const Cb = noise.subarray(width * height, width * height + cw * ch);
      const Cr = noise.subarray(width * height + cw * ch, width * height + 2 * cw * ch);
      const k = await createKernels();
      const y = k.alloc(Y.length);
      const cb = k.alloc(Cb.length);
      const cr = k.alloc(Cr.length);
      k.u8(y, Y.length).set(Y);
      k.u8(cb, Cb.length).set(Cb);
      k.u8(cr, Cr.length).set(Cr);
      const yuv = { y, cb, cr, yStride: width, cStride: cw, cw, ch, mode };
      const at = planesFromYuvInKernels(k, yuv, width, height);
      const want = jpegReference(Y, Cb, Cr, width, height, cw, ch, mode);
      assert.deepEqual(k.f32(at.luma, width * height), want.luma);
      assert.deepEqual(k.u8(at.grey, width * height), want.grey);
    });
  }
}

test("every EXIF orientation turns the plane in kernels.wasm as in JS", async () => {
  const k = await createKernels();
  const rows = 67;
  const cols = 130;
  const at = k.alloc(rows * cols * 4);
  const to = k.alloc(rows * cols * 4);
  const plane = Float32Array.from({ length: rows * cols }, (_, i) => i * 0.5);
  for (let orientation = 2; orientation <= 8; orientation++) {
    k.f32(at, rows * cols).set(plane);
    const viaWasm = orientLuma(k.f32(at, rows * cols), rows, cols, orientation, k.f32(to, rows * cols), k);
    const viaJs = orientLuma(plane, rows, cols, orientation);
    assert.deepEqual([viaWasm.rows, viaWasm.cols], [viaJs.rows, viaJs.cols]);
    assert.deepEqual(k.f32(to, rows * cols), viaJs.luma, `orientation ${orientation}`);
  }
});

test("an instance is kept for the next file unless it grew large", async () => {
  const first = await createKernels();
  first.alloc(1000);
  returnKernels(first);
  const second = await createKernels();
  assert.equal(second, first);
  assert.equal(second.mark(), 1024, "a reused instance starts empty");
  second.alloc(400 * 1024 * 1024);
  returnKernels(second);
  assert.notEqual(await createKernels(), second);
});
