// A small MP4/MOV (ISO BMFF) demuxer for on-device video hashing: finds the first video track and lists
// its samples (where each sits in the file, its time, whether it is a key frame) from the sample
// tables, without reading the media data. Non-fragmented files only (what phones and ffmpeg write);
// a fragmented or encrypted file is refused with a DemuxError, which the page reports as unsupported.
//
// The frame rate is FFmpeg's avg_frame_rate for MOV (libavformat/mov.c, FFmpeg 5.1): the samples the
// stts box counts times the media timescale, over the sum of their durations, reduced by av_reduce.
// The vpdq reference picks frames with that rate, so it has to be the same number here.

import { avReduce } from "./vpdq.js";

export class DemuxError extends Error {
  constructor(message) {
    super(message);
    this.name = "DemuxError";
  }
}

const INT_MAX = 2147483647;

/** Reads ranges of a Blob (or anything with size and slice). */
export async function readRange(blob, offset, length) {
  const end = Math.min(blob.size, offset + length);
  return new Uint8Array(await blob.slice(offset, end).arrayBuffer());
}

class View {
  constructor(bytes) {
    this.b = bytes;
    this.d = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(o) {
    return this.b[o];
  }
  u16(o) {
    return this.d.getUint16(o);
  }
  u32(o) {
    return this.d.getUint32(o);
  }
  i32(o) {
    return this.d.getInt32(o);
  }
  u64(o) {
    return this.d.getUint32(o) * 2 ** 32 + this.d.getUint32(o + 4);
  }
  type(o) {
    return String.fromCharCode(this.b[o], this.b[o + 1], this.b[o + 2], this.b[o + 3]);
  }
}

/** The boxes in bytes[start, end): [{type, start (of payload), end}]. */
export function boxes(bytes, start = 0, end = bytes.length) {
  const v = new View(bytes);
  const out = [];
  let at = start;
  while (at + 8 <= end) {
    let size = v.u32(at);
    const type = v.type(at + 4);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) throw new DemuxError("truncated box header");
      size = v.u64(at + 8);
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end) throw new DemuxError(`box ${type} overruns its parent`);
    out.push({ type, start: at + header, end: at + size });
    at += size;
  }
  return out;
}

const child = (bytes, box, type) => boxes(bytes, box.start, box.end).find((b) => b.type === type) || null;
const children = (bytes, box, type) => boxes(bytes, box.start, box.end).filter((b) => b.type === type);

function path(bytes, box, types) {
  let at = box;
  for (const type of types) {
    at = at && child(bytes, at, type);
  }
  return at;
}

/** Finds the top-level moov box by reading box headers through the file; returns its bytes. */
export async function readMoov(blob) {
  let at = 0;
  while (at + 8 <= blob.size) {
    const head = await readRange(blob, at, 16);
    const v = new View(head);
    let size = v.u32(0);
    const type = v.type(4);
    if (size === 1) size = v.u64(8);
    else if (size === 0) size = blob.size - at;
    if (size < 8) throw new DemuxError("bad box size");
    if (type === "moov") {
      if (size > 512 * 1024 * 1024) throw new DemuxError("moov too large");
      return readRange(blob, at, size);
    }
    if (type === "moof") throw new DemuxError("fragmented MP4");
    at += size;
  }
  throw new DemuxError("no moov box");
}

const hex2 = (n) => n.toString(16).padStart(2, "0").toUpperCase();
const dec2 = (n) => String(n).padStart(2, "0");

