// Decoding through the browser's own image decoders, for the formats where that is exact.
// Measured in Chromium: JPEG and opaque WebP decode to the same RGB bytes as Pillow (both use
// libjpeg-turbo / libwebp) when no colour conversion, premultiplication or orientation is applied.
// `bytes` may be null for a file made here (e.g. a WebP copy without its alpha), which has no EXIF.

import { jpegYuvLayout, withoutExifOrientation } from "./formats.js";

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

const YUV_MODES = { I444: 0, I422: 1, I420: 2 };

/**
 * A JPEG's Y, Cb and Cr planes as the browser's decoder leaves them before colour conversion,
 * copied into the memory of the kernels `kernelsReady` resolves to:
 * {width, height, yuv: {y, cb, cr, yStride, cStride, cw, ch, mode}}
 * (offsets into that memory; see planes_yuv in kernels.wat for the rest of libjpeg-turbo's way to
 * RGB). Chromium's ImageDecoder gives these planes from libjpeg-turbo's own IDCT, faster than a
 * bitmap and without the canvas round trip. Null when it is not available or the layout is not
 * one planes_yuv reproduces; the caller then decodes through a canvas.
 */
export async function decodeJpegPlanes(bytes, info, kernelsReady) {
  const layout = jpegYuvLayout(info);
  if (!layout || typeof ImageDecoder === "undefined") return null;
  let decoder = null;
  let frame = null;
  try {
    decoder = new ImageDecoder({ data: bytes, type: "image/jpeg", colorSpaceConversion: "none" });
    // Decoding starts now; the kernels (compiled in the meantime) are needed only for the copy.
    const decoded = decoder.decode({ frameIndex: 0 });
    const kernels = await kernelsReady;
    frame = (await decoded).image;
    if (!kernels) return null;
    const { x, y, width, height } = frame.visibleRect;
    if (frame.format !== layout || x !== 0 || y !== 0 || width !== info.width || height !== info.height) return null;
    const size = frame.allocationSize();
    const at = kernels.alloc(size);
    const planes = await frame.copyTo(kernels.u8(at, size));
    const cw = layout === "I444" ? width : (width + 1) >> 1;
    const ch = layout === "I420" ? (height + 1) >> 1 : height;
    // Chroma rows are cw wide and ch high; anything else is a layout this code does not know.
    if (planes.length !== 3 || planes[1].stride < cw || planes[2].stride !== planes[1].stride) return null;
    if (planes[2].offset + planes[2].stride * (ch - 1) + cw > size) return null;
    return {
      width,
      height,
      yuv: {
        y: at + planes[0].offset,
        cb: at + planes[1].offset,
        cr: at + planes[2].offset,
        yStride: planes[0].stride,
        cStride: planes[1].stride,
        cw,
        ch,
        mode: YUV_MODES[layout],
      },
    };
  } catch {
    return null;
  } finally {
    if (frame) frame.close();
    if (decoder) decoder.close();
  }
}
