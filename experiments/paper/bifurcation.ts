// Appendix F: critical points of the attribution entropy H(x; eps) = -sum_j pi_j log pi_j for a
// two-cluster layer (N = 16, d = 2, t = 1, initial data = the cluster labels 0 and 1), against eps.
//
// The gradient is the closed form grad H = Cov_pi(y, -log pi) / (2 t eps), evaluated from the engine's
// Gibbs weights pi, its u (for -log pi_j = (g_j + |x - y_j|^2/(4t) - u)/eps without log(0)) and its
// entropy. Critical points are Newton's fixed points of that gradient (Jacobian by central
// differences) started from a grid of seeds over the support's bounding box enlarged by a margin,
// merged, and classified by the eigenvalues of the Jacobian (the Hessian of H).
import { createModel, type Model } from '../../src/engine/index.js';
import type { Context, Outcome } from './context.js';
import { logspace } from './lib/stats.js';
import { chart } from './lib/svg.js';
import { Rng } from './lib/rng.js';

const T = 1;
const N = 16;

interface Layer {
  y: Float64Array;
  g: Float64Array;
  model: Model;
}

async function twoClusters(seed: number): Promise<Layer> {
  const rng = new Rng(seed);
  const y = new Float64Array(N * 2);
  const g = new Float64Array(N);
  for (let j = 0; j < N; j++) {
    const label = j < N / 2 ? 0 : 1;
    y[2 * j] = (label ? 1 : -1) + 0.4 * rng.normal();
    y[2 * j + 1] = 0.4 * rng.normal();
    g[j] = label;
  }
  const model = await createModel({ eps: 1, t: T, support: { y: { data: y, shape: [N, 2] }, g: { data: g, shape: [N] } } });
  return { y, g, model };
}

/** grad H at B points (and H itself) from the engine's pi, u and entropy. */
async function gradH(layer: Layer, X: Float64Array, B: number, eps: number): Promise<{ grad: Float64Array; H: Float64Array }> {
  const { y, g, model } = layer;
  const res = await model.evaluate({ data: X, shape: [B, 2] }, { eps, outputs: ['pi', 'entropy'] });
  const pi = res.pi!.data;
  const u = res.u.data;
  const H = Float64Array.from(res.entropy!.data);
  const grad = new Float64Array(B * 2);
  for (let i = 0; i < B; i++) {
    const x0 = X[2 * i];
    const x1 = X[2 * i + 1];
    // Centre on the heaviest support point: its own term then vanishes exactly, so the tiny
    // covariances of a cell interior keep their relative accuracy.
    let top = 0;
    for (let j = 1; j < N; j++) if (pi[i * N + j] > pi[i * N + top]) top = j;
    const c0 = y[2 * top];
    const c1 = y[2 * top + 1];
    let s0 = 0;
    let s1 = 0;
    for (let j = 0; j < N; j++) {
      const p = pi[i * N + j];
      if (p === 0 || j === top) continue;
      const phi = g[j] + ((x0 - y[2 * j]) ** 2 + (x1 - y[2 * j + 1]) ** 2) / (4 * T);
      const w = p * ((phi - u[i]) / eps - H[i]);
      s0 += w * (y[2 * j] - c0);
      s1 += w * (y[2 * j + 1] - c1);
    }
    grad[2 * i] = s0 / (2 * T * eps);
    grad[2 * i + 1] = s1 / (2 * T * eps);
  }
  return { grad, H };
}

type Kind = 'min' | 'saddle' | 'max' | 'degenerate';

interface Critical {
  x: [number, number];
  kind: Kind;
  H: number;
}

