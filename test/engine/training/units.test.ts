// Standardisation is undone exactly: the raw-unit model the engine evaluates equals
// a u((x - m)/s) + c of the layer trained in standardised units.
import t from 'tap';
import { createModel } from '../../../src/engine/index.js';
import { train } from '../../../src/engine/training/index.js';
import { trainingBinding } from '../../../src/engine/training/native.js';
import { mulberry32 } from '../../../src/engine/reference.js';

const native = trainingBinding();

/** Regression data with far-from-unit scales: inputs around 1e3 (scale 50), targets around -2e4 (scale 300). */
function data(n: number, d: number, K: number, seed: number) {
  const rand = mulberry32(seed);
  const X: number[][] = [];
  const y: number[][] = [];
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: d }, () => 1000 + 50 * (2 * rand() - 1));
    X.push(x);
    y.push(Array.from({ length: K }, (_, k) => -2e4 + 300 * Math.sin((x[0] - 1000) / 20 + k) + 100 * Math.cos((x[d - 1] - 1000) / 30)));
  }
  return { X, y };
}

for (const parametrization of ['support', 'weights'] as const) {
  t.test(`raw-unit model reproduces the standardised predictions (${parametrization})`, async (t) => {
    const { X, y } = data(300, 3, 2, 9);
    const result = await train({ task: 'regression', data: { X, y }, N: 20, steps: 300, seed: 4, parametrization });
    const training = result.spec.training as Record<string, any>;
    const st = training.standardization;
    const model = await createModel(result.spec);
    t.equal(model.info.K, 2);
    t.equal(model.info.N, 20);

    // The standardised layer, rebuilt from the raw model by the inverse maps.
    const yRaw = (result.spec.support as any).y.data as Float64Array;
    const gRaw = (result.spec.support as any).g.data as Float64Array;
    const K = 2, N = 20, d = 3;
    const theta = new Float64Array(K * N * d + K * N);
    for (let p = 0; p < K * N; p++) for (let c = 0; c < d; c++) theta[p * d + c] = (yRaw[p * d + c] - st.x_mean[c]) / st.x_scale;
    for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) theta[K * N * d + k * N + j] = (gRaw[k * N + j] - st.y_mean[k]) / st.y_scale;
    const tStd = ((result.spec.t as number) * st.y_scale) / st.x_scale ** 2;
    const epsStd = result.spec.eps / st.y_scale;
    const queries = data(50, 3, 1, 10).X;
    const Xs = new Float64Array(50 * d);
    queries.forEach((q, i) => q.forEach((v, c) => (Xs[i * d + c] = (v - st.x_mean[c]) / st.x_scale)));
    const uStd = await native.predictHopfCole({
      layer: { K, N, d, t: tStd, eps: epsStd, parametrization: 'support', loss: 'squared' },
      theta,
      X: Xs,
      n: 50,
    });
    const { u } = await model.evaluate(queries);
    let worst = 0;
    for (let i = 0; i < 50 * K; i++) {
      const expected = st.y_scale * uStd[i] + st.y_mean[i % K];
      worst = Math.max(worst, Math.abs(u.data[i] - expected) / Math.max(1, Math.abs(expected)));
    }
    t.ok(worst < 1e-9, `max relative difference ${worst.toExponential(2)}`);
    // And the fit is in raw units: RMSE against the raw targets of the training data.
    t.ok(training.metrics.train_loss < 300 ** 2, `train MSE ${training.metrics.train_loss} in raw units`);
  });
}
