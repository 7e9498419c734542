// The automatic gauge ("auto" t and eps): Theorem 8.1's generalisation gauge, in
// standardised units. With h the typical spacing of the support points and L the target's
// Lipschitz constant, the quadratic kernel |x - y_j|^2/(4t) must let a support point govern
// a neighbourhood of radius ~h, and the initial data g = target + L^2 t is exact for a
// linear target of slope L (Hopf–Lax: u = a.x - |a|^2 t). The rule:
//
//   h   = median distance from a support point to its nearest other support point,
//   L   = max(90th percentile of |target_i - target_nn(i)| / |x_i - x_nn(i)| over a seeded
//             sample of at most 2000 training rows and their nearest neighbours,
//             range of the targets / diameter of the inputs),
//   t   = h / (2 L),
//   eps = L h / 4.
//
// (Measured on |x| over [-2.4, 2.4] with N = 30, 400 rows: closed-form RMSE 0.012-0.025 and
// Adam 0.006 in raw units; halving or doubling either constant was worse.) The percentile
// instead of the maximum keeps one noisy pair of near-duplicate rows from setting L; the
// secant floor keeps L > 0 where neighbours always agree (separated classes).
import type { NativeTraining } from './native.js';
import { permutation, seededUniform } from './random.js';

export const GAUGE_RULE = 't = h/(2L), eps = L h/4 (standardised units; h: median nearest-neighbour spacing of the support points, L: 90th percentile of nearest-neighbour target slopes)';
const L_SAMPLE = 2000;
const L_QUANTILE = 0.9;

export interface GaugeEstimate {
  /** Median nearest-neighbour distance between support points. */
  h: number;
  /** Lipschitz estimate of the targets. */
  L: number;
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** h over support points P [N, d] (1 when N < 2 or all coincide). */
export async function supportSpacing(native: NativeTraining, P: Float64Array, N: number, d: number): Promise<number> {
  if (N < 2) return 1;
  const { distance } = await native.nearestNeighbours(P, N, d);
  const positive = Array.from(distance).filter((v) => v > 0);
  return positive.length ? quantile(positive, 0.5) : 1;
}

/**
 * L over standardised rows X [n, d] with targets [n, K] (for classification the one-hot
 * margins the heads start from); the largest over heads.
 */
export async function lipschitzEstimate(native: NativeTraining, X: Float64Array, n: number, d: number, targets: Float64Array, K: number, seed: number): Promise<number> {
  const m = Math.min(n, L_SAMPLE);
  if (m < 2) return 1;
  const rows = permutation(n, seededUniform(seed, 3)).subarray(0, m);
  const P = new Float64Array(m * d);
  let radius = 0;
  for (let i = 0; i < m; i++) {
    let r = 0;
    for (let c = 0; c < d; c++) {
      P[i * d + c] = X[rows[i] * d + c];
      r += P[i * d + c] ** 2;
    }
    radius = Math.max(radius, Math.sqrt(r));
  }
  const { index, distance } = await native.nearestNeighbours(P, m, d);
  const slopes: number[] = [];
  let range = 0;
  for (let k = 0; k < K; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, targets[i * K + k]);
      hi = Math.max(hi, targets[i * K + k]);
    }
    range = Math.max(range, hi - lo);
  }
  for (let i = 0; i < m; i++) {
    if (!(distance[i] > 0)) continue;
    let dy = 0;
    for (let k = 0; k < K; k++) dy = Math.max(dy, Math.abs(targets[rows[i] * K + k] - targets[rows[index[i]] * K + k]));
    slopes.push(dy / distance[i]);
  }
  // Inputs are centred, so the diameter is at most twice the largest radius.
  const secant = radius > 0 ? range / (2 * radius) : 0;
  const L = Math.max(quantile(slopes, L_QUANTILE), secant);
  return L > 0 && Number.isFinite(L) ? L : 1;
}

export function autoT({ h, L }: GaugeEstimate): number {
  return h / (2 * L);
}

export function autoEps({ h, L }: GaugeEstimate): number {
  return (L * h) / 4;
}
