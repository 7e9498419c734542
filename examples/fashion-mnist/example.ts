// Fashion-MNIST end to end through hjnet's HTTP API (issue 5, "Real data"): the images are read
// with the library's IDX loader (src/data/mnist.ts), reduced to 50 principal components on the
// client with hjnet's own eigen solver (experiments/paper/lib/eigen.ts, shared with the paper
// reproduction), and everything else happens in the service: POST /v1/train, evaluate, attribute
// and certify-radius. The attribution grid links each top support point back to the training
// image it stands for through the model record's training.support_rows.
import { cpus, totalmem } from 'node:os';
import { fitPca, projectPca } from '../../experiments/paper/lib/eigen.js';
import { quantile } from '../../experiments/paper/lib/stats.js';
import { chart, histogram } from '../../experiments/paper/lib/svg.js';
import { encodeBase64Tensor, type BinaryTensor } from '../../src/data/base64-tensor.js';
import { FASHION_MNIST_CLASSES, imageRows, loadMnist, type MnistSplit } from '../../src/data/mnist.js';
import { attributionGrid } from './grid.js';
import { startService, type Service } from './service.js';

export interface ExampleOptions {
  /** An MNIST-format directory (default: Debian's dataset-fashion-mnist). */
  dataDir: string;
  /** Training rows for the PCA-50 models (the first rows of the training split). */
  trainRows: number;
  /** Training rows the principal components are fitted on. */
  pcaRows: number;
  /** Training rows for the raw-pixel model; 0 leaves it out. */
  rawRows: number;
  /** Test rows evaluated and certified (the first rows of the test split). */
  testRows: number;
  /** Adam steps of the PCA-50 and raw-pixel models. */
  steps: number;
  rawSteps: number;
  /** Support points per head: Adam on PCA-50, closed-form on PCA-50, Adam on raw pixels. */
  N: number;
  closedFormN: number;
  rawN: number;
  /** Test rows certified again under a projected-gradient attack, and its steps. */
  attackRows: number;
  attackSteps: number;
  /** Support points shown per test image in the grid. */
  k: number;
  seed: number;
  log: (message: string) => void;
}

/** The committed report's settings (a few minutes on two cores). */
export const FULL_RUN: Omit<ExampleOptions, 'dataDir' | 'log'> = {
  trainRows: 60000,
  pcaRows: 10000,
  rawRows: 20000,
  testRows: 10000,
  steps: 5000,
  rawSteps: 2000,
  N: 128,
  closedFormN: 2048,
  rawN: 64,
  attackRows: 500,
  attackSteps: 20,
  k: 6,
  seed: 1,
};

export const PCA_COMPONENTS = 50;
/** Radii at which the report gives the certified accuracy. */
export const RADII = [0.1, 0.25, 0.5, 1, 2];

export interface Attribution {
  test_row: number;
  label: number;
  predicted: number;
  entropy: number;
  effective_n: number;
  top: { support_point: number; training_row: number; training_label: number; pi: number }[];
}

export interface ModelResult {
  key: string;
  title: string;
  features: string;
  method: string;
  model_id: string;
  job_id: string;
  N: number;
  d: number;
  K: number;
  eps: number;
  t: number;
  steps: number;
  n_train: number;
  n_val: number;
  train_seconds: number;
  train_accuracy: number | null;
  val_accuracy: number | null;
  test_accuracy: number;
  attribution: Attribution[];
  radii: {
    test_images: number;
    min: number;
    q10: number;
    median: number;
    q90: number;
    max: number;
    /** Share of test images classified right with a certified radius >= r, for r in RADII. */
    certified_accuracy: Record<string, number>;
  };
  attack: { test_images: number; steps: number; unsound: number; min_margin: number };
  /** Seconds spent in evaluate, attribute, certify-radius and the attack (HTTP round trips included). */
  seconds: Record<string, number>;
}

export interface Figure {
  file: string;
  caption: string;
  content: Buffer | string;
}

export interface ExampleResult {
  meta: Record<string, unknown>;
  models: ModelResult[];
  figures: Figure[];
}

interface Plan {
  key: string;
  title: string;
  features: 'pca' | 'raw';
  body: { method: 'adam' | 'closed-form'; N: number; steps?: number };
}

