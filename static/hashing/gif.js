// A GIF decoder for the first frame, giving the pixels Pillow 13 gives. The browser's decoder is no
// use here: it makes transparent pixels transparent black, while Pillow keeps the palette colour of
// the transparent index (convert("RGB") and convert("L") both look it up like any other).
//
// What Pillow does with the first frame (GifImagePlugin, LOADING_STRATEGY RGB_AFTER_FIRST):
// - mode "P" with the frame's palette (local, else global), or "L" when there is no palette or it is
//   the identity ramp (entry i = (i, i, i)), the pixel then being its own grey level;
// - size: the logical screen, grown to hold the frame if the frame reaches past it;
// - outside the frame: the transparency index if the frame has one, else index 0;
// - palette entries past the stored palette are black;
// - LZW as in its GifDecode.c: the decode stops as soon as the frame is full; a stream that ends
//   (or says end-of-information) before that is an error ("image file is truncated").

export class GifError extends Error {
  constructor(message, { tooLarge = false } = {}) {
    super(message);
    this.tooLarge = tooLarge;
  }
}

const le16 = (b, p) => b[p] | (b[p + 1] << 8);

// Pillow keeps the palette unless every entry i is (i, i, i).
function paletteNeeded(palette) {
  for (let i = 0; i < palette.length; i += 3) {
    const v = i / 3;
    if (palette[i] !== v || palette[i + 1] !== v || palette[i + 2] !== v) return true;
  }
  return false;
}

function padded(palette) {
  const out = new Uint8Array(768);
  out.set(palette.subarray(0, 768));
  return out;
}

