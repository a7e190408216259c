// Decoded pixels in the two forms the hashes need, following Pillow's conversions exactly:
// float32 luma of convert("RGB") for PDQ, and the 8-bit convert("L") plane for pHash.

import { LUMA_B, LUMA_G, LUMA_R, lumaFromGrey } from "./pdq.js";

/**
 * {luma, grey} from interleaved 8-bit RGB(A) samples (alpha ignored, as convert("RGB") drops it).
 * grey is Pillow's convert("L"): L24, the ITU-R 601-2 weights in 16-bit fixed point, rounded.
 */
export function planesFromRGB(samples, width, height, channels) {
  const n = width * height;
  const grey = new Uint8Array(n);
  const luma = new Float32Array(n);
  const R = LUMA_R;
  const G = LUMA_G;
  const B = LUMA_B;
  for (let i = 0, p = 0; i < n; i++, p += channels) {
    const r = samples[p];
    const g = samples[p + 1];
    const b = samples[p + 2];
    grey[i] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    luma[i] = R[r] + G[g] + B[b];
  }
  return { luma, grey };
}

/**
 * planesFromRGB of RGBA samples, computed by kernels.wasm into its memory: returns the byte offsets
 * {luma, grey, rgba} (the RGBA copy is free for reuse once this returns, e.g. as an oriented plane).
 */
export function planesFromRGBAInKernels(kernels, rgba, width, height) {
  const n = width * height;
  const rgbaAt = kernels.alloc(n * 4);
  const luma = kernels.alloc(n * 4);
  const grey = kernels.alloc(n);
  kernels.u8(rgbaAt, n * 4).set(rgba);
  kernels.fn.planes_rgba(rgbaAt, n, luma, grey);
  return { luma, grey, rgba: rgbaAt };
}

/**
 * The same planes from a JPEG's Y, Cb, Cr planes in the kernels' memory (see decodeJpegPlanes), made
 * as libjpeg-turbo makes RGB from them. Returns the byte offsets {luma, grey}.
 */
export function planesFromYuvInKernels(kernels, yuv, width, height) {
  const n = width * height;
  const luma = kernels.alloc(n * 4);
  const grey = kernels.alloc(n);
  const scratch = kernels.alloc(2 * (width + 32) + 64);
  const { y, cb, cr, yStride, cStride, cw, ch, mode } = yuv;
  kernels.fn.planes_yuv(y, yStride, cb, cr, cStride, cw, ch, width, height, mode, scratch, luma, grey);
  return { luma, grey };
}

/** {luma, grey} from ARGB pixels in a Uint32Array (alpha in the top byte, ignored). */
export function planesFromARGB(argb, width, height) {
  const n = width * height;
  const grey = new Uint8Array(n);
  const luma = new Float32Array(n);
  const R = LUMA_R;
  const G = LUMA_G;
  const B = LUMA_B;
  for (let i = 0; i < n; i++) {
    const p = argb[i];
    const r = (p >>> 16) & 255;
    const g = (p >>> 8) & 255;
    const b = p & 255;
    grey[i] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    luma[i] = R[r] + G[g] + B[b];
  }
  return { luma, grey };
}

/** {luma, grey} from an 8-bit grey plane (modes 1, L, LA): convert("RGB") repeats the grey. */
export function planesFromGrey(grey, width, height) {
  return { luma: lumaFromGrey(grey, width, height), grey };
}

function highBytes(samples) {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i] >> 8;
  return out;
}

function channel(samples, channels, index) {
  const n = samples.length / channels;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = samples[i * channels + index];
  return out;
}

/** {luma, grey} of a decoded PNG (see png.js), as Pillow converts each of its modes. */
export function planesFromPng(png) {
  const { width, height, mode, bitDepth, channels, samples, palette } = png;
  const eight = bitDepth === 16 && mode !== "I;16" ? highBytes(samples) : samples;
  if (mode === "1" || mode === "L") return planesFromGrey(eight, width, height);
  if (mode === "I;16") {
    // Pillow clips 16-bit grey to 0-255 (it does not scale) when converting to L or RGB.
    const grey = new Uint8Array(samples.length);
    for (let i = 0; i < samples.length; i++) grey[i] = samples[i] > 255 ? 255 : samples[i];
    return planesFromGrey(grey, width, height);
  }
  if (mode === "LA" || (mode === "RGBA" && channels === 2)) return planesFromGrey(channel(eight, 2, 0), width, height);
  if (mode === "RGB" || mode === "RGBA") return planesFromRGB(eight, width, height, channels);
  if (mode === "P") return planesFromIndexed(eight, palette, width, height);
  throw new Error(`unsupported PNG mode ${mode}`);
}