async function criticalPoints(layer: Layer, eps: number, box: [number, number, number, number], seedsPerAxis: number, extra: [number, number][] = []): Promise<Critical[]> {
  const [x0, x1, y0, y1] = box;
  const G = seedsPerAxis * seedsPerAxis;
  const S = G + extra.length;
  let P = new Float64Array(S * 2);
  extra.forEach((x, i) => P.set(x, 2 * (G + i)));
  for (let a = 0; a < seedsPerAxis; a++) {
    for (let b = 0; b < seedsPerAxis; b++) {
      P[2 * (a * seedsPerAxis + b)] = x0 + ((a + 0.5) / seedsPerAxis) * (x1 - x0);
      P[2 * (a * seedsPerAxis + b) + 1] = y0 + ((b + 0.5) / seedsPerAxis) * (y1 - y0);
    }
  }
  const size = Math.max(x1 - x0, y1 - y0);
  const delta = 1e-6 * size;
  let alive = Array.from({ length: S }, (_, i) => i);
  const done: { x: [number, number]; J: number[] }[] = [];
  for (let iter = 0; iter < 100 && alive.length > 0; iter++) {
    const B = alive.length;
    // Each live point and its four central-difference neighbours.
    const Q = new Float64Array(B * 10);
    alive.forEach((s, k) => {
      const px = P[2 * s];
      const py = P[2 * s + 1];
      const pts = [px, py, px + delta, py, px - delta, py, px, py + delta, px, py - delta];
      Q.set(pts, k * 10);
    });
    const { grad } = await gradH(layer, Q, B * 5, eps);
    const next: number[] = [];
    alive.forEach((s, k) => {
      const g0 = grad[10 * k];
      const g1 = grad[10 * k + 1];
      const J00 = (grad[10 * k + 2] - grad[10 * k + 4]) / (2 * delta);
      const J10 = (grad[10 * k + 3] - grad[10 * k + 5]) / (2 * delta);
      const J01 = (grad[10 * k + 6] - grad[10 * k + 8]) / (2 * delta);
      const J11 = (grad[10 * k + 7] - grad[10 * k + 9]) / (2 * delta);
      const det = J00 * J11 - J01 * J10;
      // A gradient that is exactly 0 is a numerically flat plateau (every other weight underflowed),
      // not an isolated critical point; a singular Jacobian gives no Newton step.
      if (Math.hypot(g0, g1) === 0 || !Number.isFinite(det) || det === 0) return;
      let sx = -(J11 * g0 - J01 * g1) / det;
      let sy = -(-J10 * g0 + J00 * g1) / det;
      const len = Math.hypot(sx, sy);
      // Converged: Newton's step has become negligible (quadratic convergence at a nondegenerate
      // critical point). A small gradient alone is not enough: far inside a cell H is exponentially
      // flat, and there the Newton step stays of the order of eps.
      if (len <= 1e-10 * size) {
        const sym = (J01 + J10) / 2;
        done.push({ x: [P[2 * s] + sx, P[2 * s + 1] + sy], J: [J00, sym, sym, J11] });
        return;
      }
      const cap = 0.1 * size;
      if (len > cap) {
        sx *= cap / len;
        sy *= cap / len;
      }
      const nx = P[2 * s] + sx;
      const ny = P[2 * s + 1] + sy;
      if (nx < x0 || nx > x1 || ny < y0 || ny > y1) return; // left the box: not counted
      P[2 * s] = nx;
      P[2 * s + 1] = ny;
      next.push(s);
    });
    alive = next;
  }
  P = new Float64Array(0);
  // Merge duplicates and classify by the Hessian's eigenvalues.
  const found: Critical[] = [];
  const tol = 1e-4 * size;
  for (const c of done) {
    if (found.some((f) => Math.hypot(f.x[0] - c.x[0], f.x[1] - c.x[1]) < tol)) continue;
    const [a, b, , d] = c.J;
    const tr = a + d;
    const disc = Math.sqrt(((a - d) / 2) ** 2 + b * b);
    const l1 = tr / 2 - disc;
    const l2 = tr / 2 + disc;
    const scale = Math.max(Math.abs(l1), Math.abs(l2));
    const kind: Kind =
      Math.min(Math.abs(l1), Math.abs(l2)) <= 1e-7 * scale ? 'degenerate' : l1 > 0 ? 'min' : l2 < 0 ? 'max' : 'saddle';
    found.push({ x: c.x, kind, H: 0 });
  }
  if (found.length) {
    const X = Float64Array.from(found.flatMap((f) => f.x));
    const { H } = await gradH(layer, X, found.length, eps);
    found.forEach((f, i) => (f.H = H[i]));
  }
  return found;
}

function heatmap(layer: Layer, H: Float64Array, n: number, box: number[], crit: Critical[], eps: number): string {
  const W = 520;
  const Hh = 420;
  const m = { l: 40, r: 20, t: 30, b: 30 };
  const pw = W - m.l - m.r;
  const ph = Hh - m.t - m.b;
  const [x0, x1, y0, y1] = box;
  const X = (v: number) => m.l + ((v - x0) / (x1 - x0)) * pw;
  const Y = (v: number) => m.t + ph - ((v - y0) / (y1 - y0)) * ph;
  const hmax = Math.max(...H);
  const parts = [`<rect width="${W}" height="${Hh}" fill="white"/>`];
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">H(x; eps = ${eps.toPrecision(3)}) and its critical points</text>`);
  const cw = pw / n;
  const ch = ph / n;
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const v = H[a * n + b] / hmax;
      const c = Math.round(255 * (1 - v));
      parts.push(`<rect x="${(m.l + a * cw).toFixed(1)}" y="${(m.t + ph - (b + 1) * ch).toFixed(1)}" width="${(cw + 0.3).toFixed(1)}" height="${(ch + 0.3).toFixed(1)}" fill="rgb(${c},${c},255)"/>`);
    }
  }
  for (let j = 0; j < N; j++) {
    parts.push(`<circle cx="${X(layer.y[2 * j]).toFixed(1)}" cy="${Y(layer.y[2 * j + 1]).toFixed(1)}" r="4" fill="${layer.g[j] ? '#ff7f0e' : '#2ca02c'}" stroke="black"/>`);
  }
  const mark: Record<Kind, string> = { max: '#d62728', saddle: '#000000', min: '#ffffff', degenerate: '#999999' };
  for (const c of crit) {
    parts.push(`<rect x="${(X(c.x[0]) - 4).toFixed(1)}" y="${(Y(c.x[1]) - 4).toFixed(1)}" width="8" height="8" fill="${mark[c.kind]}" stroke="black" transform="rotate(45 ${X(c.x[0]).toFixed(1)} ${Y(c.x[1]).toFixed(1)})"/>`);
  }
  parts.push(`<text x="${m.l}" y="${Hh - 8}" font-size="11">circles: support points (green g = 0, orange g = 1); diamonds: red max, black saddle, white min</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Hh}" viewBox="0 0 ${W} ${Hh}" font-family="Helvetica, Arial, sans-serif">\n${parts.join('\n')}\n</svg>\n`;
}