function checkOptions(o: ExampleOptions): void {
  const positive = ['trainRows', 'pcaRows', 'testRows', 'steps', 'N', 'closedFormN', 'k', 'attackSteps'] as const;
  for (const key of positive) {
    if (!(Number.isInteger(o[key]) && o[key] >= 1)) throw new RangeError(`${key} must be an integer >= 1, received ${o[key]}`);
  }
  for (const key of ['rawRows', 'rawSteps', 'rawN', 'attackRows', 'seed'] as const) {
    if (!(Number.isInteger(o[key]) && o[key] >= 0)) throw new RangeError(`${key} must be an integer >= 0, received ${o[key]}`);
  }
  if (o.rawRows > 0 && (o.rawSteps < 1 || o.rawN < 1)) throw new RangeError('rawSteps and rawN must be >= 1 when rawRows > 0');
  if (o.attackRows > o.testRows) throw new RangeError(`attackRows (${o.attackRows}) must be at most testRows (${o.testRows})`);
}

const float32 = (data: ArrayLike<number>, shape: number[]): BinaryTensor => encodeBase64Tensor({ dtype: 'float32', shape, data: data instanceof Float32Array ? data : Float32Array.from(data) });

/** One image of a split as side x side pixels. */
function pixelsOf(split: MnistSplit, row: number): Uint8Array {
  const p = split.rows * split.cols;
  return split.images.subarray(row * p, (row + 1) * p);
}

/** The first test row of each class (in class order), at most `count` of them. */
function onePerClass(labels: Uint8Array, count: number): number[] {
  const first = new Map<number, number>();
  labels.forEach((label, row) => {
    if (!first.has(label)) first.set(label, row);
  });
  return [...first.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => row).slice(0, count);
}

