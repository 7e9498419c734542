// Theorem 4.1: f(x) + u(x) = |x|^2/(4t) for every x, eps and t (the Hopf–Cole reading of the LSE
// layer). The engine computes u from the distance form (no cancellation of |x|^2/(4t) - f), so
// the identity checks the two code paths against each other.
import { createModel } from '../../src/engine/index.js';
import type { Context, Outcome } from './context.js';
import { chart } from './lib/svg.js';
import { Rng } from './lib/rng.js';

export async function identity(ctx: Context): Promise<Outcome> {
  const trials = ctx.quick ? 50 : 500;
  const epsList = [0.05, 0.1, 0.2, 0.5, 1.0];
  const N = 32;
  const d = 8;
  const t = 1;
  const B = 16;
  const rng = new Rng(ctx.seed);
  const perEps: number[] = [];
  const perEpsRel: number[] = [];
  const errors: number[] = [];
  for (const eps of epsList) {
    let worst = 0;
    let worstRel = 0;
    for (let trial = 0; trial < trials; trial++) {
      const W = Array.from({ length: N }, () => Array.from(rng.normals(d, 1 / Math.sqrt(d))));
      const b = Array.from(rng.normals(N));
      const X = Array.from({ length: B }, () => Array.from(rng.normals(d)));
      const model = await createModel({ eps, t, W, b });
      const res = await model.evaluate(X, { outputs: [] });
      let trialWorst = 0;
      for (let i = 0; i < B; i++) {
        const q = X[i].reduce((s, v) => s + v * v, 0) / (4 * t);
        const f = res.f.data[i];
        const u = res.u.data[i];
        const err = Math.abs(f + u - q);
        trialWorst = Math.max(trialWorst, err);
        worstRel = Math.max(worstRel, err / Math.max(Math.abs(f), Math.abs(u), q, 1e-300));
      }
      errors.push(trialWorst);
      worst = Math.max(worst, trialWorst);
    }
    perEps.push(worst);
    perEpsRel.push(worstRel);
    ctx.log(`identity eps=${eps}: max |f + u - |x|^2/(4t)| = ${worst.toExponential(2)}`);
  }
  const svg = chart({
    title: 'Theorem 4.1: |f + u − |x|²/(4t)| (N = 32, d = 8)',
    xlabel: 'eps',
    ylabel: 'max abs error over trials',
    xlog: true,
    ylog: true,
    series: [
      { name: 'hjnet (float64)', x: epsList, y: perEps.map((e) => Math.max(e, 1e-18)), mode: 'both' },
      { name: 'paper: 8.9e-16', x: epsList, y: epsList.map(() => 8.9e-16), dash: true },
    ],
  });
  return {
    key: 'identity',
    result: {
      trials,
      eps: epsList,
      max_abs_error: Math.max(...perEps),
      N,
      d,
      t,
      queries_per_trial: B,
      max_abs_error_per_eps: perEps,
      max_rel_error: Math.max(...perEpsRel),
      precision: 'float64',
    },
    figures: [{ file: 'identity.svg', caption: 'Theorem 4.1 identity error against eps', svg }],
  };
}
