// What a file is, judged from its bytes (never its name), and the metadata the hashes depend on:
// the EXIF/XMP orientation Pillow's getexif() would report, and JPEG structure checks.

export const IMAGE_FORMATS = new Set(["jpeg", "png", "webp", "gif", "bmp"]);

const startsWith = (bytes, sig, offset = 0) => sig.every((b, i) => bytes[offset + i] === b);
const ascii = (bytes, offset, length) => String.fromCharCode(...bytes.subarray(offset, offset + length));

/**
 * The container format from the first bytes: one of IMAGE_FORMATS, an image format the hasher cannot
 * reproduce ("heic", "avif", "tiff", "jxl", "ico", "svg"), a video ("video"), or null for anything else.
 */
export function sniffFormat(head) {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return "jpeg";
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "WEBP") return "webp";
  if (ascii(head, 0, 6) === "GIF87a" || ascii(head, 0, 6) === "GIF89a") return "gif";
  if (ascii(head, 0, 2) === "BM" && head.length >= 18) {
    const headerSize = head[14] | (head[15] << 8) | (head[16] << 16) | (head[17] << 24);
    if ([12, 40, 52, 56, 64, 108, 124].includes(headerSize)) return "bmp";
  }
  if (ascii(head, 4, 4) === "ftyp") {
    const brand = ascii(head, 8, 4);
    if (["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"].includes(brand)) return "heic";
    if (brand === "avif" || brand === "avis") return "avif";
    return "video"; // mp4, mov (qt  ), m4v, 3gp ...
  }
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return "video"; // WebM / Matroska
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "AVI ") return "video";
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return "tiff";
  if (startsWith(head, [0xff, 0x0a]) || ascii(head, 4, 8) === "JXL \r\n\x87\n") return "jxl";
  if (startsWith(head, [0x00, 0x00, 0x01, 0x00])) return "ico";
  const text = ascii(head, 0, Math.min(head.length, 256)).trimStart().toLowerCase();
  if (text.startsWith("<svg") || (text.startsWith("<?xml") && text.includes("<svg"))) return "svg";
  return null;
}

// ---- EXIF ----

/** Orientation tag (0x0112) of a TIFF-structured EXIF block, or null. */
export function exifOrientation(tiff) {
  const found = findOrientation(tiff);
  return found ? found.value : null;
}

// {value, offset}: the tag's value and where its 2-byte value sits within `tiff`.
function findOrientation(tiff) {
  let data = tiff;
  let skip = 0;
  if (data.length >= 6 && ascii(data, 0, 6) === "Exif\0\0") {
    data = data.subarray(6);
    skip = 6;
  }
  if (data.length < 8) return null;
  const little = data[0] === 0x49 && data[1] === 0x49;
  if (!little && !(data[0] === 0x4d && data[1] === 0x4d)) return null;
  const u16 = (o) => (little ? data[o] | (data[o + 1] << 8) : (data[o] << 8) | data[o + 1]);
  const u32 = (o) => (little ? u16(o) + u16(o + 2) * 65536 : u16(o) * 65536 + u16(o + 2));
  const ifd = u32(4);
  if (ifd + 2 > data.length) return null;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > data.length) return null;
    if (u16(entry) === 0x0112) {
      const type = u16(entry + 2);
      if (type === 3) return { value: u16(entry + 8), offset: skip + entry + 8, little, size: 2 }; // SHORT
      if (type === 4) return { value: u32(entry + 8), offset: skip + entry + 8, little, size: 4 }; // LONG
      return null;
    }
  }
  return null;
}

function xmpOrientation(bytes) {
  const text = new TextDecoder("latin1").decode(bytes);
  const match = /tiff:Orientation(="|>)([0-9])/.exec(text);
  return match ? Number(match[2]) : null;
}

/**
 * A copy of the file with its EXIF orientation set to 1, so that a browser decoder that always
 * rotates (Chromium ignores imageOrientation: "none" for EXIF) hands over the stored pixels.
 */
export function withoutExifOrientation(format, bytes) {
  const blocks = [];
  if (format === "jpeg") {
    const info = jpegInfo(bytes);
    if (info.exif) blocks.push(info.exif);
  } else if (format === "webp") {
    let p = 12;
    while (p + 8 <= bytes.length) {
      const size = bytes[p + 4] | (bytes[p + 5] << 8) | (bytes[p + 6] << 16) | (bytes[p + 7] << 24);
      if (ascii(bytes, p, 4) === "EXIF") blocks.push(bytes.subarray(p + 8, p + 8 + size));
      p += 8 + size + (size & 1);
    }
  }
  let copy = null;
  for (const block of blocks) {
    const found = findOrientation(block);
    if (!found || found.value === 1) continue;
    copy = copy || Uint8Array.from(bytes);
    const at = block.byteOffset - bytes.byteOffset + found.offset;
    copy.fill(0, at, at + found.size);
    copy[found.little ? at : at + found.size - 1] = 1;
  }
  return copy;
}

// ---- JPEG ----

/** Walk the JPEG markers up to the first scan: EXIF/XMP blocks and the frame header. */
export function jpegInfo(bytes) {
  const info = {
    exif: null,
    xmp: null,
    components: null,
    width: 0,
    height: 0,
    progressive: false,
    adobe: null,
    jfif: false,
    precision: 0,
    sampling: [], // per component: {id, h, v}
  };
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) return info;
    const marker = bytes[p + 1];
    if (marker === 0xff) {
      p += 1;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      p += 2;
      continue;
    }
    const length = (bytes[p + 2] << 8) | bytes[p + 3];
    const body = bytes.subarray(p + 4, p + 2 + length);
    if (marker === 0xe0 && ascii(body, 0, 5) === "JFIF\0") {
      info.jfif = true;
    } else if (marker === 0xe1) {
      if (info.exif === null && ascii(body, 0, 6) === "Exif\0\0") info.exif = body.subarray(6);
      else if (info.xmp === null && ascii(body, 0, 29) === "http://ns.adobe.com/xap/1.0/\0") info.xmp = body;
    } else if (marker === 0xee && ascii(body, 0, 5) === "Adobe") {
      info.adobe = body.length > 11 ? body[11] : 0;
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      info.precision = body[0];
      info.height = (body[1] << 8) | body[2];
      info.width = (body[3] << 8) | body[4];
      info.components = body[5];
      for (let c = 0; c < info.components && 8 + 3 * c < body.length; c++) {
        const factors = body[7 + 3 * c];
        info.sampling.push({ id: body[6 + 3 * c], h: factors >> 4, v: factors & 15 });
      }
      info.progressive = marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce;
    } else if (marker === 0xda || marker === 0xd9) {
      return info;
    }
    p += 2 + length;
  }
  return info;
}

