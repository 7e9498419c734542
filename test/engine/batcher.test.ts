// Dynamic batching of small passes: concurrent calls give exactly what each gives alone, and
// a call that the native pass refuses fails alone.
import t from 'tap';
import { binding, type GibbsPassOptions } from '../../src/engine/binding.js';
import { PassBatcher } from '../../src/engine/batcher.js';
import { createModel } from '../../src/engine/index.js';
import { mulberry32 } from '../../src/engine/reference.js';

const K = 3;
const N = 50;
const d = 4;
const r = mulberry32(5);
const W = Float64Array.from({ length: K * N * d }, () => r() - 0.5);
const b = Float64Array.from({ length: K * N }, () => r() - 0.5);
const y = W.map((w) => 2 * w);
const g = Float64Array.from(b, (bj, j) => -bj - y.subarray(j * d, (j + 1) * d).reduce((s, v) => s + v * v, 0) / 4);
const heads = new (binding().Heads)({ K, N, d, W, b, y, g, t: 1 });

t.test('concurrent small passes equal the passes run alone', async (t) => {
  const batcher = new PassBatcher(heads);
  const calls: { X: Float64Array | Float32Array; B: number; o: GibbsPassOptions }[] = [];
  for (let i = 0; i < 40; i++) {
    const B = 1 + (i % 5);
    const X64 = Float64Array.from({ length: B * d }, () => 3 * (r() - 0.5));
    const X = i % 3 === 0 ? Float32Array.from(X64) : X64;
    const o: GibbsPassOptions = {
      precision: i % 2 ? 'float32' : 'float64',
      eps: i % 4 === 0 ? 0 : 0.3,
      mode: i % 5 === 0 ? 'logit' : 'distance',
      entropy: i % 7 === 0,
      topk: i % 6 === 0 ? 3 : 0,
      heads: i % 4 === 1 ? Int32Array.from({ length: B }, (_, q) => (q + i) % K) : undefined,
    };
    calls.push({ X, B, o });
  }
  const together = await Promise.all(calls.map(({ X, B, o }) => batcher.gibbs(X, B, o)));
  for (let i = 0; i < calls.length; i++) {
    const { X, B, o } = calls[i];
    const alone = await heads.gibbs(X, B, o);
    t.same(Object.keys(together[i]).sort(), Object.keys(alone).sort(), `call ${i}: outputs`);
    for (const [k, v] of Object.entries(alone)) t.same(Array.from((together[i] as never)[k] as Float64Array), Array.from(v as Float64Array), `call ${i}: ${k}`);
  }
});

t.test('a refused call fails alone; the caller may reuse X at once', async (t) => {
  const batcher = new PassBatcher(heads);
  const X = Float64Array.from({ length: 2 * d }, () => r());
  const o: GibbsPassOptions = { precision: 'float64', eps: 0.3, mode: 'distance' };
  const expected = await heads.gibbs(X, 2, o);
  const good = batcher.gibbs(X, 2, o);
  const copy = Float64Array.from(X);
  X.fill(0); // copied by the call
  await Promise.all([
    t.rejects(batcher.gibbs(copy, 2, { ...o, heads: Int32Array.from([0, K]) }), RangeError),
    t.rejects(batcher.gibbs(copy.subarray(0, d), 2, o), RangeError),
    good.then((res) => t.same(Array.from(res.f), Array.from(expected.f))),
  ]);
});

t.test('a model batches its concurrent evaluate calls', async (t) => {
  const model = await createModel({ eps: 0.3, W: { data: W, shape: [K, N, d] }, b: { data: b, shape: [K, N] } });
  const X = Array.from({ length: 30 }, () => Array.from({ length: d }, () => r()));
  const together = await Promise.all(X.map((x) => model.evaluate([x])));
  const alone = [];
  for (const x of X) alone.push(await model.evaluate([x]));
  // one pass of all 30 takes the tile kernel: the same values up to rounding
  const all = await model.evaluate(X);
  X.forEach((_, i) => {
    t.same(Array.from(together[i].u.data), Array.from(alone[i].u.data), `query ${i}: batched = alone`);
    together[i].u.data.forEach((v, k) => t.ok(Math.abs(v - all.u.data[i * K + k]) <= 1e-13 * Math.max(1, Math.abs(v)), `query ${i}, head ${k}`));
  });
});
