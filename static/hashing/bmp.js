// A BMP decoder giving the pixels Pillow 13 gives (BmpImagePlugin). The browser's decoder would
// premultiply a 32-bit BMP's alpha, which Pillow ignores for BI_RGB files and both hashes drop anyway.
//
// Pillow's rules, mirrored here so the same files open the same way:
// - 1/4/8-bit: palette images; a palette that is the grey ramp (or black then white for 2 colours)
//   is dropped and the raw samples are read as mode "L" or "1", whatever the bit depth;
// - 16-bit: 5-5-5 (BI_RGB or those bitfields) or 5-6-5, each channel scaled by v * 255 / max;
// - 24-bit: BGR; 32-bit BI_RGB: BGR and an ignored fourth byte; 32-bit bitfields: the byte layouts
//   Pillow lists (any other mask is refused, as Pillow refuses it);
// - RLE8/RLE4 as its BmpRleDecoder; rows bottom-up unless the height is negative.

export class BmpError extends Error {
  constructor(message, { unsupported = false, tooLarge = false } = {}) {
    super(message);
    this.unsupported = unsupported;
    this.tooLarge = tooLarge;
  }
}

const le16 = (b, p) => b[p] | (b[p + 1] << 8);
const le32 = (b, p) => (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;

const HEADER_SIZES = [12, 40, 52, 56, 64, 108, 124];
const RAW = 0;
const RLE8 = 1;
const RLE4 = 2;
const BITFIELDS = 3;

// Pillow's raw modes: bits per pixel, and for 24/32-bit the byte offsets of red, green, blue.
const RAW_MODES = {
  "P;1": { bits: 1 },
  "P;4": { bits: 4 },
  P: { bits: 8 },
  1: { bits: 1 },
  L: { bits: 8 },
  "BGR;15": { bits: 16 },
  "BGR;16": { bits: 16 },
  BGR: { bits: 24, rgb: [2, 1, 0] },
  BGRX: { bits: 32, rgb: [2, 1, 0] },
  XBGR: { bits: 32, rgb: [3, 2, 1] },
  BGXR: { bits: 32, rgb: [3, 1, 0] },
  ABGR: { bits: 32, rgb: [3, 2, 1] },
  RGBA: { bits: 32, rgb: [0, 1, 2] },
  BGRA: { bits: 32, rgb: [2, 1, 0] },
  BGAR: { bits: 32, rgb: [3, 1, 0] },
};

const BIT_MODES = {
  1: ["P", "P;1"],
  4: ["P", "P;4"],
  8: ["P", "P"],
  16: ["RGB", "BGR;15"],
  24: ["RGB", "BGR"],
  32: ["RGB", "BGRX"],
};

const MASK_MODES = {
  "32:ff0000,ff00,ff,0": "BGRX",
  "32:ff000000,ff0000,ff00,0": "XBGR",
  "32:ff000000,ff00,ff,0": "BGXR",
  "32:ff000000,ff0000,ff00,ff": "ABGR",
  "32:ff,ff00,ff0000,ff000000": "RGBA",
  "32:ff0000,ff00,ff,ff000000": "BGRA",
  "32:ff000000,ff00,ff,ff0000": "BGAR",
  "32:0,0,0,0": "BGRA",
  "24:ff0000,ff00,ff": "BGR",
  "16:f800,7e0,1f": "BGR;16",
  "16:7c00,3e0,1f": "BGR;15",
};

const unsupported = (message) => new BmpError(message, { unsupported: true });

function readHeader(bytes) {
  if (bytes.length < 18 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) throw new BmpError("not a BMP");
  let offset = le32(bytes, 10);
  const headerSize = le32(bytes, 14);
  if (!HEADER_SIZES.includes(headerSize)) throw unsupported(`BMP header of ${headerSize} bytes`);
  if (bytes.length < 14 + headerSize) throw new BmpError("file is incomplete");
  const h = bytes.subarray(18, 14 + headerSize);
  let position = 14 + headerSize;
  const info = { direction: -1, paletteEntrySize: 4, compression: RAW, colors: 0 };
  if (headerSize === 12) {
    info.width = le16(h, 0);
    info.height = le16(h, 2);
    info.bits = le16(h, 6);
    info.paletteEntrySize = 3;
  } else {
    const topDown = h[7] === 0xff;
    info.direction = topDown ? 1 : -1;
    info.width = le32(h, 0);
    info.height = topDown ? 2 ** 32 - le32(h, 4) : le32(h, 4);
    info.bits = le16(h, 10);
    info.compression = le32(h, 12);
    info.colors = le32(h, 28);
    if (info.compression === BITFIELDS) {
      if (h.length >= 48) {
        info.masks = [le32(h, 36), le32(h, 40), le32(h, 44), h.length >= 52 ? le32(h, 48) : 0];
      } else {
        if (bytes.length < position + 12) throw new BmpError("file is incomplete");
        info.masks = [le32(bytes, position), le32(bytes, position + 4), le32(bytes, position + 8), 0];
        position += 12;
      }
    }
  }
  if (!info.colors) info.colors = 2 ** info.bits;
  if (offset === 14 + headerSize && info.bits <= 8) offset += info.paletteEntrySize * info.colors;
  info.offset = offset || position;
  info.palettePosition = position;
  return info;
}

function modeAndRawMode(info, bytes) {
  const byBits = BIT_MODES[info.bits];
  if (!byBits) throw unsupported(`BMP with ${info.bits} bits per pixel`);
  let [mode, rawMode] = byBits;
  if (info.compression === BITFIELDS) {
    const [r, g, b, a] = info.masks.map((m) => m.toString(16));
    const key = info.bits === 32 ? `32:${r},${g},${b},${a}` : `${info.bits}:${r},${g},${b}`;
    rawMode = MASK_MODES[key];
    if (!rawMode || info.bits < 16) throw unsupported("BMP bitfields layout Pillow does not read");
  } else if (info.compression === RLE8 || info.compression === RLE4) {
    if (mode !== "P") throw unsupported("run-length coded BMP that is not a palette image");
  } else if (info.compression !== RAW) {
    throw unsupported(`BMP compression ${info.compression}`);
  }
  let palette = null;
  if (mode === "P") {
    if (!(info.colors > 0 && info.colors <= 256)) throw unsupported(`BMP palette of ${info.colors} colours`);
    const size = info.paletteEntrySize;
    const raw = bytes.subarray(info.palettePosition, info.palettePosition + size * info.colors);
    const ramp = info.colors === 2 ? [0, 255] : Array.from({ length: info.colors }, (_, i) => i);
    const grey = ramp.every((v, i) => raw[i * size] === v && raw[i * size + 1] === v && raw[i * size + 2] === v);
    if (grey) {
      mode = info.colors <= 2 ? "1" : "L";
      rawMode = mode;
    } else {
      palette = new Uint8Array(768); // entries past the file's palette are black
      for (let i = 0; i * size + 2 < raw.length; i++) {
        palette[i * 3] = raw[i * size + 2];
        palette[i * 3 + 1] = raw[i * size + 1];
        palette[i * 3 + 2] = raw[i * size];
      }
    }
  }
  return { mode, rawMode, palette };
}

// Pillow's BmpRleDecoder: a byte per pixel, rows in file order, `start` is the absolute file offset
// (absolute-mode runs are padded to an even file offset).
function decodeRle(bytes, start, width, height, rle4) {
  const need = width * height;
  const data = new Uint8Array(need + width + 256);
  let n = 0;
  let x = 0;
  let p = start;
  while (n < need) {
    if (p + 2 > bytes.length) break;
    let count = bytes[p];
    const byte = bytes[p + 1];
    p += 2;
    if (count) {
      if (x + count > width) count = Math.max(0, width - x);
      if (rle4) {
        for (let i = 0; i < count; i++) data[n++] = i % 2 === 0 ? byte >> 4 : byte & 15;
      } else {
        data.fill(byte, n, n + count);
        n += count;
      }
      x += count;
    } else if (byte === 0) {
      while (n % width !== 0) data[n++] = 0; // end of line
      x = 0;
    } else if (byte === 1) {
      break; // end of bitmap
    } else if (byte === 2) {
      if (p + 2 > bytes.length) break;
      const skip = Math.min(need - n, bytes[p] + bytes[p + 1] * width);
      p += 2;
      n += skip; // zeros
      x = n % width;
    } else {
      const wanted = Math.min(need - n, byte);
      const byteCount = rle4 ? (wanted + 1) >> 1 : wanted;
      const got = Math.min(byteCount, bytes.length - p);
      if (rle4) {
        for (let i = 0; i < got; i++) {
          data[n++] = bytes[p + i] >> 4;
          if (i * 2 + 1 < wanted) data[n++] = bytes[p + i] & 15;
        }
      } else {
        data.set(bytes.subarray(p, p + got), n);
        n += got;
      }
      p += got;
      if (got < byteCount || n === need) break;
      x += byte;
      if (p % 2 !== 0) p++;
    }
  }
  if (n < need) throw new BmpError("image data ends early");
  return data.subarray(0, need);
}

/**
 * Decode a BMP the way Pillow opens it: {width, height, mode, samples, palette}, with mode "RGB"
 * (samples interleaved RGB), "P" (indices + 768-byte palette), "L" (grey) or "1" (grey, 0 or 255).
 * Throws a BmpError; `unsupported` is set for files Pillow refuses to open.
 */
export function decodeBmp(bytes, { maxPixels = Infinity } = {}) {
  const info = readHeader(bytes);
  const { width, height, direction } = info;
  if (!width || !height) throw new BmpError("empty image");
  if (width * height > maxPixels) throw new BmpError("too large", { tooLarge: true });
  const { mode, rawMode, palette } = modeAndRawMode(info, bytes);
  const n = width * height;
  const rowOf = (line) => (direction < 0 ? height - 1 - line : line);

  if (info.compression === RLE8 || info.compression === RLE4) {
    const data = decodeRle(bytes, info.offset, width, height, info.compression === RLE4);
    const samples = new Uint8Array(n);
    for (let line = 0; line < height; line++)
      samples.set(data.subarray(line * width, (line + 1) * width), rowOf(line) * width);
    if (mode === "1") for (let i = 0; i < n; i++) samples[i] = samples[i] ? 255 : 0;
    return { width, height, mode, samples, palette };
  }

  const { bits, rgb } = RAW_MODES[rawMode];
  const lineBytes = Math.ceil((width * bits) / 8);
  const stride = Math.floor((width * info.bits + 31) / 32) * 4;
  if (lineBytes > stride) throw new BmpError("rows shorter than their pixels");
  if (info.offset + stride * (height - 1) + lineBytes > bytes.length) throw new BmpError("image data ends early");
  const out = new Uint8Array(mode === "RGB" ? n * 3 : n);
  for (let line = 0; line < height; line++) {
    const src = info.offset + line * stride;
    const row = rowOf(line) * width;
    if (rgb) {
      const step = bits >> 3;
      const [r, g, b] = rgb;
      for (let x = 0, s = src, d = row * 3; x < width; x++, s += step, d += 3) {
        out[d] = bytes[s + r];
        out[d + 1] = bytes[s + g];
        out[d + 2] = bytes[s + b];
      }
    } else if (bits === 16) {
      const six = rawMode === "BGR;16";
      for (let x = 0, s = src, d = row * 3; x < width; x++, s += 2, d += 3) {
        const v = bytes[s] | (bytes[s + 1] << 8);
        // Pillow scales with integer division, not by repeating the high bits.
        out[d] = six ? ((((v >> 11) & 31) * 255) / 31) | 0 : ((((v >> 10) & 31) * 255) / 31) | 0;
        out[d + 1] = six ? ((((v >> 5) & 63) * 255) / 63) | 0 : ((((v >> 5) & 31) * 255) / 31) | 0;
        out[d + 2] = (((v & 31) * 255) / 31) | 0;
      }
    } else if (bits === 8) {
      out.set(bytes.subarray(src, src + width), row);
    } else {
      const perByte = 8 / bits;
      const mask = (1 << bits) - 1;
      const scale = rawMode === "1" ? 255 : 1;
      for (let x = 0; x < width; x++) {
        const byte = bytes[src + Math.floor(x / perByte)];
        out[row + x] = ((byte >> (8 - bits * ((x % perByte) + 1))) & mask) * scale;
      }
    }
  }
  return { width, height, mode, samples: out, palette };
}
