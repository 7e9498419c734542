// train(request): a Hopf–Cole model fitted to data (SPEC section 4), ready for createModel
// in raw units. Validation, standardisation, the split, initialisation and the gauge run
// here; the optimisation loop runs in native code off the event loop.
import { Described, rangeError } from '../errors.js';
import type { ModelSpec } from '../types.js';
import { autoEps, autoT, GAUGE_RULE, lipschitzEstimate, supportSpacing } from './gauge.js';
import { CLASSIFICATION_MARGIN, initialTargets, supportCoordinates, supportInit, weightsInit } from './init.js';
import { trainingBinding, type NativeLayer, type NativeProgress, type NativeTargets, type NativeTraining } from './native.js';
import { permutation, seededUniform } from './random.js';
import { optimizerSteps, parseTrainRequest, type TrainPlan, type TrainRequest } from './request.js';
import { fitStandardization, gaugeToStandard, standardizeInputs, standardizeTargets, toRawUnits, type Standardization } from './standardize.js';

/** Progress in raw units (loss: MSE or cross-entropy; val_metric: RMSE or accuracy); null while unknown. */
export interface TrainProgress {
  step: number;
  steps: number;
  loss: number | null;
  val_metric: number | null;
}

export type TrainHistoryEntry = Omit<TrainProgress, 'steps'>;

export interface TrainOptions {
  /** Cancels the run (within a step); train() then rejects with signal.reason. */
  signal?: AbortSignal;
  /** Called at most every ~100 ms, and after the last step. */
  onProgress?: (progress: TrainProgress) => void;
  /** Work shares of the native loop (default: the pool size); results are reproducible for a seed and this count. */
  threads?: number;
}

export interface TrainResult {
  /** The model in raw units, support form {y, g}, with `training` provenance. */
  spec: ModelSpec;
  history: TrainHistoryEntry[];
}

/** Support points per head unless N is given. */
const DEFAULT_N = 128;
const DEFAULT_N_CLOSED_FORM = 2048;
/**
 * Lloyd steps after the k-means++ seeding (kept on training rows), within a budget of
 * distance terms n N d (about a second of one core).
 */
const LLOYD_ITERATIONS = 10;
const LLOYD_BUDGET = 2e9;
/** History entries (and validations) over a run. */
const HISTORY_POINTS = 100;

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('The training was aborted', 'AbortError');
}

function gatherLabels(labels: Int32Array, rows: ArrayLike<number>): Int32Array {
  return Int32Array.from(rows, (r) => labels[r]);
}

/** The rows of the split: a seeded shuffle, the first validation_split of it held out. */
function split(plan: TrainPlan): { train: Uint32Array; val: Uint32Array } {
  const perm = permutation(plan.n, seededUniform(plan.seed, 1));
  const nval = Math.floor(plan.n * plan.validationSplit);
  return { val: perm.slice(0, nval).sort(), train: perm.slice(nval).sort() };
}

interface Metrics {
  loss: number;
  metric: number;
}

/** Loss and RMSE / accuracy of predictions u [n, K] in standardised units. */
function metrics(u: Float64Array, y: NativeTargets, n: number, K: number, regression: boolean): Metrics {
  if (regression) {
    let s = 0;
    for (let i = 0; i < n * K; i++) s += (u[i] - y[i]) ** 2;
    const mse = s / (n * K);
    return { loss: mse, metric: Math.sqrt(mse) };
  }
  let ce = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let m = -Infinity;
    for (let k = 0; k < K; k++) {
      m = Math.max(m, -u[i * K + k]);
      if (u[i * K + k] < u[i * K + best]) best = k;
    }
    let S = 0;
    for (let k = 0; k < K; k++) S += Math.exp(-u[i * K + k] - m);
    ce += m + Math.log(S) + u[i * K + y[i]];
    if (best === y[i]) correct++;
  }
  return { loss: ce / n, metric: correct / n };
}

async function runNative(native: NativeTraining, config: Parameters<NativeTraining['trainHopfCole']>[0], options: TrainOptions, toRaw: (p: NativeProgress) => TrainProgress) {
  const { signal, onProgress } = options;
  // An abort during the set-up (k-means++, gauge) fired before any listener: no 'abort' event comes again.
  if (signal?.aborted) throw abortReason(signal);
  let settled = false;
  const job = native.trainHopfCole(config, (p) => {
    if (!settled && onProgress) onProgress(toRaw(p));
  });
  const abort = () => job.cancel();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    return await job.promise;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'HJNET_CANCELLED') throw abortReason(signal);
    if (code === 'HJNET_NON_FINITE_LOSS') throw new Error('non-finite loss');
    throw err;
  } finally {
    settled = true;
    signal?.removeEventListener('abort', abort);
  }
}

