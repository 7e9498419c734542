// The link from support points to training rows (training.support_rows): indices into data.X as
// sent, whatever the validation split and the standardisation did to the rows in between.
import t, { type Test } from 'tap';
import { train } from '../../../src/engine/training/index.js';
import { mulberry32 } from '../../../src/engine/reference.js';

/** Three classes in d = 4 with far-from-unit scales, so that standardisation matters. */
function data(n: number, seed: number) {
  const rand = mulberry32(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 3;
    X.push(Array.from({ length: 4 }, (_, c) => 500 + 40 * label * (c === label ? 1 : 0) + 25 * (2 * rand() - 1)));
    y.push(label);
  }
  return { X, y };
}

/** Support points [K * N, d] of a trained spec and the training rows they name. */
function link(spec: Awaited<ReturnType<typeof train>>['spec']) {
  const training = spec.training as { support_rows?: number[] };
  const y = (spec.support as { y: { data: Float64Array } }).y.data;
  return { rows: training.support_rows, y };
}

/** Largest relative difference between support point j of any head and row rows[j] of X. */
function mismatch(points: Float64Array, rows: number[], X: number[][], K: number): number {
  const N = rows.length;
  const d = X[0].length;
  let worst = 0;
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < N; j++) {
      for (let c = 0; c < d; c++) worst = Math.max(worst, Math.abs(points[(k * N + j) * d + c] - X[rows[j]][c]) / Math.abs(X[rows[j]][c]));
    }
  }
  return worst;
}

function distinctRowsIn(t: Test, rows: number[] | undefined, N: number, n: number): void {
  t.ok(Array.isArray(rows), 'support_rows is recorded');
  t.equal(rows!.length, N, 'one row per support point');
  t.ok(rows!.every((r) => Number.isInteger(r) && r >= 0 && r < n), 'rows index data.X');
  t.equal(new Set(rows).size, N, 'distinct rows');
}

for (const method of ['closed-form', 'fixed-support'] as const) {
  t.test(`${method}: every head's support points are the training rows its record names`, async (t) => {
    const { X, y } = data(240, 3);
    const N = 30;
    const { spec } = await train({ task: 'classification', data: { X, y }, method, N, validation_split: 0.25, steps: 20, seed: 11 });
    const { rows, y: points } = link(spec);
    distinctRowsIn(t, rows, N, X.length);
    const worst = mismatch(points, rows!, X, 3);
    // Standardising and converting back rounds twice: a few ulps of 500.
    t.ok(worst < 1e-13, `support points equal their rows to ${worst.toExponential(2)} relative`);
  });
}

t.test('with N = n every kept row is a support point and no held-out row is', async (t) => {
  const { X, y } = data(60, 5);
  const { spec } = await train({ task: 'classification', data: { X, y }, method: 'closed-form', N: 45, validation_split: 0.25, seed: 2 });
  const { rows, y: points } = link(spec);
  distinctRowsIn(t, rows, 45, 60);
  const training = spec.training as { n_train: number; n_val: number };
  t.same([training.n_train, training.n_val], [45, 15]);
  // The named rows are the kept ones: the support points match them, not the first 45 rows.
  t.not(rows!.join(), Array.from({ length: 45 }, (_, i) => i).join(), 'the split shuffled the rows');
  t.ok(mismatch(points, rows!, X, 3) < 1e-13, 'each support point is the row it names');
});

t.test('adam names the rows its support points started at; the paper parametrisation names none', async (t) => {
  const { X, y } = data(240, 7);
  const adam = await train({ task: 'classification', data: { X, y }, method: 'adam', N: 20, steps: 50, seed: 4 });
  distinctRowsIn(t, link(adam.spec).rows, 20, X.length);
  const again = await train({ task: 'classification', data: { X, y }, method: 'adam', N: 20, steps: 50, seed: 4 });
  t.same(link(again.spec).rows, link(adam.spec).rows, 'reproducible for a seed');
  const weights = await train({ task: 'classification', data: { X, y }, method: 'adam', parametrization: 'weights', N: 20, steps: 50, seed: 4 });
  t.equal(link(weights.spec).rows, undefined);
});
