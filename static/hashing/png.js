// A PNG decoder that yields the pixels in Pillow's terms (mode + raw samples), because the browser's
// canvas cannot: it premultiplies alpha (losing the colour of transparent pixels, which PDQ and pHash
// still see) and it applies gamma/colour profiles. Inflate is the platform's DecompressionStream.

export class PngError extends Error {}

const be32 = (b, o) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

async function inflate(chunks) {
  const stream = new Blob(chunks).stream().pipeThrough(new DecompressionStream("deflate"));
  const parts = [];
  let total = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      total += value.length;
    }
  } catch (error) {
    throw new PngError(`image data is damaged (${error.message})`);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

// Pillow's mode for each (bit depth, colour type), and how the samples are read.
const MODES = {
  "1,0": "1",
  "2,0": "L",
  "4,0": "L",
  "8,0": "L",
  "16,0": "I;16",
  "8,2": "RGB",
  "16,2": "RGB",
  "1,3": "P",
  "2,3": "P",
  "4,3": "P",
  "8,3": "P",
  "8,4": "LA",
  "16,4": "RGBA",
  "8,6": "RGBA",
  "16,6": "RGBA",
};
const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function unfilter(data, offset, width, height, bitDepth, channels, out) {
  const bpp = Math.max(1, (bitDepth * channels) >> 3);
  const stride = (width * bitDepth * channels + 7) >> 3;
  let prev = new Uint8Array(stride);
  let p = offset;
  for (let y = 0; y < height; y++) {
    if (p + 1 + stride > data.length) throw new PngError("image data ends early");
    const filter = data[p++];
    const line = out.subarray(y * stride, (y + 1) * stride);
    line.set(data.subarray(p, p + stride));
    p += stride;
    if (filter === 1) {
      for (let i = bpp; i < stride; i++) line[i] = (line[i] + line[i - bpp]) & 255;
    } else if (filter === 2) {
      for (let i = 0; i < stride; i++) line[i] = (line[i] + prev[i]) & 255;
    } else if (filter === 3) {
      for (let i = 0; i < stride; i++) line[i] = (line[i] + (((i >= bpp ? line[i - bpp] : 0) + prev[i]) >> 1)) & 255;
    } else if (filter === 4) {
      for (let i = 0; i < stride; i++) {
        const a = i >= bpp ? line[i - bpp] : 0;
        const b = prev[i];
        const c = i >= bpp ? prev[i - bpp] : 0;
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        line[i] = (line[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
      }
    } else if (filter !== 0) {
      throw new PngError(`unknown row filter ${filter}`);
    }
    prev = line;
  }
  return p;
}

// Unpack packed rows into one sample per element (Uint8Array, or Uint16Array for 16-bit),
// the way Pillow's unpackers do: 2- and 4-bit greys are scaled to 0-255, 1-bit to 0/255,
// palette indices are kept as they are.
function unpackRows(raw, width, height, bitDepth, channels, colourType) {
  const n = width * height * channels;
  const stride = (width * bitDepth * channels + 7) >> 3;
  if (bitDepth === 8) {
    if (stride === width * channels) return raw.subarray(0, n);
  }
  if (bitDepth === 16) {
    const out = new Uint16Array(n);
    for (let y = 0, i = 0; y < height; y++) {
      const row = y * stride;
      for (let x = 0; x < width * channels; x++, i++) out[i] = (raw[row + 2 * x] << 8) | raw[row + 2 * x + 1];
    }
    return out;
  }
  const out = new Uint8Array(n);
  const perByte = 8 / bitDepth;
  const mask = (1 << bitDepth) - 1;
  const scale = colourType === 3 ? 1 : 255 / mask;
  for (let y = 0, i = 0; y < height; y++) {
    const row = y * stride;
    for (let x = 0; x < width; x++, i++) {
      const byte = raw[row + Math.floor(x / perByte)];
      const shift = 8 - bitDepth * ((x % perByte) + 1);
      out[i] = ((byte >> shift) & mask) * scale;
    }
  }
  return out;
}

const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/**
 * Decode a PNG into {width, height, mode, samples, palette}: `samples` interleaved per Pillow mode
 * ("1", "L", "I;16", "RGB", "P", "LA", "RGBA"); 16-bit channels of RGB/RGBA/LA are kept as 16-bit
 * and reduced the way Pillow's unpackers do in toPillowSamples.
 */
export async function decodePng(bytes) {
  if (bytes.length < 33 || be32(bytes, 12) !== 0x49484452) throw new PngError("missing image header");
  const width = be32(bytes, 16);
  const height = be32(bytes, 20);
  const bitDepth = bytes[24];
  const colourType = bytes[25];
  const interlace = bytes[28];
  const mode = MODES[`${bitDepth},${colourType}`];
  if (!mode || width === 0 || height === 0) throw new PngError("unsupported PNG layout");
  const channels = CHANNELS[colourType];
  const idat = [];
  let palette = null;
  let p = 8;
  let ended = false;
  while (p + 12 <= bytes.length) {
    const length = be32(bytes, p);
    const type = String.fromCharCode(bytes[p + 4], bytes[p + 5], bytes[p + 6], bytes[p + 7]);
    if (p + 12 + length > bytes.length) throw new PngError("file ends inside a chunk");
    const body = bytes.subarray(p + 8, p + 8 + length);
    if (type === "PLTE") palette = body;
    else if (type === "IDAT") idat.push(body);
    else if (type === "IEND") {
      ended = true;
      break;
    }
    p += 12 + length;
  }
  if (!ended || idat.length === 0) throw new PngError("file is incomplete");
  if (colourType === 3 && !palette) throw new PngError("palette missing");
  const data = await inflate(idat);
  let samples;
  if (!interlace) {
    const stride = (width * bitDepth * channels + 7) >> 3;
    const raw = new Uint8Array(stride * height);
    unfilter(data, 0, width, height, bitDepth, channels, raw);
    samples = unpackRows(raw, width, height, bitDepth, channels, colourType);
  } else {
    samples = bitDepth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
    let offset = 0;
    for (const [x0, y0, dx, dy] of ADAM7) {
      const w = Math.ceil((width - x0) / dx);
      const h = Math.ceil((height - y0) / dy);
      if (w <= 0 || h <= 0) continue;
      const stride = (w * bitDepth * channels + 7) >> 3;
      const raw = new Uint8Array(stride * h);
      offset = unfilter(data, offset, w, h, bitDepth, channels, raw);
      const pass = unpackRows(raw, w, h, bitDepth, channels, colourType);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const src = (y * w + x) * channels;
          const dst = ((y0 + y * dy) * width + x0 + x * dx) * channels;
          for (let c = 0; c < channels; c++) samples[dst + c] = pass[src + c];
        }
      }
    }
  }
  return { width, height, mode, bitDepth, channels, samples, palette };
}
