// A decoder for lossless WebP (VP8L), following the WebP lossless bitstream specification
// (RFC 9649, section 3), for the files the browser would premultiply (see webp.js). It gives every
// pixel's colour exactly as stored, transparent ones included, as Pillow's libwebp does.

import { WebpError } from "./webp.js";

class BitReader {
  constructor(data, start) {
    this.data = data;
    this.pos = start;
    this.buf = 0; // up to 32 unread bits, least significant first
    this.count = 0;
  }

  fill() {
    const data = this.data;
    while (this.count <= 24) {
      // Past the end the stream reads as zeros; a decode that needs them is caught as truncated.
      const byte = this.pos < data.length ? data[this.pos] : 0;
      this.pos++;
      this.buf |= byte << this.count;
      this.count += 8;
    }
  }

  read(n) {
    if (n === 0) return 0;
    if (this.count < n) this.fill();
    const value = this.buf & ((1 << n) - 1);
    this.buf >>>= n;
    this.count -= n;
    return value >>> 0;
  }

  overrun() {
    return this.pos - (this.count >> 3) > this.data.length;
  }
}

const ROOT_BITS = 8;
const MAX_CODE_LENGTH = 15;

// A canonical prefix code as a two-level lookup table: entries are (length << 16) | symbol, or for
// codes longer than ROOT_BITS, ((16 + subBits) << 16) | offset of the second-level table. -1 marks
// a bit pattern no symbol has (an incomplete code). One symbol alone is read with zero bits.
function buildCode(lengths, alphabetSize) {
  const count = new Int32Array(MAX_CODE_LENGTH + 1);
  let symbols = 0;
  let only = 0;
  for (let s = 0; s < alphabetSize; s++) {
    if (lengths[s]) {
      count[lengths[s]]++;
      symbols++;
      only = s;
    }
  }
  if (symbols === 0) throw new WebpError("empty prefix code");
  if (symbols === 1) return new Int32Array(1 << ROOT_BITS).fill(only);
  // Canonical codes, shortest first, then by symbol; stored bit-reversed since bits arrive LSB first.
  const next = new Int32Array(MAX_CODE_LENGTH + 2);
  let code = 0;
  let left = 1;
  for (let len = 1; len <= MAX_CODE_LENGTH; len++) {
    code = (code + count[len - 1]) << 1;
    next[len] = code;
    left = (left << 1) - count[len];
    if (left < 0) throw new WebpError("over-subscribed prefix code");
  }
  if (left > 0) throw new WebpError("incomplete prefix code");
  const codes = new Int32Array(alphabetSize);
  for (let s = 0; s < alphabetSize; s++) if (lengths[s]) codes[s] = next[lengths[s]]++;
  const reverse = (c, len) => {
    let r = 0;
    for (let i = 0; i < len; i++) {
      r = (r << 1) | (c & 1);
      c >>= 1;
    }
    return r;
  };
  // Second-level table sizes: per root prefix, the longest code sharing it.
  const subBits = new Int32Array(1 << ROOT_BITS);
  for (let s = 0; s < alphabetSize; s++) {
    const len = lengths[s];
    if (len > ROOT_BITS) {
      const root = reverse(codes[s] >> (len - ROOT_BITS), ROOT_BITS);
      if (len - ROOT_BITS > subBits[root]) subBits[root] = len - ROOT_BITS;
    }
  }
  let size = 1 << ROOT_BITS;
  const subOffset = new Int32Array(1 << ROOT_BITS);
  for (let root = 0; root < 1 << ROOT_BITS; root++) {
    if (subBits[root]) {
      subOffset[root] = size;
      size += 1 << subBits[root];
    }
  }
  const table = new Int32Array(size).fill(-1);
  for (let root = 0; root < 1 << ROOT_BITS; root++) {
    if (subBits[root]) table[root] = ((16 + subBits[root]) << 16) | subOffset[root];
  }
  for (let s = 0; s < alphabetSize; s++) {
    const len = lengths[s];
    if (!len) continue;
    const reversed = reverse(codes[s], len);
    if (len <= ROOT_BITS) {
      for (let i = reversed; i < 1 << ROOT_BITS; i += 1 << len) table[i] = (len << 16) | s;
    } else {
      const root = reversed & ((1 << ROOT_BITS) - 1);
      const bits = subBits[root];
      const base = subOffset[root];
      for (let i = reversed >> ROOT_BITS; i < 1 << bits; i += 1 << (len - ROOT_BITS)) table[base + i] = (len << 16) | s;
    }
  }
  return table;
}