/**
 * {luma, grey} of palette indices: convert("RGB") and convert("L") of a P image both look each index
 * up (entries past the end of `palette`, RGB triples, are black), transparency or not.
 */
export function planesFromIndexed(indices, palette, width, height) {
  const lumaOf = new Float32Array(256);
  const greyOf = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    const r = i * 3 < palette.length ? palette[i * 3] : 0;
    const g = i * 3 < palette.length ? palette[i * 3 + 1] : 0;
    const b = i * 3 < palette.length ? palette[i * 3 + 2] : 0;
    greyOf[i] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    lumaOf[i] = LUMA_R[r] + LUMA_G[g] + LUMA_B[b];
  }
  const n = width * height;
  const luma = new Float32Array(n);
  const grey = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const index = indices[i];
    luma[i] = lumaOf[index];
    grey[i] = greyOf[index];
  }
  return { luma, grey };
}

/**
 * {luma, grey} of a decoded image in one of Pillow's 8-bit modes (see gif.js and bmp.js): "RGB" with
 * interleaved samples, "P" with indices and a palette, "L" and "1" (0 or 255) with grey samples.
 */
export function planesFromImage({ width, height, mode, samples, palette }) {
  if (mode === "RGB") return planesFromRGB(samples, width, height, 3);
  if (mode === "L" || mode === "1") return planesFromGrey(samples, width, height);
  if (mode === "P") return planesFromIndexed(samples, palette, width, height);
  throw new Error(`unsupported image mode ${mode}`);
}

/**
 * The luma plane as ImageOps.exif_transpose would show the image (orientation 2-8),
 * returned as {luma, rows, cols}; written into `out` when given (rows * cols floats), by
 * kernels.wasm when `kernels` is given and both planes live in its memory.
 */
export function orientLuma(luma, rows, cols, orientation, out = new Float32Array(rows * cols), kernels = null) {
  const swap = orientation >= 5;
  const outRows = swap ? cols : rows;
  const outCols = swap ? rows : cols;
  // Output pixel (r, c) shows source index base + r * down + c * across.
  const last = rows * cols - 1;
  const [base, down, across] = {
    2: [cols - 1, cols, -1], // mirror left-right
    3: [last, -cols, -1], // rotate 180
    4: [(rows - 1) * cols, -cols, 1], // mirror top-bottom
    5: [0, 1, cols], // transpose
    6: [(rows - 1) * cols, 1, -cols], // rotate 90 clockwise
    7: [last, -1, -cols], // transverse
    8: [cols - 1, -1, cols], // rotate 90 anticlockwise
  }[orientation];
  if (kernels && kernels.offsetOf(luma) >= 0 && kernels.offsetOf(out) >= 0) {
    kernels.fn.orient(kernels.offsetOf(luma), kernels.offsetOf(out), outRows, outCols, base, down, across);
    return { luma: out, rows: outRows, cols: outCols };
  }
  // In 64 x 64 tiles, so the turned orientations (5-8) read the source a cache line at a time.
  const TILE = 64;
  for (let r0 = 0; r0 < outRows; r0 += TILE) {
    const r1 = Math.min(outRows, r0 + TILE);
    for (let c0 = 0; c0 < outCols; c0 += TILE) {
      const c1 = Math.min(outCols, c0 + TILE);
      for (let r = r0; r < r1; r++) {
        let source = base + r * down + c0 * across;
        const row = r * outCols;
        for (let c = c0; c < c1; c++, source += across) out[row + c] = luma[source];
      }
    }
  }
  return { luma: out, rows: outRows, cols: outCols };
}
