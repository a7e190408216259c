// On-device hashing of one file: PDQ (+ quality, 8 dihedral variants, orientation-corrected PDQ),
// imagehash-compatible pHash, MD5 and SHA-256, agreeing bit for bit with hashing/reference.py.
// Works in a Web Worker (the intake page's way) and on the main thread. The file never leaves
// the device: nothing here makes a network request apart from loading its own modules.

import { createMD5, createSHA256 } from "../vendor/hash-wasm/index.esm.min.js";
import { BmpError, decodeBmp } from "./bmp.js";
import { decodeJpegPlanes, decodeWithBrowser } from "./browser-decode.js";
import { IMAGE_FORMATS, imageOrientation, jpegInfo, jpegIsComplete, sniffFormat } from "./formats.js";
import { decodeGif, GifError } from "./gif.js";
import { pdqFromLuma } from "./pdq.js";
import { phashFromGrey } from "./phash.js";
import { createKernels, KernelsMemoryError, returnKernels } from "./kernels.js";
import {
  orientLuma,
  planesFromARGB,
  planesFromImage,
  planesFromPng,
  planesFromRGB,
  planesFromRGBAInKernels,
  planesFromYuvInKernels,
} from "./pixels.js";
import { decodePng, PngError } from "./png.js";
import { hashVideo, VideoUnsupported } from "./video.js";
import { decodeVp8l } from "./vp8l.js";
import { opaqueVp8File, vp8lAlphaHint, WebpError, webpLayout } from "./webp.js";

const CHUNK_SIZE = 8 * 1024 * 1024;
// Above this an image is hashed as a plain file: decoding it would need more memory than a
// phone can spare, and no platform hashes images that large perceptually either.
export const MAX_IMAGE_PIXELS = 100_000_000;

/** A file the hasher cannot hash as the person intended; `code` says why, `message` what to do. */
export class HashingError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "HashingError";
    this.code = code;
  }
}

const MESSAGES = {
  unsupported:
    "This picture's format (for example HEIC from an iPhone) cannot be read here. " +
    "Open it on your device, take a screenshot, and add the screenshot instead.",
  corrupt:
    "This picture seems damaged or incomplete, so it could not be read. " +
    "If you can still see it on your device, take a screenshot and add that instead.",
  "not-an-image":
    "This file is named like a picture but is not one we can read. " +
    "If it shows a picture on your device, take a screenshot and add that instead.",
  "too-large": "This picture is too large to read here. Take a screenshot of it and add that instead.",
};

function fail(code) {
  return new HashingError(code, MESSAGES[code]);
}

function checkAborted(signal) {
  if (signal && signal.aborted) throw new DOMException("Hashing was cancelled", "AbortError");
}

const looksLikeImage = (blob) =>
  (blob.type || "").startsWith("image/") || /\.(jpe?g|png|webp|gif|bmp|heic|heif|avif|tiff?)$/i.test(blob.name || "");

/** MD5 and SHA-256 of a Blob, read in chunks so a large video never sits in memory whole. */
export async function digestBlob(blob, { onProgress, signal, start = 0, span = 1 } = {}) {
  const [md5, sha256] = await Promise.all([createMD5(), createSHA256()]);
  md5.init();
  sha256.init();
  for (let offset = 0; offset < blob.size; offset += CHUNK_SIZE) {
    checkAborted(signal);
    const chunk = new Uint8Array(await blob.slice(offset, offset + CHUNK_SIZE).arrayBuffer());
    md5.update(chunk);
    sha256.update(chunk);
    if (onProgress) onProgress(start + (span * Math.min(blob.size, offset + CHUNK_SIZE)) / blob.size, "digest");
  }
  return { md5: md5.digest("hex"), sha256: sha256.digest("hex") };
}

async function digestBytes(bytes) {
  const [md5, sha256] = await Promise.all([createMD5(), createSHA256()]);
  md5.init();
  sha256.init();
  md5.update(bytes);
  sha256.update(bytes);
  return { md5: md5.digest("hex"), sha256: sha256.digest("hex") };
}

// A decoder's own error as the message for the person: too large, a layout Pillow refuses too, or damaged.
function decoderFailure(error) {
  if (error instanceof GifError || error instanceof BmpError || error instanceof WebpError) {
    if (error.tooLarge) return fail("too-large");
    return fail(error.unsupported ? "unsupported" : "corrupt");
  }
  return error;
}

function decodeVp8lImage(data) {
  try {
    const { width, height, argb } = decodeVp8l(data, { maxPixels: MAX_IMAGE_PIXELS });
    return { width, height, approximate: false, ...planesFromARGB(argb, width, height) };
  } catch (error) {
    throw decoderFailure(error);
  }
}