/**
 * The planar layout a YUV decoder hands over for this JPEG ("I444", "I422" or "I420"), when
 * libjpeg-turbo would turn it into RGB by upsampling the chroma that way and converting from
 * YCbCr; null for anything else (greyscale, CMYK, RGB-coded, other sampling).
 */
export function jpegYuvLayout(info) {
  if (info.components !== 3 || info.precision !== 8 || info.sampling.length !== 3) return null;
  // libjpeg-turbo's guess of the colour space (jdapimin.c): JFIF means YCbCr; else Adobe's
  // transform flag (0 = RGB); else component ids R, G, B mean RGB; anything else YCbCr.
  const [y, cb, cr] = info.sampling;
  if (!info.jfif) {
    if (info.adobe === 0) return null;
    if (info.adobe === null && y.id === 82 && cb.id === 71 && cr.id === 66) return null;
  }
  if (cb.h !== cr.h || cb.v !== cr.v || !cb.h || !cb.v) return null;
  if (y.h % cb.h !== 0 || y.v % cb.v !== 0) return null;
  const across = y.h / cb.h;
  const down = y.v / cb.v;
  if (across === 1 && down === 1) return "I444";
  if (across === 2 && down === 1) return "I422";
  if (across === 2 && down === 2) return "I420";
  return null;
}

/** Pillow refuses a JPEG whose data stops before the end-of-image marker; so do we. */
export function jpegIsComplete(bytes) {
  for (let p = bytes.length - 2; p >= Math.max(2, bytes.length - 4096); p--) {
    if (bytes[p] === 0xff && bytes[p + 1] === 0xd9) return true;
  }
  return false;
}

// ---- PNG / WebP metadata ----

function pngOrientation(bytes) {
  let p = 8;
  let xmp = null;
  while (p + 8 <= bytes.length) {
    const length = ((bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3]) >>> 0;
    const type = ascii(bytes, p + 4, 4);
    const body = bytes.subarray(p + 8, p + 8 + length);
    if (type === "eXIf") {
      const o = exifOrientation(body);
      if (o !== null) return o;
    } else if (type === "iTXt" && ascii(body, 0, 18) === "XML:com.adobe.xmp\0") {
      xmp = body;
    } else if (type === "IDAT" || type === "IEND") {
      break;
    }
    p += 12 + length;
  }
  return xmp ? xmpOrientation(xmp) : null;
}

function webpOrientation(bytes) {
  let p = 12;
  let xmp = null;
  while (p + 8 <= bytes.length) {
    const type = ascii(bytes, p, 4);
    const size = bytes[p + 4] | (bytes[p + 5] << 8) | (bytes[p + 6] << 16) | (bytes[p + 7] << 24);
    const body = bytes.subarray(p + 8, p + 8 + size);
    if (type === "EXIF") {
      const o = exifOrientation(body);
      if (o !== null) return o;
    } else if (type === "XMP ") {
      xmp = body;
    }
    p += 8 + size + (size & 1);
  }
  return xmp ? xmpOrientation(xmp) : null;
}

/** The orientation ImageOps.exif_transpose would apply (2-8), or null when it would do nothing. */
export function imageOrientation(format, bytes) {
  let o = null;
  if (format === "jpeg") {
    const info = jpegInfo(bytes);
    if (info.exif) o = exifOrientation(info.exif);
    if (o === null && info.xmp) o = xmpOrientation(info.xmp);
  } else if (format === "png") {
    o = pngOrientation(bytes);
  } else if (format === "webp") {
    o = webpOrientation(bytes);
  }
  return o !== null && o >= 2 && o <= 8 ? o : null;
}
