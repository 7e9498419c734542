// Progress, cancellation, early stopping and the non-finite guard.
import t from 'tap';
import { train, type TrainProgress } from '../../../src/engine/training/index.js';
import { absData, blobs } from './fixtures/data.js';

t.test('progress arrives throttled and ends at the last step', async (t) => {
  const seen: { at: number; p: TrainProgress }[] = [];
  const result = await train(
    { task: 'regression', data: absData(2000, 1), N: 64, steps: 4000, batch_size: 512, seed: 1 },
    { onProgress: (p) => seen.push({ at: performance.now(), p }) },
  );
  t.ok(seen.length >= 1, `${seen.length} progress reports`);
  const last = seen.at(-1)!.p;
  t.equal(last.step, 4000);
  t.equal(last.steps, 4000);
  t.ok(typeof last.loss === 'number' && last.loss >= 0);
  t.ok(typeof last.val_metric === 'number');
  for (let i = 1; i < seen.length - 1; i++) t.ok(seen[i].p.step > seen[i - 1].p.step, 'steps increase');
  t.equal(result.history.length, 100, 'one history entry per 1% of the steps');
});

t.test('an AbortSignal cancels within a second', async (t) => {
  const controller = new AbortController();
  const started = performance.now();
  let aborted = 0;
  setTimeout(() => {
    aborted = performance.now();
    controller.abort();
  }, 300);
  await t.rejects(
    train({ task: 'regression', data: absData(4000, 2), N: 128, steps: 10_000_000, seed: 1 }, { signal: controller.signal }),
    { name: 'AbortError' },
  );
  const ended = performance.now();
  t.ok(aborted > started, 'aborted while running');
  t.ok(ended - aborted < 1000, `rejected ${(ended - aborted).toFixed(0)} ms after the abort`);

  const pre = new AbortController();
  pre.abort(new Error('stop now'));
  await t.rejects(train({ task: 'regression', data: absData(100, 3) }, { signal: pre.signal }), { message: 'stop now' });
});

t.test('a non-finite loss fails the run, never returns a NaN model', async (t) => {
  // eps = 1e300: u ~ -eps log(sum) overflows the squared error.
  await t.rejects(train({ task: 'regression', data: absData(200, 4), N: 10, steps: 50, eps: 1e300, seed: 1 }), { message: 'non-finite loss' });
  await t.rejects(train({ task: 'regression', data: absData(200, 4), N: 10, eps: 1e300, method: 'closed-form' }), { message: 'non-finite loss' });
});

t.test('early stopping keeps the best validation', async (t) => {
  const result = await train({
    task: 'classification',
    data: blobs(400, 5),
    N: 32,
    steps: 3000,
    lr: 0.05,
    seed: 3,
    validation_split: 0.25,
    early_stopping: { patience: 3 },
  });
  const training = result.spec.training as Record<string, any>;
  t.ok(training.early_stopping.stopped_early, `stopped early at step ${training.steps}`);
  t.ok(training.steps < 3000);
  const best = Math.max(...result.history.map((h) => h.val_metric as number));
  t.equal(training.metrics.val_accuracy, best, 'the returned parameters have the best validation accuracy');
  const at = result.history.find((h) => h.step === training.early_stopping.best_step);
  t.equal(at?.val_metric, best);
});
