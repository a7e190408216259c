// PDQ (256-bit perceptual hash) computed exactly as pdqhash 0.2.8 (ThreatExchange's C++) computes it.
//
// Exactness notes, so nobody "simplifies" the arithmetic away:
// - pdqhash's Python binding makes luma with numpy in float64, (R*0.299 + G*0.587) + B*0.114, and only
//   then casts to float32. Storing the double into a Float32Array is that cast.
// - Everything after is float32 in C++. JS numbers are float64; Math.fround after each + - * / gives the
//   float32 result exactly, because a float64 result of one operation on two float32 values rounds to
//   the same float32 as the float32 operation would (the double has more than 2*24+2 bits).
// - Sums are accumulated in the C++ loop order; the order matters for the last bit.

const fround = Math.fround;

export const LUMA_R = new Float64Array(256);
export const LUMA_G = new Float64Array(256);
export const LUMA_B = new Float64Array(256);
for (let v = 0; v < 256; v++) {
  LUMA_R[v] = v * 0.299;
  LUMA_G[v] = v * 0.587;
  LUMA_B[v] = v * 0.114;
}

export const MIN_HASHABLE_DIM = 5;
const ZERO_HASH = "0".repeat(64);

/** Float32 luma of interleaved pixels (RGB with `channels` = 3, RGBA with 4; alpha is ignored). */
export function lumaFromPixels(pixels, width, height, channels, out) {
  const n = width * height;
  const luma = out || new Float32Array(n);
  for (let i = 0, p = 0; i < n; i++, p += channels) {
    luma[i] = LUMA_R[pixels[p]] + LUMA_G[pixels[p + 1]] + LUMA_B[pixels[p + 2]];
  }
  return luma;
}

/** Luma of a greyscale plane (Pillow mode L converted to RGB gives R = G = B). */
export function lumaFromGrey(grey, width, height, out) {
  const n = width * height;
  const luma = out || new Float32Array(n);
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = LUMA_R[v] + LUMA_G[v] + LUMA_B[v];
  for (let i = 0; i < n; i++) luma[i] = table[grey[i]];
  return luma;
}

