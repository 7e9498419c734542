// The discrete Hopf–Cole solution on a grid of N support points against the exact solution, for
// initial data g(y) = |y| (Theorem 8.1's setting).
//
// What is compared (stated in REPRODUCTION.md): the grid y_j of n points per axis on [-L, L]^d,
// N = n^d, spacing h, quadrature weights h^d and the heat-kernel normalisation give
//   u_N(x) = -eps log sum_j h^d (4 pi t eps)^(-d/2) exp(-(|y_j| + |x - y_j|^2/(4t))/eps),
// served by the engine as a support-form model with g_j' = |y_j| - eps log(h^d (4 pi t eps)^(-d/2)).
// At eps = eps* = N^(-1/d) its l-inf error over test points in the unit ball is measured against
// the exact viscous solution u_eps at the same eps (the heat-kernel convolution, computed by
// quadrature in polar coordinates): the grid spacing h is a fixed multiple of eps, so the kink of g
// is never resolved and the error is Theta(eps) = Theta(N^(-1/d)). Extras: the same u_N against the
// inviscid Hopf–Lax solution u_0(x) = |x| - t for |x| >= 2t, |x|^2/(4t) otherwise (this adds the
// viscosity bias u_eps - u_0, of order (d/2) eps log(1/eps) at the kink), and the tropical layer
// (eps = 0, u_N = min_j) against u_0 (the sampling error alone, O(h^2)).
import { createModel } from '../../src/engine/index.js';
import type { Context, Outcome } from './context.js';
import { logLogSlope } from './lib/stats.js';
import { chart } from './lib/svg.js';
import { Rng } from './lib/rng.js';

const T = 0.25;
const L = 3;

function hopfLax(x: Float64Array, off: number, d: number, t: number): number {
  let s = 0;
  for (let a = 0; a < d; a++) s += x[off + a] ** 2;
  const r = Math.sqrt(s);
  return r >= 2 * t ? r - t : s / (4 * t);
}

/** u_eps(x) in 1-D: -eps log of the heat-kernel convolution, by composite Simpson split at the kink. */
export function viscous1d(x: number, eps: number, t: number): number {
  const phi = (y: number) => Math.abs(y) + (x - y) ** 2 / (4 * t);
  // The minimiser of phi and the value there, for the max-shift.
  const ystar = Math.abs(x) >= 2 * t ? x - 2 * t * Math.sign(x) : 0;
  const m = phi(ystar);
  const width = Math.min(Math.sqrt(4 * t * eps), eps);
  const R = Math.abs(x) + 2 * t + 40 * Math.sqrt(4 * t * eps) + 1;
  const simpson = (a: number, b: number, panels: number) => {
    const h = (b - a) / panels;
    let s = 0;
    for (let k = 0; k <= panels; k++) {
      const w = k === 0 || k === panels ? 1 : k % 2 ? 4 : 2;
      s += w * Math.exp(-(phi(a + k * h) - m) / eps);
    }
    return (s * h) / 3;
  };
  const panels = 2 * Math.ceil((R / width) * 20);
  const integral = simpson(-R, 0, panels) + simpson(0, R, panels);
  return m - eps * Math.log(integral / Math.sqrt(4 * Math.PI * t * eps));
}

/** Area of the unit sphere S^(k) in R^(k+1). */
function sphereArea(k: number): number {
  // |S^k| = 2 pi^((k+1)/2) / Gamma((k+1)/2), for the small k used here.
  const gammaHalf: Record<number, number> = { 1: Math.sqrt(Math.PI), 2: 1, 3: Math.sqrt(Math.PI) / 2, 4: 1, 5: (3 * Math.sqrt(Math.PI)) / 4 };
  return (2 * Math.PI ** ((k + 1) / 2)) / gammaHalf[k + 1];
}

/**
 * The exact viscous solution u_eps(x) = -eps log int (4 pi t eps)^(-d/2) exp(-(|y| + |x - y|^2/(4t))/eps) dy
 * for g(y) = |y|, which depends on rho = |x| only. d = 1: composite Simpson split at the kink. d >= 2: polar
 * coordinates about the origin (where |y| = r is smooth), composite Simpson in r and the trapezoid rule in the
 * polar angle (spectrally accurate: the integrand is an even periodic function of theta).
 */
