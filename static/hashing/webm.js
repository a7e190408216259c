// A small WebM/Matroska demuxer for on-device video hashing: reads the first video track's header and
// then walks the clusters in file order, handing out one frame at a time, so a long video is never
// held in memory. Clusters of unknown size (what browsers' MediaRecorder writes) are handled;
// laced video blocks and encoded (compressed or encrypted) tracks are refused with a DemuxError.
//
// The frame rate is FFmpeg's avg_frame_rate for Matroska (libavformat/matroskadec.c, FFmpeg 5.1):
// av_reduce(1e9, DefaultDuration, 30000). Without DefaultDuration FFmpeg estimates a rate while
// probing; here it is estimated from the first frames' timestamps, which may not agree.

import { DemuxError, av1Codec } from "./mp4.js";
import { avReduce } from "./vpdq.js";

const ID = {
  EBML: 0x1a45dfa3,
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  Duration: 0x4489,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackType: 0x83,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  DefaultDuration: 0x23e383,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  ContentEncodings: 0x6d80,
  Cluster: 0x1f43b675,
  Timecode: 0xe7,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
  ReferenceBlock: 0xfb,
};
// Elements that can follow a cluster at the segment's level: they end a cluster of unknown size.
const TOP_LEVEL = new Set([
  ID.Cluster,
  0x1c53bb6b, // Cues
  0x1254c367, // Tags
  0x1043a770, // Chapters
  0x1941a469, // Attachments
  0x114d9b74, // SeekHead
  ID.Info,
  ID.Tracks,
  ID.EBML,
  ID.Segment,
]);
const WINDOW = 4 * 1024 * 1024;

/** Buffered reads of a Blob, a window at a time. */
export class BlobReader {
  constructor(blob, window = WINDOW) {
    this.blob = blob;
    this.size = blob.size;
    this.window = window;
    this.start = 0;
    this.bytes = new Uint8Array(0);
  }
  /** Makes bytes [pos, pos + n) (clipped to the file) available through at(); returns how many are. */
  async ensure(pos, n) {
    const end = Math.min(this.size, pos + n);
    if (pos >= this.start && end <= this.start + this.bytes.length) return end - pos;
    const length = Math.max(n, this.window);
    this.bytes = new Uint8Array(await this.blob.slice(pos, Math.min(this.size, pos + length)).arrayBuffer());
    this.start = pos;
    return end - pos;
  }
  at(pos) {
    return this.bytes[pos - this.start];
  }
  /** A copy of bytes [pos, pos + n), which ensure() must have made available. */
  slice(pos, n) {
    return this.bytes.slice(pos - this.start, pos - this.start + n);
  }
}

/** An EBML variable-length integer at `pos` of `bytes` (an array or a function of the position). */
export function readVint(at, pos, { keepMarker = false } = {}) {
  const first = at(pos);
  if (first === undefined) throw new DemuxError("truncated element");
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  if (length > 8) throw new DemuxError("bad EBML length");
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const b = at(pos + i);
    if (b === undefined) throw new DemuxError("truncated element");
    value = value * 256 + b;
    if (b !== 0xff) allOnes = false;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

// Reads an element header at `pos`: {id, size (null if unknown), data (position of its data)}.
async function header(reader, pos) {
  if ((await reader.ensure(pos, 16)) < 2) return null;
  const at = (p) => reader.at(p);
  const id = readVint(at, pos, { keepMarker: true });
  const size = readVint(at, pos + id.length);
  return { id: id.value, size: size.unknown ? null : size.value, data: pos + id.length + size.length };
}

function uint(bytes) {
  let v = 0;
  for (const b of bytes) v = v * 256 + b;
  return v;
}

function float(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length === 4) return view.getFloat32(0);
  if (bytes.length === 8) return view.getFloat64(0);
  return 0;
}

