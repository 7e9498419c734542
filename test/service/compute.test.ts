// evaluate, attribute and certify-radius over HTTP, stored and inline, against the plain
// TypeScript reference; encodings, precision, and no NaN/Infinity in any 200.
import t from 'tap';
import { headFromWeights, refF, refGibbs, refU } from '../../src/engine/reference.js';
import { build, classModel, createModel, json, problemOf, smallModel } from './fixtures/helper.js';

const X = [[0.5, -0.2], [1, 1], [-2, 0.3]];
const head = headFromWeights(smallModel.W, smallModel.b, smallModel.t);
const close = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

function decode(bin: { dtype: string; shape: number[]; data: string }): number[] {
  const buf = Buffer.from(bin.data, 'base64');
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return Array.from(bin.dtype === 'int32' ? new Int32Array(ab) : bin.dtype === 'float32' ? new Float32Array(ab) : new Float64Array(ab));
}

t.test('evaluate: stored and inline agree with the reference', async (t) => {
  const app = await build(t);
  const { id } = await createModel(app);
  const body = { X, outputs: ['pi', 'entropy', 'grad_f', 'grad_u', 'hessian_norm'], topk: 2 };
  const stored = await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: body });
  const inline = await app.inject({ method: 'POST', url: '/v1/evaluate', payload: { model: smallModel, ...body } });
  t.equal(stored.statusCode, 200, stored.payload);
  t.same(json(inline), json(stored), 'inline twin gives the same result');
  const r = json(stored);
  X.forEach((x, i) => {
    t.ok(close(r.f[i][0], refF(head, x, 0.5)), `f[${i}]`);
    t.ok(close(r.u[i][0], refU(head, x, 0.5)), `u[${i}]`);
    const g = refGibbs(head, x, 0.5);
    r.pi[i][0].forEach((p: number, j: number) => t.ok(close(p, g.pi[j]), `pi[${i}][${j}]`));
    t.ok(close(r.entropy[i][0], g.entropy), `entropy[${i}]`);
  });
  t.same([r.f.length, r.f[0].length, r.pi[0][0].length, r.grad_u[0][0].length, r.topk.index[0][0].length], [3, 1, 3, 2, 2]);
  t.notMatch(stored.payload, /NaN|Infinity/);
});

t.test('evaluate: base64 in and out, precision', async (t) => {
  const app = await build(t);
  const { id } = await createModel(app);
  const flat = Float32Array.from(X.flat());
  const Xb = { dtype: 'float32', shape: [3, 2], data: Buffer.from(flat.buffer).toString('base64') };
  const nested = json(await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X, precision: 'float32' } }));
  const res = await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X: Xb, precision: 'float32', encoding: 'base64', topk: 1 } });
  t.equal(res.statusCode, 200, res.payload);
  const r = json(res);
  t.match(r.f, { dtype: 'float64', shape: [3, 1], data: String });
  t.match(r.topk.index, { dtype: 'int32', shape: [3, 1, 1] });
  // Float32 queries are the float32 roundings of X: compare with the float32 nested request.
  decode(r.u).forEach((u, i) => t.ok(close(u, nested.u[i][0], 1e-5), `u[${i}] float32`));
  decode(r.f).forEach((f, i) => t.ok(close(f, refF(head, X[i], 0.5), 1e-5), `f[${i}] within float32 accuracy`));
});

t.test('classification: class, proba, certificates', async (t) => {
  const app = await build(t);
  const { id } = await createModel(app, classModel);
  const ev = json(await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X } }));
  t.equal(ev.class.length, 3);
  ev.proba.forEach((p: number[]) => t.ok(close(p.reduce((a, b) => a + b, 0), 1), 'probabilities sum to 1'));
  ev.class.forEach((c: number, i: number) => t.equal(c, ev.u[i].indexOf(Math.min(...ev.u[i])), 'class = argmin u'));
  const cert = await app.inject({ method: 'POST', url: `/v1/models/${id}/certify-radius`, payload: { X, attack: { steps: 10 } } });
  t.equal(cert.statusCode, 200, cert.payload);
  for (const [i, r] of json(cert).results.entries()) {
    t.equal(r.class, ev.class[i]);
    t.ok(r.radius >= 0);
    t.equal(r.attack.sound, true, 'the attack finds no class change inside the radius');
  }
  const attr = json(await app.inject({ method: 'POST', url: `/v1/models/${id}/attribute`, payload: { X, k: 1 } }));
  attr.results.forEach((r: { head: number; top: unknown[] }, i: number) => {
    t.equal(r.head, ev.class[i], 'attribution explains the predicted class');
    t.equal(r.top.length, 1);
  });
});

t.test('attribute: sorted by pi, stops at the requested mass', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'POST', url: '/v1/attribute', payload: { model: smallModel, X, k: 3, mass: 0.5 } });
  t.equal(res.statusCode, 200, res.payload);
  for (const [i, r] of json(res).results.entries()) {
    const pis = r.top.map((e: { pi: number }) => e.pi);
    t.same(pis, [...pis].sort((a, b) => b - a), 'pi descending');
    t.ok(r.covered_mass >= 0.5 || r.top.length === 3);
    t.ok(close(r.effective_n, Math.exp(r.entropy)));
    const g = refGibbs(head, X[i], 0.5);
    t.ok(close(r.fhat, g.fhat), `fhat[${i}]`);
  }
});

