// Test images made from a seed, shared by the node tests. Must stay identical to pattern() in make_vectors.py.
export function pattern(kind, width, height, seed) {
  const out = new Uint8Array(width * height * 3);
  let state = seed;
  for (let i = 0; i < out.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    const c = i % 3;
    const p = (i - c) / 3;
    const x = p % width;
    const y = (p - x) / width;
    let v;
    if (kind === "noise") v = x * (3 + c) + y * (5 - c) + ((x ^ y) & 31) + (state >> 24);
    else if (kind === "uniform") v = seed + 40 * c;
    else if (kind === "hsym") v = Math.abs(2 * x - (width - 1)) * 3 + y + 50 * c;
    else v = Math.floor((x * 255) / Math.max(width - 1, 1)) + c * 7;
    out[i] = v & 255;
  }
  return out;
}
