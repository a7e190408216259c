// vPDQ of a video on the device: demux (mp4.js, webm.js), decode with WebCodecs' VideoDecoder, and
// hash one frame a second as the `vpdq` reference does (vpdq.js). Frames are handled as they come out
// of the decoder and closed at once, so a long video is never held whole: at most a few encoded
// chunks and one or two decoded frames exist at a time. Nothing here makes a network request.
//
// Why WebCodecs and not a <video> element with requestVideoFrameCallback: the element plays in real
// time, may skip frames, gives no reliable frame count and converts to RGB with the GPU's rounding;
// the decoder hands out every frame, in presentation order, as its YUV planes, which are the same
// samples FFmpeg's decoders make (H.264, VP8, VP9 and AV1 decoding is exact by specification), so
// the frame numbers and, through vpdq.js's swscale arithmetic, the hashed pixels match the reference.

import { DemuxError, openMp4 } from "./mp4.js";
import { BlobReader, openWebm } from "./webm.js";
import { frameFeature, frameInterval, frameTimestamp, isHashedFrame, lumaFromYuv420 } from "./vpdq.js";

/** The video cannot be decoded here (container, codec or browser); only exact copies can be matched. */
export class VideoUnsupported extends Error {
  constructor(message) {
    super(message);
    this.name = "VideoUnsupported";
  }
}

// Decoded frames waiting to be hashed before the demuxer stops feeding the decoder; encoded chunks
// queued in the decoder likewise.
const MAX_WAITING_FRAMES = 2;
const MAX_DECODE_QUEUE = 12;

// WebCodecs keeps whole microseconds; both sides of the edit-list comparison are rounded alike.
const microseconds = (ticks, timescale) => Math.floor((ticks * 1e6) / timescale);

function mp4Frames(blob, track) {
  const { samples, timescale } = track;
  return async function* frames() {
    const reader = new BlobReader(blob);
    for (let i = 0; i < samples.count; i++) {
      const offset = samples.offset[i];
      const size = samples.size[i];
      await reader.ensure(offset, size);
      yield { data: reader.slice(offset, size), timestamp: microseconds(samples.cts[i], timescale), key: !!samples.key[i] };
    }
  };
}

/** The demuxed video track of a Blob, or a VideoUnsupported error. */
export async function openVideo(blob) {
  const head = new Uint8Array(await blob.slice(0, 12).arrayBuffer());
  const tag = String.fromCharCode(...head.subarray(4, 8));
  try {
    if (tag === "ftyp" || tag === "moov" || tag === "mdat" || tag === "free" || tag === "wide") {
      const track = await openMp4(blob);
      return { ...track, frames: mp4Frames(blob, track) };
    }
    if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return await openWebm(blob);
  } catch (error) {
    if (error instanceof DemuxError || error instanceof RangeError) throw new VideoUnsupported(error.message);
    throw error;
  }
  throw new VideoUnsupported("container not supported");
}

// The frame's visible planes as {planes, chromaStep, width, height}, copied out of the VideoFrame.
async function framePlanes(frame, buffers) {
  const rect = frame.visibleRect;
  const { width, height } = rect;
  const size = frame.allocationSize({ rect });
  if (!buffers.bytes || buffers.bytes.length < size) buffers.bytes = new Uint8Array(size);
  const bytes = buffers.bytes;
  const layout = await frame.copyTo(bytes, { rect });
  if (frame.format === "I420" || frame.format === "I420A") {
    return {
      planes: {
        y: bytes.subarray(layout[0].offset),
        u: bytes.subarray(layout[1].offset),
        v: bytes.subarray(layout[2].offset),
        yStride: layout[0].stride,
        uStride: layout[1].stride,
        vStride: layout[2].stride,
      },
      chromaStep: 1,
      width,
      height,
    };
  }
  if (frame.format === "NV12") {
    const uv = bytes.subarray(layout[1].offset);
    return {
      planes: {
        y: bytes.subarray(layout[0].offset),
        u: uv,
        v: uv.subarray(1),
        yStride: layout[0].stride,
        uStride: layout[1].stride,
        vStride: layout[1].stride,
      },
      chromaStep: 2,
      width,
      height,
    };
  }
  // 10-bit, 4:2:2 and 4:4:4 take other swscale paths this code does not reproduce.
  throw new VideoUnsupported(`decoded pixel format ${frame.format} not supported`);
}

/**
 * vPDQ of a video Blob: {vpdq: [{pdq, quality, frame_number, timestamp}], video: {duration, width,
 * height, frame_rate}}. Throws VideoUnsupported when the browser cannot decode it, an AbortError when
 * `signal` is aborted. `onProgress(fraction)` goes from 0 to 1 over the frames.
 */
