// The fused native pass: its loss against the plain TypeScript reference (distance form),
// its gradient against central finite differences, in both parametrisations and both losses.
import t from 'tap';
import { trainingBinding, type NativeLayer } from '../../../src/engine/training/native.js';
import { headFromSupport, headFromWeights, mulberry32, refU } from '../../../src/engine/reference.js';

const native = trainingBinding();

interface Problem {
  layer: NativeLayer;
  theta: Float64Array;
  X: Float64Array;
  n: number;
  y: Float64Array | Int32Array;
}

function problem(K: number, N: number, d: number, n: number, eps: number, parametrization: 'support' | 'weights', loss: NativeLayer['loss'], seed: number): Problem {
  const rand = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const layer: NativeLayer = { K, N, d, t: 0.4, eps, parametrization, loss };
  const theta = new Float64Array(K * N * d + K * N);
  for (let i = 0; i < theta.length; i++) theta[i] = (parametrization === 'weights' ? 0.8 : 1) * normal();
  const X = Float64Array.from({ length: n * d }, normal);
  const y = loss === 'squared' ? Float64Array.from({ length: n * K }, normal) : Int32Array.from({ length: n }, () => Math.floor(rand() * K));
  return { layer, theta, X, n, y };
}

/** u [n, K] by the reference, for the loss check. */
function refPredictions(p: Problem): number[] {
  const { K, N, d, t: tau, eps } = p.layer;
  const P = K * N * d;
  const u: number[] = [];
  const heads = Array.from({ length: K }, (_, k) => {
    const pts = Array.from({ length: N }, (_, j) => Array.from(p.theta.subarray((k * N + j) * d, (k * N + j + 1) * d)));
    const vals = Array.from(p.theta.subarray(P + k * N, P + (k + 1) * N));
    return p.layer.parametrization === 'support' ? headFromSupport(pts, vals, tau) : headFromWeights(pts, vals, tau);
  });
  for (let i = 0; i < p.n; i++) {
    const x = Array.from(p.X.subarray(i * d, (i + 1) * d));
    for (let k = 0; k < K; k++) u.push(refU(heads[k], x, eps));
  }
  return u;
}

function refLoss(p: Problem): number {
  const u = refPredictions(p);
  const { K } = p.layer;
  let s = 0;
  if (p.layer.loss === 'squared') {
    for (let i = 0; i < u.length; i++) s += (u[i] - p.y[i]) ** 2;
    return s / u.length;
  }
  for (let i = 0; i < p.n; i++) {
    const scores = u.slice(i * K, (i + 1) * K).map((v) => -v);
    const m = Math.max(...scores);
    const lse = m + Math.log(scores.reduce((a, v) => a + Math.exp(v - m), 0));
    s += lse - scores[p.y[i]];
  }
  return s / p.n;
}

const cases = [
  { K: 1, N: 7, d: 3, eps: 0.3, parametrization: 'support', loss: 'squared' },
  { K: 3, N: 5, d: 4, eps: 0.05, parametrization: 'support', loss: 'squared' },
  { K: 1, N: 9, d: 2, eps: 0, parametrization: 'support', loss: 'squared' },
  { K: 3, N: 6, d: 3, eps: 0.5, parametrization: 'support', loss: 'cross-entropy' },
  { K: 2, N: 4, d: 5, eps: 0, parametrization: 'support', loss: 'cross-entropy' },
  { K: 1, N: 6, d: 3, eps: 0.2, parametrization: 'weights', loss: 'squared' },
  { K: 4, N: 5, d: 2, eps: 1, parametrization: 'weights', loss: 'cross-entropy' },
  { K: 2, N: 40, d: 19, eps: 0.7, parametrization: 'support', loss: 'squared' },
] as const;

for (const [i, c] of cases.entries()) {
  t.test(`${c.parametrization} ${c.loss} K=${c.K} N=${c.N} d=${c.d} eps=${c.eps}`, async (t) => {
    // 37 rows: several register blocks and a partial one, on 1 and 3 shares.
    const p = problem(c.K, c.N, c.d, 37, c.eps, c.parametrization, c.loss, 100 + i);
    const { loss, grad } = native.lossGradHopfCole({ ...p, threads: 1 });
    const expected = refLoss(p);
    t.ok(Math.abs(loss - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `loss ${loss} vs reference ${expected}`);

    const h = 1e-6;
    let worst = 0;
    let scale = 0;
    for (let j = 0; j < p.theta.length; j++) {
      const plus = Float64Array.from(p.theta);
      const minus = Float64Array.from(p.theta);
      plus[j] += h;
      minus[j] -= h;
      const fd = (native.lossGradHopfCole({ ...p, theta: plus }).loss - native.lossGradHopfCole({ ...p, theta: minus }).loss) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - grad[j]));
      scale = Math.max(scale, Math.abs(grad[j]));
    }
    t.ok(worst <= 1e-6 * Math.max(scale, 1e-3), `max |fd - grad| = ${worst.toExponential(2)} (max |grad| ${scale.toExponential(2)})`);

    const shared = native.lossGradHopfCole({ ...p, threads: 3 });
    t.ok(Math.abs(shared.loss - loss) <= 1e-14 * Math.max(1, loss), 'three shares give the same loss');
    t.ok(shared.grad.every((g, j) => Math.abs(g - grad[j]) <= 1e-13 * Math.max(scale, 1)), 'and the same gradient');

    const single = native.lossGradHopfCole({ ...p, precision: 'float32' });
    const err = single.grad.reduce((m, g, j) => Math.max(m, Math.abs(g - grad[j])), 0);
    t.ok(Math.abs(single.loss - loss) <= 1e-4 * Math.max(1, loss), `float32 loss ${single.loss} near ${loss}`);
    t.ok(err <= 1e-3 * Math.max(scale, 1), `float32 gradient within 1e-3 (${err.toExponential(2)})`);
  });
}
