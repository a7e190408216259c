// Development only: assembles kernels.wat (hand-written WebAssembly text) into kernels.wasm with
// wat2wasm from the "wabt" npm package, pinned below. The .wasm is committed; pages never build it.
//
//   node tools/build-kernels.mjs           write kernels.wasm
//   node tools/build-kernels.mjs --check   fail if kernels.wasm is not what kernels.wat gives
//
// Needs npx and the npm registry (the first run downloads wabt into npx's cache).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const WABT = "wabt@1.0.36";
const source = fileURLToPath(new URL("../static/hashing/kernels.wat", import.meta.url));
const target = fileURLToPath(new URL("../static/hashing/kernels.wasm", import.meta.url));
const check = process.argv.includes("--check");
const folder = mkdtempSync(join(tmpdir(), "kernels-"));
const built = check ? join(folder, "kernels.wasm") : target;
try {
  execFileSync("npx", ["--yes", `--package=${WABT}`, "wat2wasm", source, "-o", built], { stdio: "inherit" });
  if (check && !readFileSync(built).equals(readFileSync(target))) {
    console.error("kernels.wasm is out of date: run node tools/build-kernels.mjs");
    process.exitCode = 1;
  } else {
    console.log(check ? "kernels.wasm matches kernels.wat" : `wrote ${target}`);
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