async function trainJob(service: Service, body: Record<string, unknown>, log: (m: string) => void) {
  const { job_id } = await service.post('/v1/train', body);
  let shown = 0;
  for (;;) {
    const job = await service.get(`/v1/jobs/${job_id}`);
    if (job.status === 'succeeded') return job;
    if (job.status === 'failed' || job.status === 'cancelled') throw new Error(`training job ${job_id} ${job.status}: ${job.error ?? 'no reason given'}`);
    if (Date.now() - shown > 5000 && job.status === 'running' && job.progress.steps > 0) {
      const { step, steps, loss, val_metric } = job.progress;
      log(`  ${body.name}: step ${step}/${steps}, loss ${loss?.toFixed(4) ?? '-'}, validation accuracy ${val_metric?.toFixed(4) ?? '-'}`);
      shown = Date.now();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Share of test images classified right whose certified radius is at least r. */
function certifiedAccuracy(radii: Float64Array, right: Uint8Array, r: number): number {
  let ok = 0;
  radii.forEach((radius, i) => (ok += right[i] && radius >= r ? 1 : 0));
  return ok / radii.length;
}

async function timed<T>(seconds: Record<string, number>, key: string, run: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await run();
  seconds[key] = (performance.now() - t0) / 1000;
  return out;
}

export async function runFashionMnist(options: ExampleOptions): Promise<ExampleResult> {
  checkOptions(options);
  const { log } = options;
  const started = performance.now();
  const maxTrain = Math.max(options.trainRows, options.pcaRows, options.rawRows);
  const data = await loadMnist(options.dataDir, { trainLimit: maxTrain, testLimit: options.testRows });
  const { train, test } = data;
  for (const [name, want] of [['trainRows', options.trainRows], ['pcaRows', options.pcaRows], ['rawRows', options.rawRows]] as const) {
    if (want > train.n) throw new RangeError(`${name} is ${want} but ${data.files.trainImages} holds ${train.n} images`);
  }
  if (options.testRows > test.n) throw new RangeError(`testRows is ${options.testRows} but ${data.files.testImages} holds ${test.n} images`);
  const p = train.rows * train.cols;
  log(`read ${train.n} training and ${test.n} test images (${train.rows}x${train.cols}) from ${options.dataDir}`);

  const t0 = performance.now();
  const pca = fitPca(train.images, options.pcaRows, p, PCA_COMPONENTS, 1 / 255);
  const features = {
    pca: { train: projectPca(pca, train.images, options.trainRows, 1 / 255), test: projectPca(pca, test.images, test.n, 1 / 255), d: PCA_COMPONENTS },
    raw: { train: imageRows(train, Array.from({ length: options.rawRows }, (_, i) => i)), test: options.rawRows > 0 ? imageRows(test) : new Float32Array(0), d: p },
  };
  const pcaSeconds = (performance.now() - t0) / 1000;
  log(`PCA: ${PCA_COMPONENTS} components of ${options.pcaRows} images keep ${(100 * pca.explained).toFixed(1)}% of the variance [${pcaSeconds.toFixed(1)} s]`);

  const plans: Plan[] = [
    { key: 'pca50_adam', title: 'PCA-50, adam', features: 'pca', body: { method: 'adam', N: options.N, steps: options.steps } },
    // As the service's default N = min(n, 2048): a smaller --train-rows keeps every row.
    { key: 'pca50_closed_form', title: 'PCA-50, closed-form', features: 'pca', body: { method: 'closed-form', N: Math.min(options.closedFormN, options.trainRows) } },
  ];
  if (options.rawRows > 0) plans.push({ key: 'raw784_adam', title: 'raw 784 pixels, adam', features: 'raw', body: { method: 'adam', N: options.rawN, steps: options.rawSteps } });

  const shown = onePerClass(test.labels, 10);
  // The example is the server's only client, and decoding its 80 MB training body lags the event
  // loop on purpose: no load shedding; bodies large enough for the raw pixels.
  const service = await startService({ HJNET_BODY_LIMIT: '512mb', HJNET_MAX_EVENT_LOOP_DELAY_MS: '0' });
  const models: ModelResult[] = [];
  const figures: Figure[] = [];
  const curves: { title: string; radii: Float64Array; right: Uint8Array }[] = [];
  let info: Record<string, unknown>;
  try {
    info = await service.get('/v1/info');
    log(`service ${service.url}: hjnet ${info.version} on ${info.device}, ${info.threads} threads`);
    for (const plan of plans) {
      const f = features[plan.features];
      const n = plan.features === 'pca' ? options.trainRows : options.rawRows;
      const labels = train.labels.subarray(0, n);
      const testX = float32(f.test, [test.n, f.d]);
      const name = `fashion-mnist ${plan.key}`;
      log(`${plan.title}: training on ${n} rows, d = ${f.d} ...`);
      const job = await trainJob(
        service,
        { name, task: 'classification', seed: options.seed, ...plan.body, data: { X: float32(f.train.subarray(0, n * f.d), [n, f.d]), y: float32(labels, [n]) } },
        log,
      );
      const record = await service.get(`/v1/models/${job.model_id}`);
      const training = record.training;
      const supportRows: number[] | undefined = training.support_rows;
      if (!Array.isArray(supportRows) || supportRows.length !== record.N) {
        throw new Error(`model ${record.id} has no training.support_rows for its ${record.N} support points`);
      }
      const seconds: Record<string, number> = {};
      const evaluated = await timed(seconds, 'evaluate', () => service.post(`/v1/models/${record.id}/evaluate`, { X: testX, outputs: [] }));
      const predicted: number[] = evaluated.class;
      const right = Uint8Array.from(predicted, (c, i) => (c === test.labels[i] ? 1 : 0));
      const accuracy = right.reduce((a, b) => a + b, 0) / test.n;

      const attributed = await timed(seconds, 'attribute', () =>
        service.post(`/v1/models/${record.id}/attribute`, { X: float32(shown.flatMap((r) => Array.from(f.test.subarray(r * f.d, (r + 1) * f.d))), [shown.length, f.d]), k: options.k }),
      );
      const attribution: Attribution[] = attributed.results.map((res: { head: number; entropy: number; effective_n: number; top: { index: number; pi: number }[] }, i: number) => ({
        test_row: shown[i],
        label: test.labels[shown[i]],
        predicted: res.head,
        entropy: res.entropy,
        effective_n: res.effective_n,
        top: res.top.map(({ index, pi }) => ({ support_point: index, training_row: supportRows[index], training_label: train.labels[supportRows[index]], pi })),
      }));

      const certified = await timed(seconds, 'certify', () => service.post(`/v1/models/${record.id}/certify-radius`, { X: testX }));
      const radii = Float64Array.from(certified.results, (r: { radius: number | null }) => r.radius ?? Infinity);
      const attacked = await timed(seconds, 'attack', () =>
        service.post(`/v1/models/${record.id}/certify-radius`, { X: float32(f.test.subarray(0, options.attackRows * f.d), [options.attackRows, f.d]), attack: { steps: options.attackSteps } }),
      );
      const attackResults = attacked.results as { attack: { sound: boolean; min_margin: number } }[];
      curves.push({ title: plan.title, radii, right });

      const result: ModelResult = {
        key: plan.key,
        title: plan.title,
        features: plan.features === 'pca' ? `PCA-${PCA_COMPONENTS}` : `raw ${p} pixels`,
        method: training.method,
        model_id: record.id,
        job_id: job.id,
        N: record.N,
        d: record.d,
        K: record.K,
        eps: record.eps,
        t: record.t,
        steps: training.steps,
        n_train: training.n_train,
        n_val: training.n_val,
        train_seconds: (Date.parse(job.finished_at) - Date.parse(job.started_at)) / 1000,
        train_accuracy: training.metrics.train_accuracy,
        val_accuracy: training.metrics.val_accuracy,
        test_accuracy: accuracy,
        attribution,
        radii: {
          test_images: test.n,
          min: quantile(radii, 0),
          q10: quantile(radii, 0.1),
          median: quantile(radii, 0.5),
          q90: quantile(radii, 0.9),
          max: quantile(radii, 1),
          certified_accuracy: Object.fromEntries(RADII.map((r) => [String(r), certifiedAccuracy(radii, right, r)])),
        },
        attack: {
          test_images: options.attackRows,
          steps: options.attackSteps,
          unsound: attackResults.filter((r) => !r.attack.sound).length,
          min_margin: Math.min(...attackResults.map((r) => r.attack.min_margin)),
        },
        seconds,
      };
      models.push(result);
      log(
        `${plan.title}: test accuracy ${(100 * accuracy).toFixed(2)}%, median certified radius ${result.radii.median.toPrecision(3)}, ` +
          `${result.attack.unsound} of ${options.attackRows} attacks beat a certificate [training ${result.train_seconds.toFixed(1)} s]`,
      );

      figures.push({
        file: `attribution-${plan.key}.png`,
        caption: `${plan.title}: each test image (frame green when classified right) beside the training images its top ${options.k} support points stand for (frame green when of the predicted class; bar: Gibbs weight)`,
        content: attributionGrid(
          attribution.map((a) => ({
            query: pixelsOf(test, a.test_row),
            correct: a.predicted === a.label,
            support: a.top.map((s) => ({ pixels: pixelsOf(train, s.training_row), sameClass: s.training_label === a.predicted, pi: s.pi })),
          })),
          options.k,
          train.rows,
        ),
      });
      figures.push({
        file: `radii-${plan.key}.svg`,
        caption: `${plan.title}: certified radii of the predicted class on ${test.n} test images`,
        content: histogram({ title: `Certified radii, ${plan.title} (${test.n} test images)`, xlabel: 'certified radius (L2, pixels in [0, 1])', values: Array.from(radii), bins: 40 }),
      });
    }
  } finally {
    await service.close();
  }

  const top = Math.max(...models.map((m) => m.radii.max));
  const grid = Array.from({ length: 61 }, (_, i) => (top * i) / 60);
  figures.push({
    file: 'certified-accuracy.svg',
    caption: 'Certified accuracy: share of test images classified right whose certified radius is at least r',
    content: chart({
      title: `Certified accuracy against the radius (${test.n} test images)`,
      xlabel: 'radius r (L2, pixels in [0, 1])',
      ylabel: 'certified accuracy',
      ymin: 0,
      ymax: 1,
      legend: 'right',
      series: curves.map((c) => ({ name: c.title, x: grid, y: grid.map((r) => certifiedAccuracy(c.radii, c.right, r)) })),
    }),
  });

  const { log: _log, ...settings } = options;
  const meta = {
    dataset: `Fashion-MNIST, ${data.files.trainImages} and ${data.files.testImages}`,
    classes: FASHION_MNIST_CLASSES,
    options: settings,
    pca: { components: PCA_COMPONENTS, fitted_on: options.pcaRows, explained_variance: pca.explained, seconds: pcaSeconds },
    attributed_test_rows: shown,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}` },
    service: info!,
    wall_s: (performance.now() - started) / 1000,
    date: new Date().toISOString(),
  };
  return { meta, models, figures };
}
