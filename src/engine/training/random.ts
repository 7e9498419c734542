// Seeded randomness on the TypeScript side of training (the validation split, the paper's
// random weights): a 32-bit generator seeded from the whole 53-bit seed, so the same seed
// gives the same model everywhere.

/** Uniform numbers in [0, 1) from seed (an integer up to 2^53 - 1) and a stream tag. */
export function seededUniform(seed: number, stream: number): () => number {
  const hi = (Math.floor(seed / 2 ** 32) ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  const lo = (seed >>> 0) ^ 0x85ebca6b;
  // Mix both halves (murmur3 finaliser) into the state of mulberry32.
  let s = (hi ^ Math.imul(lo, 0xc2b2ae35)) >>> 0;
  s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
  s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
  s = (s ^ (s >>> 16) ^ lo) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A seeded permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, uniform: () => number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    const tmp = p[i];
    p[i] = p[j];
    p[j] = tmp;
  }
  return p;
}

/** Standard normal samples (Box–Muller). */
export function normals(count: number, uniform: () => number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const phi = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(phi);
    if (i + 1 < count) out[i + 1] = r * Math.sin(phi);
  }
  return out;
}
