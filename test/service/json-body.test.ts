// The JSON body parser: a body parsed in the worker thread (HJNET_JSON_WORKER_BYTES) gives the
// same responses and the same refusals as one parsed on the event loop; packing keeps values.
import fc from 'fast-check';
import t from 'tap';
import { decodeBase64Tensor, isBinaryTensor } from '../../src/data/base64-tensor.js';
import { packTensors } from '../../src/service/lib/json-parse.js';
import { build, json } from './fixtures/helper.js';

const INLINE = { jsonWorkerBytes: Number.MAX_SAFE_INTEGER };
const WORKER = { jsonWorkerBytes: 1 };

function rows(n: number, d: number, seed: number): number[][] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 30 - 1) * 1.5;
  return Array.from({ length: n }, () => Array.from({ length: d }, next));
}

const model = { eps: 0.3, t: 1, W: rows(1024, 8, 1), b: rows(1, 1024, 2)[0] };
const X = rows(600, 8, 3);

// [name, url, body, status, whether the field may differ below its root]: a shape error in a
// packed tensor names its shape ("X.shape") where nested arrays name an element ("X[0][0]").
type Case = [name: string, url: string, payload: string, status: number, shape?: true];

const cases: Case[] = [
  ['evaluate, packed W and X', '/v1/evaluate', JSON.stringify({ model, X, outputs: ['grad_f', 'entropy'] }), 200],
  ['attribute', '/v1/attribute', JSON.stringify({ model, X: X.slice(0, 4), k: 3 }), 200],
  ['certify-radius', '/v1/certify-radius', JSON.stringify({ model, X: X.slice(0, 600) }), 200],
  ['a small body', '/v1/evaluate', JSON.stringify({ model: { eps: 1, W: [[1, 2]], b: [0] }, X: [[0.5, 1]] }), 200],
  ['overflow deep in a packed tensor', '/v1/evaluate', JSON.stringify({ model, X }).replace(/\]\]\}$/, ', 1e400]]}'), 400],
  ['overflow in a scalar', '/v1/evaluate', JSON.stringify({ model, X, eps: 1 }).replace(/"eps":1\}$/, '"eps":-1E+999}'), 400],
  ['a ragged X', '/v1/evaluate', JSON.stringify({ model, X: [...X, [1, 2]] }), 400],
  ['a string in X', '/v1/evaluate', JSON.stringify({ model, X: [...X.slice(0, 599), [...X[0].slice(0, 7), 'x']] }), 400],
  ['X of the wrong width', '/v1/evaluate', JSON.stringify({ model, X: rows(600, 9, 4) }), 400, true],
  ['a rank-3 X', '/v1/evaluate', JSON.stringify({ model, X: [X, X] }), 400, true],
  ['malformed', '/v1/evaluate', JSON.stringify({ model, X }).slice(0, -3), 400],
  ['poisoned', '/v1/evaluate', JSON.stringify({ model, X }).replace(/^\{/, '{"__proto__": {"x": 1}, '), 400],
  ['an escaped __proto__, deeper', '/v1/evaluate', JSON.stringify({ model, X }).replace(/^\{"model":\{/, '{"model":{"\\u005f_proto__": {"x": 1}, '), 400],
  ['not an object', '/v1/evaluate', JSON.stringify(X), 400],
  ['a byte-order mark', '/v1/evaluate', '\uFEFF' + JSON.stringify({ model, X }), 400],
  // nesting: past MAX_DEPTH refused before any recursive walk or structured clone overflows
  ['X nested 3500 deep', '/v1/evaluate', deep({ model, X }, 'X', '['.repeat(3500) + ']'.repeat(3500)), 400],
  ['an object nested 2000 deep', '/v1/evaluate', deep({ model, X }, 'z', '{"a":'.repeat(2000) + '1' + '}'.repeat(2000)), 400],
  ['nested 3000 deep, with a constructor key', '/v1/evaluate', deep({ model, X, constructor: 1 }, 'z', '{"a":'.repeat(3000) + '1' + '}'.repeat(3000)), 400],
  ['nested 33 deep', '/v1/evaluate', deep({ model, X }, 'z', '{"a":'.repeat(32) + '1' + '}'.repeat(32)), 400],
  ['nested 32 deep (an unknown field)', '/v1/evaluate', deep({ model, X }, 'z', '{"a":'.repeat(31) + '1' + '}'.repeat(31)), 400],
];

/** The body's JSON with `key` set to the raw JSON `raw` (X replaced, or a field added). */
function deep(body: Record<string, unknown>, key: string, raw: string): string {
  const { [key]: _, ...rest } = body;
  return JSON.stringify(rest).replace(/\}$/, `,"${key}":${raw}}`);
}

t.test('the worker answers as the event loop does', async (t) => {
  const inline = await build(t, INLINE);
  const worker = await build(t, WORKER);
  for (const [name, url, payload, status, shape] of cases) {
    const send = (app: typeof inline) => app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
    const [a, b] = [await send(inline), await send(worker)];
    t.equal(a.statusCode, status, `${name}: status ${status} on the event loop`);
    t.equal(b.statusCode, status, `${name}: status ${status} in the worker`);
    const [pa, pb] = [json(a), json(b)];
    if (status === 200) {
      t.same(pb, pa, `${name}: the same numbers`);
    } else {
      const root = (field: string) => (shape ? field.split(/[[.]/)[0] : field);
      t.equal(root(pb.field), root(pa.field), `${name}: field ${pa.field}`);
    }
  }
  const field = async (name: string) => {
    const [, url, payload] = cases.find(([n]) => n === name)!;
    return json(await worker.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } })).field;
  };
  t.equal(await field('nested 33 deep'), 'z' + '.a'.repeat(31), 'the path at the limit');
  t.equal(await field('an escaped __proto__, deeper'), 'model.__proto__');
  t.match(await field('nested 32 deep (an unknown field)'), /^z/, 'within the limit: the schema refuses the unknown field');
  const overflow = cases.find(([name]) => name.startsWith('overflow deep'))!;
  const res = await worker.inject({ method: 'POST', url: overflow[1], payload: overflow[2], headers: { 'content-type': 'application/json' } });
  t.equal(json(res).field, 'X[599][8]', 'the path of the overflowing number');
});