export async function bifurcation(ctx: Context): Promise<Outcome> {
  const epsList = logspace(-2, 0.8, ctx.quick ? 15 : 61);
  const seeds = ctx.quick ? 16 : 32;
  const layer = await twoClusters(ctx.seed + 5);
  let lo0 = Infinity;
  let hi0 = -Infinity;
  let lo1 = Infinity;
  let hi1 = -Infinity;
  for (let j = 0; j < N; j++) {
    lo0 = Math.min(lo0, layer.y[2 * j]);
    hi0 = Math.max(hi0, layer.y[2 * j]);
    lo1 = Math.min(lo1, layer.y[2 * j + 1]);
    hi1 = Math.max(hi1, layer.y[2 * j + 1]);
  }
  const margin = 1;
  const box: [number, number, number, number] = [lo0 - margin, hi0 + margin, lo1 - margin, hi1 + margin];
  const counts: number[] = [];
  const byKind: Record<Kind, number[]> = { min: [], saddle: [], max: [], degenerate: [] };
  // Continuation from large eps (one maximum) down to small eps: each eps is also seeded with the
  // critical points of the previous one, so branches that sharpen into narrow ridges are tracked.
  const points: Critical[][] = new Array(epsList.length);
  let previous: [number, number][] = [];
  for (let i = epsList.length - 1; i >= 0; i--) {
    points[i] = await criticalPoints(layer, epsList[i], box, seeds, previous);
    previous = points[i].map((c) => c.x);
  }
  for (const crit of points) {
    counts.push(crit.length);
    for (const k of Object.keys(byKind) as Kind[]) byKind[k].push(crit.filter((c) => c.kind === k).length);
  }
  ctx.log(`bifurcation: ${counts[0]} critical points at eps = ${epsList[0]}, ${counts[counts.length - 1]} at eps = ${epsList[epsList.length - 1].toPrecision(3)}`);
  // Heat maps of H at the smallest eps and at one in the middle.
  const n = 60;
  const grid = new Float64Array(n * n * 2);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      grid[2 * (a * n + b)] = box[0] + ((a + 0.5) / n) * (box[1] - box[0]);
      grid[2 * (a * n + b) + 1] = box[2] + ((b + 0.5) / n) * (box[3] - box[2]);
    }
  }
  const mid = epsList.findIndex((e) => e >= 0.3);
  const maps = [];
  for (const k of [0, mid]) {
    const { H } = await gradH(layer, grid, n * n, epsList[k]);
    maps.push({ file: `bifurcation_map_${k === 0 ? 'small' : 'mid'}_eps.svg`, caption: `H and its critical points at eps = ${epsList[k].toPrecision(3)}`, svg: heatmap(layer, H, n, box, points[k], epsList[k]) });
  }
  const svg = chart({
    title: 'Appendix F: critical points of H(x; eps), N = 16, d = 2',
    xlabel: 'eps',
    ylabel: 'number of critical points',
    xlog: true,
    legend: 'right',
    series: [
      { name: 'all', x: epsList, y: counts, mode: 'both' },
      { name: 'maxima', x: epsList, y: byKind.max, mode: 'line' },
      { name: 'saddles', x: epsList, y: byKind.saddle, mode: 'line' },
      { name: 'minima', x: epsList, y: byKind.min, mode: 'line' },
    ],
  });
  return {
    key: 'bifurcation',
    result: {
      eps: epsList,
      critical_points: counts,
      maxima: byKind.max,
      saddles: byKind.saddle,
      minima: byKind.min,
      degenerate: byKind.degenerate,
      index_sum: epsList.map((_, i) => byKind.max[i] - byKind.saddle[i] + byKind.min[i]),
      N,
      d: 2,
      t: T,
      box,
      seeds_per_eps: seeds * seeds,
      support: { y: Array.from(layer.y), g: Array.from(layer.g) },
      points_at_smallest_eps: points[0].map((c) => ({ x: c.x, kind: c.kind, H: c.H })),
    },
    figures: [{ file: 'bifurcation.svg', caption: 'Number of critical points of the attribution entropy against eps', svg }, ...maps],
  };
}