// (old + 2*new - 1) / (2*new), integer division: a window of about 1/128 of the side.
export function jaroszWindowSize(oldDimension, newDimension) {
  return Math.floor((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
}

// One box-filter pass along every row, with the phases of ThreatExchange's box1DFloat. When `wanted`
// (a 0/1 mask over the columns) is given, only those outputs are written; the running sum, and so
// its float32 rounding, still visits every pixel.
function boxAlongRows(input, output, rows, cols, windowSize, wanted) {
  // Each row's running sum is a chain of dependent float32 roundings; four rows advance together
  // so the CPU can overlap their chains. Every row still sees box1DFloat's exact sequence.
  let r = 0;
  for (; r + 4 <= rows; r += 4) boxFourRows(input, output, r * cols, cols, windowSize, wanted);
  for (; r < rows; r++) boxOneRow(input, output, r * cols, cols, windowSize, wanted);
}

function boxOneRow(input, output, base, cols, windowSize, wanted) {
  const half = (windowSize + 2) >> 1;
  const phase1 = half - 1;
  const phase2 = windowSize - half + 1;
  const phase3 = cols - windowSize;
  const phase4 = half - 1;
  let ri = base;
  let li = base;
  let oi = 0;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < phase1; i++) {
    sum = fround(sum + input[ri++]);
    count++;
  }
  for (let i = 0; i < phase2; i++, oi++) {
    sum = fround(sum + input[ri++]);
    count++;
    if (!wanted || wanted[oi]) output[base + oi] = sum / count;
  }
  for (let i = 0; i < phase3; i++, oi++) {
    sum = fround(fround(sum + input[ri++]) - input[li++]);
    if (!wanted || wanted[oi]) output[base + oi] = sum / count;
  }
  for (let i = 0; i < phase4; i++, oi++) {
    sum = fround(sum - input[li++]);
    count--;
    if (!wanted || wanted[oi]) output[base + oi] = sum / count;
  }
}

function boxFourRows(input, output, base, cols, windowSize, wanted) {
  const half = (windowSize + 2) >> 1;
  const phase1 = half - 1;
  const phase2 = windowSize - half + 1;
  const phase3 = cols - windowSize;
  const phase4 = half - 1;
  const b0 = base;
  const b1 = base + cols;
  const b2 = base + 2 * cols;
  const b3 = base + 3 * cols;
  let ri = 0;
  let li = 0;
  let oi = 0;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let count = 0;
  for (let i = 0; i < phase1; i++, ri++) {
    s0 = fround(s0 + input[b0 + ri]);
    s1 = fround(s1 + input[b1 + ri]);
    s2 = fround(s2 + input[b2 + ri]);
    s3 = fround(s3 + input[b3 + ri]);
    count++;
  }
  for (let i = 0; i < phase2; i++, ri++, oi++) {
    s0 = fround(s0 + input[b0 + ri]);
    s1 = fround(s1 + input[b1 + ri]);
    s2 = fround(s2 + input[b2 + ri]);
    s3 = fround(s3 + input[b3 + ri]);
    count++;
    if (!wanted || wanted[oi]) {
      output[b0 + oi] = s0 / count;
      output[b1 + oi] = s1 / count;
      output[b2 + oi] = s2 / count;
      output[b3 + oi] = s3 / count;
    }
  }
  if (wanted) {
    for (let i = 0; i < phase3; i++, ri++, li++, oi++) {
      s0 = fround(fround(s0 + input[b0 + ri]) - input[b0 + li]);
      s1 = fround(fround(s1 + input[b1 + ri]) - input[b1 + li]);
      s2 = fround(fround(s2 + input[b2 + ri]) - input[b2 + li]);
      s3 = fround(fround(s3 + input[b3 + ri]) - input[b3 + li]);
      if (wanted[oi]) {
        output[b0 + oi] = s0 / count;
        output[b1 + oi] = s1 / count;
        output[b2 + oi] = s2 / count;
        output[b3 + oi] = s3 / count;
      }
    }
  } else {
    for (let i = 0; i < phase3; i++, ri++, li++, oi++) {
      s0 = fround(fround(s0 + input[b0 + ri]) - input[b0 + li]);
      s1 = fround(fround(s1 + input[b1 + ri]) - input[b1 + li]);
      s2 = fround(fround(s2 + input[b2 + ri]) - input[b2 + li]);
      s3 = fround(fround(s3 + input[b3 + ri]) - input[b3 + li]);
      output[b0 + oi] = s0 / count;
      output[b1 + oi] = s1 / count;
      output[b2 + oi] = s2 / count;
      output[b3 + oi] = s3 / count;
    }
  }
  for (let i = 0; i < phase4; i++, li++, oi++) {
    s0 = fround(s0 - input[b0 + li]);
    s1 = fround(s1 - input[b1 + li]);
    s2 = fround(s2 - input[b2 + li]);
    s3 = fround(s3 - input[b3 + li]);
    count--;
    if (!wanted || wanted[oi]) {
      output[b0 + oi] = s0 / count;
      output[b1 + oi] = s1 / count;
      output[b2 + oi] = s2 / count;
      output[b3 + oi] = s3 / count;
    }
  }
}

// One box-filter pass down the columns listed in `columns`. Each column sees exactly box1DFloat's
// sequence of float32 operations, but the columns advance together, one row at a time, so memory
// is read in order.
function boxAlongCols(input, output, rows, cols, windowSize, columns) {
  const half = (windowSize + 2) >> 1;
  const phase1 = half - 1;
  const phase2 = windowSize - half + 1;
  const phase3 = rows - windowSize;
  const phase4 = half - 1;
  const width = columns.length;
  const sums = new Float32Array(width);
  let ri = 0;
  let li = 0;
  let oi = 0;
  let count = 0;
  for (let i = 0; i < phase1; i++, ri++) {
    const b = ri * cols;
    for (let c = 0; c < width; c++) sums[c] += input[b + columns[c]];
    count++;
  }
  for (let i = 0; i < phase2; i++, ri++, oi++) {
    const b = ri * cols;
    const o = oi * cols;
    count++;
    for (let c = 0; c < width; c++) {
      sums[c] += input[b + columns[c]];
      output[o + columns[c]] = sums[c] / count;
    }
  }
  for (let i = 0; i < phase3; i++, ri++, li++, oi++) {
    const b = ri * cols;
    const l = li * cols;
    const o = oi * cols;
    for (let c = 0; c < width; c++) {
      const col = columns[c];
      sums[c] += input[b + col];
      sums[c] -= input[l + col];
      output[o + col] = sums[c] / count;
    }
  }
  for (let i = 0; i < phase4; i++, li++, oi++) {
    const l = li * cols;
    const o = oi * cols;
    count--;
    for (let c = 0; c < width; c++) {
      sums[c] -= input[l + columns[c]];
      output[o + columns[c]] = sums[c] / count;
    }
  }
}

function decimationIndices(inSize, outSize) {
  const idx = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) idx[i] = Math.floor(((i + 0.5) * inSize) / outSize);
  return idx;
}

