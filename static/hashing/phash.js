// imagehash-compatible pHash (imagehash 4.3.2 defaults): Pillow's LANCZOS resize of the greyscale image
// to 32x32, scipy.fftpack's DCT-II along axis 0 then axis 1, the 8x8 low frequencies compared with
// their median.
//
// Exactness notes:
// - The resize follows Pillow's Resample.c: coefficients in double, normalised, turned into 22-bit
//   fixed point, two passes in the order Pillow 13 picks (see resizeGrey).
// - The DCT follows scipy's pocketfft step by step (DCT-II through a backward real FFT of length 32
//   with radix 2, 4, 4, and pocketfft's own twiddle factors). A mathematically equal DCT is not
//   enough: when coefficients tie (flat or symmetric images) the rounding noise decides the bits.

const PRECISION_BITS = 22; // 32 - 8 - 2, as in Pillow
const HASH_SIZE = 8;
const IMG_SIZE = 32;

function sinc(x) {
  if (x === 0.0) return 1.0;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

function lanczos(x) {
  if (-3.0 <= x && x < 3.0) return sinc(x) * sinc(x / 3);
  return 0.0;
}

// Pillow's precompute_coeffs + normalize_coeffs_8bpc for the LANCZOS filter (support 3).
export function lanczosCoefficients(inSize, outSize) {
  const scale = inSize / outSize;
  const filterscale = scale < 1.0 ? 1.0 : scale;
  const support = 3.0 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const weights = new Float64Array(outSize * ksize);
  const bounds = new Int32Array(outSize * 2);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1.0 / filterscale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0.0;
    const base = xx * ksize;
    for (let x = 0; x < xmax; x++) {
      const w = lanczos((x + xmin - center + 0.5) * ss);
      weights[base + x] = w;
      ww += w;
    }
    if (ww !== 0.0) for (let x = 0; x < xmax; x++) weights[base + x] /= ww;
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  const fixed = new Int32Array(outSize * ksize);
  const one = 1 << PRECISION_BITS;
  for (let i = 0; i < fixed.length; i++) {
    const k = weights[i];
    fixed[i] = k < 0 ? Math.trunc(-0.5 + k * one) : Math.trunc(0.5 + k * one);
  }
  return { ksize, bounds, fixed };
}

function clip8(ss) {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function resampleHorizontal(src, srcWidth, rowOffset, rows, outWidth, coeffs) {
  const { ksize, bounds, fixed } = coeffs;
  const out = new Uint8Array(outWidth * rows);
  for (let yy = 0; yy < rows; yy++) {
    const rowBase = (yy + rowOffset) * srcWidth;
    for (let xx = 0; xx < outWidth; xx++) {
      const xmax = bounds[xx * 2 + 1];
      const kBase = xx * ksize;
      const start = rowBase + bounds[xx * 2];
      let ss = 1 << (PRECISION_BITS - 1);
      for (let x = 0; x < xmax; x++) ss += src[start + x] * fixed[kBase + x];
      out[yy * outWidth + xx] = clip8(ss);
    }
  }
  return out;
}

// resampleHorizontal with kernels.wasm: coefficient rows padded with zeros to a multiple of 16.
function resampleHorizontalWasm(kernels, src, srcWidth, rowOffset, rows, outWidth, coeffs) {
  const { ksize, bounds, fixed } = coeffs;
  const mark = kernels.mark();
  let plane = kernels.offsetOf(src);
  if (plane < 0) {
    plane = kernels.alloc(src.length);
    kernels.u8(plane, src.length).set(src);
  }
  const kstride = Math.ceil(ksize / 16) * 16;
  const weights = kernels.alloc(outWidth * kstride * 4);
  const limits = kernels.alloc(outWidth * 8);
  const out = kernels.alloc(outWidth * rows);
  const padded = kernels.i32(weights, outWidth * kstride);
  padded.fill(0);
  for (let xx = 0; xx < outWidth; xx++) padded.set(fixed.subarray(xx * ksize, (xx + 1) * ksize), xx * kstride);
  kernels.i32(limits, outWidth * 2).set(bounds);
  kernels.fn.resample_h(plane + rowOffset * srcWidth, srcWidth, rows, outWidth, kstride, limits, weights, out);
  const result = kernels.u8(out, outWidth * rows).slice();
  kernels.release(mark);
  return result;
}

// resampleVertical with kernels.wasm (sixteen columns at a time; see resample_v).
function resampleVerticalWasm(kernels, src, width, outHeight, coeffs, bounds) {
  const { ksize, fixed } = coeffs;
  const mark = kernels.mark();
  let plane = kernels.offsetOf(src);
  if (plane < 0) {
    plane = kernels.alloc(src.length);
    kernels.u8(plane, src.length).set(src);
  }
  const weights = kernels.alloc(outHeight * ksize * 4);
  const limits = kernels.alloc(outHeight * 8);
  const out = kernels.alloc(outHeight * width);
  kernels.i32(weights, outHeight * ksize).set(fixed.subarray(0, outHeight * ksize));
  kernels.i32(limits, outHeight * 2).set(bounds.subarray(0, outHeight * 2));
  kernels.fn.resample_v(plane, width, outHeight, ksize, limits, weights, out);
  const result = kernels.u8(out, outHeight * width).slice();
  kernels.release(mark);
  return result;
}

function resampleVertical(src, width, outHeight, coeffs, bounds) {
  const { ksize, fixed } = coeffs;
  const out = new Uint8Array(width * outHeight);
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = bounds[yy * 2];
    const ymax = bounds[yy * 2 + 1];
    const kBase = yy * ksize;
    for (let xx = 0; xx < width; xx++) {
      let ss = 1 << (PRECISION_BITS - 1);
      for (let y = 0; y < ymax; y++) ss += src[(y + ymin) * width + xx] * fixed[kBase + y];
      out[yy * width + xx] = clip8(ss);
    }
  }
  return out;
}

/**
 * Pillow's Image.resize((outWidth, outHeight), LANCZOS) of an 8-bit greyscale plane.
 * Pillow 13 runs the vertical pass first when the image shrinks vertically by more than twice what it
 * shrinks horizontally (read from its ImagingResampleInner); otherwise horizontal first, limited to
 * the rows the vertical pass reads. The order changes the intermediate rounding, so it must match.
 */
export function resizeGrey(grey, width, height, outWidth, outHeight, kernels = null) {
  if (grey.length !== width * height) throw new Error("grey plane does not match its size (detached?)");
  if (width === outWidth && height === outHeight) return Uint8Array.from(grey);
  const vert = lanczosCoefficients(height, outHeight);
  const vertical = kernels
    ? (...args) => resampleVerticalWasm(kernels, ...args)
    : (...args) => resampleVertical(...args);
  if (width === outWidth) return vertical(grey, width, outHeight, vert, vert.bounds);
  const horiz = lanczosCoefficients(width, outWidth);
  const horizontal = kernels
    ? (...args) => resampleHorizontalWasm(kernels, ...args)
    : (...args) => resampleHorizontal(...args);
  if (height === outHeight) return horizontal(grey, width, 0, height, outWidth, horiz);
  const shrinkY = height - outHeight;
  if (shrinkY > 0 && shrinkY > 2 * (width - outWidth)) {
    // Tall pictures (phone screenshots): the big pass is the vertical one.
    const tmp = vertical(grey, width, outHeight, vert, vert.bounds);
    return horizontal(tmp, width, 0, outHeight, outWidth, horiz);
  }
  const bounds = Int32Array.from(vert.bounds);
  const first = bounds[0];
  const last = bounds[outHeight * 2 - 2] + bounds[outHeight * 2 - 1];
  for (let i = 0; i < outHeight; i++) bounds[i * 2] -= first;
  const tmp = horizontal(grey, width, first, last - first, outWidth, horiz);
  return resampleVertical(tmp, outWidth, outHeight, vert, bounds);
}

// ---- pocketfft's twiddle factors (sincos_2pibyn), computed the way pocketfft computes them ----

function sincos2PiByN(n) {
  const ang = (0.25 * Math.PI) / n;
  const calc = (xIn) => {
    let x = xIn * 8;
    if (x < 4 * n) {
      if (x < 2 * n) {
        if (x < n) return [Math.cos(x * ang), Math.sin(x * ang)];
        return [Math.sin((2 * n - x) * ang), Math.cos((2 * n - x) * ang)];
      }
      x -= 2 * n;
      if (x < n) return [-Math.sin(x * ang), Math.cos(x * ang)];
      return [-Math.cos((2 * n - x) * ang), Math.sin((2 * n - x) * ang)];
    }
    x = 8 * n - x;
    if (x < 2 * n) {
      if (x < n) return [Math.cos(x * ang), -Math.sin(x * ang)];
      return [Math.sin((2 * n - x) * ang), -Math.cos((2 * n - x) * ang)];
    }
    x -= 2 * n;
    if (x < n) return [-Math.sin(x * ang), -Math.cos(x * ang)];
    return [-Math.cos((2 * n - x) * ang), -Math.sin((2 * n - x) * ang)];
  };
  const nval = (n + 2) >> 1;
  let shift = 1;
  while ((1 << shift) * (1 << shift) < nval) shift++;
  const mask = (1 << shift) - 1;
  const v1 = [[1, 0]];
  for (let i = 1; i <= mask; i++) v1.push(calc(i));
  const v2 = [[1, 0]];
  const v2size = Math.floor((nval + mask) / (mask + 1));
  for (let i = 1; i < v2size; i++) v2.push(calc(i * (mask + 1)));
  return (idxIn) => {
    let idx = idxIn;
    if (2 * idx <= n) {
      const x1 = v1[idx & mask];
      const x2 = v2[idx >> shift];
      return [x1[0] * x2[0] - x1[1] * x2[1], x1[0] * x2[1] + x1[1] * x2[0]];
    }
    idx = n - idx;
    const x1 = v1[idx & mask];
    const x2 = v2[idx >> shift];
    return [x1[0] * x2[0] - x1[1] * x2[1], -(x1[0] * x2[1] + x1[1] * x2[0])];
  };
}

// rfftp(32) factors in pocketfft's order: 2, 4, 4; twiddles per factor as comp_twiddle lays them out.
const FFT_LENGTH = IMG_SIZE;
const FACTORS = [2, 4, 4];
const FACTOR_TWIDDLES = (() => {
  const twid = sincos2PiByN(FFT_LENGTH);
  const out = [];
  let l1 = 1;
  FACTORS.forEach((ip, k) => {
    const ido = FFT_LENGTH / (l1 * ip);
    const tw = new Float64Array(Math.max(0, (ip - 1) * (ido - 1)));
    if (k < FACTORS.length - 1) {
      for (let j = 1; j < ip; j++) {
        for (let i = 1; i <= (ido - 1) >> 1; i++) {
          const [re, im] = twid(j * l1 * i);
          tw[(j - 1) * (ido - 1) + 2 * i - 2] = re;
          tw[(j - 1) * (ido - 1) + 2 * i - 1] = im;
        }
      }
    }
    out.push(tw);
    l1 *= ip;
  });
  return out;
})();
const DCT_TWIDDLE = (() => {
  const tw = sincos2PiByN(4 * FFT_LENGTH);
  const out = new Float64Array(FFT_LENGTH);
  for (let i = 0; i < FFT_LENGTH; i++) out[i] = tw(i + 1)[0];
  return out;
})();

export const _internals = { FACTOR_TWIDDLES, DCT_TWIDDLE, sincos2PiByN };

function radb2(ido, l1, cc, ch, wa) {
  const CC = (a, b, c) => a + ido * (b + 2 * c);
  const CH = (a, b, c) => a + ido * (b + l1 * c);
  for (let k = 0; k < l1; k++) {
    const x = cc[CC(0, 0, k)];
    const y = cc[CC(ido - 1, 1, k)];
    ch[CH(0, k, 0)] = x + y;
    ch[CH(0, k, 1)] = x - y;
  }
  if ((ido & 1) === 0) {
    for (let k = 0; k < l1; k++) {
      ch[CH(ido - 1, k, 0)] = 2 * cc[CC(ido - 1, 0, k)];
      ch[CH(ido - 1, k, 1)] = -2 * cc[CC(0, 1, k)];
    }
  }
  if (ido <= 2) return;
  for (let k = 0; k < l1; k++) {
    for (let i = 2; i < ido; i += 2) {
      const ic = ido - i;
      const a = cc[CC(i - 1, 0, k)];
      const b = cc[CC(ic - 1, 1, k)];
      ch[CH(i - 1, k, 0)] = a + b;
      const tr2 = a - b;
      const c = cc[CC(i, 0, k)];
      const d = cc[CC(ic, 1, k)];
      const ti2 = c + d;
      ch[CH(i, k, 0)] = c - d;
      const w0 = wa[i - 2];
      const w1 = wa[i - 1];
      ch[CH(i, k, 1)] = w0 * ti2 + w1 * tr2;
      ch[CH(i - 1, k, 1)] = w0 * tr2 - w1 * ti2;
    }
  }
}

function radb4(ido, l1, cc, ch, wa) {
  const CC = (a, b, c) => a + ido * (b + 4 * c);
  const CH = (a, b, c) => a + ido * (b + l1 * c);
  const WA = (x, i) => wa[i + x * (ido - 1)];
  for (let k = 0; k < l1; k++) {
    const a = cc[CC(0, 0, k)];
    const b = cc[CC(ido - 1, 3, k)];
    const tr2 = a + b;
    const tr1 = a - b;
    const tr3 = 2 * cc[CC(ido - 1, 1, k)];
    const tr4 = 2 * cc[CC(0, 2, k)];
    ch[CH(0, k, 0)] = tr2 + tr3;
    ch[CH(0, k, 2)] = tr2 - tr3;
    ch[CH(0, k, 3)] = tr1 + tr4;
    ch[CH(0, k, 1)] = tr1 - tr4;
  }
  if ((ido & 1) === 0) {
    for (let k = 0; k < l1; k++) {
      const a = cc[CC(0, 3, k)];
      const b = cc[CC(0, 1, k)];
      const ti1 = a + b;
      const ti2 = a - b;
      const c = cc[CC(ido - 1, 0, k)];
      const d = cc[CC(ido - 1, 2, k)];
      const tr2 = c + d;
      const tr1 = c - d;
      ch[CH(ido - 1, k, 0)] = tr2 + tr2;
      ch[CH(ido - 1, k, 1)] = Math.SQRT2 * (tr1 - ti1);
      ch[CH(ido - 1, k, 2)] = ti2 + ti2;
      ch[CH(ido - 1, k, 3)] = -Math.SQRT2 * (tr1 + ti1);
    }
  }
  if (ido <= 2) return;
  for (let k = 0; k < l1; k++) {
    for (let i = 2; i < ido; i += 2) {
      const ic = ido - i;
      let x = cc[CC(i - 1, 0, k)];
      let y = cc[CC(ic - 1, 3, k)];
      const tr2 = x + y;
      const tr1 = x - y;
      x = cc[CC(i, 0, k)];
      y = cc[CC(ic, 3, k)];
      const ti1 = x + y;
      const ti2 = x - y;
      x = cc[CC(i, 2, k)];
      y = cc[CC(ic, 1, k)];
      const tr4 = x + y;
      const ti3 = x - y;
      x = cc[CC(i - 1, 2, k)];
      y = cc[CC(ic - 1, 1, k)];
      const tr3 = x + y;
      const ti4 = x - y;
      ch[CH(i - 1, k, 0)] = tr2 + tr3;
      const cr3 = tr2 - tr3;
      ch[CH(i, k, 0)] = ti2 + ti3;
      const ci3 = ti2 - ti3;
      const cr4 = tr1 + tr4;
      const cr2 = tr1 - tr4;
      const ci2 = ti1 + ti4;
      const ci4 = ti1 - ti4;
      // MULPM(a, b, c, d, e, f): a = c*e + d*f; b = c*f - d*e
      ch[CH(i, k, 1)] = WA(0, i - 2) * ci2 + WA(0, i - 1) * cr2;
      ch[CH(i - 1, k, 1)] = WA(0, i - 2) * cr2 - WA(0, i - 1) * ci2;
      ch[CH(i, k, 2)] = WA(1, i - 2) * ci3 + WA(1, i - 1) * cr3;
      ch[CH(i - 1, k, 2)] = WA(1, i - 2) * cr3 - WA(1, i - 1) * ci3;
      ch[CH(i, k, 3)] = WA(2, i - 2) * ci4 + WA(2, i - 1) * cr4;
      ch[CH(i - 1, k, 3)] = WA(2, i - 2) * cr4 - WA(2, i - 1) * ci4;
    }
  }
}

// pocketfft T_dcst23::exec, type 2, cosine, not orthonormal, on a 32-long vector in place.
export function dct2(c) {
  const n = FFT_LENGTH;
  const half = (n + 1) >> 1;
  c[0] *= 2;
  c[n - 1] *= 2;
  for (let k = 1; k < n - 1; k += 2) {
    const t = c[k + 1];
    c[k + 1] = t - c[k];
    c[k] = t + c[k];
  }
  // rfftp backward pass: factors 2, 4, 4 ping-ponging between c and a scratch buffer.
  const scratch = new Float64Array(n);
  let p1 = c;
  let p2 = scratch;
  let l1 = 1;
  for (let k = 0; k < FACTORS.length; k++) {
    const ip = FACTORS[k];
    const ido = n / (ip * l1);
    if (ip === 4) radb4(ido, l1, p1, p2, FACTOR_TWIDDLES[k]);
    else radb2(ido, l1, p1, p2, FACTOR_TWIDDLES[k]);
    const t = p1;
    p1 = p2;
    p2 = t;
    l1 *= ip;
  }
  if (p1 !== c) c.set(p1);
  const tw = DCT_TWIDDLE;
  for (let k = 1, kc = n - 1; k < half; k++, kc--) {
    const t1 = tw[k - 1] * c[kc] + tw[kc - 1] * c[k];
    const t2 = tw[k - 1] * c[k] - tw[kc - 1] * c[kc];
    c[k] = 0.5 * (t1 + t2);
    c[kc] = 0.5 * (t1 - t2);
  }
  c[half] *= tw[half - 1];
  return c;
}

/** scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1) of a 32x32 plane (row-major). */
export function dct2d(pixels) {
  const n = FFT_LENGTH;
  const out = new Float64Array(n * n);
  const col = new Float64Array(n);
  for (let x = 0; x < n; x++) {
    for (let y = 0; y < n; y++) col[y] = pixels[y * n + x];
    dct2(col);
    for (let y = 0; y < n; y++) out[y * n + x] = col[y];
  }
  const row = new Float64Array(n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) row[x] = out[y * n + x];
    dct2(row);
    out.set(row, y * n);
  }
  return out;
}

/**
 * imagehash.phash of a greyscale (Pillow mode L) plane, as 16 lowercase hex characters. With
 * `kernels` (see kernels.js) the big horizontal resampling pass runs in WebAssembly, to the same bits.
 */
export function phashFromGrey(grey, width, height, { kernels = null } = {}) {
  const small = resizeGrey(grey, width, height, IMG_SIZE, IMG_SIZE, kernels);
  const dct = dct2d(small);
  const low = new Float64Array(HASH_SIZE * HASH_SIZE);
  for (let y = 0; y < HASH_SIZE; y++)
    for (let x = 0; x < HASH_SIZE; x++) low[y * HASH_SIZE + x] = dct[y * IMG_SIZE + x];
  const sorted = Float64Array.from(low).sort();
  // numpy.median of 64 values: the mean of the 32nd and 33rd.
  const median = (sorted[31] + sorted[32]) / 2;
  let hex = "";
  for (let nibble = 0; nibble < 16; nibble++) {
    let v = 0;
    for (let b = 0; b < 4; b++) v = (v << 1) | (low[nibble * 4 + b] > median ? 1 : 0);
    hex += v.toString(16);
  }
  return hex;
}