// The WebCodecs codec string and decoder description of a visual sample entry.
function codecOf(bytes, entry) {
  const v = new View(bytes);
  const inner = boxes(bytes, entry.start + 78, entry.end);
  const find = (type) => inner.find((b) => b.type === type);
  const payload = (box) => bytes.slice(box.start, box.end);
  switch (entry.type) {
    case "avc1":
    case "avc3": {
      const avcC = find("avcC");
      if (!avcC) throw new DemuxError("avc1 without avcC");
      return {
        codec: `avc1.${hex2(v.u8(avcC.start + 1))}${hex2(v.u8(avcC.start + 2))}${hex2(v.u8(avcC.start + 3))}`,
        description: payload(avcC),
      };
    }
    case "vp09": {
      const vpcC = find("vpcC");
      if (!vpcC) return { codec: "vp09.00.10.08" };
      const profile = v.u8(vpcC.start + 4);
      const level = v.u8(vpcC.start + 5);
      const depth = v.u8(vpcC.start + 6) >> 4;
      return { codec: `vp09.${dec2(profile)}.${dec2(level)}.${dec2(depth)}` };
    }
    case "vp08":
      return { codec: "vp8" };
    case "av01": {
      const av1C = find("av1C");
      if (!av1C) throw new DemuxError("av01 without av1C");
      return { codec: av1Codec(bytes.subarray(av1C.start, av1C.end)), description: payload(av1C) };
    }
    case "hvc1":
    case "hev1": {
      // Browsers with a platform HEVC decoder (Chrome on macOS, Windows, Android) can hash iPhone
      // videos; Debian's Chromium has none and says so through isConfigSupported.
      const hvcC = find("hvcC");
      if (!hvcC) throw new DemuxError(`${entry.type} without hvcC`);
      return { codec: hevcCodec(entry.type, bytes.subarray(hvcC.start, hvcC.end)), description: payload(hvcC) };
    }
    default:
      // mp4v, encv (encrypted) and the rest: no decoder the hashes can rely on.
      throw new DemuxError(`unsupported codec ${entry.type}`);
  }
}

/** The hvc1/hev1 codec string of an hvcC record (ISO/IEC 14496-15, annex E). */
export function hevcCodec(type, hvcC) {
  if (hvcC.length < 13) throw new DemuxError("hvcC too short");
  const space = hvcC[1] >> 6;
  const tier = (hvcC[1] >> 5) & 1;
  const profile = hvcC[1] & 31;
  // The 32 compatibility flags, bit-reversed, in hex without leading zeros.
  const flags = ((hvcC[2] << 24) | (hvcC[3] << 16) | (hvcC[4] << 8) | hvcC[5]) >>> 0;
  let reversed = 0;
  for (let i = 0; i < 32; i++) if (flags & (1 << i)) reversed |= 1 << (31 - i);
  const constraints = Array.from(hvcC.subarray(6, 12));
  while (constraints.length && constraints[constraints.length - 1] === 0) constraints.pop();
  const parts = [
    type,
    `${["", "A", "B", "C"][space]}${profile}`,
    (reversed >>> 0).toString(16).toUpperCase(),
    `${tier ? "H" : "L"}${hvcC[12]}`,
    ...constraints.map((b) => b.toString(16).toUpperCase()),
  ];
  return parts.join(".");
}

/** The av01 codec string of an av1C record. */
export function av1Codec(av1C) {
  const profile = av1C[1] >> 5;
  const level = av1C[1] & 31;
  const tier = av1C[2] & 0x80 ? "H" : "M";
  const high = (av1C[2] & 0x40) !== 0;
  const twelve = (av1C[2] & 0x20) !== 0;
  const depth = high ? (twelve ? 12 : 10) : 8;
  return `av01.${profile}.${dec2(level)}${tier}.${dec2(depth)}`;
}

// Rotation (degrees clockwise) from tkhd's matrix; reported only, never applied (vpdq does not).
function rotationOf(v, tkhd) {
  const version = v.u8(tkhd.start);
  const m = tkhd.start + (version === 1 ? 52 : 40);
  const a = v.i32(m) / 65536;
  const b = v.i32(m + 4) / 65536;
  // The matrix turns the picture counter-clockwise by atan2(b, a); players show it turned clockwise by
  // the rest of the circle, which is what ffmpeg's "rotate" tag and ffprobe's rotation say.
  const degrees = Math.round((Math.atan2(b, a) * 180) / Math.PI);
  return (((360 - degrees) % 360) + 360) % 360;
}

/**
 * The first video track of an MP4/MOV's moov box: {codec, description, width, height, timescale,
 * frameRate: [num, den], duration (seconds), rotation, samples: {count, offset, size, cts, duration,
 * key}} with times in timescale units. Throws DemuxError when there is none it can use.
 */
