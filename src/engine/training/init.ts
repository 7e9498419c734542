// Initial parameters, theta = [points (K*N*d) | values (K*N)], in standardised units.
//
// Hopf–Cole coordinates (the default): every head starts with the same support points,
// N training inputs chosen by seeded k-means++ (then Lloyd steps kept on training rows,
// which even out the spacing), and initial data from their targets:
//   regression:     g_{k,j} = target_k(row j) + L^2 t   (Theorem 8.1's construction: exact
//                   for a linear target of slope L, since the Hopf–Lax solution of a.x is
//                   a.x - |a|^2 t),
//   classification: g_{k,j} = 0 if row j has class k, else MARGIN: head k's solution u_k
//                   is small near the rows of class k and about MARGIN above elsewhere, so
//                   the scores -u_k start as a nearest-support-point classifier.
// The paper's weights (parametrization "weights"): W ~ N(0, 0.01/d), b = 0.
import { normals, seededUniform } from './random.js';

/** Initial-data gap between a head's own class and the others (standardised score units). */
export const CLASSIFICATION_MARGIN = 1;

/** Per-head target columns the initial data (and the gauge's Lipschitz estimate) start from, [n, K]. */
export function initialTargets(targets: Float64Array | null, labels: Int32Array | null, n: number, K: number): Float64Array {
  if (targets) return targets;
  const out = new Float64Array(n * K).fill(CLASSIFICATION_MARGIN);
  for (let i = 0; i < n; i++) out[i * K + (labels as Int32Array)[i]] = 0;
  return out;
}

/** Support points at the rows `support` of X [n, d] for every head; g from `columns` [n, K] plus `offset`. */
export function supportInit(X: Float64Array, d: number, columns: Float64Array, K: number, support: ArrayLike<number>, offset: number): Float64Array {
  const N = support.length;
  const theta = new Float64Array(K * N * d + K * N);
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < N; j++) {
      const row = support[j];
      theta.set(X.subarray(row * d, (row + 1) * d), (k * N + j) * d);
      theta[K * N * d + k * N + j] = columns[row * K + k] + offset;
    }
  }
  return theta;
}

/** The paper's initialisation: W ~ N(0, 0.01/d), b = 0. */
export function weightsInit(K: number, N: number, d: number, seed: number): Float64Array {
  const theta = new Float64Array(K * N * d + K * N);
  const w = normals(K * N * d, seededUniform(seed, 2));
  const sd = Math.sqrt(0.01 / d);
  for (let i = 0; i < w.length; i++) theta[i] = sd * w[i];
  return theta;
}

/** Support coordinates (y, g) of theta in either parametrisation (weights: y = 2tW, g = -b - |y|^2/(4t)). */
export function supportCoordinates(theta: Float64Array, K: number, N: number, d: number, t: number, weights: boolean): { y: Float64Array; g: Float64Array } {
  const P = K * N * d;
  if (!weights) return { y: theta.slice(0, P), g: theta.slice(P) };
  const y = new Float64Array(P);
  const g = new Float64Array(K * N);
  for (let p = 0; p < K * N; p++) {
    let sq = 0;
    for (let c = 0; c < d; c++) {
      y[p * d + c] = 2 * t * theta[p * d + c];
      sq += y[p * d + c] ** 2;
    }
    g[p] = -theta[P + p] - sq / (4 * t);
  }
  return { y, g };
}
