// /v1/models: register (weights, support points, binary tensors), list, read, weights, delete.
import t from 'tap';
import { parseSafetensors } from '../../src/data/safetensors.js';
import { createModel as createEngineModel } from '../../src/engine/index.js';
import { MemoryModelStore } from '../../src/store/memory-model-store.js';
import { build, classModel, createModel, json, problemOf, smallModel } from './fixtures/helper.js';

const b64 = (values: number[], dtype: 'float32' | 'float64' = 'float64') =>
  Buffer.from((dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values)).buffer).toString('base64');

t.test('register, list, read, delete', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'POST', url: '/v1/models', payload: { ...smallModel, name: 'small' } });
  t.equal(res.statusCode, 201, res.payload);
  const record = json(res);
  t.match(record, { id: /^m_[0-9a-f]{16}$/, name: 'small', task: 'regression', form: 'weights', K: 1, N: 3, d: 2, eps: 0.5, t: 1, classes: null, training: null });
  t.equal(res.headers.location, `/v1/models/${record.id}`);
  t.ok(Math.abs(record.eps_star - 3 ** -0.5) < 1e-15, 'eps* = N^(-1/d)');
  t.ok(Math.abs(record.heads[0].M - Math.SQRT2) < 1e-15, 'M = max row norm');
  t.ok(Math.abs(record.heads[0].D - Math.sqrt(5)) < 1e-15, 'D = max pair distance');
  t.ok(!Number.isNaN(Date.parse(record.created_at)));

  const second = await createModel(app, classModel);
  t.match(second, { task: 'classification', K: 3, N: 2, classes: ['a', 'b', 'c'] });

  const list = json(await app.inject({ url: '/v1/models' }));
  t.same(list.models.map((m: { id: string }) => m.id), [record.id, second.id], 'oldest first');
  t.same(json(await app.inject({ url: `/v1/models/${record.id}` })), record);

  const del = await app.inject({ method: 'DELETE', url: `/v1/models/${record.id}` });
  t.equal(del.statusCode, 204);
  t.equal(del.payload, '');
  problemOf(t, await app.inject({ url: `/v1/models/${record.id}` }), 404);
  problemOf(t, await app.inject({ method: 'DELETE', url: `/v1/models/${record.id}` }), 404);
  problemOf(t, await app.inject({ method: 'POST', url: `/v1/models/${record.id}/evaluate`, payload: { X: [[0, 0]] } }), 404);
  t.equal(json(await app.inject({ url: '/v1/models' })).models.length, 1);
});

t.test('support points are kept as given, binary tensors accepted', async (t) => {
  const app = await build(t);
  const y = [0.3, 0.1, -0.2, 0.7, 1.5, -1];
  const g = [0.25, -0.5, 1e-17];
  const record = await createModel(app, {
    eps: 0.2,
    t: 0.5,
    support: { y: { dtype: 'float64', shape: [3, 2], data: b64(y) }, g: { dtype: 'float64', shape: [3], data: b64(g) } },
  });
  t.match(record, { form: 'support', N: 3, d: 2, t: 0.5 });
  const file = await app.inject({ url: `/v1/models/${record.id}/weights` });
  t.equal(file.statusCode, 200);
  t.equal(file.headers['content-type'], 'application/octet-stream');
  t.match(file.headers['content-disposition'], `${record.id}.safetensors`);
  const st = parseSafetensors(file.rawPayload);
  t.same(Array.from(st.tensors.y.data), y, 'y exactly as given');
  t.same(Array.from(st.tensors.g.data), g, 'g exactly as given (no round trip through b)');
  t.same(st.tensors.W.shape, [1, 3, 2]);
  t.same(st.tensors.b.shape, [1, 3]);
  t.equal(Number(st.metadata.eps), 0.2);
  t.equal(Number(st.metadata.t), 0.5);

  // Evaluating after the cache is gone rebuilds the model from y, g.
  const fresh = await build(t, { dataDir: app.config.dataDir });
  const u1 = json(await app.inject({ method: 'POST', url: `/v1/models/${record.id}/evaluate`, payload: { X: [[0.1, 0.2]] } })).u;
  const u2 = json(await fresh.inject({ method: 'POST', url: `/v1/models/${record.id}/evaluate`, payload: { X: [[0.1, 0.2]] } })).u;
  t.same(u2, u1, 'same u from the store as from memory');

  const f32 = await createModel(app, { eps: 1, W: { dtype: 'float32', shape: [2, 2], data: b64([1, 2, 3, 4], 'float32') }, b: [0, 1] });
  t.match(f32, { N: 2, d: 2 });
});