export function parseMoov(moov) {
  const v = new View(moov);
  const [top] = boxes(moov);
  if (!top || top.type !== "moov") throw new DemuxError("not a moov box");
  for (const trak of children(moov, top, "trak")) {
    const mdia = child(moov, trak, "mdia");
    const hdlr = mdia && child(moov, mdia, "hdlr");
    if (!hdlr || v.type(hdlr.start + 8) !== "vide") continue;
    const stbl = path(moov, mdia, ["minf", "stbl"]);
    const mdhd = child(moov, mdia, "mdhd");
    if (!stbl || !mdhd) throw new DemuxError("video track without sample table");
    const mdhdV1 = v.u8(mdhd.start) === 1;
    const timescale = v.u32(mdhd.start + (mdhdV1 ? 20 : 12));
    if (!timescale) throw new DemuxError("timescale 0");
    const stsd = child(moov, stbl, "stsd");
    const entry = stsd && boxes(moov, stsd.start + 8, stsd.end)[0];
    if (!entry) throw new DemuxError("no sample description");
    const width = v.u16(entry.start + 24);
    const height = v.u16(entry.start + 26);
    const { codec, description } = codecOf(moov, entry);
    const samples = sampleTable(moov, v, stbl);
    // FFmpeg's avg_frame_rate for MOV (mov_read_stts, then mov_read_header): the samples stts counts
    // times the timescale over the sum of their durations, av_reduce'd to terms under INT_MAX.
    const total = samples.sttsDuration;
    const frameRate =
      total > 0 ? avReduce(BigInt(timescale) * BigInt(samples.sttsCount), BigInt(total), INT_MAX) : [0, 1];
    const tkhd = child(moov, trak, "tkhd");
    const editStart = editListStart(moov, v, trak);
    return {
      container: "mp4",
      codec,
      description,
      width,
      height,
      timescale,
      frameRate,
      duration: presentedSpan(samples, editStart) / timescale,
      rotation: tkhd ? rotationOf(v, tkhd) : 0,
      editStart,
      samples,
    };
  }
  throw new DemuxError("no video track");
}

// From the edit list's start to the end of the last frame shown, in timescale units.
function presentedSpan(samples, start) {
  let end = 0;
  for (let i = 0; i < samples.count; i++) end = Math.max(end, samples.cts[i] + samples.duration[i]);
  return Math.max(0, end - start);
}

// Where the edit list starts the presentation (media time, in the track's timescale), 0 without one.
// FFmpeg's MOV demuxer marks the frames presented before it as discarded, and its decoder neither
// returns nor counts them: a clip cut with `ffmpeg -ss ... -c copy`, or trimmed on a phone, starts there.
// Only the first edit that is not an empty one (a delay) is read; later edits are rare and ignored.
function editListStart(bytes, v, trak) {
  const elst = path(bytes, trak, ["edts", "elst"]);
  if (!elst) return 0;
  const version = v.u8(elst.start);
  const entries = v.u32(elst.start + 4);
  const size = version === 1 ? 20 : 12;
  for (let e = 0; e < entries; e++) {
    const at = elst.start + 8 + e * size;
    if (at + size > elst.end) break;
    const mediaTime = version === 1 ? v.i32(at + 8) * 2 ** 32 + v.u32(at + 12) : v.i32(at + 4);
    if (mediaTime >= 0) return mediaTime;
  }
  return 0;
}

