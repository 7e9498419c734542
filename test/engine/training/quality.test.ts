// What training reaches, evaluated by the inference engine on the raw-unit model it returns.
import t from 'tap';
import { createModel } from '../../../src/engine/index.js';
import { train } from '../../../src/engine/training/index.js';
import { absData, absGrid, blobs, rmse } from './fixtures/data.js';

const grid = absGrid(1001);

async function absRmse(method: 'adam' | 'closed-form' | 'lbfgs' | 'fixed-support', seed: number) {
  const data = absData(400, 1000 + seed);
  const result = await train({ task: 'regression', data, method, N: 30, eps: 'auto', t: 'auto', seed });
  const model = await createModel(result.spec);
  const { u } = await model.evaluate(grid.X);
  return { error: rmse(u.data, grid.y), result };
}

t.test('|x| on [-2.4, 2.4], 400 rows, N = 30, auto gauge', async (t) => {
  for (const seed of [1, 2, 3]) {
    const adam = await absRmse('adam', seed);
    t.ok(adam.error <= 0.02, `adam test RMSE ${adam.error.toFixed(4)} <= 0.02 (seed ${seed})`);
    const closed = await absRmse('closed-form', seed);
    t.ok(closed.error <= 0.04, `closed-form test RMSE ${closed.error.toFixed(4)} <= 0.04 (seed ${seed})`);
  }
  const lbfgs = await absRmse('lbfgs', 1);
  t.ok(lbfgs.error <= 0.02, `lbfgs test RMSE ${lbfgs.error.toFixed(4)} <= 0.02`);
  const fixed = await absRmse('fixed-support', 1);
  t.ok(fixed.error <= 0.04, `fixed-support test RMSE ${fixed.error.toFixed(4)} <= 0.04`);
  const { result } = await absRmse('adam', 1);
  const training = result.spec.training as Record<string, any>;
  t.equal(training.method, 'adam');
  t.equal(training.support_rows.length, 30, 'each support point names its training row');
  t.ok(training.metrics.val_rmse < 0.03, `validation RMSE ${training.metrics.val_rmse}`);
  t.equal(result.history.at(-1)?.step, 2000);
});

t.test('the auto gauge beats a gauge off by 10x either way', async (t) => {
  // The rule t = h/(2L), eps = L h/4 against t and eps ten times larger or smaller
  // (same data, same closed-form construction).
  const data = absData(400, 77);
  const auto = await train({ task: 'regression', data, method: 'closed-form', N: 30, seed: 5 });
  const rawT = auto.spec.t as number;
  const rawEps = auto.spec.eps;
  const errorOf = async (spec: typeof auto.spec) => rmse((await (await createModel(spec)).evaluate(grid.X)).u.data, grid.y);
  const best = await errorOf(auto.spec);
  for (const f of [0.1, 10]) {
    const other = await train({ task: 'regression', data, method: 'closed-form', N: 30, seed: 5, t: rawT * f, eps: rawEps * f });
    const e = await errorOf(other.spec);
    t.ok(best < e, `auto ${best.toFixed(4)} < ${e.toFixed(4)} with t, eps x${f}`);
  }
  const training = auto.spec.training as Record<string, any>;
  const { h_standardised: h, L_standardised: L } = training.gauge;
  const st = training.standardization;
  // Back in standardised units the stored gauge is the rule's.
  t.ok(Math.abs((rawT * st.y_scale) / st.x_scale ** 2 - h / (2 * L)) < 1e-12, 't = h/(2L)');
  t.ok(Math.abs(rawEps / st.y_scale - (L * h) / 4) < 1e-12, 'eps = L h/4');
});

t.test('two Gaussian blobs in 2-D', async (t) => {
  const trainSet = blobs(400, 3);
  const test = blobs(2000, 4);
  for (const method of ['adam', 'lbfgs', 'closed-form'] as const) {
    const result = await train({ task: 'classification', data: trainSet, method, seed: 2 });
    const model = await createModel(result.spec);
    t.equal(model.info.K, 2);
    const { class: cls } = await model.evaluate(test.X);
    let correct = 0;
    for (let i = 0; i < test.y.length; i++) correct += cls!.data[i] === test.y[i] ? 1 : 0;
    const accuracy = correct / test.y.length;
    t.ok(accuracy >= 0.95, `${method}: test accuracy ${accuracy.toFixed(3)} >= 0.95`);
  }
});

t.test('the paper parametrisation trains and stays finite', async (t) => {
  const data = absData(400, 5);
  const result = await train({ task: 'regression', data, parametrization: 'weights', N: 30, steps: 500, seed: 1 });
  const training = result.spec.training as Record<string, any>;
  t.equal(training.parametrization, 'weights');
  t.equal(training.support_rows, undefined, 'random weights name no training rows');
  t.ok(result.history[0].loss! > result.history.at(-1)!.loss!, 'the loss decreases');
  const model = await createModel(result.spec);
  const { u } = await model.evaluate(grid.X);
  t.ok(u.data.every(Number.isFinite));
});