// WebP through the browser where that is exact (opaque VP8 and VP8L; VP8 with its alpha chunk left
// out, since the hashes ignore alpha), through decodeVp8l where the browser would premultiply.
async function decodeWebp(bytes, blob) {
  const layout = webpLayout(bytes);
  if (!layout.animated && layout.image === "VP8L" && (layout.alphaFlag || vp8lAlphaHint(layout.data))) {
    return decodeVp8lImage(layout.data);
  }
  let source = blob;
  if (!layout.animated && layout.image === "VP8 " && layout.alph) {
    source = new Blob([opaqueVp8File(layout.data)], { type: "image/webp" });
  }
  const decoded = await decodeWithBrowser(source, "webp", source === blob ? bytes : null);
  if (!decoded) throw fail("corrupt");
  // alpha_is_used is only a hint: a VP8L stream that turns out to be transparent is decoded here.
  if (decoded.approximate && !layout.animated && layout.image === "VP8L") return decodeVp8lImage(layout.data);
  const { width, height, rgba, approximate } = decoded;
  return { width, height, approximate, rgba };
}

// Decoded pixels as {width, height, approximate} and one of: {luma, grey} (luma PDQ's float32 plane
// of convert("RGB"), grey pHash's convert("L")); {rgba}, the browser's samples to make them from;
// {yuv}, a JPEG's planes in the kernels' memory (see decodeJpegPlanes).
async function decodeImage(format, bytes, blob, kernelsReady) {
  let cmyk = false;
  if (format === "gif" || format === "bmp") {
    let image;
    try {
      image =
        format === "gif"
          ? decodeGif(bytes, { maxPixels: MAX_IMAGE_PIXELS })
          : decodeBmp(bytes, { maxPixels: MAX_IMAGE_PIXELS });
    } catch (error) {
      throw decoderFailure(error);
    }
    return { width: image.width, height: image.height, approximate: false, ...planesFromImage(image) };
  }
  if (format === "webp") return decodeWebp(bytes, blob);
  if (format === "png") {
    try {
      const png = await decodePng(bytes);
      if (png.width * png.height > MAX_IMAGE_PIXELS) throw fail("too-large");
      return { width: png.width, height: png.height, approximate: false, ...planesFromPng(png) };
    } catch (error) {
      if (error instanceof PngError) throw fail("corrupt");
      throw error;
    }
  }
  if (format === "jpeg") {
    if (!jpegIsComplete(bytes)) throw fail("corrupt");
    const info = jpegInfo(bytes);
    if (info.width * info.height > MAX_IMAGE_PIXELS) throw fail("too-large");
    cmyk = info.components === 4;
    const planes = await decodeJpegPlanes(bytes, info, kernelsReady);
    if (planes) return { ...planes, approximate: false };
  }
  const decoded = await decodeWithBrowser(blob, format, bytes, { cmyk });
  if (!decoded) throw fail(format === "jpeg" ? "corrupt" : "unsupported");
  const { width, height, rgba, approximate } = decoded;
  return { width, height, approximate, rgba };
}

// {vpdq, video, vpdq_error} of a video: its frame hashes, or vpdq_error "unsupported" when this
// browser cannot decode it (the MD5 and SHA-256 still identify exact copies).
async function videoFingerprints(blob, progress, signal) {
  checkAborted(signal);
  const kernels = await createKernels();
  try {
    const { vpdq, video } = await hashVideo(blob, {
      signal,
      kernels,
      onProgress: (fraction) => progress(0.2 + 0.8 * fraction, "vpdq"),
    });
    return { vpdq, video, vpdq_error: null };
  } catch (error) {
    if (error.name === "AbortError") throw error;
    // Whatever stopped the video's frames (a format or codec this browser lacks, a damaged file, a
    // decoder error), the exact-copy digests are kept and the page says that only they were made.
    if (!(error instanceof VideoUnsupported) && typeof console !== "undefined") console.warn("vPDQ failed:", error);
    return { vpdq: null, video: null, vpdq_error: "unsupported" };
  } finally {
    returnKernels(kernels);
  }
}

/**
 * Hash one file. Resolves to {pdq, pdq_quality, pdq_oriented, pdq_dihedral, phash, md5, sha256}
 * (plus width, height and approximate, for the page); the image fields are null for videos and
 * other files. A video also gets {vpdq, video, vpdq_error} (see videoFingerprints and video.js). Rejects with a HashingError (with a message
 * for the person) for pictures it cannot read, and with an AbortError when `signal` is aborted.
 * `onProgress(fraction, stage)` is called as the work advances.
 */
