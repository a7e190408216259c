// WebP without the browser's alpha premultiplication. Both reference hashes ignore alpha, but a
// canvas stores pixels premultiplied, so a browser-decoded WebP with transparency loses the colour
// of its transparent pixels (and rounds the half-transparent ones). Two ways around it:
// - lossy (VP8) with an ALPH chunk: the colour lives in the VP8 frame and the alpha beside it, so a
//   copy of the file without the alpha is decoded by the browser, opaque and exact;
// - lossless (VP8L): alpha is coded with the colour, so vp8l.js decodes it.

export class WebpError extends Error {
  constructor(message, { tooLarge = false } = {}) {
    super(message);
    this.tooLarge = tooLarge;
  }
}

const fourcc = (bytes, p) => String.fromCharCode(bytes[p], bytes[p + 1], bytes[p + 2], bytes[p + 3]);
const le32 = (bytes, p) => (bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24)) >>> 0;

const VP8X_ALPHA = 0x10;
const VP8X_ANIMATION = 0x02;

/**
 * What a WebP file holds: {image: "VP8 " | "VP8L" | null, data (the image chunk's payload),
 * alph (the ALPH payload or null), animated, alphaFlag (VP8X says it has alpha)}.
 */
export function webpLayout(bytes) {
  const layout = { image: null, data: null, alph: null, animated: false, alphaFlag: false };
  if (bytes.length < 20 || fourcc(bytes, 0) !== "RIFF" || fourcc(bytes, 8) !== "WEBP") return layout;
  let p = 12;
  while (p + 8 <= bytes.length) {
    const type = fourcc(bytes, p);
    const size = le32(bytes, p + 4);
    const body = bytes.subarray(p + 8, Math.min(bytes.length, p + 8 + size));
    if (type === "VP8X" && body.length >= 1) {
      layout.alphaFlag = (body[0] & VP8X_ALPHA) !== 0;
      layout.animated = (body[0] & VP8X_ANIMATION) !== 0;
    } else if (type === "ALPH" && layout.alph === null) {
      layout.alph = body;
    } else if ((type === "VP8 " || type === "VP8L") && layout.image === null) {
      layout.image = type;
      layout.data = body;
    } else if (type === "ANMF") {
      layout.animated = true;
    }
    p += 8 + size + (size & 1);
  }
  return layout;
}

/** The alpha_is_used hint of a VP8L stream (bit 28 after the signature byte). */
export function vp8lAlphaHint(data) {
  return data.length >= 5 && (data[4] & 0x10) !== 0;
}

/** A simple-format WebP (RIFF, WEBP, one "VP8 " chunk) holding just `vp8`: opaque, no metadata. */
export function opaqueVp8File(vp8) {
  const pad = vp8.length & 1;
  const out = new Uint8Array(20 + vp8.length + pad);
  const view = new DataView(out.buffer);
  out.set([0x52, 0x49, 0x46, 0x46], 0); // RIFF
  view.setUint32(4, 12 + vp8.length + pad, true);
  out.set([0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38, 0x20], 8); // WEBPVP8␠
  view.setUint32(16, vp8.length, true);
  out.set(vp8, 20);
  return out;
}
