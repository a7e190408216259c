// Decoding through the browser's own image decoders, for the formats where that is exact.
// Measured in Chromium: JPEG and WebP decode to the same RGB bytes as Pillow (both use
// libjpeg-turbo / libwebp) when no colour conversion, premultiplication or orientation is applied.

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

// A canvas stores premultiplied alpha, so semi-transparent pixels come back rounded and fully
// transparent ones come back black; Pillow keeps their colour. WebCodecs' ImageDecoder hands the
// decoded frame over unpremultiplied.
async function viaImageDecoder(bytes, format) {
  if (typeof ImageDecoder === "undefined") return null;
  const decoder = new ImageDecoder({
    data: bytes,
    type: MIME[format],
    colorSpaceConversion: "none",
    premultiplyAlpha: "none",
  });
  try {
    const { image } = await decoder.decode({ frameIndex: 0 });
    try {
      const width = image.displayWidth;
      const height = image.displayHeight;
      if (!["RGBA", "RGBX", "BGRA", "BGRX"].includes(image.format)) return null;
      const rgba = new Uint8Array(width * height * 4);
      await image.copyTo(rgba, { format: "RGBA" });
      return { width, height, rgba };
    } finally {
      image.close();
    }
  } finally {
    decoder.close();
  }
}

function hasTransparency(rgba) {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return true;
  return false;
}

/** {width, height, rgba} of the first frame, or null when the browser cannot decode the file. */
export async function decodeWithBrowser(blob, format, bytes) {
  const unrotated = withoutExifOrientation(format, bytes);
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
  if (hasTransparency(decoded.rgba)) {
    try {
      decoded = (await viaImageDecoder(bytes, format)) || decoded;
    } catch {
      // keep the canvas pixels: exact wherever the image is opaque
    }
  }
  return decoded;
}