t.test('registration errors name the field', async (t) => {
  const app = await build(t);
  const cases: [object, string][] = [
    [{ W: [[1, 2]], b: [0] }, 'eps'],
    [{ eps: -1, W: [[1, 2]], b: [0] }, 'eps'],
    [{ eps: 1, W: [[1, 2], [3]], b: [0, 0] }, 'W[1]'],
    [{ eps: 1, W: [[1, 2]], b: [0, 1] }, 'b'],
    [{ eps: 1 }, 'model'],
    [{ eps: 1, W: [[1, 2]], b: [0], support: { y: [[1, 2]], g: [0] } }, 'model'],
    [{ eps: 1, W: { dtype: 'float64', shape: [2, 2], data: b64([1, 2, 3]) }, b: [0, 0] }, 'W.data'],
    [{ eps: 1, W: { dtype: 'float16', shape: [1, 1], data: 'AAAA' }, b: [0] }, 'W'],
    [{ eps: 1, W: [[1, 2]], b: [0], colour: 'red' }, 'colour'],
    [{ eps: 1, task: 'classification', W: [[1, 2]], b: [0] }, 'W'],
    [{ eps: 1, W: [[1, 2]], b: [0], classes: ['a', 'b'] }, 'classes'],
  ];
  for (const [body, field] of cases) {
    const res = await app.inject({ method: 'POST', url: '/v1/models', payload: body });
    const p = problemOf(t, res, 400);
    t.match(p.field, field, `${JSON.stringify(body).slice(0, 80)} -> ${field}`);
    t.type(p.expected, 'string');
    t.type(p.received, 'string');
  }
  t.equal(json(await app.inject({ url: '/v1/models' })).models.length, 0, 'nothing stored');
});

t.test('ids are validated before the store sees them', async (t) => {
  const app = await build(t);
  for (const id of ['m_../../etc', 'M_0123456789ABCDEF', 'm_0123']) {
    const res = await app.inject({ url: `/v1/models/${encodeURIComponent(id)}` });
    const p = problemOf(t, res, 400);
    t.equal(p.field, 'params.id');
  }
  problemOf(t, await app.inject({ url: '/v1/models/m_0123456789abcdef/weights' }), 404);
});

t.test('the store stays behind its interface', async (t) => {
  const store = new MemoryModelStore();
  const app = await build(t, {}, { store });
  const record = await createModel(app);
  t.ok(await store.get(record.id), 'created through the injected store');
  t.equal((await store.list()).length, 1);
});

t.test('the weights file carries what a reader needs to rebuild the model', async (t) => {
  const app = await build(t);
  const record = await createModel(app, { ...classModel, name: 'three-classes' });
  const st = parseSafetensors((await app.inject({ url: `/v1/models/${record.id}/weights` })).rawPayload);
  t.match(st.metadata, { format: 'hjnet', form: 'weights', task: 'classification', name: 'three-classes', eps: '0.1', t: '1' });
  t.same(JSON.parse(st.metadata.classes), ['a', 'b', 'c']);
  // Rebuilt from the file alone, the model is the one the service holds.
  const { W, b } = st.tensors;
  const rebuilt = await createEngineModel({
    name: st.metadata.name,
    task: st.metadata.task as 'classification',
    classes: JSON.parse(st.metadata.classes),
    eps: Number(st.metadata.eps),
    t: Number(st.metadata.t),
    W: { data: W.data as Float64Array, shape: W.shape },
    b: { data: b.data as Float64Array, shape: b.shape },
  });
  const { id, created_at, ...info } = record;
  t.same(rebuilt.info, info);
  const X = [[0.3, -0.2], [-1, 2]];
  const served = json(await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X } }));
  const local = await rebuilt.evaluate(X);
  t.same(Array.from(local.class!.data), served.class, 'the same classes');

  const support = await createModel(app, { eps: 0.2, support: { y: [[0, 1], [1, 0]], g: [0, 0.5] } });
  const meta = parseSafetensors((await app.inject({ url: `/v1/models/${support.id}/weights` })).rawPayload).metadata;
  t.match(meta, { form: 'support', task: 'regression' });
  t.notOk('classes' in meta || 'name' in meta || 'training' in meta, 'unset fields are left out');
});