export async function hashVideo(blob, { onProgress, signal, kernels = null } = {}) {
  if (typeof VideoDecoder === "undefined" || typeof EncodedVideoChunk === "undefined") {
    throw new VideoUnsupported("this browser has no WebCodecs video decoder");
  }
  const track = await openVideo(blob);
  const config = { codec: track.codec, codedWidth: track.width, codedHeight: track.height };
  if (track.description) config.description = track.description;
  // Software decoding gives I420 planes on every machine; a hardware decoder's output format varies.
  let support = await VideoDecoder.isConfigSupported({ ...config, hardwareAcceleration: "prefer-software" });
  if (support.supported) config.hardwareAcceleration = "prefer-software";
  else support = await VideoDecoder.isConfigSupported(config);
  if (!support.supported) throw new VideoUnsupported(`codec ${track.codec} cannot be decoded here`);

  const [num, den] = track.frameRate;
  const frameRate = den ? num / den : 0;
  if (!(frameRate > 0)) throw new VideoUnsupported("no frame rate");
  const interval = frameInterval(frameRate);
  // FFmpeg's H.264 decoder gives full-range streams as yuvj420p, which swscale converts as full range;
  // its VP8/VP9/AV1 decoders keep yuv420p and only tag the range, which swscale then ignores.
  const rangeMatters = track.codec.startsWith("avc1");
  const expected = track.samples ? track.samples.count : null;
  // Frames shown before an MP4's edit list starts are decoded (later frames need them) but, as in
  // FFmpeg, neither hashed nor counted.
  const firstShown = track.editStart ? microseconds(track.editStart, track.timescale) : -Infinity;

  const features = [];
  const waiting = [];
  const buffers = { bytes: null, luma: null };
  let index = 0;
  let failure = null;
  let size = null;
  let wake = null;
  const notify = () => {
    if (wake) {
      const w = wake;
      wake = null;
      w();
    }
  };
  const nextEvent = () => new Promise((resolve) => (wake = resolve));

  const decoder = new VideoDecoder({
    output(frame) {
      if (frame.timestamp < firstShown) {
        frame.close();
        return;
      }
      const k = index++;
      if (!isHashedFrame(k, interval) || failure) {
        frame.close();
      } else {
        waiting.push({ k, frame });
      }
      notify();
    },
    error(error) {
      failure = failure || error;
      notify();
    },
  });
  decoder.addEventListener("dequeue", notify);

  const hashWaiting = async () => {
    while (waiting.length) {
      const { k, frame } = waiting.shift();
      try {
        const { planes, chromaStep, width, height } = await framePlanes(frame, buffers);
        const fullRange = rangeMatters && !!(frame.colorSpace && frame.colorSpace.fullRange);
        size = size || { width, height };
        const n = width * height;
        if (!buffers.luma || buffers.luma.length !== n) buffers.luma = new Float32Array(n);
        const luma = lumaFromYuv420(planes, width, height, { fullRange, chromaStep, out: buffers.luma });
        const { pdq, quality } = frameFeature(luma, width, height, kernels);
        features.push({ pdq, quality, frame_number: k, timestamp: frameTimestamp(k, frameRate) });
      } finally {
        frame.close();
      }
    }
  };

  const abort = () => {
    failure = failure || new DOMException("Hashing was cancelled", "AbortError");
    notify();
  };
  if (signal) signal.addEventListener("abort", abort);
  try {
    if (signal && signal.aborted) abort();
    decoder.configure(config);
    let fed = 0;
    let first = true;
    for await (const chunk of track.frames()) {
      if (failure) break;
      if (first && !chunk.key) throw new VideoUnsupported("the first frame is not a key frame");
      first = false;
      decoder.decode(
        new EncodedVideoChunk({ type: chunk.key ? "key" : "delta", timestamp: chunk.timestamp, data: chunk.data }),
      );
      fed++;
      await hashWaiting();
      while (!failure && (decoder.decodeQueueSize > MAX_DECODE_QUEUE || waiting.length > MAX_WAITING_FRAMES)) {
        await nextEvent();
        await hashWaiting();
      }
      // MP4 knows its frame count; WebM is read front to back, so how far into the file says as much.
      if (onProgress) onProgress(Math.min(1, expected ? fed / expected : chunk.position / blob.size));
    }
    if (!failure) {
      await decoder.flush().catch((error) => {
        failure = failure || error;
      });
    }
    await hashWaiting();
    if (failure) {
      if (failure.name === "AbortError") throw failure;
      throw new VideoUnsupported(`decoding failed: ${failure.message || failure}`);
    }
    if (!features.length) throw new VideoUnsupported("no frame could be decoded");
    if (onProgress) onProgress(1);
    features.sort((a, b) => a.frame_number - b.frame_number);
    return {
      vpdq: features,
      video: {
        duration: track.duration !== null && track.duration !== undefined ? track.duration : index / frameRate,
        width: size.width,
        height: size.height,
        frame_rate: frameRate,
      },
    };
  } finally {
    if (signal) signal.removeEventListener("abort", abort);
    for (const { frame } of waiting.splice(0)) frame.close();
    if (decoder.state !== "closed") decoder.close();
  }
}