export async function hashFile(blob, { onProgress, signal } = {}) {
  const progress = (fraction, stage) => onProgress && onProgress(fraction, stage);
  checkAborted(signal);
  const head = new Uint8Array(await blob.slice(0, 64).arrayBuffer());
  const format = sniffFormat(head);
  if (!IMAGE_FORMATS.has(format)) {
    if (["heic", "avif", "tiff", "jxl", "ico", "svg"].includes(format)) throw fail("unsupported");
    if (format === null && looksLikeImage(blob)) throw fail("not-an-image");
    const isVideo = format === "video";
    // For a video the digests are the first fifth of the work; decoding it is the rest.
    const digests = await digestBlob(blob, { onProgress: progress, signal, span: isVideo ? 0.2 : 1 });
    const plain = {
      pdq: null,
      pdq_quality: null,
      pdq_oriented: null,
      pdq_dihedral: null,
      phash: null,
      ...digests,
      width: null,
      height: null,
      approximate: false,
    };
    if (isVideo) Object.assign(plain, await videoFingerprints(blob, progress, signal));
    progress(1, "done");
    return plain;
  }
  const bytes = new Uint8Array(await blob.arrayBuffer());
  progress(0.05, "read");
  const kernelsReady = createKernels();
  // The browser decodes on its own threads; the digests are computed meanwhile.
  const decoding = decodeImage(format, bytes, blob, kernelsReady);
  decoding.catch(() => {});
  try {
    const digests = await digestBytes(bytes);
    progress(0.15, "digest");
    checkAborted(signal);
    const image = await decoding;
    const kernels = await kernelsReady;
    progress(0.45, "decode");
    checkAborted(signal);
    // Nothing below awaits, so this call has the kernels' memory to itself. Planes living in that
    // memory are reached through functions: a view made before the memory grows would be detached.
    const { width, height } = image;
    const n = width * height;
    let lumaOf;
    let greyOf;
    let spare = -1; // a free block of n floats in the kernels' memory, if there is one
    if (image.yuv) {
      const at = planesFromYuvInKernels(kernels, image.yuv, width, height);
      lumaOf = () => kernels.f32(at.luma, n);
      greyOf = () => kernels.u8(at.grey, n);
    } else if (image.rgba && kernels) {
      const at = planesFromRGBAInKernels(kernels, image.rgba, width, height);
      image.rgba = null;
      lumaOf = () => kernels.f32(at.luma, n);
      greyOf = () => kernels.u8(at.grey, n);
      spare = at.rgba;
    } else {
      const planes = image.rgba ? planesFromRGB(image.rgba, width, height, 4) : image;
      lumaOf = () => planes.luma;
      greyOf = () => planes.grey;
    }
    const orientation = imageOrientation(format, bytes);
    // pdqFromLuma consumes its input, so the displayed orientation is cut from it first.
    let oriented = null;
    if (orientation) {
      if (kernels && spare < 0) spare = kernels.alloc(n * 4);
      const cut = orientLuma(
        lumaOf(),
        height,
        width,
        orientation,
        kernels ? kernels.f32(spare, n) : undefined,
        kernels,
      );
      oriented = { rows: cut.rows, cols: cut.cols, luma: kernels ? () => kernels.f32(spare, n) : () => cut.luma };
    }
    const pdq = pdqFromLuma(lumaOf(), height, width, { kernels });
    progress(0.7, "pdq");
    checkAborted(signal);
    const pdqOriented = oriented
      ? pdqFromLuma(oriented.luma(), oriented.rows, oriented.cols, { dihedral: false, kernels }).hex
      : null;
    progress(0.85, "pdq_oriented");
    checkAborted(signal);
    const phash = phashFromGrey(greyOf(), width, height, { kernels });
    progress(1, "done");
    return {
      pdq: pdq.hex,
      pdq_quality: pdq.quality,
      pdq_oriented: pdqOriented,
      pdq_dihedral: pdq.dihedral,
      phash,
      ...digests,
      width,
      height,
      // True when the browser's decoder may have rounded pixels differently from Pillow (CMYK JPEG,
      // animated WebP with transparency): the hashes are then close, not guaranteed equal.
      approximate: image.approximate,
    };
  } catch (error) {
    throw error instanceof KernelsMemoryError ? fail("too-large") : error;
  } finally {
    // The kernels go back for the next file only once the decoder can no longer write into them.
    decoding.then(
      () => kernelsReady.then(returnKernels),
      () => kernelsReady.then(returnKernels),
    );
  }
}
