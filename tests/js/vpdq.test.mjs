// Unit tests of the video hashing's pure parts (demuxing, frame choice, swscale's colour conversion and
// the frames' PDQ) against what ffprobe, ffmpeg and the vpdq reference say of three tiny clips
// (tests/js/make_vpdq_vectors.py). Decoding itself needs a browser: tests/hashing/test_browser_vpdq.py.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { av1Codec, DemuxError, hevcCodec, openMp4, parseMoov } from "../../static/hashing/mp4.js";
import {
  avReduce,
  frameFeature,
  frameInterval,
  frameTimestamp,
  isHashedFrame,
  lumaFromYuv420,
  rgbFromYuv420,
} from "../../static/hashing/vpdq.js";
import { estimatedFrameRate, openWebm } from "../../static/hashing/webm.js";

const vectors = JSON.parse(readFileSync(new URL("./vpdq-vectors.json", import.meta.url)));
const fileBlob = (file) => new Blob([readFileSync(new URL(`./${file}`, import.meta.url))]);
const decode64 = (text) => new Uint8Array(Buffer.from(text, "base64"));
const ratio = (text) => text.split("/").map(Number);

function i420(bytes, width, height) {
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  return {
    y: bytes,
    u: bytes.subarray(width * height),
    v: bytes.subarray(width * height + cw * ch),
    yStride: width,
    uStride: cw,
    vStride: cw,
  };
}

async function demux(clip) {
  const blob = fileBlob(clip.file);
  if (clip.file.endsWith(".webm")) {
    const track = await openWebm(blob);
    const frames = [];
    for await (const f of track.frames()) frames.push([f.data.length, f.timestamp / 1e6, f.key]);
    return { track, frames };
  }
  const track = await openMp4(blob);
  const s = track.samples;
  const frames = [];
  for (let i = 0; i < s.count; i++) frames.push([s.size[i], s.cts[i] / track.timescale, !!s.key[i]]);
  return { track, frames };
}

for (const clip of vectors.clips) {
  test(`${clip.file}: the demuxer lists the packets ffprobe lists, in stored order`, async () => {
    const { track, frames } = await demux(clip);
    assert.equal(frames.length, clip.packets.length);
    for (const [i, [size, pts, key]] of clip.packets.entries()) {
      assert.equal(frames[i][0], size, `packet ${i} size`);
      // ffprobe's pts_time is printed to the microsecond, after the edit list's shift of the first frame.
      const shift = clip.file.endsWith(".mp4") ? frames[0][1] - clip.packets[0][1] : 0;
      assert.ok(Math.abs(frames[i][1] - shift - pts) < 1e-6, `packet ${i} time ${frames[i][1]} vs ${pts}`);
      assert.equal(frames[i][2], key, `packet ${i} key`);
    }
    if (clip.file.endsWith(".mp4")) {
      // ffprobe's times are shifted by the edit list's start (B-frames' delay here): so are ours.
      const shift = frames[0][1] - clip.packets[0][1];
      assert.ok(Math.abs(track.editStart / track.timescale - shift) < 1e-6, `edit start ${track.editStart}`);
    }
    assert.equal(track.width, clip.width);
    assert.equal(track.height, clip.height);
    assert.deepEqual(track.frameRate, ratio(clip.avg_frame_rate));
    assert.equal(track.rotation, (((clip.rotation || 0) % 360) + 360) % 360);
    assert.match(track.codec, clip.codec === "h264" ? /^avc1\.[0-9A-F]{6}$/ : /^vp09\.00\.\d\d\.08$/);
  });

  test(`${clip.file}: the frames hashed, their timestamps, hashes and qualities equal vpdq's`, () => {
    const [num, den] = ratio(clip.avg_frame_rate);
    const rate = num / den;
    const interval = frameInterval(rate);
    const chosen = [];
    for (let k = 0; k < clip.frame_count; k++) if (isHashedFrame(k, interval)) chosen.push(k);
    assert.deepEqual(chosen, clip.vpdq.map((f) => f.frame_number));
    for (const [i, want] of clip.vpdq.entries()) {
      assert.equal(frameTimestamp(want.frame_number, rate), want.timestamp);
      const planes = i420(decode64(clip.planes[i]), clip.width, clip.height);
      const luma = lumaFromYuv420(planes, clip.width, clip.height);
      assert.deepEqual(frameFeature(luma, clip.width, clip.height), { pdq: want.pdq, quality: want.quality });
    }
  });
}

for (const v of vectors.swscale) {
  test(`swscale's RGB24 of random ${v.width}x${v.height} planes (${v.full_range ? "full" : "limited"} range), sample for sample`, () => {
    const got = rgbFromYuv420(i420(decode64(v.yuv), v.width, v.height), v.width, v.height, { fullRange: v.full_range });
    assert.deepEqual(got, decode64(v.rgb));
  });
}

