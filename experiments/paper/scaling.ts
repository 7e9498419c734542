// Experiment B: the trained RMSE of u against the number of neurons N at the optimal viscosity
// eps* = N^(-1/d) (Theorem 8.1), for a smooth target, with the fitted exponent alpha in
// RMSE ~ N^(-alpha). Training is hjnet's own train() (Adam in Hopf–Cole coordinates, the product's
// default, then L-BFGS), with Theorem 8.1's closed-form construction and the paper's W, b
// parametrisation as comparison rows; the test RMSE comes from the engine's evaluate on held-out points.
import { createModel } from '../../src/engine/index.js';
import { train, type TrainRequest } from '../../src/engine/training/index.js';
import type { Context, Outcome } from './context.js';
import { logLogSlope } from './lib/stats.js';
import { chart } from './lib/svg.js';
import { Rng } from './lib/rng.js';

/** The smooth target: g(x) = (1/sqrt d) sum_a sin(2 x_a), Lipschitz constant 2. */
export function smoothTarget(X: Float64Array, n: number, d: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let a = 0; a < d; a++) s += Math.sin(2 * X[i * d + a]);
    y[i] = s / Math.sqrt(d);
  }
  return y;
}

function uniformCube(rng: Rng, n: number, d: number): Float64Array {
  return Float64Array.from({ length: n * d }, () => rng.range(-1, 1));
}

export async function trainedRmse(opts: {
  X: Float64Array;
  y: Float64Array;
  Xt: Float64Array;
  yt: Float64Array;
  d: number;
  N: number;
  eps: number;
  seed: number;
  /** The rest of the training request (method, steps, lr, parametrization ...). */
  request: Partial<TrainRequest>;
}): Promise<{ rmse: number; seconds: number; eps: number; t: number }> {
  const { X, y, Xt, yt, d, N } = opts;
  const n = y.length;
  const nt = yt.length;
  const t0 = performance.now();
  const { spec } = await train({
    task: 'regression',
    data: { X: { data: X, shape: [n, d] }, y: { data: y, shape: [n] } },
    N,
    eps: opts.eps,
    validation_split: 0,
    seed: opts.seed,
    ...opts.request,
  });
  const model = await createModel(spec);
  const { u } = await model.evaluate({ data: Xt, shape: [nt, d] }, { outputs: [] });
  let s = 0;
  for (let i = 0; i < nt; i++) s += (u.data[i] - yt[i]) ** 2;
  return { rmse: Math.sqrt(s / nt), seconds: (performance.now() - t0) / 1000, eps: spec.eps, t: spec.t as number };
}

const COLORS: Record<number, string> = { 1: '#1f77b4', 2: '#d62728', 4: '#2ca02c' };