// The children of a small element held whole in `bytes`: [{id, data: Uint8Array}].
export function elements(bytes) {
  const out = [];
  const at = (p) => bytes[p];
  let pos = 0;
  while (pos < bytes.length) {
    const id = readVint(at, pos, { keepMarker: true });
    const size = readVint(at, pos + id.length);
    const start = pos + id.length + size.length;
    const end = size.unknown ? bytes.length : start + size.value;
    if (end > bytes.length) throw new DemuxError("element overruns its parent");
    out.push({ id: id.value, data: bytes.subarray(start, end) });
    pos = end;
  }
  return out;
}

const hex2 = (n) => n.toString(16).padStart(2, "0").toUpperCase();

function videoTrack(tracks) {
  for (const entry of elements(tracks)) {
    if (entry.id !== ID.TrackEntry) continue;
    const fields = new Map(elements(entry.data).map((e) => [e.id, e.data]));
    if (uint(fields.get(ID.TrackType) || []) !== 1) continue;
    if (fields.has(ID.ContentEncodings)) throw new DemuxError("encoded (compressed or encrypted) track");
    const video = new Map(elements(fields.get(ID.Video) || new Uint8Array()).map((e) => [e.id, e.data]));
    return {
      number: uint(fields.get(ID.TrackNumber) || []),
      codecId: new TextDecoder().decode(fields.get(ID.CodecID) || new Uint8Array()),
      codecPrivate: fields.get(ID.CodecPrivate) || null,
      defaultDuration: fields.has(ID.DefaultDuration) ? uint(fields.get(ID.DefaultDuration)) : 0,
      width: uint(video.get(ID.PixelWidth) || []),
      height: uint(video.get(ID.PixelHeight) || []),
    };
  }
  throw new DemuxError("no video track");
}

/** Parses one block (SimpleBlock or Block) payload: {track, timecode (relative), flags, header length}. */
export function blockHeader(bytes) {
  const track = readVint((p) => bytes[p], 0);
  const h = track.length;
  if (bytes.length < h + 3) throw new DemuxError("truncated block");
  const rel = ((bytes[h] << 8) | bytes[h + 1]) << 16 >> 16; // int16
  return { track: track.value, timecode: rel, flags: bytes[h + 2], length: h + 3 };
}

// The codec string and description of a track, given its first frame (VP9 keeps its profile there).
function codecOf(track, firstFrame) {
  switch (track.codecId) {
    case "V_VP8":
      return { codec: "vp8" };
    case "V_VP9": {
      // The uncompressed header starts with frame_marker (2 bits), profile_low_bit, profile_high_bit.
      const b = firstFrame ? firstFrame[0] : 0;
      const profile = ((b >> 5) & 1) | (((b >> 4) & 1) << 1);
      return { codec: `vp09.0${profile}.10.${profile >= 2 ? "10" : "08"}` };
    }
    case "V_AV1":
      if (!track.codecPrivate) throw new DemuxError("AV1 track without av1C");
      return { codec: av1Codec(track.codecPrivate), description: track.codecPrivate.slice() };
    case "V_MPEG4/ISO/AVC": {
      const c = track.codecPrivate;
      if (!c || c.length < 4) throw new DemuxError("AVC track without avcC");
      return { codec: `avc1.${hex2(c[1])}${hex2(c[2])}${hex2(c[3])}`, description: c.slice() };
    }
    default:
      throw new DemuxError(`unsupported codec ${track.codecId}`);
  }
}

/**
 * Walks the blocks of `track` from the cluster at `pos`; yields {data, timestamp (ns), key}.
 * `limit` stops after that many frames (used to estimate a missing frame rate).
 */