// The same blur and decimation with kernels.wasm. The second pass along the rows writes only the
// sampled columns, packed side by side (at most 64 floats a row), so the second pass down the
// columns reads a small array in order instead of 64 scattered columns of the whole plane.
function downsample64Wasm(kernels, luma, rows, cols) {
  const n = rows * cols;
  const mark = kernels.mark();
  let plane = kernels.offsetOf(luma);
  if (plane < 0) {
    plane = kernels.alloc(n * 4);
    kernels.f32(plane, n).set(luma);
  }
  const rowIdx = decimationIndices(rows, 64);
  const colIdx = decimationIndices(cols, 64);
  const sampled = Array.from(new Set(colIdx)); // increasing; fewer than 64 when cols < 64
  const m = sampled.length;
  const scratch = kernels.alloc(n * 4);
  const packed = kernels.alloc(rows * m * 4);
  const laneIn = kernels.alloc(cols * 16);
  const laneOut = kernels.alloc(cols * 16);
  const sums = kernels.alloc(cols * 4);
  const wanted = kernels.alloc(cols);
  const places = kernels.u8(wanted, cols);
  places.fill(0);
  sampled.forEach((c, place) => (places[c] = place + 1));
  const windowAlongRows = jaroszWindowSize(cols, 64);
  const windowAlongCols = jaroszWindowSize(rows, 64);
  const { box_rows: boxRows, box_cols: boxCols } = kernels.fn;
  boxRows(plane, scratch, rows, cols, windowAlongRows, laneIn, laneOut, 0, cols);
  boxCols(scratch, plane, rows, cols, windowAlongCols, sums);
  boxRows(plane, packed, rows, cols, windowAlongRows, laneIn, laneOut, wanted, m);
  boxCols(packed, scratch, rows, m, windowAlongCols, sums);
  const blurred = kernels.f32(scratch, rows * m);
  const out = new Float32Array(64 * 64);
  for (let i = 0; i < 64; i++) {
    const base = rowIdx[i] * m;
    for (let j = 0; j < 64; j++) out[i * 64 + j] = blurred[base + places[colIdx[j]] - 1];
  }
  kernels.release(mark);
  return out;
}

/**
 * Blur (two Jarosz tent passes) and decimate to 64x64, as pdqFloat256FromFloatLuma does.
 * `luma` is consumed (used as a work buffer). With `kernels` (see kernels.js) the passes run in
 * WebAssembly; the result is the same to the bit.
 */
export function downsample64(luma, rows, cols, kernels = null) {
  if (luma.length !== rows * cols) throw new Error("luma plane does not match its size (detached?)");
  if (kernels) return downsample64Wasm(kernels, luma, rows, cols);
  const out = new Float32Array(64 * 64);
  const rowIdx = decimationIndices(rows, 64);
  const colIdx = decimationIndices(cols, 64);
  const windowAlongRows = jaroszWindowSize(cols, 64);
  const windowAlongCols = jaroszWindowSize(rows, 64);
  const scratch = new Float32Array(rows * cols);
  const allColumns = new Int32Array(cols);
  for (let c = 0; c < cols; c++) allColumns[c] = c;
  const sampled = new Uint8Array(cols);
  for (const c of colIdx) sampled[c] = 1;
  const sampledColumns = Int32Array.from(new Set(colIdx));
  // Pass 1 over everything. Pass 2's results are only read at the 64 sampled columns, and each
  // column's arithmetic is independent of the others, so pass 2 computes just those.
  boxAlongRows(luma, scratch, rows, cols, windowAlongRows, null);
  boxAlongCols(scratch, luma, rows, cols, windowAlongCols, allColumns);
  boxAlongRows(luma, scratch, rows, cols, windowAlongRows, sampled);
  boxAlongCols(scratch, luma, rows, cols, windowAlongCols, sampledColumns);
  for (let i = 0; i < 64; i++) {
    const base = rowIdx[i] * cols;
    for (let j = 0; j < 64; j++) out[i * 64 + j] = luma[base + colIdx[j]];
  }
  return out;
}

export function qualityMetric(buffer64) {
  let gradientSum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      const u = buffer64[i * 64 + j];
      const v = buffer64[(i + 1) * 64 + j];
      const d = Math.trunc(fround(fround(fround(u - v) * 100) / 255));
      gradientSum += Math.abs(d);
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      const u = buffer64[i * 64 + j];
      const v = buffer64[i * 64 + j + 1];
      const d = Math.trunc(fround(fround(fround(u - v) * 100) / 255));
      gradientSum += Math.abs(d);
    }
  }
  return Math.min(100, Math.floor(gradientSum / 90));
}