function readSymbol(table, br) {
  if (br.count < MAX_CODE_LENGTH) br.fill();
  const bits = br.buf;
  let entry = table[bits & 0xff];
  if (entry < 0) throw new WebpError("invalid prefix code");
  let len = entry >>> 16;
  if (len > MAX_CODE_LENGTH) {
    entry = table[(entry & 0xffff) + ((bits >>> ROOT_BITS) & ((1 << (len - 16)) - 1))];
    if (entry < 0) throw new WebpError("invalid prefix code");
    len = entry >>> 16;
  }
  br.buf >>>= len;
  br.count -= len;
  return entry & 0xffff;
}

const CODE_LENGTH_ORDER = [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

function readCode(br, alphabetSize) {
  const lengths = new Uint8Array(Math.max(alphabetSize, 256));
  if (br.read(1)) {
    // Simple code: one or two symbols of length 1.
    const symbols = br.read(1) + 1;
    lengths[br.read(br.read(1) ? 8 : 1)] = 1;
    if (symbols === 2) lengths[br.read(8)] = 1;
    return buildCode(lengths, alphabetSize);
  }
  const codeLengthLengths = new Uint8Array(19);
  const numCodes = br.read(4) + 4;
  for (let i = 0; i < numCodes; i++) codeLengthLengths[CODE_LENGTH_ORDER[i]] = br.read(3);
  const lengthCode = buildCode(codeLengthLengths, 19);
  let maxSymbol = alphabetSize;
  if (br.read(1)) {
    const bits = 2 + 2 * br.read(3);
    maxSymbol = 2 + br.read(bits);
    if (maxSymbol > alphabetSize) throw new WebpError("too many code lengths");
  }
  let previous = 8;
  let symbol = 0;
  while (symbol < alphabetSize) {
    if (maxSymbol-- === 0) break;
    const len = readSymbol(lengthCode, br);
    if (len < 16) {
      lengths[symbol++] = len;
      if (len) previous = len;
    } else {
      const repeat = len === 16 ? 3 + br.read(2) : len === 17 ? 3 + br.read(3) : 11 + br.read(7);
      if (symbol + repeat > alphabetSize) throw new WebpError("code lengths overflow");
      lengths.fill(len === 16 ? previous : 0, symbol, symbol + repeat);
      symbol += repeat;
    }
  }
  return buildCode(lengths, alphabetSize);
}

// (dx, dy) of distance codes 1..120: the 2D neighbourhood, dist = dy * xsize + dx.
const DISTANCE_MAP = [
  0, 1, 1, 0, 1, 1, -1, 1, 0, 2, 2, 0, 1, 2, -1, 2, 2, 1, -2, 1, 2, 2, -2, 2, 0, 3, 3, 0, 1, 3, -1, 3, 3, 1, -3, 1, 2,
  3, -2, 3, 3, 2, -3, 2, 0, 4, 4, 0, 1, 4, -1, 4, 4, 1, -4, 1, 3, 3, -3, 3, 2, 4, -2, 4, 4, 2, -4, 2, 0, 5, 3, 4, -3, 4,
  4, 3, -4, 3, 5, 0, 1, 5, -1, 5, 5, 1, -5, 1, 2, 5, -2, 5, 5, 2, -5, 2, 4, 4, -4, 4, 3, 5, -3, 5, 5, 3, -5, 3, 0, 6, 6,
  0, 1, 6, -1, 6, 6, 1, -6, 1, 2, 6, -2, 6, 6, 2, -6, 2, 4, 5, -4, 5, 5, 4, -5, 4, 3, 6, -3, 6, 6, 3, -6, 3, 0, 7, 7, 0,
  1, 7, -1, 7, 5, 5, -5, 5, 7, 1, -7, 1, 4, 6, -4, 6, 6, 4, -6, 4, 2, 7, -2, 7, 7, 2, -7, 2, 3, 7, -3, 7, 7, 3, -7, 3,
  5, 6, -5, 6, 6, 5, -6, 5, 8, 0, 4, 7, -4, 7, 7, 4, -7, 4, 8, 1, 8, 2, 6, 6, -6, 6, 8, 3, 5, 7, -5, 7, 7, 5, -7, 5, 8,
  4, 6, 7, -6, 7, 7, 6, -7, 6, 8, 5, 7, 7, -7, 7, 8, 6, 8, 7,
];

function prefixValue(code, br) {
  if (code < 4) return code + 1;
  const extra = (code - 2) >> 1;
  return ((2 + (code & 1)) << extra) + br.read(extra) + 1;
}

const subSize = (size, bits) => (size + (1 << bits) - 1) >> bits;

// One entropy-coded image (the ARGB image, or a sub-image: entropy, predictor, colour transform or
// colour table). Returns its pixels as ARGB in a Uint32Array.
function decodeImageStream(br, xsize, ysize, isMain) {
  let cacheBits = 0;
  if (br.read(1)) {
    cacheBits = br.read(4);
    if (cacheBits < 1 || cacheBits > 11) throw new WebpError("invalid colour cache size");
  }
  let prefixBits = 0;
  let groupMap = null;
  let prefixXsize = 0;
  let groupCount = 1;
  if (isMain && br.read(1)) {
    prefixBits = br.read(3) + 2;
    prefixXsize = subSize(xsize, prefixBits);
    const entropy = decodeImageStream(br, prefixXsize, subSize(ysize, prefixBits), false);
    groupMap = new Int32Array(entropy.length);
    for (let i = 0; i < entropy.length; i++) {
      groupMap[i] = (entropy[i] >> 8) & 0xffff;
      if (groupMap[i] + 1 > groupCount) groupCount = groupMap[i] + 1;
    }
  }
  const cacheSize = cacheBits ? 1 << cacheBits : 0;
  const groups = [];
  for (let g = 0; g < groupCount; g++) {
    groups.push([
      readCode(br, 256 + 24 + cacheSize),
      readCode(br, 256),
      readCode(br, 256),
      readCode(br, 256),
      readCode(br, 40),
    ]);
  }
  if (br.overrun()) throw new WebpError("data ends early");

  const total = xsize * ysize;
  const out = new Uint32Array(total);
  const cache = cacheBits ? new Uint32Array(cacheSize) : null;
  const cacheShift = 32 - cacheBits;
  let cached = 0; // pixels before this one are in the colour cache
  let x = 0;
  let y = 0;
  let pos = 0;
  let group = groups[0];
  const mask = prefixBits ? (1 << prefixBits) - 1 : -1;
  while (pos < total) {
    if (groupMap && (x & mask) === 0) group = groups[groupMap[(y >> prefixBits) * prefixXsize + (x >> prefixBits)]];
    const s = readSymbol(group[0], br);
    if (s < 256) {
      const red = readSymbol(group[1], br);
      const blue = readSymbol(group[2], br);
      const alpha = readSymbol(group[3], br);
      out[pos++] = ((alpha << 24) | (red << 16) | (s << 8) | blue) >>> 0;
      if (++x === xsize) {
        x = 0;
        y++;
      }
    } else if (s < 280) {
      const length = prefixValue(s - 256, br);
      const distCode = prefixValue(readSymbol(group[4], br), br);
      let dist;
      if (distCode > 120) {
        dist = distCode - 120;
      } else {
        dist = DISTANCE_MAP[2 * distCode - 1] * xsize + DISTANCE_MAP[2 * distCode - 2];
        if (dist < 1) dist = 1;
      }
      if (dist > pos || length > total - pos) throw new WebpError("backward reference out of range");
      for (let i = 0; i < length; i++, pos++) out[pos] = out[pos - dist];
      x += length;
      while (x >= xsize) {
        x -= xsize;
        y++;
      }
      if (groupMap && (x & mask) !== 0) group = groups[groupMap[(y >> prefixBits) * prefixXsize + (x >> prefixBits)]];
    } else {
      if (!cache) throw new WebpError("colour cache code without a cache");
      while (cached < pos) {
        const c = out[cached++];
        cache[Math.imul(0x1e35a7bd, c) >>> cacheShift] = c;
      }
      out[pos++] = cache[s - 280];
      if (++x === xsize) {
        x = 0;
        y++;
      }
    }
    if (cache) {
      while (cached < pos) {
        const c = out[cached++];
        cache[Math.imul(0x1e35a7bd, c) >>> cacheShift] = c;
      }
    }
    if (br.overrun()) throw new WebpError("data ends early");
  }
  return out;
}

// ---- inverse transforms ----

const addPixels = (a, b) =>
  (((a & 0xff00ff00) + (b & 0xff00ff00)) & 0xff00ff00) | (((a & 0x00ff00ff) + (b & 0x00ff00ff)) & 0x00ff00ff);
const average2 = (a, b) => (((a ^ b) & 0xfefefefe) >>> 1) + (a & b);
const clamp = (v) => (v < 0 ? 0 : v > 255 ? 255 : v);

function select(L, T, TL) {
  let pL = 0; // distance of the estimate L + T - TL from L, i.e. |T - TL| summed over channels
  let pT = 0;
  for (let shift = 0; shift < 32; shift += 8) {
    const l = (L >>> shift) & 0xff;
    const t = (T >>> shift) & 0xff;
    const tl = (TL >>> shift) & 0xff;
    pL += Math.abs(t - tl);
    pT += Math.abs(l - tl);
  }
  return pL < pT ? L : T;
}

function clampAddSubtractFull(a, b, c) {
  let out = 0;
  for (let shift = 0; shift < 32; shift += 8) {
    out |= clamp(((a >>> shift) & 0xff) + ((b >>> shift) & 0xff) - ((c >>> shift) & 0xff)) << shift;
  }
  return out;
}

function clampAddSubtractHalf(a, b) {
  let out = 0;
  for (let shift = 0; shift < 32; shift += 8) {
    const x = (a >>> shift) & 0xff;
    const y = (b >>> shift) & 0xff;
    out |= clamp(x + Math.trunc((x - y) / 2)) << shift;
  }
  return out;
}

function predict(mode, L, T, TR, TL) {
  switch (mode) {
    case 1:
      return L;
    case 2:
      return T;
    case 3:
      return TR;
    case 4:
      return TL;
    case 5:
      return average2(average2(L, TR), T);
    case 6:
      return average2(L, TL);
    case 7:
      return average2(L, T);
    case 8:
      return average2(TL, T);
    case 9:
      return average2(T, TR);
    case 10:
      return average2(average2(L, TL), average2(T, TR));
    case 11:
      return select(L, T, TL);
    case 12:
      return clampAddSubtractFull(L, T, TL);
    case 13:
      return clampAddSubtractHalf(average2(L, T), TL);
    default:
      return 0xff000000; // 0, and 14-15 which libwebp also treats as black
  }
}

function inversePredictor(pixels, xsize, ysize, bits, modes) {
  const blocksWide = subSize(xsize, bits);
  // The top row predicts from the left (the first pixel from opaque black), the left column from above.
  pixels[0] = addPixels(pixels[0], 0xff000000) >>> 0;
  for (let x = 1; x < xsize; x++) pixels[x] = addPixels(pixels[x], pixels[x - 1]) >>> 0;
  for (let y = 1; y < ysize; y++) {
    const row = y * xsize;
    pixels[row] = addPixels(pixels[row], pixels[row - xsize]) >>> 0;
    const modeRow = (y >> bits) * blocksWide;
    for (let x = 1; x < xsize; x++) {
      const i = row + x;
      const mode = (modes[modeRow + (x >> bits)] >> 8) & 0xf;
      // On the rightmost column the "top right" pixel is the first pixel of this row, which is what
      // i - xsize + 1 addresses anyway.
      const pred = predict(mode, pixels[i - 1], pixels[i - xsize], pixels[i - xsize + 1], pixels[i - xsize - 1]);
      pixels[i] = addPixels(pixels[i], pred) >>> 0;
    }
  }
}

const int8 = (v) => (v << 24) >> 24;

function inverseColorTransform(pixels, xsize, ysize, bits, elements) {
  const blocksWide = subSize(xsize, bits);
  for (let y = 0; y < ysize; y++) {
    const row = y * xsize;
    const elementRow = (y >> bits) * blocksWide;
    for (let x = 0; x < xsize; x++) {
      const e = elements[elementRow + (x >> bits)];
      const greenToRed = int8(e);
      const greenToBlue = int8(e >> 8);
      const redToBlue = int8(e >> 16);
      const argb = pixels[row + x];
      const green = int8(argb >> 8);
      const red = ((argb >> 16) + ((greenToRed * green) >> 5)) & 0xff;
      const blue = (argb + ((greenToBlue * green) >> 5) + ((redToBlue * int8(red)) >> 5)) & 0xff;
      pixels[row + x] = ((argb & 0xff00ff00) | (red << 16) | blue) >>> 0;
    }
  }
}

function addGreen(pixels) {
  for (let i = 0; i < pixels.length; i++) {
    const argb = pixels[i];
    const green = (argb >> 8) & 0xff;
    pixels[i] = ((argb & 0xff00ff00) | ((((argb >> 16) + green) & 0xff) << 16) | ((argb + green) & 0xff)) >>> 0;
  }
}

function inverseColorIndexing(packed, xsize, ysize, widthBits, table) {
  const packedWidth = subSize(xsize, widthBits);
  const out = new Uint32Array(xsize * ysize);
  const bitsPerPixel = 8 >> widthBits;
  const indexMask = (1 << bitsPerPixel) - 1;
  const pixelMask = (1 << widthBits) - 1;
  for (let y = 0; y < ysize; y++) {
    const src = y * packedWidth;
    const dst = y * xsize;
    for (let x = 0; x < xsize; x++) {
      const green = (packed[src + (x >> widthBits)] >> 8) & 0xff;
      out[dst + x] = table[(green >> ((x & pixelMask) * bitsPerPixel)) & indexMask];
    }
  }
  return out;
}

/**
 * Decode a VP8L stream (the payload of a "VP8L" chunk) to {width, height, argb}: one Uint32 per
 * pixel, alpha in bits 31-24, red 23-16, green 15-8, blue 7-0, exactly as stored.
 */
export function decodeVp8l(data, { maxPixels = Infinity } = {}) {
  if (data.length < 5 || data[0] !== 0x2f) throw new WebpError("not a lossless WebP stream");
  const br = new BitReader(data, 1);
  const width = br.read(14) + 1;
  const height = br.read(14) + 1;
  br.read(1); // alpha_is_used: a hint only
  if (br.read(3) !== 0) throw new WebpError("unknown lossless WebP version");
  if (width * height > maxPixels) throw new WebpError("too large", { tooLarge: true });
  const transforms = [];
  const seen = new Set();
  let xsize = width;
  while (br.read(1)) {
    const type = br.read(2);
    if (seen.has(type)) throw new WebpError("transform used twice");
    seen.add(type);
    if (type === 0 || type === 1) {
      const bits = br.read(3) + 2;
      const data = decodeImageStream(br, subSize(xsize, bits), subSize(height, bits), false);
      transforms.push({ type, xsize, bits, data });
    } else if (type === 2) {
      transforms.push({ type, xsize });
    } else {
      const size = br.read(8) + 1;
      const colours = decodeImageStream(br, size, 1, false);
      const table = new Uint32Array(256); // indices past the table give transparent black
      table[0] = colours[0];
      for (let i = 1; i < size; i++) table[i] = addPixels(colours[i], table[i - 1]) >>> 0;
      const widthBits = size <= 2 ? 3 : size <= 4 ? 2 : size <= 16 ? 1 : 0;
      transforms.push({ type, xsize, widthBits, table });
      xsize = subSize(xsize, widthBits);
    }
  }
  let pixels = decodeImageStream(br, xsize, height, true);
  for (let i = transforms.length - 1; i >= 0; i--) {
    const t = transforms[i];
    if (t.type === 0) inversePredictor(pixels, t.xsize, height, t.bits, t.data);
    else if (t.type === 1) inverseColorTransform(pixels, t.xsize, height, t.bits, t.data);
    else if (t.type === 2) addGreen(pixels);
    else pixels = inverseColorIndexing(pixels, t.xsize, height, t.widthBits, t.table);
  }
  return { width, height, argb: pixels };
}
