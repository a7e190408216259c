// vPDQ's pure parts, as the `vpdq` reference (ThreatExchange vpdq 0.2.5, C++ over FFmpeg) does them:
// which decoded frames are hashed, their timestamps, the YUV to RGB24 conversion of FFmpeg's swscale
// and PDQ's float32 luma of those RGB bytes. No decoding here (see video.js), so Node tests it.
//
// Reference, read at facebook/ThreatExchange commit 5fbfe0ba (vpdq 0.2.5, 2026-02-02):
// - vpdq/cpp/vpdq/cpp/hashing/filehasher.cpp: frameMod = (int)(secondsPerHash * frameRate), where
//   frameRate is the stream's avg_frame_rate as a double (r_frame_rate when that is 0); frame k of the
//   decoder's output (counted from 0, presentation order) is hashed when k % frameMod == 0.
// - hasher.h: timestamp = (float)k / (float)frameRate, in float32.
// - ffmpegwrapper.cpp: each hashed frame goes through sws_scale(..., AV_PIX_FMT_RGB24, SWS_AREA) at
//   the stream's own size, with no colour details set: BT.601 coefficients, the range the pixel
//   format implies. No rotation is applied (a rotation tag is ignored), so none is here either.
// - pdq/cpp/hashing/pdqhashing.cpp: fillFloatLumaFromRGB with float32 coefficients, then the PDQ
//   of that plane (the same code pdq.js reproduces; a 64x64 frame is not blurred).

// Where the result is bit-exact and where not (measured in tests/hashing/test_browser_vpdq.py):
// - 4:2:0 frames of even height (H.264, VP8, VP9, AV1; full or limited range): bit-exact, hashes and
//   qualities, because the decoded planes are the same and the arithmetic below is swscale's.
// - Odd heights take swscale's general scaler (another chroma filter and rounding), not reproduced here:
//   close, not equal (a 641x361 VP9 clip: mean 2.5 bits, at most 6).
// - 4:2:2, 4:4:4 and 10-bit frames: refused by video.js as unsupported (the reference would hash them).

import { pdqFromLuma } from "./pdq.js";

const fround = Math.fround;

/** How many frames apart the hashed frames are, for a frame rate (frames a second) as a double. */
export function frameInterval(frameRate, secondsPerHash = 1) {
  const mod = Math.trunc(secondsPerHash * frameRate);
  return mod === 0 ? 1 : mod; // the reference's guard for a rate under one frame a second
}

/** Whether decoded frame `index` (0-based, presentation order) is one the reference hashes. */
export function isHashedFrame(index, interval) {
  return index % interval === 0;
}

/** The reference's timestamp of frame `index`: float32 index over float32 frame rate. */
export function frameTimestamp(index, frameRate) {
  return fround(fround(index) / fround(frameRate));
}

/**
 * FFmpeg's av_reduce: num/den as the closest fraction whose terms do not exceed `max` (demuxers use it
 * for avg_frame_rate, and Matroska's limit of 30000 can change the rate a little). Returns [num, den].
 */
export function avReduce(num, den, max) {
  let n = BigInt(num);
  let d = BigInt(den);
  const limit = BigInt(max);
  const negative = n < 0n !== d < 0n;
  if (n < 0n) n = -n;
  if (d < 0n) d = -d;
  const gcd = (a, b) => {
    while (b) [a, b] = [b, a % b];
    return a;
  };
  const g = gcd(n, d);
  if (g) {
    n /= g;
    d /= g;
  }
  let a0 = [0n, 1n];
  let a1 = [1n, 0n];
  if (n <= limit && d <= limit) {
    a1 = [n, d];
    d = 0n;
  }
  while (d) {
    let x = n / d;
    const nextDen = n - d * x;
    const a2 = [x * a1[0] + a0[0], x * a1[1] + a0[1]];
    if (a2[0] > limit || a2[1] > limit) {
      if (a1[0]) x = (limit - a0[0]) / a1[0];
      if (a1[1]) {
        const y = (limit - a0[1]) / a1[1];
        if (y < x) x = y;
      }
      if (d * (2n * x * a1[1] + a0[1]) > n * a1[1]) a1 = [x * a1[0] + a0[0], x * a1[1] + a0[1]];
      break;
    }
    a0 = a1;
    a1 = a2;
    n = d;
    d = nextDen;
  }
  return [Number(negative ? -a1[0] : a1[0]), Number(a1[1])];
}

// ---- swscale's YUV 4:2:0 to RGB24 ----
//
// With an even output height and no SWS_ACCURATE_RND, swscale converts 4:2:0 to RGB24 with its
// "unscaled" special converter (ff_yuv2rgb_get_func_ptr; on x86 the SIMD one): 16-bit fixed point,
// pmulhw (the high half of a signed 16x16 product), each chroma sample shared by a 2x2 block. The
// coefficients are those ff_yuv2rgb_c_init_tables derives from ff_yuv2rgb_coeffs[SWS_CS_DEFAULT]
// (BT.601). Checked sample for sample against Debian's libswscale 6 (FFmpeg 5.1) on random planes.

const BT601 = [104597, 132201, 25675, 53279]; // crv, cbu, cgu, cgv (ff_yuv2rgb_coeffs[SWS_CS_DEFAULT])

// roundToInt16 of swscale: (f + 0x8000) >> 16, clipped to int16.
const toInt16 = (f) => Math.max(-32768, Math.min(32767, Math.floor((f + 32768) / 65536)));
const mulHigh = (a, b) => (a * b) >> 16; // pmulhw: |a|, |b| < 2^15, so the product fits in int32

