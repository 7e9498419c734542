// Experiment E with Fashion-MNIST in place of MNIST: PCA to 50 dimensions, an LSE layer of N = 128
// neurons trained by hjnet's train() (Adam, 5000 steps, lr 5e-3, batch 256) to regress the class
// label (0..9) with u, for eps in {0.1, 0.3, 1, 3, 10}; on 300 test images the engine's hessian_norm
// against the paper's bound M^2/eps and the Popoviciu bound D^2/(4 eps), and the test RMSE.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readIdx } from '../../src/data/idx.js';
import { createModel } from '../../src/engine/index.js';
import { train, type Parametrization } from '../../src/engine/training/index.js';
import type { Context, Outcome } from './context.js';
import { curvatureAt } from './hessian.js';
import { fitPca, projectPca } from './lib/eigen.js';
import { chart } from './lib/svg.js';
import { Rng } from './lib/rng.js';

export const FASHION_DIR = process.env.HJNET_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';

/**
 * The row reported under the keys: hjnet's default training (Adam in HJ coordinates). The paper's
 * own parametrisation (W ~ N(0, 0.01/d), b = 0, data-scale t) runs with the same settings beside it.
 */
const PRIMARY: Parametrization = 'support';
const OTHER: Parametrization = ({ support: 'weights', weights: 'support' } as const)[PRIMARY as Parametrization];
const LABEL: Record<Parametrization, string> = { support: 'HJ coordinates', weights: 'paper W, b' };

