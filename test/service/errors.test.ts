// Every error is RFC 9457 problem+json: 404, 400 with field, 413 naming HJNET_BODY_LIMIT,
// 422 naming HJNET_MAX_WORK / HJNET_MAX_OUTPUT, 503 with Retry-After, 401, 415, 429.
import t from 'tap';
import { keyMatcher } from '../../src/service/plugins/app/auth.js';
import { parseJson, refusalOf } from '../../src/service/lib/json-parse.js';
import { build, createModel, json, problemOf, smallModel } from './fixtures/helper.js';

const X = [[0.5, -0.2]];

t.test('404 for unknown routes and models', async (t) => {
  const app = await build(t);
  const p = problemOf(t, await app.inject({ url: '/v2/nothing' }), 404);
  t.match(p, { title: 'Not Found', instance: '/v2/nothing', request_id: String });
  const missing = 'm_0123456789abcdef';
  for (const [method, url] of [
    ['GET', `/v1/models/${missing}`],
    ['DELETE', `/v1/models/${missing}`],
    ['GET', `/v1/models/${missing}/weights`],
    ['POST', `/v1/models/${missing}/evaluate`],
    ['POST', `/v1/models/${missing}/attribute`],
    ['POST', `/v1/models/${missing}/certify-radius`],
  ]) {
    const res = await app.inject({ method: method as 'GET', url, ...(method === 'POST' ? { payload: { X } } : {}) });
    t.match(problemOf(t, res, 404).detail, missing, `${method} ${url}`);
  }
});

t.test('413 names HJNET_BODY_LIMIT, with and without Content-Length', async (t) => {
  const app = await build(t, { bodyLimit: 4096 });
  const big = { model: smallModel, X: Array.from({ length: 400 }, () => [0.123456789, 0.987654321]) };
  let p = problemOf(t, await app.inject({ method: 'POST', url: '/v1/evaluate', payload: big }), 413);
  t.match(p, { limit: 'HJNET_BODY_LIMIT', detail: /HJNET_BODY_LIMIT \(4096 bytes\)/ });
  // Chunked (no Content-Length): the limit holds while streaming through the custom parser.
  const { Readable } = await import('node:stream');
  const body = Readable.from([Buffer.from(JSON.stringify(big))]);
  p = problemOf(t, await app.inject({ method: 'POST', url: '/v1/evaluate', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, payload: body }), 413);
  t.equal(p.limit, 'HJNET_BODY_LIMIT');
  const ok = await app.inject({ method: 'POST', url: '/v1/evaluate', payload: { model: smallModel, X } });
  t.equal(ok.statusCode, 200, 'small bodies pass');
});

t.test('422 names HJNET_MAX_WORK and HJNET_MAX_OUTPUT', async (t) => {
  const app = await build(t, { maxWork: 30, maxOutput: 20 });
  const { id } = await createModel(app); // N = 3, K = 1
  const Xs = Array.from({ length: 11 }, () => [0, 0]);
  let p = problemOf(t, await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X: Xs } }), 422);
  t.match(p, { limit: 'HJNET_MAX_WORK', detail: /B·N·K = 11·3·1 = 33.*HJNET_MAX_WORK = 30/ });
  p = problemOf(t, await app.inject({ method: 'POST', url: '/v1/evaluate', payload: { model: smallModel, X: Xs } }), 422);
  t.equal(p.limit, 'HJNET_MAX_WORK', 'inline too');
  // a width that does not fit the model is the client's error before any budget (and before the model is built)
  p = problemOf(t, await app.inject({ method: 'POST', url: '/v1/evaluate', payload: { model: smallModel, X: Xs.map(() => [0, 0, 0]) } }), 400);
  t.match(p, { field: 'X', detail: /shape \[B, 2\]/ });
  p = problemOf(t, await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X: Xs.map(() => [0]) } }), 400);
  t.equal(p.field, 'X', 'stored models too');
  p = problemOf(t, await app.inject({ method: 'POST', url: `/v1/models/${id}/certify-radius`, payload: { X, attack: { steps: 10 } } }), 422);
  t.match(p.detail, /passes/, 'attack steps count');
  p = problemOf(t, await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X: [[0, 0], [1, 1], [2, 2]], outputs: ['pi', 'grad_f', 'grad_u'] } }), 422);
  t.equal(p.limit, 'HJNET_MAX_OUTPUT');
  // Binary X: B comes from the shape.
  const bin = { dtype: 'float64', shape: [11, 2], data: Buffer.alloc(11 * 2 * 8).toString('base64') };
  t.equal(problemOf(t, await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X: bin } }), 422).limit, 'HJNET_MAX_WORK');
  t.equal((await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X } })).statusCode, 200, 'within budget');
});

