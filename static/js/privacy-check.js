// The photo privacy check: reads a photo's hidden details (EXIF, GPS, XMP) in the browser, shows them in
// plain words, and makes a clean copy by redrawing the pixels, which carries no metadata at all.
// Nothing here makes a network request: the photo never leaves the device.

const TAGS = { make: 0x010f, model: 0x0110, software: 0x0131, dateTime: 0x0132, exifIfd: 0x8769, gpsIfd: 0x8825 };
const EXIF_TAGS = { dateTimeOriginal: 0x9003 };
const TYPE_SIZES = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 };

function readIfd(view, tiffStart, offset, little) {
  const entries = new Map();
  if (offset + 2 > view.byteLength - tiffStart) return entries;
  const count = view.getUint16(tiffStart + offset, little);
  for (let i = 0; i < count; i++) {
    const at = tiffStart + offset + 2 + i * 12;
    if (at + 12 > view.byteLength) break;
    const tag = view.getUint16(at, little);
    const type = view.getUint16(at + 2, little);
    const n = view.getUint32(at + 4, little);
    const size = (TYPE_SIZES[type] || 1) * n;
    const valueAt = size <= 4 ? at + 8 : tiffStart + view.getUint32(at + 8, little);
    if (valueAt + size > view.byteLength) continue;
    entries.set(tag, { type, n, valueAt });
  }
  return entries;
}

function value(view, entry, little) {
  if (!entry) return null;
  const { type, n, valueAt } = entry;
  if (type === 2) {
    let text = "";
    for (let i = 0; i < n; i++) {
      const c = view.getUint8(valueAt + i);
      if (c === 0) break;
      text += String.fromCharCode(c);
    }
    return text.trim();
  }
  if (type === 3) return view.getUint16(valueAt, little);
  if (type === 4) return view.getUint32(valueAt, little);
  if (type === 5) {
    const out = [];
    for (let i = 0; i < n; i++) {
      const den = view.getUint32(valueAt + i * 8 + 4, little);
      out.push(den ? view.getUint32(valueAt + i * 8, little) / den : 0);
    }
    return out;
  }
  return null;
}

/** Hidden details from a TIFF/EXIF block starting at `start`. */
export function parseExif(view, start) {
  const found = {};
  const order = view.getUint16(start);
  const little = order === 0x4949;
  if (!little && order !== 0x4d4d) return found;
  const ifd0 = readIfd(view, start, view.getUint32(start + 4, little), little);
  found.make = value(view, ifd0.get(TAGS.make), little);
  found.model = value(view, ifd0.get(TAGS.model), little);
  found.software = value(view, ifd0.get(TAGS.software), little);
  found.taken = value(view, ifd0.get(TAGS.dateTime), little);
  const exifPointer = value(view, ifd0.get(TAGS.exifIfd), little);
  if (exifPointer) {
    const exif = readIfd(view, start, exifPointer, little);
    found.taken = value(view, exif.get(EXIF_TAGS.dateTimeOriginal), little) || found.taken;
  }
  const gpsPointer = value(view, ifd0.get(TAGS.gpsIfd), little);
  if (gpsPointer) {
    const gps = readIfd(view, start, gpsPointer, little);
    const lat = value(view, gps.get(2), little);
    const lon = value(view, gps.get(4), little);
    if (Array.isArray(lat) && Array.isArray(lon) && lat.length === 3 && lon.length === 3) {
      const sign = (ref, negative) => (value(view, ref, little) === negative ? -1 : 1);
      found.gps = {
        lat: sign(gps.get(1), "S") * (lat[0] + lat[1] / 60 + lat[2] / 3600),
        lon: sign(gps.get(3), "W") * (lon[0] + lon[1] / 60 + lon[2] / 3600),
      };
    }
  }
  found.exif = true;
  return found;
}

/** An EXIF date ("2017:11:07 22:14:06", camera local time with no zone) as a readable date in `locale`;
 * the text as found when it is not a date. Formatted as UTC so the wall-clock time is shown unchanged. */
export function formatExifDate(text, locale) {
  const match = /^(\d{4}):(\d{2}):(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(text || "");
  if (!match) return text;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part || 0));
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (Number.isNaN(date.getTime()) || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return text;
  const withTime = match[4] !== undefined;
  const options = { timeZone: "UTC", dateStyle: "long", ...(withTime ? { timeStyle: "short" } : {}) };
  try {
    return new Intl.DateTimeFormat(locale || undefined, options).format(date);
  } catch {
    return text;
  }
}

const ascii = (bytes, start, length) => String.fromCharCode(...bytes.subarray(start, start + length));