export async function fashionMnist(ctx: Context): Promise<Outcome> {
  const epsList = ctx.quick ? [0.1, 1, 10] : [0.1, 0.3, 1, 3, 10];
  const steps = ctx.quick ? 300 : 5000;
  const nTrainMax = ctx.quick ? 6000 : 60000;
  const k = 50;
  const N = 128;
  const nTest = 300;
  const files = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((f) => join(FASHION_DIR, f));
  const fieldsNull = { eps: epsList, max_measured: [], bound_paper: [], bound_ours: [], violations: null, rmse: [] };
  if (!files.every(existsSync)) {
    ctx.log(`fashion_mnist: skipped, no IDX files under ${FASHION_DIR} (Debian package dataset-fashion-mnist)`);
    return { key: 'fashion_mnist', result: { ...fieldsNull, skipped: `no Fashion-MNIST under ${FASHION_DIR}` }, figures: [] };
  }
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(files.map((f) => readIdx(f)));
  const p = trainImages.shape[1] * trainImages.shape[2];
  const rng = new Rng(ctx.seed + 7);
  // Training rows: all 60000 (quick: a seeded subset).
  const nAll = trainImages.shape[0];
  const rows = nTrainMax >= nAll ? Int32Array.from({ length: nAll }, (_, i) => i) : rng.permutation(nAll).subarray(0, nTrainMax).sort();
  const n = rows.length;
  const pixels = new Uint8Array(n * p);
  const y = new Float64Array(n);
  rows.forEach((r, i) => {
    pixels.set((trainImages.data as Uint8Array).subarray(r * p, (r + 1) * p), i * p);
    y[i] = trainLabels.data[r];
  });
  const t0 = performance.now();
  const pca = fitPca(pixels, n, p, k, 1 / 255);
  const X = projectPca(pca, pixels, n, 1 / 255);
  ctx.log(`fashion_mnist: PCA to ${k} of ${n} images in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(100 * pca.explained).toFixed(1)}% of the variance`);
  // 300 seeded test images for the curvature, and the whole test set for a second RMSE.
  const nTestAll = testImages.shape[0];
  const Xall = projectPca(pca, testImages.data as Uint8Array, nTestAll, 1 / 255);
  const yAll = Float64Array.from(testLabels.data as Uint8Array);
  const pick = rng.permutation(nTestAll).subarray(0, nTest).sort();
  const Xt = new Float64Array(nTest * k);
  const yt = new Float64Array(nTest);
  pick.forEach((r, i) => {
    Xt.set(Xall.subarray(r * k, (r + 1) * k), i * k);
    yt[i] = yAll[r];
  });
  const rmseOf = (u: Float64Array | Float32Array | Int32Array, target: Float64Array) => {
    let s = 0;
    for (let i = 0; i < target.length; i++) s += (u[i] - target[i]) ** 2;
    return Math.sqrt(s / target.length);
  };
  // The RMSE of the best constant (the training mean of the labels), for scale.
  const meanLabel = y.reduce((a, b) => a + b, 0) / n;
  const baseline = rmseOf(new Float64Array(nTest).fill(meanLabel), yt);
  const byParam: Record<string, Record<string, unknown>> = {};
  for (const parametrization of [PRIMARY, OTHER]) {
    const out = {
      eps: epsList,
      max_measured: [] as number[],
      bound_paper: [] as number[],
      bound_ours: [] as number[],
      violations: 0,
      violations_paper: 0,
      rmse: [] as number[],
      rmse_test_10000: [] as number[],
      train_rmse: [] as (number | null)[],
      median_measured: [] as number[],
      t: [] as number[],
      M: [] as number[],
      D: [] as number[],
      seconds: [] as number[],
    };
    for (const eps of epsList) {
      const t1 = performance.now();
      const { spec } = await train({
        task: 'regression',
        data: { X: { data: X, shape: [n, k] }, y: { data: y, shape: [n] } },
        method: 'adam',
        parametrization,
        N,
        eps,
        steps,
        lr: 5e-3,
        batch_size: 256,
        validation_split: 0,
        seed: ctx.seed,
      });
      const model = await createModel(spec);
      const c = await curvatureAt(model, Xt, nTest, model.info.eps);
      const { u } = await model.evaluate({ data: Xt, shape: [nTest, k] }, { outputs: [] });
      const { u: uAll } = await model.evaluate({ data: Xall, shape: [nTestAll, k] }, { outputs: [] });
      const metrics = (spec.training as { metrics?: { train_loss?: number | null } } | null)?.metrics;
      out.max_measured.push(c.max_measured);
      out.median_measured.push(Array.from(c.measured).sort((a, b) => a - b)[nTest >> 1]);
      out.bound_paper.push(c.bound_paper);
      out.bound_ours.push(c.bound_ours);
      out.violations += c.violations;
      out.violations_paper += c.violations_paper;
      out.rmse.push(rmseOf(u.data, yt));
      out.rmse_test_10000.push(rmseOf(uAll.data, yAll));
      out.train_rmse.push(metrics?.train_loss != null ? Math.sqrt(metrics.train_loss) : null);
      out.t.push(model.info.t);
      out.M.push(model.info.heads[0].M);
      out.D.push(model.info.heads[0].D);
      out.seconds.push((performance.now() - t1) / 1000);
      ctx.log(
        `fashion_mnist ${parametrization} eps=${eps}: RMSE ${out.rmse.at(-1)!.toFixed(3)}, max |hess f| ${c.max_measured.toPrecision(3)} <= D^2/(4eps) ${c.bound_ours.toPrecision(3)} <= M^2/eps ${c.bound_paper.toPrecision(3)} [${out.seconds.at(-1)!.toFixed(1)} s]`,
      );
    }
    byParam[parametrization] = out;
  }
  const main = byParam[PRIMARY] as { eps: number[]; max_measured: number[]; bound_paper: number[]; bound_ours: number[]; violations: number; rmse: number[] };
  const other = byParam[OTHER] as typeof main;
  const svg = chart({
    title: `Experiment E (Fashion-MNIST, PCA 50, N = ${N}): curvature on ${nTest} test images`,
    xlabel: 'eps',
    ylabel: '|hess f|',
    xlog: true,
    ylog: true,
    series: [
      { name: `max measured, ${LABEL[PRIMARY]}`, x: epsList, y: main.max_measured, mode: 'both' },
      { name: `M²/eps, ${LABEL[PRIMARY]}`, x: epsList, y: main.bound_paper, dash: true },
      { name: `D²/(4 eps), ${LABEL[PRIMARY]}`, x: epsList, y: main.bound_ours, dash: true },
      { name: `max measured, ${LABEL[OTHER]}`, x: epsList, y: other.max_measured, mode: 'both' },
      { name: `D²/(4 eps), ${LABEL[OTHER]}`, x: epsList, y: other.bound_ours, dash: true },
    ],
  });
  const svgRmse = chart({
    title: 'Experiment E: test RMSE of the label regression',
    xlabel: 'eps',
    ylabel: 'RMSE (label units)',
    xlog: true,
    series: [
      { name: LABEL[PRIMARY], x: epsList, y: main.rmse, mode: 'both' },
      { name: LABEL[OTHER], x: epsList, y: other.rmse, mode: 'both' },
    ],
  });
  return {
    key: 'fashion_mnist',
    result: {
      eps: epsList,
      max_measured: main.max_measured,
      bound_paper: main.bound_paper,
      bound_ours: main.bound_ours,
      violations: main.violations,
      rmse: main.rmse,
      baseline_rmse: baseline,
      primary_parametrization: PRIMARY,
      dataset: 'Fashion-MNIST (Debian dataset-fashion-mnist), pixels / 255',
      task: 'regression of the class label 0..9 with u',
      pca: { components: k, fitted_on: n, explained_variance: pca.explained, method: 'covariance from sparse pixel rows, Householder tridiagonalisation + implicit QL (tred2/tql2)' },
      N,
      steps,
      lr: 5e-3,
      batch_size: 256,
      n_train: n,
      test_images: nTest,
      by_parametrization: byParam,
    },
    figures: [
      { file: 'fashion_mnist_hessian.svg', caption: 'Experiment E: measured curvature against both bounds', svg },
      { file: 'fashion_mnist_rmse.svg', caption: 'Experiment E: test RMSE against eps', svg: svgRmse },
    ],
  };
}