// 16x64 DCT-II basis rows 1..16, float32, as ThreatExchange builds it.
const DCT_MATRIX = (() => {
  const m = new Float32Array(16 * 64);
  // pdqhash 0.2.8 bundles the ThreatExchange revision that keeps this factor in a float.
  const scale = Math.fround(Math.sqrt(2.0 / 64));
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      m[i * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
    }
  }
  return m;
})();

export function dct64To16(a) {
  const d = DCT_MATRIX;
  const t = new Float32Array(16 * 64);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      let sum = 0;
      for (let k = 0; k < 64; k++) sum = fround(sum + fround(d[i * 64 + k] * a[k * 64 + j]));
      t[i * 64 + j] = sum;
    }
  }
  const b = new Float32Array(256);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let sum = 0;
      for (let k = 0; k < 64; k++) sum = fround(sum + fround(t[i * 64 + k] * d[j * 64 + k]));
      b[i * 16 + j] = sum;
    }
  }
  return b;
}

// The hash of a 16x16 DCT block: bit i*16+j is set when the coefficient exceeds the median
// (Torben's median of 256 values is the 128th smallest). Hex is word 15 first, 4 digits a word.
export function bitsToHex(dct16) {
  const sorted = Float32Array.from(dct16).sort();
  const median = sorted[127];
  let hex = "";
  for (let i = 15; i >= 0; i--) {
    let word = 0;
    for (let j = 0; j < 16; j++) if (dct16[i * 16 + j] > median) word |= 1 << j;
    hex += word.toString(16).padStart(4, "0");
  }
  return hex;
}

// The dihedral variants come from sign flips and transposes of the DCT block (pdqhash's order).
const DIHEDRAL = [
  (a, i, j, b) => (b[i * 16 + j] = a[i * 16 + j]), // original
  (a, i, j, b) => (b[j * 16 + i] = j & 1 ? a[i * 16 + j] : -a[i * 16 + j]), // rotate 90
  (a, i, j, b) => (b[i * 16 + j] = (i + j) & 1 ? -a[i * 16 + j] : a[i * 16 + j]), // rotate 180
  (a, i, j, b) => (b[j * 16 + i] = i & 1 ? a[i * 16 + j] : -a[i * 16 + j]), // rotate 270
  (a, i, j, b) => (b[i * 16 + j] = i & 1 ? a[i * 16 + j] : -a[i * 16 + j]), // flip x
  (a, i, j, b) => (b[i * 16 + j] = j & 1 ? a[i * 16 + j] : -a[i * 16 + j]), // flip y
  (a, i, j, b) => (b[j * 16 + i] = a[i * 16 + j]), // flip +1 diagonal
  (a, i, j, b) => (b[j * 16 + i] = (i + j) & 1 ? -a[i * 16 + j] : a[i * 16 + j]), // flip -1 diagonal
];

export function dihedralHexes(dct16) {
  return DIHEDRAL.map((place) => {
    const b = new Float32Array(256);
    for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) place(dct16, i, j, b);
    return bitsToHex(b);
  });
}

/**
 * PDQ of a float32 luma plane (rows x cols, row-major). Returns {hex, quality, dihedral}.
 * The luma buffer is used as scratch space and is overwritten. `kernels`: see downsample64.
 */
export function pdqFromLuma(luma, rows, cols, { dihedral = true, kernels = null } = {}) {
  if (rows < MIN_HASHABLE_DIM || cols < MIN_HASHABLE_DIM) {
    return { hex: ZERO_HASH, quality: 0, dihedral: dihedral ? Array(8).fill(ZERO_HASH) : null };
  }
  // pdqhash.compute takes a 64x64 luma plane as already downsampled (no blur), but
  // pdqhash.compute_dihedral blurs it like any other size; the two can differ in a few bits.
  const exact64 = rows === 64 && cols === 64 ? Float32Array.from(luma) : null;
  const block = downsample64(luma, rows, cols, kernels);
  const dct = dct64To16(block);
  const variants = dihedral ? dihedralHexes(dct) : null;
  const main = exact64 || block;
  const mainDct = exact64 ? dct64To16(exact64) : dct;
  return { hex: bitsToHex(mainDct), quality: qualityMetric(main), dihedral: variants };
}