export async function train(request: TrainRequest, options: TrainOptions = {}): Promise<TrainResult> {
  const plan = parseTrainRequest(request);
  const { signal } = options;
  if (signal?.aborted) throw abortReason(signal);
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1 && options.threads <= 1024)) {
    throw rangeError('threads', 'integer in [1, 1024]', options.threads);
  }
  const native = trainingBinding();
  const { task, method, K, d } = plan;
  const regression = task === 'regression';
  const weights = plan.parametrization === 'weights';

  const rows = split(plan);
  const n = rows.train.length;
  const nval = rows.val.length;
  const N = plan.N ?? Math.min(n, method === 'closed-form' || method === 'fixed-support' ? DEFAULT_N_CLOSED_FORM : DEFAULT_N);
  if (N > n) throw rangeError('N', `at most ${n} (the training rows after the validation split)`, plan.N);
  const st: Standardization = fitStandardization(plan.X, d, plan.targets, K, rows.train);
  const X = standardizeInputs(st, plan.X, d, rows.train);
  const Xval = standardizeInputs(st, plan.X, d, rows.val);
  const y: NativeTargets = regression ? standardizeTargets(st, plan.targets as Float64Array, K, rows.train) : gatherLabels(plan.labels as Int32Array, rows.train);
  const yval: NativeTargets = regression ? standardizeTargets(st, plan.targets as Float64Array, K, rows.val) : gatherLabels(plan.labels as Int32Array, rows.val);

  // Support rows by k-means++ (all rows, in order, when N = n); they also give the spacing h.
  const lloyd = Math.max(0, Math.min(LLOYD_ITERATIONS, Math.floor(LLOYD_BUDGET / (n * N * d))));
  const support = N === n ? Int32Array.from({ length: n }, (_, i) => i) : await native.kmeansPlusPlus(X, n, d, N, plan.seed, lloyd);
  const P = new Float64Array(N * d);
  for (let j = 0; j < N; j++) P.set(X.subarray(support[j] * d, (support[j] + 1) * d), j * d);
  const columns = initialTargets(regression ? (y as Float64Array) : null, regression ? null : (y as Int32Array), n, K);
  const est = { h: await supportSpacing(native, P, N, d), L: await lipschitzEstimate(native, X, n, d, columns, K, plan.seed) };

  // The gauge in standardised units: given values are raw; the paper's parametrisation
  // defaults to the data-scale gauge t = 1 and eps* = N^(-1/d).
  const given = gaugeToStandard(st, typeof plan.t === 'number' ? plan.t : 1, typeof plan.eps === 'number' ? plan.eps : 0);
  const t = typeof plan.t === 'number' ? given.t : plan.t === 'auto' || !weights ? autoT(est) : 1;
  const eps = typeof plan.eps === 'number' ? given.eps : plan.eps === 'auto' || !weights ? autoEps(est) : N ** (-1 / d);
  if (!(t > 0 && Number.isFinite(t))) throw rangeError('t', 'a gauge time that stays finite and > 0 in standardised units', plan.t);
  if (!(eps >= 0 && Number.isFinite(eps))) throw rangeError('eps', 'a viscosity that stays finite in standardised units', plan.eps);

  const layer: NativeLayer = { K, N, d, t, eps, parametrization: plan.parametrization, loss: regression ? 'squared' : 'cross-entropy' };
  let theta = weights ? weightsInit(K, N, d, plan.seed) : supportInit(X, d, columns, K, support, regression ? est.L * est.L * t : 0);

  // Raw units: MSE and RMSE scale with a^2 and a; cross-entropy and accuracy do not.
  const a = st.yScale;
  const rawLoss = (v: number) => finiteOrNull(regression ? v * a * a : v);
  const rawMetric = (v: number) => finiteOrNull(regression ? v * a : v);

  if (method === 'closed-form' && regression) {
    // Theorem 8.1's g = target + L^2 t is exact at eps = 0 for linear targets; the soft
    // minimum lowers u by about eps log(effective support), nearly the same everywhere, so
    // each head's initial data get the least-squares constant back (one forward pass).
    const u = await native.predictHopfCole({ layer, theta, X, n, precision: plan.precision, threads: options.threads });
    for (let k = 0; k < K; k++) {
      let delta = 0;
      for (let i = 0; i < n; i++) delta += (y as Float64Array)[i * K + k] - u[i * K + k];
      delta /= n;
      for (let j = 0; j < N; j++) theta[K * N * d + k * N + j] += delta;
    }
  }

  let history: TrainHistoryEntry[] = [];
  let stepsRun = 0;
  let stoppedEarly = false;
  let bestStep = 0;
  // closed-form's one forward pass (predictHopfCole) runs on the CPU
  let device = 'cpu';
  if (method !== 'closed-form') {
    const { adam: adamSteps, lbfgs: lbfgsSteps } = optimizerSteps(plan);
    const total = adamSteps + lbfgsSteps;
    const outcome = await runNative(
      native,
      {
        layer,
        precision: plan.precision,
        threads: options.threads,
        adamSteps,
        lbfgsSteps,
        lr: plan.lr,
        batchSize: plan.batchSize,
        seed: plan.seed,
        trainPoints: method !== 'fixed-support',
        evalEvery: Math.max(1, Math.ceil(total / HISTORY_POINTS)),
        patience: plan.patience,
        X,
        n,
        y,
        Xval,
        nval,
        yval,
        theta,
      },
      options,
      (p) => ({ step: p.step, steps: p.steps, loss: rawLoss(p.loss), val_metric: rawMetric(p.val_metric) }),
    );
    theta = outcome.theta;
    const h = outcome.history;
    history = Array.from(h.step, (step, i) => ({ step, loss: rawLoss(h.loss[i]), val_metric: rawMetric(h.val_metric[i]) }));
    stepsRun = outcome.stepsRun;
    stoppedEarly = outcome.stoppedEarly;
    bestStep = outcome.bestStep;
    device = outcome.device;
  }
  if (signal?.aborted) throw abortReason(signal);

  // Metrics at the returned parameters (the best ones under early stopping).
  const precision = plan.precision;
  const fit = metrics(await native.predictHopfCole({ layer, theta, X, n, precision, threads: options.threads }), y, n, K, regression);
  const val = nval > 0 ? metrics(await native.predictHopfCole({ layer, theta: theta, X: Xval, n: nval, precision, threads: options.threads }), yval, nval, K, regression) : null;
  if (!Number.isFinite(fit.loss)) throw new Error('non-finite loss');
  // Closed-form has no steps: one report of the fit, so that job views see it finish.
  if (method === 'closed-form') options.onProgress?.({ step: 0, steps: 0, loss: rawLoss(fit.loss), val_metric: val ? rawMetric(val.metric) : null });

  const std = supportCoordinates(theta, K, N, d, t, weights);
  const raw = toRawUnits(st, layer, std.y, std.g);
  if (![raw.t, raw.eps].every(Number.isFinite) || !raw.y.every(Number.isFinite) || !raw.g.every(Number.isFinite)) {
    throw new Error('non-finite loss');
  }
  if (!(raw.t > 0)) throw rangeError('t', 'a gauge time > 0 in raw units', new Described(String(raw.t)));

  const metricsOut: Record<string, number | null> = { train_loss: rawLoss(fit.loss) };
  if (regression) metricsOut.val_rmse = val ? rawMetric(val.metric) : null;
  else {
    metricsOut.train_accuracy = fit.metric;
    metricsOut.val_accuracy = val ? val.metric : null;
  }
  const originalRow = (i: number) => rows.train[i];
  const training: Record<string, unknown> = {
    method,
    parametrization: plan.parametrization,
    ...(method === 'fixed-support' ? { optimizer: plan.optimizer } : {}),
    steps: stepsRun,
    seed: plan.seed,
    eps: raw.eps,
    t: raw.t,
    N,
    lr: method === 'closed-form' ? null : plan.lr,
    batch_size: method === 'closed-form' ? null : plan.batchSize,
    validation_split: plan.validationSplit,
    precision,
    device,
    n_train: n,
    n_val: nval,
    early_stopping: plan.patience > 0 ? { patience: plan.patience, stopped_early: stoppedEarly, best_step: bestStep } : null,
    gauge: {
      rule: GAUGE_RULE,
      t: typeof plan.t === 'number' ? 'given' : plan.t === 'auto' || !weights ? 'auto' : 'data-scale',
      eps: typeof plan.eps === 'number' ? 'given' : plan.eps === 'auto' || !weights ? 'auto' : 'eps*',
      h_standardised: est.h,
      L_standardised: est.L,
    },
    ...(regression ? {} : { classification_margin: CLASSIFICATION_MARGIN }),
    standardization: { x_mean: Array.from(st.xMean), x_scale: st.xScale, y_mean: Array.from(st.yMean), y_scale: st.yScale },
    metrics: metricsOut,
    history,
    // Support point j of every head started at this training row (indices into data.X).
    ...(weights ? {} : { support_rows: Array.from(support, originalRow) }),
  };
  const single = regression && K === 1;
  const spec: ModelSpec = {
    ...(plan.name !== null ? { name: plan.name } : {}),
    task,
    eps: raw.eps,
    t: raw.t,
    support: {
      y: { data: raw.y, shape: single ? [N, d] : [K, N, d] },
      g: { data: raw.g, shape: single ? [N] : [K, N] },
    },
    training,
  };
  return { spec, history };
}
