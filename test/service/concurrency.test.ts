// Concurrent creates, deletes and evaluations: every answer is a whole result or a clean 404,
// and the store ends with exactly the models that were not deleted.
import t from 'tap';
import { build, createModel, json, smallModel } from './fixtures/helper.js';

t.test('create, delete and evaluate at once', async (t) => {
  const app = await build(t, { modelCacheBytes: 4096 }); // a tiny cache: loads and evictions race too
  const ids: string[] = (await Promise.all(Array.from({ length: 8 }, () => createModel(app)))).map((r) => r.id);
  const doomed = new Set(ids.slice(0, 4));
  const X = [[0.5, -0.2]];
  const expected = json(await app.inject({ method: 'POST', url: `/v1/models/${ids[7]}/evaluate`, payload: { X } }));
  const ops: Promise<void>[] = [];
  const created: string[] = [];
  for (let round = 0; round < 6; round++) {
    for (const id of ids) {
      ops.push(
        app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X } }).then((res) => {
          if (res.statusCode === 200) t.same(json(res), expected, `evaluate ${id} whole`);
          else t.ok(doomed.has(id) && res.statusCode === 404, `evaluate ${id}: ${res.statusCode} only for deleted models`);
        }) as Promise<void>,
      );
    }
    ops.push(createModel(app, { ...smallModel, name: `r${round}` }).then((r) => void created.push(r.id)));
    if (round === 2) {
      for (const id of doomed) {
        ops.push(app.inject({ method: 'DELETE', url: `/v1/models/${id}` }).then((res) => void t.equal(res.statusCode, 204, `delete ${id}`)));
      }
    }
  }
  await Promise.all(ops);
  const listed = json(await app.inject({ url: '/v1/models' })).models.map((m: { id: string }) => m.id).sort();
  t.same(listed, [...ids.filter((id) => !doomed.has(id)), ...created].sort(), 'exactly the surviving models');
  for (const id of doomed) t.equal((await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X } })).statusCode, 404, 'deleted stays deleted (no stale cache)');
});

t.test('two deletes of one model: one 204, one 404', async (t) => {
  const app = await build(t);
  const { id } = await createModel(app);
  const codes = (await Promise.all([0, 1].map(() => app.inject({ method: 'DELETE', url: `/v1/models/${id}` })))).map((r) => r.statusCode).sort();
  t.same(codes, [204, 404]);
});