// The image data's sub-blocks joined. Pillow waits for whole sub-blocks, so a cut one is dropped.
function imageData(bytes, p) {
  const parts = [];
  let total = 0;
  while (p < bytes.length) {
    const size = bytes[p];
    if (size === 0 || p + 1 + size > bytes.length) break;
    parts.push(bytes.subarray(p + 1, p + 1 + size));
    total += size;
    p += 1 + size;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

// LZW-decode into `pixels` (row-major, `stride` wide), the frame at (x0, y0) of size w x h.
function decodeLzw(data, minCodeSize, pixels, stride, x0, y0, w, h, interlaced) {
  if (minCodeSize > 12) throw new GifError("invalid LZW code size");
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const prefix = new Int16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096); // first byte of each code's string
  const length = new Uint16Array(4096);
  for (let c = 0; c < clear; c++) {
    suffix[c] = c;
    first[c] = c;
    length[c] = 1;
  }
  const string = new Uint8Array(4097);
  let next = clear + 2;
  let codeSize = minCodeSize + 1;
  let codeMask = (1 << codeSize) - 1;
  let afterClear = true;
  let previous = -1;
  let bitBuffer = 0;
  let bitCount = 0;
  let p = 0;
  // Interlaced rows come in four passes: every 8th from 0, every 8th from 4, every 4th from 2,
  // every 2nd from 1.
  let pass = interlaced ? 1 : 0;
  let step = interlaced ? 8 : 1;
  let x = 0;
  let y = 0;
  let row = (y0 + y) * stride + x0;
  for (;;) {
    while (bitCount < codeSize) {
      if (p >= data.length) throw new GifError("image data ends early");
      bitBuffer |= data[p++] << bitCount;
      bitCount += 8;
    }
    let code = bitBuffer & codeMask;
    bitBuffer >>>= codeSize;
    bitCount -= codeSize;
    if (code === clear) {
      next = clear + 2;
      codeSize = minCodeSize + 1;
      codeMask = (1 << codeSize) - 1;
      afterClear = true;
      continue;
    }
    if (code === end) throw new GifError("image data ends early");
    let n;
    if (afterClear) {
      if (code > clear) throw new GifError("broken LZW data");
      string[0] = code;
      n = 1;
      afterClear = false;
      previous = code;
    } else {
      if (code > next) throw new GifError("broken LZW data");
      const known = code < next;
      const source = known ? code : previous;
      n = length[source];
      for (let i = n - 1, c = source; i >= 0; i--, c = prefix[c]) string[i] = suffix[c];
      if (!known) string[n++] = first[previous];
      if (next < 4096) {
        prefix[next] = previous;
        suffix[next] = string[0];
        first[next] = first[previous];
        length[next] = length[previous] + 1;
        if (next === codeMask && codeSize < 12) {
          codeSize++;
          codeMask = (1 << codeSize) - 1;
        }
        next++;
      }
      previous = code;
    }
    for (let i = 0; i < n; i++) {
      pixels[row + x] = string[i];
      if (++x < w) continue;
      x = 0;
      y += step;
      while (y >= h) {
        if (pass === 1) {
          y = 4;
          pass = 2;
        } else if (pass === 2) {
          y = 2;
          step = 4;
          pass = 3;
        } else if (pass === 3) {
          y = 1;
          step = 2;
          pass = 0;
        } else {
          return; // the frame is full; Pillow ignores the rest
        }
      }
      row = (y0 + y) * stride + x0;
    }
  }
}

/**
 * The first frame of a GIF as Pillow opens it: {width, height, mode: "P" | "L", samples, palette}
 * (`samples` the indices; `palette` 768 bytes of RGB for mode P, null for L, where the index is the grey level).
 */
export function decodeGif(bytes, { maxPixels = Infinity } = {}) {
  const signature = String.fromCharCode(...bytes.subarray(0, 6));
  if (signature !== "GIF87a" && signature !== "GIF89a") throw new GifError("not a GIF");
  if (bytes.length < 13) throw new GifError("file is incomplete");
  let width = le16(bytes, 6);
  let height = le16(bytes, 8);
  const flags = bytes[10];
  let p = 13;
  let globalPalette = null;
  if (flags & 0x80) {
    const size = 3 << ((flags & 7) + 1);
    const palette = bytes.subarray(p, p + size);
    p += size;
    if (paletteNeeded(palette)) globalPalette = palette;
  }
  let transparency = null;
  for (;;) {
    if (p >= bytes.length || bytes[p] === 0x3b) throw new GifError("no image in the file");
    const introducer = bytes[p++];
    if (introducer === 0x21) {
      const label = bytes[p++];
      const size = bytes[p];
      if (label === 0xf9 && size > 0) {
        // Pillow reads the delay (bytes 1-2) and, when flagged, the index (byte 3): a shorter block fails.
        if (size < 3 || (bytes[p + 1] & 1 && size < 4)) throw new GifError("broken graphic control block");
        if (bytes[p + 1] & 1) transparency = bytes[p + 4];
      }
      while (p < bytes.length && bytes[p] !== 0) p += 1 + bytes[p];
      p++;
    } else if (introducer === 0x2c) {
      if (p + 9 > bytes.length) throw new GifError("file is incomplete");
      const x0 = le16(bytes, p);
      const y0 = le16(bytes, p + 2);
      const w = le16(bytes, p + 4);
      const h = le16(bytes, p + 6);
      const frameFlags = bytes[p + 8];
      p += 9;
      let palette = globalPalette;
      if (frameFlags & 0x80) {
        const size = 3 << ((frameFlags & 7) + 1);
        const local = bytes.subarray(p, p + size);
        p += size;
        palette = paletteNeeded(local) ? local : null;
      }
      width = Math.max(width, x0 + w);
      height = Math.max(height, y0 + h);
      if (w === 0 || h === 0) throw new GifError("empty frame");
      if (width * height > maxPixels) throw new GifError("too large", { tooLarge: true });
      const minCodeSize = bytes[p++];
      const indices = new Uint8Array(width * height);
      if (transparency) indices.fill(transparency);
      decodeLzw(imageData(bytes, p), minCodeSize, indices, width, x0, y0, w, h, (frameFlags & 0x40) !== 0);
      return { width, height, mode: palette ? "P" : "L", samples: indices, palette: palette ? padded(palette) : null };
    }
    // Pillow skips any other byte between blocks.
  }
}
