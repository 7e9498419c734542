// Attention is a Gibbs measure: softmax(Q K^T / sqrt(d)) V equals the engine's Gibbs weights pi
// for the LSE layer with W = K, b = 0 and eps = sqrt(d), times V.
import { createModel } from '../../src/engine/index.js';
import type { Context, Outcome } from './context.js';
import { chart } from './lib/svg.js';
import { Rng } from './lib/rng.js';

/** softmax(Q K^T / sqrt(d)) V in plain float64, the textbook way (max-shifted). */
function attentionReference(Q: number[][], K: number[][], V: number[][]): number[][] {
  const d = Q[0].length;
  return Q.map((q) => {
    const s = K.map((k) => k.reduce((acc, v, a) => acc + v * q[a], 0) / Math.sqrt(d));
    const m = Math.max(...s);
    const e = s.map((v) => Math.exp(v - m));
    const z = e.reduce((a, b) => a + b, 0);
    return V[0].map((_, c) => e.reduce((acc, w, j) => acc + (w / z) * V[j][c], 0));
  });
}

export async function attention(ctx: Context): Promise<Outcome> {
  const trials = ctx.quick ? 50 : 500;
  const dims = [4, 8, 16, 32, 64];
  const n = 32; // keys (sequence length)
  const nq = 8; // queries per trial
  const dv = 16; // value width
  const rng = new Rng(ctx.seed + 1);
  const perD: number[] = [];
  for (const d of dims) {
    let worst = 0;
    for (let trial = 0; trial < trials; trial++) {
      const gen = (r: number, c: number) => Array.from({ length: r }, () => Array.from(rng.normals(c)));
      const Q = gen(nq, d);
      const K = gen(n, d);
      const V = gen(n, dv);
      const model = await createModel({ eps: Math.sqrt(d), W: K, b: new Array(n).fill(0) });
      const { pi } = await model.evaluate(Q, { outputs: ['pi'] });
      const ref = attentionReference(Q, K, V);
      for (let i = 0; i < nq; i++) {
        for (let c = 0; c < dv; c++) {
          let out = 0;
          for (let j = 0; j < n; j++) out += pi!.data[i * n + j] * V[j][c];
          worst = Math.max(worst, Math.abs(out - ref[i][c]));
        }
      }
    }
    perD.push(worst);
    ctx.log(`attention d=${d}: max |softmax(QK^T/sqrt d)V - pi V| = ${worst.toExponential(2)}`);
  }
  const svg = chart({
    title: 'Attention = Gibbs weights × V (n = 32 keys, 8 queries)',
    xlabel: 'd',
    ylabel: 'max abs difference',
    xlog: true,
    ylog: true,
    series: [{ name: 'hjnet pi·V vs softmax(QKᵀ/√d)V', x: dims, y: perD.map((e) => Math.max(e, 1e-18)), mode: 'both' }],
  });
  return {
    key: 'attention',
    result: {
      d: dims,
      max_abs_error: Math.max(...perD),
      trials,
      keys: n,
      queries_per_trial: nq,
      value_width: dv,
      max_abs_error_per_d: perD,
      construction: 'W = K, b = 0, eps = sqrt(d); reference softmax computed separately in float64',
    },
    figures: [{ file: 'attention.svg', caption: 'softmax attention against the engine Gibbs weights', svg }],
  };
}