export function exactViscous(rho: number, eps: number, t: number, d: number): number {
  if (d === 1) return viscous1d(rho, eps, t);
  const m = rho >= 2 * t ? rho - t : (rho * rho) / (4 * t); // min over y: the Hopf–Lax value
  const rstar = Math.max(rho - 2 * t, 0);
  const sw = Math.sqrt(4 * t * eps);
  const R = rstar + 14 * sw + 30 * eps;
  const step = Math.min(eps, sw) / 12;
  const nr = 2 * Math.ceil(R / (2 * step));
  const hr = R / nr;
  const kappa = (rho * R) / (2 * t * eps);
  const nth = Math.ceil(Math.sqrt(80 * kappa)) + 32;
  const hth = Math.PI / nth;
  const cos = Float64Array.from({ length: nth + 1 }, (_, k) => Math.cos(k * hth));
  const wth = Float64Array.from({ length: nth + 1 }, (_, k) => (k === 0 || k === nth ? 0.5 : 1) * Math.sin(k * hth) ** (d - 2));
  let total = 0;
  for (let i = 0; i <= nr; i++) {
    const r = i * hr;
    const wr = i === 0 || i === nr ? 1 : i % 2 ? 4 : 2;
    if (r === 0 && d > 1) continue; // r^(d-1) = 0
    let inner = 0;
    const base = r + (rho * rho + r * r) / (4 * t) - m;
    const cross = (2 * rho * r) / (4 * t);
    for (let k = 0; k <= nth; k++) {
      if (wth[k] === 0) continue;
      inner += wth[k] * Math.exp(-(base - cross * cos[k]) / eps);
    }
    total += wr * r ** (d - 1) * inner * hth;
  }
  const integral = (total * hr) / 3 * sphereArea(d - 2);
  return m - eps * Math.log(integral / (4 * Math.PI * t * eps) ** (d / 2));
}

function grid(n: number, d: number): { y: Float64Array; h: number } {
  const N = n ** d;
  const h = (2 * L) / (n - 1);
  const y = new Float64Array(N * d);
  for (let j = 0; j < N; j++) {
    let r = j;
    for (let a = 0; a < d; a++) {
      y[j * d + a] = -L + (r % n) * h;
      r = Math.floor(r / n);
    }
  }
  return { y, h };
}