test("NV12 planes (chroma interleaved) give the same luma as I420", () => {
  const v = vectors.swscale[0];
  const planes = i420(decode64(v.yuv), v.width, v.height);
  const cw = v.width / 2;
  const ch = v.height / 2;
  const uv = new Uint8Array(cw * ch * 2);
  for (let i = 0; i < cw * ch; i++) {
    uv[2 * i] = planes.u[i];
    uv[2 * i + 1] = planes.v[i];
  }
  const nv12 = { y: planes.y, u: uv, v: uv.subarray(1), yStride: v.width, uStride: v.width, vStride: v.width };
  assert.deepEqual(
    lumaFromYuv420(nv12, v.width, v.height, { chromaStep: 2 }),
    lumaFromYuv420(planes, v.width, v.height),
  );
});

test("one frame a second: the interval is the whole frames in a second, at least 1", () => {
  assert.equal(frameInterval(30), 30);
  assert.equal(frameInterval(30000 / 1001), 29);
  assert.equal(frameInterval(59.94), 59);
  assert.equal(frameInterval(0.5), 1);
  assert.equal(frameInterval(25, 2), 50);
  assert.deepEqual([0, 1, 29, 58, 59].map((k) => isHashedFrame(k, 29)), [true, false, true, true, false]);
});

test("av_reduce keeps exact fractions and approximates under its limit as FFmpeg does", () => {
  assert.deepEqual(avReduce(90 * 30000, 90 * 1001, 2 ** 31 - 1), [30000, 1001]);
  assert.deepEqual(avReduce(1e9, 40000000, 30000), [25, 1]);
  // Matroska's DefaultDuration for NTSC is 33366667 ns; ffprobe reports such a WebM (made by ffmpeg
  // 5.1 at 30000/1001) as 30000/1001, the best fraction with terms under 30000.
  assert.deepEqual(avReduce(1e9, 33366667, 30000), [30000, 1001]);
});

test("files the demuxers cannot use are refused with a DemuxError, not a crash", async () => {
  const mp4 = readFileSync(new URL("./video/ntsc-bframes.mp4", import.meta.url));
  const truncated = new Blob([mp4.subarray(0, mp4.length - 200)]);
  await assert.rejects(openMp4(truncated), DemuxError);
  await assert.rejects(openMp4(new Blob([new Uint8Array(64)])), DemuxError);
  await assert.rejects(openWebm(new Blob([new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0x80])])), DemuxError);
  assert.throws(() => parseMoov(new Uint8Array([0, 0, 0, 8, 0x6d, 0x6f, 0x6f, 0x76])), DemuxError);
});

test("a WebM without a frame rate gets FFmpeg's guess: the standard rate whose grid the timestamps fit", () => {
  // Timestamps as MediaRecorder writes them: milliseconds, so each is off its ideal instant by < 0.5 ms.
  const ms = (rate, n, first = 0) => Array.from({ length: n }, (_, i) => Math.round((i ? first : 0) + (i * 1000) / rate) * 1e6);
  assert.deepEqual(estimatedFrameRate(ms(30, 41)), [30, 1]);
  assert.deepEqual(estimatedFrameRate(ms(30, 41, 37)), [30, 1]); // a late second frame, as recorded by Chromium
  assert.deepEqual(estimatedFrameRate(ms(24, 41)), [24, 1]);
  assert.deepEqual(estimatedFrameRate(ms(30000 / 1001, 41)), [30000, 1001]);
  // The first 41 timestamps (ms) of a VP8 recording Chromium made on a busy machine, for which ffprobe
  // gives r_frame_rate 1000/1 and avg_frame_rate 0/0: no standard rate fits.
  const busy = [
    0, 56, 82, 115, 146, 180, 213, 247, 279, 314, 347, 379, 413, 445, 480, 513, 548, 580, 613, 664, 670, 724, 757,
    782, 825, 859, 901, 916, 945, 982, 1018, 1048, 1078, 1116, 1152, 1168, 1225, 1246, 1284, 1321, 1361,
  ];
  assert.equal(estimatedFrameRate(busy.map((t) => t * 1e6)), null);
  assert.equal(estimatedFrameRate([5e9]), null);
});

test("HEVC and AV1 codec strings are built from their configuration records as the codec registry says", () => {
  // Main profile, compatible with profiles 1 and 2, level 3.1 (93), progressive and frame-only (B0).
  const hvcC = new Uint8Array([1, 0x01, 0x60, 0, 0, 0, 0xb0, 0, 0, 0, 0, 0, 93]);
  assert.equal(hevcCodec("hvc1", hvcC), "hvc1.1.6.L93.B0");
  // Main 10, high tier, level 5.1 (153), no constraint flags.
  const high = new Uint8Array([1, 0x22, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 153]);
  assert.equal(hevcCodec("hev1", high), "hev1.2.4.H153");
  // av1C: profile 0, level 8 (4.0), main tier, 8 bits.
  assert.equal(av1Codec(new Uint8Array([0x81, 0x08, 0x0c, 0])), "av01.0.08M.08");
  assert.equal(av1Codec(new Uint8Array([0x81, 0x2d, 0xc0, 0])), "av01.1.13H.10");
});