t.test('non-finite numbers are refused with 400', async (t) => {
  const app = await build(t);
  const { id } = await createModel(app);
  const send = (url: string, payload: string) => app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
  let p = problemOf(t, await send(`/v1/models/${id}/evaluate`, '{"X": [[0.5, 1e400]]}'), 400);
  t.match(p, { field: 'X[0][1]', expected: /finite/ });
  p = problemOf(t, await send(`/v1/models/${id}/evaluate`, '{"X": [[0.5, 1]], "eps": -1E+999}'), 400);
  t.equal(p.field, 'eps');
  p = problemOf(t, await send('/v1/evaluate', `{"model": {"eps": 1, "W": [[1, ${'9'.repeat(400)}]], "b": [0]}, "X": [[0, 0]]}`), 400);
  t.equal(p.field, 'model.W[0][1]');
  p = problemOf(t, await send('/v1/models', '{"eps": 1, "W": [[1, 2]], "b": [0], "t": 2e308}'), 400);
  t.equal(p.field, 't');
  // Binary tensors carry IEEE values: NaN and Infinity are refused there too.
  const nan = { dtype: 'float64', shape: [1, 2], data: Buffer.from(Float64Array.of(0, NaN).buffer).toString('base64') };
  p = problemOf(t, await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X: nan } }), 400);
  t.match(p.field, /^X/);
  t.equal(refusalOf({ a: [1, [2, Infinity]] })?.field, 'a[1][1]');
  t.equal(refusalOf({ a: [1, 2], b: 'x' }), null);
  t.same(parseJson('{"a": 1e300, "b": "1e999"}'), { body: { a: 1e300, b: '1e999' } }, 'strings and large finite numbers pass');
});

t.test('malformed, empty, poisoned and non-JSON bodies', async (t) => {
  const app = await build(t);
  const post = (payload: string, type = 'application/json') => app.inject({ method: 'POST', url: '/v1/evaluate', payload, headers: { 'content-type': type } });
  t.match(problemOf(t, await post('{"X": [[1, 2]'), 400), { field: 'body', detail: /Malformed JSON/ });
  t.equal(problemOf(t, await post(''), 400).field, 'body');
  t.equal(problemOf(t, await post('{"model": {"eps": 1, "W": [[1]], "b": [0]}, "X": [[1]], "__proto__": {"x": 1}}'), 400).field, '__proto__');
  problemOf(t, await post('X=1', 'application/x-www-form-urlencoded'), 415);
  problemOf(t, await post('hello', 'text/plain'), 415);
  t.equal(problemOf(t, await post('[1, 2]'), 400).field, 'body', 'a body that is not an object');
});

t.test('503 with Retry-After when the event loop is overloaded', async (t) => {
  const app = await build(t, { maxEventLoopDelayMs: 5, retryAfterS: 7 });
  // Block the loop; under-pressure's overdue sample then sees the delay (and holds it until
  // its next sample, 250 ms later).
  const until = Date.now() + 300;
  while (Date.now() < until);
  await new Promise((r) => setTimeout(r, 30));
  t.ok(app.isUnderPressure(), 'under pressure');
  const res = await app.inject({ method: 'POST', url: '/v1/evaluate', payload: { model: smallModel, X } });
  const p = problemOf(t, res, 503);
  t.equal(res.headers['retry-after'], '7');
  t.match(p.detail, /event loop|overloaded/i);
  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200, 'liveness is still served');
  const ready = await app.inject({ url: '/health/ready' });
  t.equal(ready.statusCode, 503, 'readiness reports the pressure');
  t.equal(json(ready).checks.pressure, false);
});

