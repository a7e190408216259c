// Loads kernels.wasm (the inner loops of PDQ, pHash and the pixel conversion, see kernels.wat) and
// hands out its memory. One instance per hashed file: WebAssembly memory only grows, so a fresh
// instance per file gives a 48-megapixel photo's memory back once that file is done.
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

/** The compiled module, fetched once per page or worker; null when WebAssembly cannot be used. */
export function compileKernels() {
  if (!compiled) {
    compiled = (async () => {
      if (typeof WebAssembly === "undefined") return null;
      try {
        return await WebAssembly.compile(await wasmBytes());
      } catch {
        return null; // no SIMD, a CSP without 'wasm-unsafe-eval', or offline: the JS paths still work
      }
    })();
  }
  return compiled;
}

const PAGE = 65536;
const ALIGN = 16;
// Bytes after every block that a kernel may read (never use): resample_h reads up to 15 past a row.
const SLACK = 16;

/** An instance of the kernels with a simple stack of memory blocks (byte offsets). */
export class Kernels {
  constructor(instance) {
    this.fn = instance.exports;
    this.memory = instance.exports.memory;
    this.top = 1024; // offset 0 stays unused, so a missing block is never mistaken for one
  }

  /** A block of `bytes` bytes; growing the memory detaches earlier views, so make views afterwards. */
  alloc(bytes) {
    const offset = Math.ceil(this.top / ALIGN) * ALIGN;
    const end = offset + bytes + SLACK;
    if (end > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((end - this.memory.buffer.byteLength) / PAGE));
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

/** A fresh instance, or null when WebAssembly is not available here. */
export async function createKernels() {
  const module = await compileKernels();
  if (!module) return null;
  try {
    return new Kernels(await WebAssembly.instantiate(module));
  } catch {
    return null;
  }
}