export async function* webmFrames(reader, pos, track, timecodeScale, { limit = Infinity } = {}) {
  let yielded = 0;
  while (pos < reader.size) {
    const el = await header(reader, pos);
    if (!el) return;
    if (el.id !== ID.Cluster) {
      if (el.size === null) throw new DemuxError("element of unknown size outside a cluster");
      pos = el.data + el.size;
      continue;
    }
    const end = el.size === null ? reader.size : el.data + el.size;
    let clusterTime = 0;
    let at = el.data;
    while (at < end) {
      const child = await header(reader, at);
      if (!child) return;
      if (el.size === null && TOP_LEVEL.has(child.id)) break; // the next cluster (or cues) begins
      if (child.size === null) throw new DemuxError("element of unknown size inside a cluster");
      const next = child.data + child.size;
      if (next > reader.size) return; // cut short: the frames before the cut are all there are
      if (child.id === ID.Timecode) {
        await reader.ensure(child.data, child.size);
        clusterTime = uint(reader.slice(child.data, child.size));
      } else if (child.id === ID.SimpleBlock || child.id === ID.BlockGroup) {
        await reader.ensure(child.data, child.size);
        let block = reader.slice(child.data, child.size);
        let key;
        if (child.id === ID.BlockGroup) {
          const parts = elements(block);
          const inner = parts.find((p) => p.id === ID.Block);
          if (!inner) throw new DemuxError("block group without a block");
          key = !parts.some((p) => p.id === ID.ReferenceBlock);
          block = inner.data;
        }
        const h = blockHeader(block);
        if (h.track === track.number) {
          if (h.flags & 0x06) throw new DemuxError("laced video frames");
          if (key === undefined) key = (h.flags & 0x80) !== 0;
          const timestamp = (clusterTime + h.timecode) * timecodeScale;
          yield { data: block.subarray(h.length), timestamp, key, position: next };
          if (++yielded >= limit) return;
        }
      }
      at = next;
    }
    pos = el.size === null ? at : end;
  }
}

// get_std_framerate of libavformat (FFmpeg 5.1): the "standard" rates, as numerators over 12 * 1001.
function standardRate(i) {
  if (i < 30 * 12) return (i + 1) * 1001;
  i -= 30 * 12;
  if (i < 30) return (i + 31) * 1001 * 12;
  i -= 30;
  if (i < 3) return [80, 120, 240][i] * 1001 * 12;
  i -= 3;
  return [24, 30, 60, 12, 15, 48][i] * 1000 * 12;
}
const STANDARD_RATES = 30 * 12 + 30 + 3 + 6;

/**
 * A frame rate for frames at `times` (nanoseconds, in stored order) when the file states none. FFmpeg
 * 5.1 then guesses one while probing (ff_rfps_add_frame and ff_rfps_calculate in libavformat): for
 * each "standard" rate, how far each timestamp falls from that rate's grid of instants, and the rate
 * whose offsets vary least (variance under 0.01) wins; that is what it reports for a MediaRecorder
 * WebM. This follows the same arithmetic on the first 41 frames (FFmpeg's probe reads about as many;
 * on the recordings tried, the two agreed). Null when no standard rate fits: FFmpeg then leaves
 * avg_frame_rate unset and vpdq falls back to r_frame_rate, which is then the time base.
 */
export function estimatedFrameRate(times) {
  const seconds = times.map((t) => t / 1e9);
  const sums = new Float64Array(STANDARD_RATES * 4); // [k][sum, sum of squares] per standard rate
  const dropped = new Uint8Array(STANDARD_RATES);
  let count = 0;
  let durationSum = 0;
  let last = null;
  for (const ts of seconds) {
    if (last !== null && ts > last) {
      for (let i = 0; i < STANDARD_RATES; i++) {
        if (dropped[i]) continue;
        const scaled = (ts * standardRate(i)) / (1001 * 12);
        for (let k = 0; k < 2; k++) {
          const error = scaled - Math.round(scaled + k * 0.5) + k * 0.5;
          sums[i * 4 + k * 2] += error;
          sums[i * 4 + k * 2 + 1] += error * error;
        }
      }
      count++;
      durationSum += ts - last;
      if (count % 10 === 0) {
        for (let i = 0; i < STANDARD_RATES; i++) {
          const a0 = sums[i * 4] / count;
          const a1 = sums[i * 4 + 2] / count;
          if (sums[i * 4 + 1] / count - a0 * a0 > 0.04 && sums[i * 4 + 3] / count - a1 * a1 > 0.04) dropped[i] = 1;
        }
      }
    }
    last = ts;
  }
  if (count < 2) return null;
  let best = 0;
  let bestError = 0.01;
  for (let i = 0; i < STANDARD_RATES; i++) {
    if (dropped[i] || standardRate(i) < 1001 * 12) continue;
    if (durationSum / count < (1001 * 12 * 0.8) / standardRate(i)) continue;
    for (let k = 0; k < 2; k++) {
      const a = sums[i * 4 + k * 2] / count;
      const error = sums[i * 4 + k * 2 + 1] / count - a * a;
      if (error < bestError && bestError > 1e-9) {
        bestError = error;
        best = standardRate(i);
      }
    }
  }
  return best ? avReduce(best, 12 * 1001, 2147483647) : null;
}

