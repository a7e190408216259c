// Module worker for the intake page: hashes the files it is sent, one message per file, and reports
// progress. Post {id, file}; it answers {id, type: "progress", fraction, stage}, then
// {id, type: "done", hashes} or {id, type: "error", code, message}. To cancel, terminate the worker.

import { hashFile } from "./hasher.js";
import { compileKernels } from "./kernels.js";

// Fetch, compile and warm up kernels.wasm while the person is still choosing files.
compileKernels();

self.addEventListener("message", async (event) => {
  const { id, file } = event.data;
  try {
    const started = performance.now();
    const hashes = await hashFile(file, {
      onProgress: (fraction, stage) => self.postMessage({ id, type: "progress", fraction, stage }),
    });
    self.postMessage({ id, type: "done", hashes, ms: performance.now() - started });
  } catch (error) {
    self.postMessage({ id, type: "error", code: error.code || "failed", message: error.message });
  }
});