export async function quadrature(ctx: Context): Promise<Outcome> {
  const dims = [1, 2, 4];
  const sizes: Record<number, number[]> = ctx.quick
    ? { 1: [9, 17, 33, 65, 129], 2: [9, 13, 17, 25, 33], 4: [5, 7, 9, 11] }
    : { 1: [9, 17, 33, 65, 129, 257, 513, 1025, 2049], 2: [9, 13, 17, 25, 33, 49, 65, 97, 129], 4: [5, 7, 9, 11, 13, 15, 17] };
  // Test points: radii spread over [0, 1] (both sides of the kink |x| = 2t of u_0), random directions.
  const radii = ctx.quick ? 12 : 24;
  const perRadius = ctx.quick ? 4 : 8;
  const B = radii * perRadius;
  const rng = new Rng(ctx.seed + 2);
  const slopes: number[] = [];
  const slopesInviscid: number[] = [];
  const tropicalSlopes: number[] = [];
  const table: Record<string, Record<string, number[]>> = {};
  const series = [];
  const seriesInviscid = [];
  for (const d of dims) {
    const X = new Float64Array(B * d);
    const rho = Float64Array.from({ length: radii }, (_, k) => (k + 0.5) / radii);
    for (let k = 0; k < radii; k++) {
      for (let q = 0; q < perRadius; q++) {
        const i = k * perRadius + q;
        const dir = rng.normals(d);
        const norm = Math.hypot(...dir);
        for (let a = 0; a < d; a++) X[i * d + a] = (rho[k] * dir[a]) / norm;
      }
    }
    const inviscid = Float64Array.from({ length: B }, (_, i) => hopfLax(X, i * d, d, T));
    const row: Record<string, number[]> = { N: [], eps: [], h: [], error: [], error_inviscid: [], error_tropical: [] };
    for (const n of sizes[d]) {
      const N = n ** d;
      const eps = N ** (-1 / d);
      const { y, h } = grid(n, d);
      const shift = eps * (d * Math.log(h) - (d / 2) * Math.log(4 * Math.PI * T * eps));
      const g = new Float64Array(N);
      const g0 = new Float64Array(N);
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let a = 0; a < d; a++) s += y[j * d + a] ** 2;
        g0[j] = Math.sqrt(s);
        g[j] = g0[j] - shift;
      }
      const shape = [N, d];
      const model = await createModel({ eps, t: T, support: { y: { data: y, shape }, g: { data: g, shape: [N] } } });
      const { u } = await model.evaluate({ data: X, shape: [B, d] }, { outputs: [] });
      const trop = await createModel({ eps: 0, t: T, support: { y: { data: y, shape }, g: { data: g0, shape: [N] } } });
      const { u: u0 } = await trop.evaluate({ data: X, shape: [B, d] }, { outputs: [] });
      const exact = Array.from(rho, (r) => exactViscous(r, eps, T, d));
      let err = 0;
      let errI = 0;
      let errT = 0;
      for (let i = 0; i < B; i++) {
        err = Math.max(err, Math.abs(u.data[i] - exact[Math.floor(i / perRadius)]));
        errI = Math.max(errI, Math.abs(u.data[i] - inviscid[i]));
        errT = Math.max(errT, Math.abs(u0.data[i] - inviscid[i]));
      }
      row.N.push(N);
      row.eps.push(eps);
      row.h.push(h);
      row.error.push(err);
      row.error_inviscid.push(errI);
      row.error_tropical.push(errT);
      ctx.log(`quadrature d=${d} N=${N} eps=${eps.toPrecision(3)}: l-inf error ${err.toExponential(2)} vs u_eps, ${errI.toExponential(2)} vs u_0 (tropical ${errT.toExponential(2)})`);
    }
    const fit = logLogSlope(row.N, row.error);
    slopes.push(fit.slope);
    slopesInviscid.push(logLogSlope(row.N, row.error_inviscid).slope);
    // In 1-D the grid holds every minimiser of the test points (y = 0): the tropical error is 0.
    const positive = row.error_tropical.every((e) => e > 0);
    tropicalSlopes.push(positive ? logLogSlope(row.N, row.error_tropical).slope : NaN);
    table[`d${d}`] = row;
    const color = ({ 1: '#1f77b4', 2: '#d62728', 4: '#2ca02c' } as Record<number, string>)[d];
    series.push({ name: `d = ${d}: slope ${fit.slope.toFixed(3)} (paper −1/${d})`, x: row.N, y: row.error, mode: 'both' as const, color });
    series.push({
      color,
      name: `N^(−1/${d})`,
      x: row.N,
      y: row.N.map((N) => row.error[0] * (N / row.N[0]) ** (-1 / d)),
      dash: true,
    });
    seriesInviscid.push({ name: `d = ${d}: vs u_0 (inviscid)`, x: row.N, y: row.error_inviscid, mode: 'both' as const });
    if (positive) seriesInviscid.push({ name: `d = ${d}: tropical layer vs u_0`, x: row.N, y: row.error_tropical, mode: 'both' as const, dash: true });
  }
  return {
    key: 'quadrature',
    result: {
      d: dims,
      slope: slopes,
      paper_slope: dims.map((d) => -1 / d),
      compared:
        'u_N (engine, support form, grid weights h^d, heat-kernel normalisation) at eps = N^(-1/d) vs the exact viscous Hopf–Cole solution u_eps (heat-kernel convolution by quadrature) at the same eps',
      g: '|y|',
      t: T,
      L,
      test_points: B,
      test_radii: '(k + 1/2)/' + radii + ', random directions',
      slope_vs_inviscid: slopesInviscid,
      tropical_slope: tropicalSlopes,
      by_d: table,
    },
    figures: [
      {
        file: 'quadrature.svg',
        caption: 'l-inf error of the discrete Hopf–Cole solution at eps = N^(-1/d) against the exact viscous solution, g(y) = |y|',
        svg: chart({ title: 'Discrete vs exact Hopf–Cole, g(y) = |y|, eps = N^(−1/d)', xlabel: 'N', ylabel: 'l-inf error', xlog: true, ylog: true, legend: 'bottom-left', series }),
      },
      {
        file: 'quadrature_inviscid.svg',
        caption: 'The same u_N against the inviscid (Hopf–Lax) solution, and the tropical layer (eps = 0)',
        svg: chart({ title: 'Against the inviscid solution u_0', xlabel: 'N', ylabel: 'l-inf error', xlog: true, ylog: true, legend: 'bottom-left', series: seriesInviscid }),
      },
    ],
  };
}