t.test('deeply nested bodies leave the worker pool working', async (t) => {
  const app = await build(t, WORKER);
  const [, , nested] = cases.find(([name]) => name === 'X nested 3500 deep')!;
  const send = (payload: string) => app.inject({ method: 'POST', url: '/v1/evaluate', payload, headers: { 'content-type': 'application/json' } });
  for (let i = 0; i < 4; i++) t.equal((await send(nested)).statusCode, 400);
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer in 20 s')), 20_000).unref());
  const res = await Promise.race([send(cases[0][2]), timeout]);
  t.equal(res.statusCode, 200, 'a large body after them is still parsed');
});

t.test('a training job from a body parsed in the worker', async (t) => {
  const app = await build(t, WORKER);
  const data = { X: rows(700, 6, 5), y: rows(1, 700, 6)[0] };
  const res = await app.inject({ method: 'POST', url: '/v1/train', payload: { task: 'regression', data, N: 8, steps: 3 } });
  t.equal(res.statusCode, 202, res.payload.slice(0, 300));
});

t.test('packTensors: rectangular numeric X, W and y of rank 2 or 3 and 4096+ numbers, values unchanged', async (t) => {
  const value = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 5e-324, -1.7976931348623157e308));
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 64, max: 300 }), fc.integer({ min: 1, max: 70 }), fc.array(value, { minLength: 1, maxLength: 50 }), (K, n, d, pool) => {
      const nested = Array.from({ length: K }, (_, k) => Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => pool[(k * n * d + i * d + j) % pool.length])));
      const source = K === 1 ? nested[0] : nested;
      const body = { model: { W: source, b: [1] }, X: source, other: source };
      packTensors(body);
      const big = K * n * d >= 4096;
      t.equal(isBinaryTensor(body.X), big);
      t.equal(isBinaryTensor(body.model.W), big);
      t.equal(body.other, source, 'other keys are never packed');
      if (big) {
        const back = decodeBase64Tensor(body.X, 'X');
        t.same(back.shape, K === 1 ? [n, d] : [K, n, d]);
        const flat = (K === 1 ? [source as number[][]] : (source as number[][][])).flat(2);
        t.ok(flat.every((v, i) => Object.is(v, back.data[i])), 'every value, -0 and subnormals included');
      }
    }),
    { numRuns: 40 },
  );
  const ragged = { X: [...rows(5000, 1, 7), [1, 2]] };
  packTensors(ragged);
  t.ok(Array.isArray(ragged.X), 'ragged: left for validation');
  const strings = { X: rows(5000, 1, 8).map((r) => [String(r[0])]) };
  packTensors(strings);
  t.ok(Array.isArray(strings.X), 'strings: left for validation');
  const vector = { data: { y: rows(1, 5000, 9)[0] } };
  packTensors(vector);
  t.ok(Array.isArray(vector.data.y), 'rank 1 stays nested');
});