function sampleTable(bytes, v, stbl) {
  const find = (type) => child(bytes, stbl, type);
  const stsz = find("stsz");
  const stz2 = find("stz2");
  let count;
  let size;
  if (stsz) {
    const fixed = v.u32(stsz.start + 4);
    count = v.u32(stsz.start + 8);
    size = new Uint32Array(count);
    for (let i = 0; i < count; i++) size[i] = fixed || v.u32(stsz.start + 12 + 4 * i);
  } else if (stz2) {
    const field = v.u8(stz2.start + 7);
    count = v.u32(stz2.start + 8);
    size = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      const at = stz2.start + 12;
      if (field === 8) size[i] = v.u8(at + i);
      else if (field === 16) size[i] = v.u16(at + 2 * i);
      else size[i] = (v.u8(at + (i >> 1)) >> (i & 1 ? 0 : 4)) & 15;
    }
  } else {
    throw new DemuxError("no sample sizes");
  }
  if (count === 0) throw new DemuxError("video track has no samples");
  if (count * 4 > bytes.length * 8) throw new DemuxError("sample count out of range");

  // Decoding times and durations (stts).
  const duration = new Float64Array(count);
  const dts = new Float64Array(count);
  const stts = find("stts");
  if (!stts) throw new DemuxError("no stts");
  let i = 0;
  let t = 0;
  let sttsCount = 0;
  let sttsDuration = 0;
  const sttsEntries = v.u32(stts.start + 4);
  for (let e = 0; e < sttsEntries; e++) {
    const n = v.u32(stts.start + 8 + 8 * e);
    const d = v.u32(stts.start + 12 + 8 * e);
    sttsCount += n;
    sttsDuration += n * d;
    for (let k = 0; k < n && i < count; k++, i++) {
      dts[i] = t;
      duration[i] = d;
      t += d;
    }
  }
  for (; i < count; i++) dts[i] = t;

  // Composition offsets (ctts; version 1 is signed, version 0 is too in practice).
  const cts = Float64Array.from(dts);
  const ctts = find("ctts");
  if (ctts) {
    i = 0;
    const entries = v.u32(ctts.start + 4);
    for (let e = 0; e < entries && i < count; e++) {
      const n = v.u32(ctts.start + 8 + 8 * e);
      const off = v.i32(ctts.start + 12 + 8 * e);
      for (let k = 0; k < n && i < count; k++, i++) cts[i] += off;
    }
  }

  // Key frames (stss; without it every sample is one).
  const key = new Uint8Array(count);
  const stss = find("stss");
  if (stss) {
    const entries = v.u32(stss.start + 4);
    for (let e = 0; e < entries; e++) {
      const n = v.u32(stss.start + 8 + 4 * e);
      if (n >= 1 && n <= count) key[n - 1] = 1;
    }
  } else {
    key.fill(1);
  }

  // File offsets: chunks (stco/co64) and the samples per chunk (stsc).
  const chunkOffsets = [];
  const stco = find("stco");
  const co64 = find("co64");
  if (stco) {
    const entries = v.u32(stco.start + 4);
    for (let e = 0; e < entries; e++) chunkOffsets.push(v.u32(stco.start + 8 + 4 * e));
  } else if (co64) {
    const entries = v.u32(co64.start + 4);
    for (let e = 0; e < entries; e++) chunkOffsets.push(v.u64(co64.start + 8 + 8 * e));
  } else {
    throw new DemuxError("no chunk offsets");
  }
  const stsc = find("stsc");
  if (!stsc) throw new DemuxError("no stsc");
  const runs = [];
  const stscEntries = v.u32(stsc.start + 4);
  for (let e = 0; e < stscEntries; e++) {
    runs.push({ first: v.u32(stsc.start + 8 + 12 * e), perChunk: v.u32(stsc.start + 12 + 12 * e) });
  }
  const offset = new Float64Array(count);
  i = 0;
  for (let r = 0; r < runs.length && i < count; r++) {
    const last = r + 1 < runs.length ? runs[r + 1].first - 1 : chunkOffsets.length;
    for (let chunk = runs[r].first; chunk <= last && i < count; chunk++) {
      let at = chunkOffsets[chunk - 1];
      if (at === undefined) throw new DemuxError("stsc names a chunk that does not exist");
      for (let k = 0; k < runs[r].perChunk && i < count; k++, i++) {
        offset[i] = at;
        at += size[i];
      }
    }
  }
  if (i < count) throw new DemuxError("sample table is shorter than its sample count");
  return { count, offset, size, cts, duration, key, sttsCount, sttsDuration };
}

/** The video track of an MP4/MOV Blob (see parseMoov), with `read(i0, i1)` giving samples' bytes. */
export async function openMp4(blob) {
  const track = parseMoov(await readMoov(blob));
  const { samples } = track;
  // A file cut short (an interrupted copy or download) keeps its index: the frames that are there are
  // used, as FFmpeg reads up to the end of the file.
  for (let i = 0; i < samples.count; i++) {
    if (samples.offset[i] + samples.size[i] > blob.size) {
      if (i === 0) throw new DemuxError("no frame inside the file");
      samples.count = i;
      break;
    }
  }
  return track;
}