/** Everything we can tell about a JPEG, PNG or WebP file's metadata. */
export function inspect(buffer) {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const found = { other: [] };
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    let at = 2;
    while (at + 4 <= bytes.length && bytes[at] === 0xff) {
      const marker = bytes[at + 1];
      if (marker === 0xda || marker === 0xd9) break;
      const length = view.getUint16(at + 2);
      const body = at + 4;
      if (marker === 0xe1 && ascii(bytes, body, 6) === "Exif\0\0") Object.assign(found, parseExif(view, body + 6));
      else if (marker === 0xe1 && ascii(bytes, body, 28) === "http://ns.adobe.com/xap/1.0/") found.xmp = true;
      else if (marker === 0xed) found.other.push("IPTC");
      else if (marker === 0xfe) found.other.push("comment");
      at += 2 + length;
    }
    return found;
  }
  if (ascii(bytes, 1, 3) === "PNG") {
    let at = 8;
    while (at + 8 <= bytes.length) {
      const length = view.getUint32(at);
      const type = ascii(bytes, at + 4, 4);
      if (type === "eXIf") Object.assign(found, parseExif(view, at + 8));
      else if (type === "iTXt" && ascii(bytes, at + 8, 17) === "XML:com.adobe.xmp") found.xmp = true;
      else if (["tEXt", "iTXt", "zTXt"].includes(type)) found.other.push("text");
      at += 12 + length;
    }
    return found;
  }
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP") {
    let at = 12;
    while (at + 8 <= bytes.length) {
      const type = ascii(bytes, at, 4);
      const length = view.getUint32(at + 4, true);
      if (type === "EXIF") {
        const start = ascii(bytes, at + 8, 6) === "Exif\0\0" ? at + 14 : at + 8;
        Object.assign(found, parseExif(view, start));
      } else if (type === "XMP ") found.xmp = true;
      at += 8 + length + (length % 2);
    }
    return found;
  }
  return null;
}

async function cleanCopy(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  canvas.getContext("2d").drawImage(bitmap, 0, 0);
  bitmap.close();
  const type = file.type === "image/png" ? "image/png" : "image/jpeg";
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("encode"))), type, 0.92),
  );
}

/** The page's language, in the visitor's own regional form when their browser has one (en-GB: 7 November). */
function pageLocale() {
  const lang = (document.documentElement.lang || "en").toLowerCase();
  const own = (navigator.languages || []).find((tag) => tag.toLowerCase().split("-")[0] === lang);
  return own || lang;
}

function setup(root) {
  const msg = root.dataset;
  const input = root.querySelector("input[type=file]");
  const result = root.querySelector(".pc-result");
  const details = root.querySelector(".pc-details");
  const cleanNote = root.querySelector(".pc-clean");
  const save = root.querySelector(".pc-save");
  let cleanUrl = null;

  function row(term, text, help) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = text;
    if (help) {
      const small = document.createElement("span");
      small.className = "help";
      small.textContent = ` ${help}`;
      dd.append(small);
    }
    details.append(dt, dd);
  }

  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    details.replaceChildren();
    cleanNote.textContent = "";
    save.hidden = true;
    if (cleanUrl) URL.revokeObjectURL(cleanUrl);
    if (!file) return;
    let found;
    try {
      found = inspect(await file.arrayBuffer());
    } catch {
      found = null;
    }
    if (!found) {
      result.textContent = msg.msgUnreadable;
      return;
    }
    if (found.gps) {
      const lat = found.gps.lat.toFixed(5);
      const lon = found.gps.lon.toFixed(5);
      row(msg.msgGps, `${lat}, ${lon}`, msg.msgGpsHelp);
    }
    if (found.taken) row(msg.msgTaken, formatExifDate(found.taken, pageLocale()));
    const device = [found.make, found.model].filter(Boolean).join(" ");
    if (device) row(msg.msgDevice, device);
    if (found.software) row(msg.msgSoftware, found.software);
    if (found.xmp) row(msg.msgXmp, msg.msgXmpValue);
    if (found.other.length) row(msg.msgOther, [...new Set(found.other)].join(", "));
    result.textContent = details.children.length ? msg.msgFound : msg.msgNone;
    root.dataset.found = details.children.length ? "yes" : "no";
    try {
      const blob = await cleanCopy(file);
      cleanUrl = URL.createObjectURL(blob);
      save.href = cleanUrl;
      save.download = blob.type === "image/png" ? "photo-clean.png" : "photo-clean.jpg";
      save.hidden = false;
      cleanNote.textContent = msg.msgCleanReady;
    } catch {
      cleanNote.textContent = msg.msgUnreadable;
    }
  });

  root.hidden = false;
}

// (Guarded so the pure functions above can be imported by the Node tests.)
if (typeof document !== "undefined") document.querySelectorAll("[data-privacy-check]").forEach(setup);
