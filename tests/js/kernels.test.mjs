// kernels.wasm against the JS code it speeds up: the same bits for PDQ's blur, pHash's resampling
// and the luma/grey planes, on the Python reference's vectors and on planes of awkward sizes.
// Run: node --test tests/js/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { createKernels } from "../../static/hashing/kernels.js";
import { downsample64, pdqFromLuma } from "../../static/hashing/pdq.js";
import { phashFromGrey, resizeGrey } from "../../static/hashing/phash.js";
import { planesFromRGB, planesFromRGBAInKernels } from "../../static/hashing/pixels.js";

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
const SIZES = [[5, 5], [7, 6], [64, 64], [65, 63], [131, 97], [1000, 5], [5, 1000], [333, 517], [1030, 771]]; // prettier-ignore

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

// Must stay identical to pattern() in make_vectors.py (as in hashing.test.mjs).
function pattern(kind, width, height, seed) {
  const out = new Uint8Array(width * height * 3);
  let state = seed;
  for (let i = 0; i < out.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    const c = i % 3;
    const p = (i - c) / 3;
    const x = p % width;
    const y = (p - x) / width;
    let v;
    if (kind === "noise") v = x * (3 + c) + y * (5 - c) + ((x ^ y) & 31) + (state >> 24);
    else if (kind === "uniform") v = seed + 40 * c;
    else if (kind === "hsym") v = Math.abs(2 * x - (width - 1)) * 3 + y + 50 * c;
    else v = Math.floor((x * 255) / Math.max(width - 1, 1)) + c * 7;
    out[i] = v & 255;
  }
  return out;
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