function coefficients(fullRange) {
  let [crv, cbu, cgu, cgv] = BT601;
  cgu = -cgu;
  cgv = -cgv;
  let cy = 1 << 16;
  let oy = 0;
  if (!fullRange) {
    cy = Math.floor((cy * 255) / 219);
    oy = 16 << 16;
  } else {
    crv = Math.trunc((crv * 224) / 255);
    cbu = Math.trunc((cbu * 224) / 255);
    cgu = Math.trunc((cgu * 224) / 255);
    cgv = Math.trunc((cgv * 224) / 255);
  }
  return {
    y: toInt16(cy * 8192),
    vr: toInt16(crv * 8192),
    ub: toInt16(cbu * 8192),
    vg: toInt16(cgv * 8192),
    ug: toInt16(cgu * 8192),
    yOffset: toInt16(oy * 8),
  };
}

const clampByte = (v) => (v < 0 ? 0 : v > 255 ? 255 : v);
const clampShort = (v) => (v < -32768 ? -32768 : v > 32767 ? 32767 : v);

// Per-value tables of the fixed-point terms, per range.
const TABLES = new Map();
function tables(fullRange) {
  if (!TABLES.has(fullRange)) {
    const c = coefficients(fullRange);
    const y = new Int32Array(256);
    const b = new Int32Array(256);
    const r = new Int32Array(256);
    const gu = new Int32Array(256);
    const gv = new Int32Array(256);
    for (let v = 0; v < 256; v++) {
      y[v] = mulHigh((v << 3) - c.yOffset, c.y);
      const chroma = (v << 3) - 1024;
      b[v] = mulHigh(chroma, c.ub);
      r[v] = mulHigh(chroma, c.vr);
      gu[v] = mulHigh(chroma, c.ug);
      gv[v] = mulHigh(chroma, c.vg);
    }
    TABLES.set(fullRange, { y, b, r, gu, gv });
  }
  return TABLES.get(fullRange);
}

// fillFloatLumaFromRGB's float32 terms: 0.299f * R and so on, each rounded to float32.
const LUMA_R = new Float32Array(256);
const LUMA_G = new Float32Array(256);
const LUMA_B = new Float32Array(256);
for (let v = 0; v < 256; v++) {
  LUMA_R[v] = fround(0.299) * v;
  LUMA_G[v] = fround(0.587) * v;
  LUMA_B[v] = fround(0.114) * v;
}

/** RGB24 bytes of 4:2:0 planes exactly as swscale (above) makes them; for tests and checks. */
export function rgbFromYuv420(planes, width, height, { fullRange = false } = {}) {
  const t = tables(fullRange);
  const out = new Uint8Array(width * height * 3);
  const { y, u, v, yStride, uStride, vStride } = planes;
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const luma = t.y[y[row * yStride + col]];
      const cu = u[(row >> 1) * uStride + (col >> 1)];
      const cv = v[(row >> 1) * vStride + (col >> 1)];
      const o = (row * width + col) * 3;
      out[o] = clampByte(clampShort(luma + t.r[cv]));
      out[o + 1] = clampByte(clampShort(luma + clampShort(t.gu[cu] + t.gv[cv])));
      out[o + 2] = clampByte(clampShort(luma + t.b[cu]));
    }
  }
  return out;
}

/**
 * The float32 luma plane (rows x cols) the reference hashes for a 4:2:0 frame: swscale's RGB24, then
 * fillFloatLumaFromRGB. `planes` = {y, u, v, yStride, uStride, vStride}; for NV12 pass the same
 * interleaved plane as u and v with `chromaStep` 2 and v one byte on (v = uv.subarray(1)).
 */
export function lumaFromYuv420(planes, width, height, { fullRange = false, chromaStep = 1, out } = {}) {
  const t = tables(fullRange);
  const luma = out || new Float32Array(width * height);
  const { y, u, v, yStride, uStride, vStride } = planes;
  const ty = t.y;
  const tr = t.r;
  const tb = t.b;
  const tgu = t.gu;
  const tgv = t.gv;
  for (let row = 0; row < height; row++) {
    const yRow = row * yStride;
    const uRow = (row >> 1) * uStride;
    const vRow = (row >> 1) * vStride;
    const outRow = row * width;
    for (let col = 0; col < width; col++) {
      const ly = ty[y[yRow + col]];
      const c = (col >> 1) * chromaStep;
      const cu = u[uRow + c];
      const cv = v[vRow + c];
      let r = ly + tr[cv];
      let g = ly + tgu[cu] + tgv[cv];
      let b = ly + tb[cu];
      // The terms are small (|chroma| < 2^12), so int16 saturation never happens before the byte clamp.
      r = r < 0 ? 0 : r > 255 ? 255 : r;
      g = g < 0 ? 0 : g > 255 ? 255 : g;
      b = b < 0 ? 0 : b > 255 ? 255 : b;
      luma[outRow + col] = fround(fround(LUMA_R[r] + LUMA_G[g]) + LUMA_B[b]);
    }
  }
  return luma;
}

/** {pdq, quality} of one frame's luma plane (consumed), as the reference's PDQFrameBufferHasher. */
export function frameFeature(luma, width, height, kernels = null) {
  const { hex, quality } = pdqFromLuma(luma, height, width, { dihedral: false, kernels });
  return { pdq: hex, quality };
}
