// Decoding through the browser's own image decoders, for the formats where that is exact.
// Measured in Chromium: JPEG and opaque WebP decode to the same RGB bytes as Pillow (both use
// libjpeg-turbo / libwebp) when no colour conversion, premultiplication or orientation is applied.
// `bytes` may be null for a file made here (e.g. a WebP copy without its alpha), which has no EXIF.

import { withoutExifOrientation } from "./formats.js";

const BITMAP_OPTIONS = { colorSpaceConversion: "none", premultiplyAlpha: "none", imageOrientation: "none" };
const MIME = { jpeg: "image/jpeg", webp: "image/webp", gif: "image/gif", bmp: "image/bmp", png: "image/png" };

function canvasOf(width, height) {
  if (typeof OffscreenCanvas !== "undefined") return new OffscreenCanvas(width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

async function viaCanvas(blob) {
  const bitmap = await createImageBitmap(blob, BITMAP_OPTIONS);
  try {
    const { width, height } = bitmap;
    const ctx = canvasOf(width, height).getContext("2d", { willReadFrequently: true });
    ctx.drawImage(bitmap, 0, 0);
    return { width, height, rgba: ctx.getImageData(0, 0, width, height).data };
  } finally {
    bitmap.close();
  }
}

function hasTransparency(rgba) {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return true;
  return false;
}

/**
 * {width, height, rgba, approximate} of the first frame, or null when the browser cannot decode it.
 * `approximate` is true when the pixels may differ from Pillow's: browsers premultiply alpha while
 * decoding (so semi-transparent pixels are rounded and fully transparent ones lose their colour,
 * which Pillow keeps), and they convert CMYK JPEGs with their own rounding.
 */
export async function decodeWithBrowser(blob, format, bytes, { cmyk = false } = {}) {
  const unrotated = bytes && withoutExifOrientation(format, bytes);
  if (unrotated) {
    bytes = unrotated;
    blob = new Blob([unrotated], { type: MIME[format] });
  }
  let decoded;
  try {
    decoded = await viaCanvas(blob);
  } catch {
    return null;
  }
  decoded.approximate = hasTransparency(decoded.rgba) || (format === "jpeg" && cmyk);
  return decoded;
}
