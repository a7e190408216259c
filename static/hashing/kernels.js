// Loads kernels.wasm (the inner loops of PDQ, pHash and the pixel conversion, see kernels.wat) and
// hands out its memory. One instance per hashed file at a time; WebAssembly memory only grows, so an
// instance that a big picture made large is dropped afterwards and its memory given back.
// Where WebAssembly is missing or refused, createKernels() resolves to null and the JS code runs.

let compiled = null;

async function wasmBytes() {
  const url = new URL("./kernels.wasm", import.meta.url);
  if (url.protocol === "file:") {
    // Node (the unit tests); a browser never takes this path.
    const { readFile } = await import("node:fs/promises");
    return readFile(url);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`kernels.wasm: HTTP ${response.status}`);
  return response.arrayBuffer();
}

// Runs each kernel a few times on a small image. Engines first compile WebAssembly quickly and
// recompile the functions that turn out busy with their optimising compiler, in the background;
// doing that now (while the browser decodes the first picture) spares the first photo the slow code.
async function warmUp(module) {
  const { exports: fn } = await WebAssembly.instantiate(module);
  const side = 128;
  const n = side * side;
  fn.memory.grow(Math.ceil((n * 16 + 8192) / PAGE));
  const a = 1024;
  const b = a + n * 4;
  const c = b + n * 4;
  const tmp = c + n * 4;
  const bounds = new Int32Array(fn.memory.buffer, tmp + 4096, 64);
  for (let i = 0; i < 32; i++) bounds.set([i * 2, 32], i * 2);
  for (let i = 0; i < 4; i++) {
    fn.planes_yuv(a, side, a + n, a + n, side / 2, side / 2, side / 2, side, side, 2, tmp, b, c);
    fn.planes_yuv(a, side, a + n, a + n, side / 2, side / 2, side, side, side, 1, tmp, b, c);
    fn.planes_rgba(a, n, b, c);
    fn.box_rows(b, c, side, side, 3, tmp, tmp + side * 16, 0, side);
    fn.box_rows(b, c, side, side, 3, tmp, tmp + side * 16, a, side);
    fn.box_cols(c, b, side, side, 3, tmp);
    fn.resample_h(a, side, side, 32, 32, tmp + 4096, tmp + 8192, c);
    fn.resample_v(a, side, 32, 32, tmp + 4096, tmp + 8192, c);
  }
}

/** The compiled module, fetched once per page or worker; null when WebAssembly cannot be used. */
export function compileKernels() {
  if (!compiled) {
    compiled = (async () => {
      if (typeof WebAssembly === "undefined") return null;
      try {
        const module = await WebAssembly.compile(await wasmBytes());
        await warmUp(module);
        return module;
      } catch {
        return null; // no SIMD, a CSP without 'wasm-unsafe-eval', or offline: the JS paths still work
      }
    })();
  }
  return compiled;
}

const PAGE = 65536;
const BASE = 1024; // offset 0 stays unused, so a missing block is never mistaken for one
const ALIGN = 16;
// Bytes after every block that a kernel may read (never use): resample_h reads up to 15 past a row.
const SLACK = 16;

/** The kernels' memory could not grow (a picture too large for this device). */
export class KernelsMemoryError extends Error {}

/** An instance of the kernels with a simple stack of memory blocks (byte offsets). */
export class Kernels {
  constructor(instance) {
    this.fn = instance.exports;
    this.memory = instance.exports.memory;
    this.top = BASE;
  }

  /**
   * A block of `bytes` bytes; growing the memory detaches earlier views, so make views afterwards.
   * Throws a KernelsMemoryError when the browser will not give that much memory.
   */
  alloc(bytes) {
    const offset = Math.ceil(this.top / ALIGN) * ALIGN;
    const end = offset + bytes + SLACK;
    if (end > this.memory.buffer.byteLength) {
      try {
        this.memory.grow(Math.ceil((end - this.memory.buffer.byteLength) / PAGE));
      } catch (error) {
        throw new KernelsMemoryError(`cannot grow to ${end} bytes: ${error.message}`);
      }
    }
    this.top = end;
    return offset;
  }

  mark() {
    return this.top;
  }

  release(mark) {
    this.top = mark;
  }

  f32(offset, length) {
    return new Float32Array(this.memory.buffer, offset, length);
  }

  u8(offset, length) {
    return new Uint8Array(this.memory.buffer, offset, length);
  }

  i32(offset, length) {
    return new Int32Array(this.memory.buffer, offset, length);
  }

  /** The offset of `view` when it lies in this instance's memory (and is not detached), else -1. */
  offsetOf(view) {
    return view.buffer === this.memory.buffer ? view.byteOffset : -1;
  }
}

// One idle instance is kept for the next file: its memory is already mapped, so the next photo
// does not pay for fresh pages again. An instance that grew past this is dropped instead, so one
// huge picture does not keep its memory for the rest of the visit.
const KEEP_AT_MOST = 320 * 1024 * 1024;
let idle = null;

/**
 * An instance for one file (the idle one, or a new one), or null when WebAssembly is not available
 * here. Give it back with returnKernels once nothing will touch its memory again.
 */
export async function createKernels() {
  if (idle) {
    const kernels = idle;
    idle = null;
    kernels.top = BASE;
    return kernels;
  }
  const module = await compileKernels();
  if (!module) return null;
  try {
    return new Kernels(await WebAssembly.instantiate(module));
  } catch {
    return null;
  }
}

/** Done with `kernels`: keep it for the next file unless its memory has grown large. */
export function returnKernels(kernels) {
  if (kernels && !idle && kernels.memory.buffer.byteLength <= KEEP_AT_MOST) idle = kernels;
}