/**
 * The first video track of a WebM/Matroska Blob: {codec, description, width, height, frameRate:
 * [num, den], frameRateEstimated, duration (seconds), frames(): async iterator of {data, timestamp
 * (microseconds), key}}. Throws DemuxError when there is none it can use.
 */
export async function openWebm(blob) {
  const reader = new BlobReader(blob);
  const ebml = await header(reader, 0);
  if (!ebml || ebml.id !== ID.EBML) throw new DemuxError("not EBML");
  const segment = await header(reader, ebml.data + ebml.size);
  if (!segment || segment.id !== ID.Segment) throw new DemuxError("no segment");
  let pos = segment.data;
  let timecodeScale = 1000000;
  let durationTicks = null;
  let track = null;
  let firstCluster = null;
  while (pos < blob.size) {
    const el = await header(reader, pos);
    if (!el) break;
    if (el.id === ID.Cluster) {
      firstCluster = pos;
      break;
    }
    if (el.size === null) throw new DemuxError("element of unknown size before the first cluster");
    if (el.id === ID.Info || el.id === ID.Tracks) {
      if (el.size > 16 * 1024 * 1024) throw new DemuxError("header element too large");
      await reader.ensure(el.data, el.size);
      const data = reader.slice(el.data, el.size);
      if (el.id === ID.Info) {
        for (const e of elements(data)) {
          if (e.id === ID.TimecodeScale) timecodeScale = uint(e.data) || 1000000;
          if (e.id === ID.Duration) durationTicks = float(e.data);
        }
      } else {
        track = videoTrack(data);
      }
    }
    pos = el.data + el.size;
  }
  if (!track) throw new DemuxError("no video track");
  if (firstCluster === null) throw new DemuxError("no frames");
  // The first frames: VP9's profile, and the frame rate when DefaultDuration is missing.
  const head = [];
  for await (const frame of webmFrames(new BlobReader(blob, 1024 * 1024), firstCluster, track, timecodeScale, {
    limit: 64,
  })) {
    head.push(frame);
  }
  if (!head.length) throw new DemuxError("no frames");
  const { codec, description } = codecOf(track, head[0].data);
  let frameRate;
  let estimated = false;
  if (track.defaultDuration) {
    frameRate = avReduce(1000000000, track.defaultDuration, 30000);
  } else {
    // Without a fitting standard rate, the reference's rate is Matroska's time base (1000 a second
    // for millisecond timestamps), so it hashes one frame in 1000: that is matched, not improved on.
    frameRate = estimatedFrameRate(head.slice(0, 41).map((f) => f.timestamp)) || avReduce(1e9, timecodeScale, 2147483647);
    estimated = true;
  }
  return {
    container: "webm",
    codec,
    description,
    width: track.width,
    height: track.height,
    frameRate,
    frameRateEstimated: estimated,
    duration: durationTicks === null ? null : (durationTicks * timecodeScale) / 1e9,
    rotation: 0,
    async *frames() {
      for await (const f of webmFrames(reader, firstCluster, track, timecodeScale)) {
        yield { data: f.data, timestamp: f.timestamp / 1000, key: f.key, position: f.position };
      }
    },
  };
}