t.test('API keys guard mutating routes only', async (t) => {
  const key = 'k'.repeat(20) + '-primary';
  const other = 'o'.repeat(24);
  const app = await build(t, { apiKeys: [key, other] });
  let res = await app.inject({ method: 'POST', url: '/v1/models', payload: smallModel });
  problemOf(t, res, 401);
  t.match(res.headers['www-authenticate'], /^Bearer/);
  problemOf(t, await app.inject({ method: 'POST', url: '/v1/models', payload: smallModel, headers: { authorization: `Bearer ${key}x` } }), 401);
  problemOf(t, await app.inject({ method: 'POST', url: '/v1/models', payload: smallModel, headers: { authorization: key } }), 401);
  const { id } = await createModel(app, smallModel, { authorization: `Bearer ${key}` });
  await createModel(app, smallModel, { authorization: `bearer ${other}` });
  t.equal((await app.inject({ url: '/v1/models' })).statusCode, 200, 'reads are open');
  t.equal((await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X } })).statusCode, 200, 'compute is open');
  problemOf(t, await app.inject({ method: 'DELETE', url: `/v1/models/${id}` }), 401);
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/models/${id}`, headers: { authorization: `Bearer ${other}` } })).statusCode, 204);
  const match = keyMatcher(['abc', 'defgh']);
  t.ok(match('abc') && match('defgh') && !match('ab') && !match('abcd') && !match(''));
});

t.test('429 when the rate limit is exceeded', async (t) => {
  const app = await build(t, { rateLimitMax: 2, rateLimitWindowMs: 60_000 });
  await app.inject({ url: '/v1/info' });
  await app.inject({ url: '/v1/info' });
  const res = await app.inject({ url: '/v1/info' });
  const p = problemOf(t, res, 429);
  t.equal(p.limit, 'HJNET_RATE_LIMIT_MAX');
  t.ok(Number(res.headers['retry-after']) > 0, 'Retry-After');
  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200, 'probes are not limited');
});

t.test('binary tensors that fail the schema are named by field, with what was expected', async (t) => {
  const app = await build(t);
  const { id } = await createModel(app);
  const good = { dtype: 'float64', shape: [1, 2], data: Buffer.from(Float64Array.of(0.5, -0.2).buffer).toString('base64') };
  const cases: [object, string, RegExp][] = [
    [{ ...good, dtype: 'float16' }, 'X.dtype', /"float32", "float64"/],
    [{ ...good, shape: [1, -2] }, 'X.shape[1]', />= 0/],
    [{ ...good, shape: [0.5, 4] }, 'X.shape[0]', /integer/],
    [{ ...good, shape: [0, 2 ** 60] }, 'X.shape[1]', /9007199254740991/],
    [{ dtype: 'float64', shape: [1, 2] }, 'X.data', /required/],
    [{ ...good, data: 5 }, 'X.data', /string/],
    [{ ...good, extra: 1 }, 'X.extra', /no such property/],
  ];
  for (const [X, field, expected] of cases) {
    const p = problemOf(t, await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X } }), 400);
    t.match(p, { field, expected }, field);
    t.notMatch(p.detail, /Expected array/, `${field}: not reported as a bad nested array`);
  }
  let p = problemOf(t, await app.inject({ method: 'POST', url: '/v1/evaluate', payload: { model: { ...smallModel, W: { ...good, dtype: 'int32' } }, X } }), 400);
  t.match(p, { field: 'model.W.dtype', received: '"int32"' }, 'inside an inline model');
  // Neither form: both are named. Nested arrays are still reported inside the array.
  p = problemOf(t, await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X: 5 } }), 400);
  t.match(p, { field: 'X', expected: 'array or BinaryTensor {dtype, shape, data}', received: '5' });
  p = problemOf(t, await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X: [[1, 'a']] } }), 400);
  t.match(p, { field: 'X[0][1]', expected: 'number' });
  p = problemOf(t, await app.inject({ method: 'POST', url: '/v1/train', payload: { task: 'regression', data: { X: [[0], [1]], y: [0, 1] }, eps: -1 } }), 400);
  t.match(p, { field: 'eps', expected: '>= 0 or "auto"' }, 'a number-or-literal union lists both');
});

t.test('a bad shape is a 400 before the budgets, not a 422', async (t) => {
  const app = await build(t, { maxWork: 30, maxOutput: 20 });
  const { id } = await createModel(app); // d = 2
  const bin = (shape: number[], n: number) => ({ dtype: 'float64', shape, data: Buffer.alloc(n * 8).toString('base64') });
  const cases: [unknown, RegExp][] = [
    [bin([2 ** 30, 2 ** 30, 2 ** 30], 1), /^X\.shape/],
    [bin([2 ** 40, 2], 1), /^X\.data$/],
    [bin([1e300, 2], 1), /^X\.shape\[0\]$/],
    [bin([11, 2, 1], 22), /^X\.shape$/],
  ];
  for (const url of [`/v1/models/${id}/evaluate`, `/v1/models/${id}/certify-radius`, '/v1/attribute']) {
    for (const [X, field] of cases) {
      const payload = url.startsWith('/v1/models') ? { X } : { model: smallModel, X };
      t.match(problemOf(t, await app.inject({ method: 'POST', url, payload }), 400).field, field, `${url}: ${field}`);
    }
  }
  // The width is checked against a stored model before the budget too.
  const wide = Array.from({ length: 11 }, () => [0, 0, 0]);
  t.match(problemOf(t, await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X: wide } }), 400), { field: 'X', received: 'shape [11, 3]' });
  t.match(problemOf(t, await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X: bin([1e6, 0], 0) } }), 400), { field: 'X', received: 'shape [1000000, 0]' });
  // An inline model's binary tensors are read before its K·N² budget.
  const W = bin([2 ** 40, 2], 1);
  t.equal(problemOf(t, await app.inject({ method: 'POST', url: '/v1/evaluate', payload: { model: { ...smallModel, W }, X } }), 400).field, 'model.W.data');
  t.equal((await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X: bin([11, 2], 22) } })).statusCode, 422, 'a well-formed X over budget is still a 422');
});

t.test('an empty body with Content-Type application/json is fine where no body is expected', async (t) => {
  const app = await build(t);
  const { id } = await createModel(app);
  const headers = { 'content-type': 'application/json' };
  t.equal((await app.inject({ method: 'GET', url: `/v1/models/${id}`, headers })).statusCode, 200);
  t.equal(problemOf(t, await app.inject({ method: 'DELETE', url: `/v1/models/${id}`, headers, payload: '{' }), 400).field, 'body', 'invalid JSON is still a 400');
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/models/${id}`, headers })).statusCode, 204);
  problemOf(t, await app.inject({ method: 'DELETE', url: '/v1/jobs/j_0123456789abcdef', headers }), 404);
  t.equal(problemOf(t, await app.inject({ method: 'POST', url: '/v1/models', headers }), 400).field, 'body', 'a route that takes a body still needs one');
});
