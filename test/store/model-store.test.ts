// The ModelStore contract, run against both implementations.
import t from 'tap';
import fc from 'fast-check';
import { FsModelStore } from '../../src/store/fs-model-store.js';
import { MemoryModelStore } from '../../src/store/memory-model-store.js';
import { isModelId, newModelId, type ModelStore, type ModelTensors } from '../../src/store/model-store.js';
import { parseSafetensors } from '../../src/data/safetensors.js';
import type { Tensor } from '../../src/data/tensor.js';
import { scratch, type Teardown } from './fixtures/helper.js';

const f64 = (shape: number[], values: number[]): Tensor => ({ dtype: 'float64', shape, data: Float64Array.from(values) });
const sample = (): ModelTensors => ({
  W: f64([2, 3], [1, 2, 3, 4, 5, 6]),
  b: f64([2], [-0.5, 0.25]),
  y: f64([2, 3], [2, 4, 6, 8, 10, 12]),
  g: f64([2], [0.1, 0.2]),
});

const implementations: [string, (t: Teardown) => Promise<ModelStore>][] = [
  ['memory', async () => new MemoryModelStore()],
  [
    'fs',
    async (t) => FsModelStore.open(await scratch(t, 'hjnet-store-')),
  ],
];

t.test('ids', async (t) => {
  const ids = new Set(Array.from({ length: 1000 }, newModelId));
  t.equal(ids.size, 1000);
  t.ok([...ids].every(isModelId), 'all well formed');
  for (const bad of ['', 'm_', 'm_0123456789abcde', 'm_0123456789ABCDEF', 'm_0123456789abcdef0', '../m_0123456789abcdef', 'm_0123456789abcdef/..', 'm_012345678\u0000abcdef', 42, null]) {
    t.notOk(isModelId(bad), JSON.stringify(bad));
  }
});