t.test('certify-radius: regression targets and attack soundness', async (t) => {
  const app = await build(t);
  const { id } = await createModel(app);
  for (const target of ['u', 'f']) {
    const res = await app.inject({ method: 'POST', url: `/v1/models/${id}/certify-radius`, payload: { X, tau: 0.05, target, attack: { steps: 10 } } });
    t.equal(res.statusCode, 200, res.payload);
    for (const r of json(res).results) {
      t.equal(r.target, target);
      t.equal(r.radius, Math.max(r.radius_paper ?? 0, r.radius_lipschitz, r.radius_local));
      if (target === 'u') t.equal(r.radius_paper, null);
      t.equal(r.attack.sound, true);
      t.ok(r.attack.max_change <= 0.05 * (1 + 1e-9));
    }
  }
});

t.test('non-finite values become null, never NaN or Infinity', async (t) => {
  const app = await build(t);
  // eps = 0: the curvature bound is infinite by definition.
  const tropical = await app.inject({ method: 'POST', url: '/v1/certify-radius', payload: { model: { ...smallModel, eps: 0 }, X, target: 'f' } });
  t.equal(tropical.statusCode, 200, tropical.payload);
  t.notMatch(tropical.payload, /NaN|Infinity/);
  t.ok(json(tropical).results.every((r: { curvature_bound: unknown }) => r.curvature_bound === null));
  // A tie between far-apart neurons with a tiny eps: the Hessian norm overflows.
  const steep = { eps: 1e-300, W: [[1e5, 0], [-1e5, 0]], b: [0, 0] };
  const res = await app.inject({ method: 'POST', url: '/v1/evaluate', payload: { model: steep, X: [[0, 0]], outputs: ['hessian_norm'] } });
  t.equal(res.statusCode, 200, res.payload);
  t.notMatch(res.payload, /NaN|Infinity/);
  t.same(json(res).hessian_norm, [[null]]);
});

t.test('engine argument errors are 400 naming the field', async (t) => {
  const app = await build(t);
  const { id } = await createModel(app);
  const url = `/v1/models/${id}/evaluate`;
  let p = problemOf(t, await app.inject({ method: 'POST', url, payload: { X: [[1, 2, 3]] } }), 400);
  t.match(p, { field: 'X', expected: /\[B, 2\]/, received: 'shape [1, 3]' });
  p = problemOf(t, await app.inject({ method: 'POST', url, payload: { X: [[1, 2], [3]] } }), 400);
  t.match(p.field, /^X\[1\]/);
  p = problemOf(t, await app.inject({ method: 'POST', url: `/v1/models/${id}/attribute`, payload: { X, head: 4 } }), 400);
  t.equal(p.field, 'head');
  p = problemOf(t, await app.inject({ method: 'POST', url, payload: { X, outputs: ['f', 'nope'] } }), 400);
  t.equal(p.field, 'outputs[1]');
  p = problemOf(t, await app.inject({ method: 'POST', url, payload: { X: { dtype: 'float64', shape: [1, 2], data: 'not base64!' } } }), 400);
  t.match(p.field, /^X/);
  p = problemOf(t, await app.inject({ method: 'POST', url: '/v1/evaluate', payload: { model: { ...smallModel, b: [0, 1] }, X } }), 400);
  t.equal(p.field, 'model.b');
  p = problemOf(t, await app.inject({ method: 'POST', url: '/v1/evaluate', payload: { model: { ...smallModel, W: [[1, 0], [0, 1], [-1]] }, X } }), 400);
  t.match(p.field, /^model\.W/);
  p = problemOf(t, await app.inject({ method: 'POST', url, payload: { X, eps: 'big' } }), 400);
  t.equal(p.field, 'eps');
});

t.test('a NaN in a result is a 500 logged with its route, never a silent null; infinities stay null', async (t) => {
  const lines: string[] = [];
  const app = await build(t, {}, { logger: { level: 'error', stream: { write: (line: string) => lines.push(line) } } });
  const { id } = await createModel(app);
  // A stand-in for an engine defect: the result of the next computation gets a value.
  const run = app.engine.run.bind(app.engine);
  let poison: ((result: any) => void) | null = null;
  app.engine.run = async (op, call) => {
    const result = await run(op, call);
    if (op !== 'create_model' && poison) poison(result);
    return result;
  };
  const send = async (url: string, payload: object, change: (result: any) => void) => {
    poison = change;
    return app.inject({ method: 'POST', url, payload });
  };

  for (const encoding of ['json', 'base64']) {
    const res = await send(`/v1/models/${id}/evaluate`, { X, encoding }, (r) => (r.f.data[1] = NaN));
    t.match(problemOf(t, res, 500).detail, /see its log/, `evaluate, ${encoding}`);
    t.notMatch(res.payload, /null/, 'no null in its place');
    const logged = JSON.parse(lines.at(-1) as string);
    t.match(logged, { route: 'POST /v1/models/:id/evaluate', err: { message: /NaN in the result at f\[1\]\[0\]/ } }, 'the log names the route and the value');
  }
  let res = await send('/v1/certify-radius', { model: smallModel, X }, (r) => (r.results[2].radius = NaN));
  problemOf(t, res, 500);
  t.match(JSON.parse(lines.at(-1) as string), { route: 'POST /v1/certify-radius', err: { message: /results\[2\]\.radius/ } });
  res = await send(`/v1/models/${id}/attribute`, { X }, (r) => (r.results[0].top[1].pi = NaN));
  problemOf(t, res, 500);
  t.match(JSON.parse(lines.at(-1) as string).err.message, /results\[0\]\.top\[1\]\.pi/);

  // Infinite values (e.g. an unbounded radius) are null, as documented.
  res = await send(`/v1/models/${id}/evaluate`, { X }, (r) => (r.f.data[1] = -Infinity));
  t.equal(res.statusCode, 200, res.payload);
  t.equal(json(res).f[1][0], null);
  res = await send(`/v1/models/${id}/certify-radius`, { X }, (r) => (r.results[0].radius = Infinity));
  t.equal(res.statusCode, 200, res.payload);
  t.equal(json(res).results[0].radius, null);
});
