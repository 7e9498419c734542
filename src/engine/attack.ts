// Projected gradient ascent inside each certified ball: the check that a certificate is sound.

/** An objective evaluated at one point per query ([B, d]): values [B] and gradients [B, d]. */
export type Objective = (points: Float64Array) => Promise<{ value: Float64Array; grad: Float64Array }>;

export interface AttackRun {
  /** [B, d] centres */
  X: Float64Array;
  B: number;
  d: number;
  /** [B] ball radii (capped to a finite size by the caller) */
  radius: Float64Array;
  steps: number;
  /** Objectives to maximise, each from its own start (e.g. +target and -target). */
  objectives: Objective[];
}

/** A small fixed-seed generator: the same request always draws the same starts. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function project(p: Float64Array, x: Float64Array, off: number, d: number, r: number): void {
  let n2 = 0;
  for (let k = 0; k < d; k++) n2 += (p[off + k] - x[off + k]) ** 2;
  const n = Math.sqrt(n2);
  if (n <= r) return;
  const s = r / n;
  for (let k = 0; k < d; k++) p[off + k] = x[off + k] + (p[off + k] - x[off + k]) * s;
}

/** Returns, per objective, the best value found for each query [B]. */
export async function projectedGradientAscent(run: AttackRun): Promise<Float64Array[]> {
  const { X, B, d, radius, steps } = run;
  const random = mulberry32(0x5eed);
  return Promise.all(
    run.objectives.map(async (objective) => {
      const p = Float64Array.from(X);
      // Start half-way to the boundary in a random direction.
      for (let i = 0; i < B; i++) {
        const dir = Array.from({ length: d }, () => random() - 0.5);
        const n = Math.hypot(...dir) || 1;
        for (let k = 0; k < d; k++) p[i * d + k] += (0.5 * radius[i] * dir[k]) / n;
      }
      const best = new Float64Array(B).fill(-Infinity);
      for (let s = 0; s <= steps; s++) {
        const { value, grad } = await objective(p);
        for (let i = 0; i < B; i++) {
          if (value[i] > best[i]) best[i] = value[i];
          if (s === steps) continue;
          const off = i * d;
          let gn = 0;
          for (let k = 0; k < d; k++) gn += grad[off + k] ** 2;
          gn = Math.sqrt(gn);
          if (gn === 0) continue;
          const step = (2.5 * radius[i]) / steps / gn;
          for (let k = 0; k < d; k++) p[off + k] += step * grad[off + k];
          project(p, X, off, d, radius[i]);
        }
      }
      return best;
    }),
  );
}