for (const [name, open] of implementations) {
  t.test(`${name}: create, get, list, tensors, delete`, async (t) => {
    const store = await open(t);
    t.strictSame(await store.list(), []);
    const record = { name: 'toy', task: 'regression', eps: 0.1, t: 1, heads: [{ N: 2, d: 3, M: 3.7 }], nested: { a: [1, null, 'x'] } };
    const created = await store.create(record, sample(), { eps: 0.1, t: 1 });
    t.ok(isModelId(created.id));
    t.strictSame(created.record, record);
    t.ok(!Number.isNaN(Date.parse(created.created_at)));
    record.name = 'mutated after create';
    t.equal((await store.get(created.id))!.record.name, 'toy', 'the store keeps its own copy');
    t.strictSame(await store.get(created.id), created);
    t.strictSame(await store.list(), [created]);

    const tensors = (await store.tensors(created.id))!;
    for (const k of ['W', 'b', 'y', 'g'] as const) {
      t.strictSame(tensors[k]!.shape, sample()[k]!.shape, `${k} shape`);
      t.strictSame(Array.from(tensors[k]!.data), Array.from(sample()[k]!.data), `${k} data`);
    }
    const weights = (await store.weights(created.id))!;
    t.strictSame(weights.metadata, { eps: '0.1', t: '1' });
    const file = parseSafetensors((await store.weightsFile(created.id))!);
    t.strictSame(Object.keys(file.tensors).sort(), ['W', 'b', 'g', 'y']);
    t.strictSame(file.metadata, { eps: '0.1', t: '1' });

    const second = await store.create({ name: 'wb only' }, { W: f64([1, 1], [3]), b: f64([1], [0]) });
    const ws = (await store.tensors(second.id))!;
    t.strictSame(Object.keys(ws).sort(), ['W', 'b']);
    t.strictSame((await store.weights(second.id))!.metadata, {});
    t.equal((await store.list()).length, 2);

    t.equal(await store.delete(created.id), true);
    t.equal(await store.delete(created.id), false);
    t.equal(await store.get(created.id), undefined);
    t.equal(await store.tensors(created.id), undefined);
    t.equal(await store.weightsFile(created.id), undefined);
    t.strictSame((await store.list()).map((m) => m.id), [second.id]);
  });

  t.test(`${name}: ids that are not model ids reach nothing`, async (t) => {
    const store = await open(t);
    for (const bad of ['..', '../models', '/etc/passwd', 'm_0123456789ABCDEF', '', '%2e%2e', 'm_0123456789abcdef/../..']) {
      t.equal(await store.get(bad), undefined, bad);
      t.equal(await store.tensors(bad), undefined, bad);
      t.equal(await store.delete(bad), false, bad);
    }
    t.equal(await store.get(newModelId()), undefined, 'well-formed but absent');
  });

  t.test(`${name}: bad input is refused`, async (t) => {
    const store = await open(t);
    await t.rejects(store.create([] as unknown as Record<string, unknown>, sample()), TypeError);
    await t.rejects(store.create({}, { W: f64([1], [1]) } as ModelTensors), /"b" is required/);
    await t.rejects(store.create({}, { ...sample(), Z: f64([1], [1]) } as ModelTensors), /Unknown model tensor "Z"/);
    await t.rejects(store.create({}, { W: f64([2, 2], [1]), b: f64([1], [1]) }), /1 elements for shape \[2, 2\]/);
    await t.rejects(store.create({}, sample(), { eps: {} as unknown as string }), /must be a string or number/);
    t.strictSame(await store.list(), []);
  });

  t.test(`${name}: random tensors round trip`, async (t) => {
    const store = await open(t);
    const tensorArb = (dtype: 'float32' | 'float64', rank: number) =>
      fc.array(fc.integer({ min: 0, max: 4 }), { minLength: rank, maxLength: rank }).chain((shape) => {
        const n = shape.reduce((a, s) => a * s, 1);
        const elem = dtype === 'float64' ? fc.double({ noNaN: true, noDefaultInfinity: true }) : fc.float({ noNaN: true, noDefaultInfinity: true });
        return fc.array(elem, { minLength: n, maxLength: n }).map((v) => ({ dtype, shape, data: dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v) }) as Tensor);
      });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('float32' as const, 'float64' as const).chain((dt) => fc.record({ W: tensorArb(dt, 3), b: tensorArb(dt, 2) })),
        fc.double({ min: 0, max: 1e300, noNaN: true }),
        async (tensors, eps) => {
          const m = await store.create({ eps }, tensors, { eps });
          const back = (await store.weights(m.id))!;
          if (Number(back.metadata.eps) !== eps) throw new Error('eps did not round trip');
          for (const k of ['W', 'b'] as const) {
            const a = tensors[k];
            const b = back.tensors[k];
            if (a.dtype !== b.dtype || JSON.stringify(a.shape) !== JSON.stringify(b.shape)) throw new Error(`${k} header differs`);
            if (!Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength))) {
              throw new Error(`${k} data differs`);
            }
          }
          if (!(await store.delete(m.id))) throw new Error('delete failed');
        },
      ),
      { numRuns: 40 },
    );
    t.strictSame(await store.list(), []);
  });

  t.test(`${name}: many parallel creates, gets and deletes`, async (t) => {
    const store = await open(t);
    const created = await Promise.all(Array.from({ length: 64 }, (_, i) => store.create({ i }, sample())));
    t.equal(new Set(created.map((m) => m.id)).size, 64, 'distinct ids');
    t.equal((await store.list()).length, 64);
    // Each id deleted three times at once while others read it: one delete wins; reads see all or nothing.
    const results = await Promise.all(
      created.flatMap((m) => [
        store.delete(m.id),
        store.get(m.id).then((g) => (g === undefined || g.record.i === m.record.i ? 'ok' : 'bad')),
        store.tensors(m.id).then((ts) => (ts === undefined || ts.W.data.length === 6 ? 'ok' : 'bad')),
        store.delete(m.id),
        store.delete(m.id),
      ]),
    );
    for (let k = 0; k < created.length; k++) {
      const r = results.slice(5 * k, 5 * k + 5);
      t.equal([r[0], r[3], r[4]].filter((x) => x === true).length, 1, `one delete wins for ${created[k]!.id}`);
      t.strictSame([r[1], r[2]], ['ok', 'ok']);
    }
    t.strictSame(await store.list(), []);
  });
}
