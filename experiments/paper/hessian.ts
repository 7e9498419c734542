// Experiment C: the curvature of f, |hess f(x)| = |W^T (diag pi - pi pi^T) W| / eps, measured by
// the engine's hessian_norm, against the paper's bound M^2/eps and the Popoviciu bound D^2/(4 eps).
import { createModel, type Model } from '../../src/engine/index.js';
import type { Context, Outcome } from './context.js';
import { maxOf } from './lib/stats.js';
import { chart } from './lib/svg.js';
import { Rng } from './lib/rng.js';

/**
 * Query points for a head: half Gaussian draws at the data scale, half placed on the tie set of a
 * random pair of neurons (z_i = z_j), where the Gibbs variance, and so the curvature, peaks.
 */
export function probePoints(rng: Rng, W: Float64Array, b: Float64Array, N: number, d: number, B: number, scale: number): Float64Array {
  const X = new Float64Array(B * d);
  for (let i = 0; i < B; i++) {
    for (let a = 0; a < d; a++) X[i * d + a] = scale * rng.normal();
    if (i % 2 === 1 && N > 1) {
      const p = rng.int(0, N - 1);
      let q = rng.int(0, N - 2);
      if (q >= p) q++;
      let zp = b[p];
      let zq = b[q];
      let dd = 0;
      for (let a = 0; a < d; a++) {
        zp += W[p * d + a] * X[i * d + a];
        zq += W[q * d + a] * X[i * d + a];
        dd += (W[p * d + a] - W[q * d + a]) ** 2;
      }
      if (dd > 0) {
        const s = -(zp - zq) / dd;
        for (let a = 0; a < d; a++) X[i * d + a] += s * (W[p * d + a] - W[q * d + a]);
      }
    }
  }
  return X;
}

export interface CurvatureSummary {
  max_measured: number;
  bound_paper: number;
  bound_ours: number;
  violations: number;
  violations_paper: number;
  tightness_ours: number;
}

/** The engine's hessian_norm over X for one head at one eps, against both bounds. */
export async function curvatureAt(model: Model, X: Float64Array, B: number, eps: number, head = 0): Promise<CurvatureSummary & { measured: Float64Array }> {
  const { K, d } = model.info;
  const { M, D } = model.info.heads[head];
  const res = await model.evaluate({ data: X, shape: [B, d] }, { eps, outputs: ['hessian_norm'] });
  const measured = Float64Array.from({ length: B }, (_, i) => res.hessian_norm!.data[i * K + head]);
  const boundPaper = (M * M) / eps;
  const boundOurs = (D * D) / (4 * eps);
  // A measured value counts as a violation only beyond float64 rounding of the bound.
  const slack = 1 + 1e-12;
  let violations = 0;
  let violationsPaper = 0;
  for (const h of measured) {
    if (h > boundOurs * slack) violations++;
    if (h > boundPaper * slack) violationsPaper++;
  }
  const maxMeasured = maxOf(measured);
  return {
    measured,
    max_measured: maxMeasured,
    bound_paper: boundPaper,
    bound_ours: boundOurs,
    violations,
    violations_paper: violationsPaper,
    tightness_ours: maxMeasured / boundOurs,
  };
}

export async function hessianSynthetic(ctx: Context): Promise<Outcome> {
  const epsList = [0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const N = 64;
  const d = 16;
  const B = ctx.quick ? 512 : 4096;
  const rng = new Rng(ctx.seed + 3);
  const W = rng.normals(N * d, 1 / Math.sqrt(d));
  const b = rng.normals(N, 0.5);
  const model = await createModel({ eps: 1, W: { data: W, shape: [N, d] }, b: { data: b, shape: [N] } });
  const X = probePoints(rng, W, b, N, d, B, 1);
  const rows: CurvatureSummary[] = [];
  for (const eps of epsList) {
    const { measured: _, ...row } = await curvatureAt(model, X, B, eps);
    rows.push(row);
    ctx.log(`hessian eps=${eps}: max ${row.max_measured.toPrecision(4)}  D^2/(4eps) ${row.bound_ours.toPrecision(4)}  M^2/eps ${row.bound_paper.toPrecision(4)}`);
  }
  // A sweep over random models: every (model, point, eps) triple checked against both bounds.
  const models = ctx.quick ? 20 : 200;
  const perModel = ctx.quick ? 64 : 256;
  let sweepViolations = 0;
  let sweepViolationsPaper = 0;
  let sweepChecks = 0;
  let worstTightness = 0;
  const ratioPaper: number[] = [];
  for (let m = 0; m < models; m++) {
    const Nm = rng.int(2, 128);
    const dm = rng.int(1, 32);
    const sc = rng.logRange(0.1, 10) / Math.sqrt(dm);
    const Wm = rng.normals(Nm * dm, sc);
    for (let i = 0; i < Wm.length; i++) if (rng.uniform() < 0.1) Wm[i] += 3 * sc; // a shifted, non-centred cloud
    const bm = rng.normals(Nm, rng.logRange(0.01, 3));
    const mm = await createModel({ eps: 1, W: { data: Wm, shape: [Nm, dm] }, b: { data: bm, shape: [Nm] } });
    const Xm = probePoints(rng, Wm, bm, Nm, dm, perModel, rng.logRange(0.1, 10));
    for (const eps of [rng.logRange(1e-3, 1e2), rng.logRange(1e-3, 1e2)]) {
      const s = await curvatureAt(mm, Xm, perModel, eps);
      sweepViolations += s.violations;
      sweepViolationsPaper += s.violations_paper;
      sweepChecks += perModel;
      worstTightness = Math.max(worstTightness, s.tightness_ours);
      ratioPaper.push(s.bound_ours / s.bound_paper);
    }
  }
  ctx.log(`hessian sweep: ${sweepChecks} checks, ${sweepViolations} violations of D^2/(4eps), ${sweepViolationsPaper} of M^2/eps`);
  const svg = chart({
    title: `Experiment C: curvature of f (N = ${N}, d = ${d}, ${B} points)`,
    xlabel: 'eps',
    ylabel: '|hess f|',
    xlog: true,
    ylog: true,
    series: [
      { name: 'max measured (engine hessian_norm)', x: epsList, y: rows.map((r) => r.max_measured), mode: 'both' },
      { name: 'paper bound M²/eps', x: epsList, y: rows.map((r) => r.bound_paper), dash: true },
      { name: 'hjnet bound D²/(4 eps)', x: epsList, y: rows.map((r) => r.bound_ours), dash: true },
    ],
  });
  return {
    key: 'hessian_synthetic',
    result: {
      eps: epsList,
      max_measured: rows.map((r) => r.max_measured),
      bound_paper: rows.map((r) => r.bound_paper),
      bound_ours: rows.map((r) => r.bound_ours),
      violations: rows.reduce((s, r) => s + r.violations, 0) + sweepViolations,
      violations_paper: rows.reduce((s, r) => s + r.violations_paper, 0) + sweepViolationsPaper,
      tightness_ours: rows.map((r) => r.tightness_ours),
      N,
      d,
      points: B,
      sweep: {
        models,
        points_per_model: perModel,
        eps_per_model: 2,
        checks: sweepChecks,
        violations_ours: sweepViolations,
        violations_paper: sweepViolationsPaper,
        max_tightness_ours: worstTightness,
        median_ratio_ours_to_paper: ratioPaper.sort((a, b) => a - b)[ratioPaper.length >> 1],
      },
    },
    figures: [{ file: 'hessian_synthetic.svg', caption: 'Measured curvature against both bounds', svg }],
  };
}