export async function scaling(ctx: Context): Promise<Outcome> {
  const dims = [1, 2, 4];
  const Ns = ctx.quick ? [8, 16, 32, 64] : [8, 16, 32, 64, 128, 256, 512];
  const adamSteps = ctx.quick ? 200 : 1000;
  const lbfgsSteps = ctx.quick ? 50 : 300;
  const n = ctx.quick ? 2048 : 8192;
  const nt = ctx.quick ? 1024 : 4096;
  const rng = new Rng(ctx.seed + 6);
  const alpha: number[] = [];
  const alphaWeights: number[] = [];
  const alphaClosed: number[] = [];
  const byD: Record<string, unknown> = {};
  const series = [];
  for (const d of dims) {
    const X = uniformCube(rng, n, d);
    const y = smoothTarget(X, n, d);
    const Xt = uniformCube(rng, nt, d);
    const yt = smoothTarget(Xt, nt, d);
    const rows: { N: number; eps: number; lr: number; t: number; rmse: number; rmse_closed_form: number; rmse_weights: number; seconds: number }[] = [];
    for (const N of Ns) {
      const eps = N ** (-1 / d);
      // Adam moves support points by about lr per step: keep that below the spacing (~N^(-1/d)).
      const lr = Math.min(1e-2, 0.1 * N ** (-1 / d));
      const base = { X, y, Xt, yt, d, N, eps, seed: ctx.seed };
      const hj = await trainedRmse({ ...base, request: { method: 'lbfgs', warm_start_steps: adamSteps, steps: lbfgsSteps, lr, batch_size: 256 } });
      // Theorem 8.1's construction without optimisation.
      const cf = await trainedRmse({ ...base, request: { method: 'closed-form' } });
      // The paper's parametrisation: W ~ N(0, 0.01/d), b = 0, data-scale t, Adam with lr 5e-3.
      const pw = await trainedRmse({ ...base, request: { method: 'adam', parametrization: 'weights', steps: adamSteps + lbfgsSteps * 5, lr: 5e-3, batch_size: 256 } });
      const seconds = hj.seconds + cf.seconds + pw.seconds;
      rows.push({ N, eps, lr, t: hj.t, rmse: hj.rmse, rmse_closed_form: cf.rmse, rmse_weights: pw.rmse, seconds });
      ctx.log(
        `scaling d=${d} N=${N} eps*=${eps.toPrecision(3)}: RMSE ${hj.rmse.toExponential(3)} (trained, HJ coordinates), ${cf.rmse.toExponential(3)} (closed form), ${pw.rmse.toExponential(3)} (paper W, b) [${seconds.toFixed(1)} s]`,
      );
    }
    const fit = logLogSlope(rows.map((r) => r.N), rows.map((r) => r.rmse));
    const fitW = logLogSlope(rows.map((r) => r.N), rows.map((r) => r.rmse_weights));
    const fitC = logLogSlope(rows.map((r) => r.N), rows.map((r) => r.rmse_closed_form));
    alpha.push(-fit.slope);
    alphaWeights.push(-fitW.slope);
    alphaClosed.push(-fitC.slope);
    byD[`d${d}`] = { rows, alpha: -fit.slope, r2: fit.r2, alpha_closed_form: -fitC.slope, alpha_weights: -fitW.slope };
    series.push({ name: `d = ${d}, trained: α̂ = ${(-fit.slope).toFixed(2)}`, x: Ns, y: rows.map((r) => r.rmse), mode: 'both' as const, color: COLORS[d] });
    series.push({ name: `d = ${d}, closed form: α̂ = ${(-fitC.slope).toFixed(2)}`, x: Ns, y: rows.map((r) => r.rmse_closed_form), mode: 'line' as const, dash: true, color: COLORS[d] });
  }
  return {
    key: 'scaling',
    result: {
      d: dims,
      alpha,
      paper_alpha: dims.map((d) => 1 / d),
      alpha_closed_form: alphaClosed,
      alpha_paper_parametrization: alphaWeights,
      N: Ns,
      target: 'g(x) = (1/sqrt d) sum_a sin(2 x_a), x ~ U[-1, 1]^d',
      n_train: n,
      n_test: nt,
      adam_steps: adamSteps,
      lbfgs_steps: lbfgsSteps,
      batch_size: 256,
      training:
        "train({method: 'lbfgs', warm_start_steps: " + adamSteps + ", steps: " + lbfgsSteps + ", lr: min(1e-2, 0.1 N^(-1/d)), batch_size: 256, eps: N^(-1/d), t: auto}) in HJ coordinates; comparisons: method 'closed-form' (Theorem 8.1's construction) and the paper's parametrization 'weights' (Adam, " + (adamSteps + 5 * lbfgsSteps) + ' steps, lr 5e-3)',
      by_d: byD,
    },
    figures: [
      {
        file: 'scaling.svg',
        caption: 'Experiment B: test RMSE against N at eps* = N^(-1/d)',
        svg: chart({ title: 'Experiment B: RMSE at eps* = N^(−1/d)', xlabel: 'N', ylabel: 'test RMSE', xlog: true, ylog: true, ymax: 10, height: 460, series }),
      },
    ],
  };
}
