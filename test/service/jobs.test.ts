// /v1/train and /v1/jobs: a job trains and stores an evaluable model, reports progress in its
// record and as server-sent events, can be cancelled, queues behind HJNET_TRAIN_CONCURRENCY,
// refuses bad data before anything is queued, and never outlives a restart as running.
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { request } from 'undici';
import { parseSafetensors } from '../../src/data/safetensors.js';
import type { JobRecord } from '../../src/jobs/job.js';
import { build, json, problemOf, tempDir } from './fixtures/helper.js';

const xs = Array.from({ length: 41 }, (_, i) => -2 + i * 0.1);
/** |x| on [-2, 2]: trains in milliseconds with a few hundred steps. */
const small = { name: 'abs', task: 'regression', method: 'adam', N: 10, steps: 300, seed: 1, data: { X: xs.map((x) => [x]), y: xs.map(Math.abs) } };
/** The same with ten million steps: runs until cancelled. */
const long = { ...small, name: 'long', steps: 10_000_000 };

async function start(app: FastifyInstance, body: object, headers: Record<string, string> = {}): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1/train', payload: body, headers });
  if (res.statusCode !== 202) throw new Error(`train failed: ${res.statusCode} ${res.payload}`);
  return json(res).job_id;
}

async function until(app: FastifyInstance, id: string, done: (job: JobRecord) => boolean, timeoutMs = 20_000): Promise<JobRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = json(await app.inject({ url: `/v1/jobs/${id}` })) as JobRecord;
    if (done(job)) return job;
    if (Date.now() > deadline) throw new Error(`timed out waiting on job ${id}: ${JSON.stringify(job).slice(0, 300)}`);
    await sleep(10);
  }
}

const finished = (job: JobRecord) => ['succeeded', 'failed', 'cancelled'].includes(job.status);

t.test('a job trains, stores an evaluable model and names itself in it', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'POST', url: '/v1/train', payload: small });
  t.equal(res.statusCode, 202, res.payload);
  const { job_id } = json(res);
  t.match(job_id, /^j_[0-9a-f]{16}$/);
  t.equal(res.headers.location, `/v1/jobs/${job_id}`);

  const job = await until(app, job_id, finished);
  t.match(job, { id: job_id, status: 'succeeded', name: 'abs', task: 'regression', method: 'adam', error: null, model_id: /^m_[0-9a-f]{16}$/ });
  t.ok(job.started_at && job.finished_at);
  t.equal(job.progress.step, 300);
  t.equal(job.progress.steps, 300);
  t.ok(job.progress.loss !== null && job.progress.loss < 0.01, `final loss ${job.progress.loss}`);
  t.ok(job.history.length >= 1, 'history');
  t.ok(job.history.every((h, i) => i === 0 || h.step > job.history[i - 1].step), 'history steps strictly increase');
  t.same(job.history.at(-1), job.progress, 'the last entry is the final progress');

  const model = json(await app.inject({ url: `/v1/models/${job.model_id}` }));
  t.match(model, { name: 'abs', task: 'regression', form: 'support', K: 1, N: 10, d: 1 });
  t.match(model.training, { job_id, method: 'adam', seed: 1, metrics: { train_loss: Number } });
  const ev = await app.inject({ method: 'POST', url: `/v1/models/${job.model_id}/evaluate`, payload: { X: [[-1.5], [0.3], [1.2]] } });
  t.equal(ev.statusCode, 200, ev.payload);
  const u = json(ev).u.map((row: number[]) => row[0]);
  [1.5, 0.3, 1.2].forEach((want, i) => t.ok(Math.abs(u[i] - want) < 0.15, `u(${[-1.5, 0.3, 1.2][i]}) = ${u[i]} near |x|`));

  const list = json(await app.inject({ url: '/v1/jobs' }));
  t.same(list.jobs.map((j: JobRecord) => j.id), [job_id]);
  t.same(list.jobs[0], job, 'the list shows the record');

  // Cancelling a finished job changes nothing.
  const del = await app.inject({ method: 'DELETE', url: `/v1/jobs/${job_id}` });
  t.equal(del.statusCode, 200);
  t.same(json(del), job);
});

t.test('closed-form and classification jobs', async (t) => {
  const app = await build(t);
  const cf = await until(app, await start(app, { task: 'regression', method: 'closed-form', data: small.data }), finished);
  t.equal(cf.status, 'succeeded', cf.error ?? '');
  t.match(cf.progress, { step: 0, steps: 0, loss: Number }, 'closed-form reports its final loss');
  t.match(json(await app.inject({ url: `/v1/models/${cf.model_id}` })), { N: 41, training: { method: 'closed-form', job_id: cf.id } });

  const labels = xs.map((x) => (x > 0.3 ? 1 : 0));
  const cls = await until(app, await start(app, { task: 'classification', steps: 200, N: 8, data: { X: xs.map((x) => [x]), y: labels } }), finished);
  t.equal(cls.status, 'succeeded', cls.error ?? '');
  const res = json(await app.inject({ method: 'POST', url: `/v1/models/${cls.model_id}/evaluate`, payload: { X: [[-1.5], [1.5]] } }));
  t.same(res.class, [0, 1]);
});

t.test("a model's record names the rows of data.X its support points are", async (t) => {
  const app = await build(t);
  // Two classes in 2-D away from the origin; 10 rows held out for validation.
  const X = xs.map((x, i) => [100 + 10 * x, 50 + (i % 5)]);
  const y = xs.map((x) => (x > 0 ? 1 : 0));
  const job = await until(app, await start(app, { task: 'classification', method: 'closed-form', N: 12, validation_split: 0.25, seed: 3, data: { X, y } }), finished);
  t.equal(job.status, 'succeeded', job.error ?? '');
  const record = json(await app.inject({ url: `/v1/models/${job.model_id}` }));
  const rows: number[] = record.training.support_rows;
  t.equal(rows.length, 12);
  const weights = await app.inject({ url: `/v1/models/${job.model_id}/weights` });
  const points = parseSafetensors(weights.rawPayload).tensors.y;
  t.same(points.shape, [2, 12, 2]);
  let worst = 0;
  for (let k = 0; k < 2; k++) {
    rows.forEach((r, j) => X[r].forEach((v, c) => (worst = Math.max(worst, Math.abs(points.data[(k * 12 + j) * 2 + c] - v)))));
  }
  t.ok(worst < 1e-11, `support points are the named rows of data.X (${worst.toExponential(2)})`);
});

t.test('binary tensors are accepted for data', async (t) => {
  const app = await build(t);
  const b64 = (v: number[]) => Buffer.from(Float64Array.from(v).buffer).toString('base64');
  const body = {
    task: 'regression',
    method: 'closed-form',
    data: { X: { dtype: 'float64', shape: [xs.length, 1], data: b64(xs) }, y: { dtype: 'float64', shape: [xs.length], data: b64(xs.map(Math.abs)) } },
  };
  t.equal((await until(app, await start(app, body), finished)).status, 'succeeded');
  const bad = { ...body, data: { ...body.data, y: { dtype: 'float64', shape: [xs.length], data: b64([NaN, ...xs.slice(1)]) } } };
  const p = problemOf(t, await app.inject({ method: 'POST', url: '/v1/train', payload: bad }), 400);
  t.match(p.field, /^data\.y/);
});

t.test('bad data is refused with 400 naming the field before any job exists', async (t) => {
  const app = await build(t);
  const X = xs.map((x) => [x]);
  const y = xs.map(Math.abs);
  const cases: [object, RegExp][] = [
    [{ task: 'regression', data: { X, y: y.slice(1) } }, /^data\.y$/],
    [{ task: 'regression', data: { X: [[0, 1], [2]], y: [0, 1] } }, /^data\.X\[1\]/],
    [{ task: 'regression', data: { X: [[0], [1e400]], y: [0, 1] } }, /^data\.X/],
    [{ task: 'regression', data: { X, y }, N: 0 }, /^N$/],
    [{ task: 'regression', method: 'closed-form', data: { X, y }, N: 42 }, /^N$/],
    // 41 rows, 4 held out for validation: 37 left for 38 support points.
    [{ task: 'regression', data: { X, y }, N: 38 }, /^N$/],
    [{ task: 'regression', data: { X, y }, steps: 0 }, /^steps$/],
    [{ task: 'regression', data: { X, y }, method: 'sgd' }, /^method$/],
    [{ task: 'regression', data: { X, y }, eps: 'big' }, /^eps$/],
    [{ task: 'regression', data: { X, y }, validation_split: 0.9 }, /^validation_split$/],
    [{ task: 'classification', data: { X, y } }, /^data\.y\[/],
    [{ task: 'classification', data: { X, y: y.map(() => 0) } }, /^data\.y$/],
    [{ data: { X, y } }, /^task$/],
    [{ task: 'regression', data: { X, y }, learning_rate: 1 }, /^learning_rate$/],
    [{ task: 'regression', method: 'closed-form', parametrization: 'weights', data: { X, y } }, /^parametrization$/],
  ];
  for (const [body, field] of cases) {
    const p = problemOf(t, await app.inject({ method: 'POST', url: '/v1/train', payload: body }), 400);
    t.match(p.field, field, `${JSON.stringify(body).slice(0, 100)} -> ${p.detail}`);
  }
  t.same(json(await app.inject({ url: '/v1/jobs' })).jobs, [], 'nothing was queued');
});

t.test('job ids are checked: 400 malformed, 404 unknown', async (t) => {
  const app = await build(t);
  for (const url of ['/v1/jobs/nope', '/v1/jobs/j_0123', '/v1/jobs/..%2F..%2Fetc', '/v1/jobs/j_0123456789ABCDEF/events']) {
    t.equal(problemOf(t, await app.inject({ url }), 400).field, 'params.id', url);
  }
  problemOf(t, await app.inject({ method: 'DELETE', url: '/v1/jobs/x' }), 400);
  const unknown = 'j_0123456789abcdef';
  t.match(problemOf(t, await app.inject({ url: `/v1/jobs/${unknown}` }), 404).detail, unknown);
  problemOf(t, await app.inject({ url: `/v1/jobs/${unknown}/events` }), 404);
  problemOf(t, await app.inject({ method: 'DELETE', url: `/v1/jobs/${unknown}` }), 404);
});

t.test('progress shows in GET; cancel frees the worker within a second and leaves no model', async (t) => {
  const app = await build(t, { trainConcurrency: 1 });
  const first = await start(app, long);
  const second = await start(app, small);
  const running = await until(app, first, (j) => j.progress.step > 0);
  t.equal(running.status, 'running');
  t.equal(running.progress.steps, 10_000_000);
  t.ok(running.progress.loss !== null, 'loss reported while running');
  t.ok(running.history.length >= 1);
  t.equal(json(await app.inject({ url: `/v1/jobs/${second}` })).status, 'queued', 'concurrency 1: the second job waits');

  const later = await until(app, first, (j) => j.progress.step > running.progress.step);
  t.ok(later.progress.step > running.progress.step, 'progress advances');

  const began = Date.now();
  const del = await app.inject({ method: 'DELETE', url: `/v1/jobs/${first}` });
  t.equal(del.statusCode, 200, del.payload);
  t.match(json(del), { id: first, status: 'cancelled', model_id: null, error: null });
  const next = await until(app, second, (j) => j.status !== 'queued', 1000);
  t.ok(Date.now() - began < 1000, `the worker is free within a second (${Date.now() - began} ms)`);
  t.ok(['running', 'succeeded'].includes(next.status));
  const done = await until(app, second, finished);
  t.equal(done.status, 'succeeded');
  const models = json(await app.inject({ url: '/v1/models' })).models;
  t.same(models.map((m: { id: string }) => m.id), [done.model_id], 'only the finished job left a model');

  // A queued job cancels at once.
  const a = await start(app, long);
  const b = await start(app, long);
  t.match(json(await app.inject({ method: 'DELETE', url: `/v1/jobs/${b}` })), { status: 'cancelled', started_at: null });
  t.equal(json(await app.inject({ method: 'DELETE', url: `/v1/jobs/${a}` })).status, 'cancelled');
});

t.test('a job cancelled as soon as it starts frees the worker at once', async (t) => {
  const app = await build(t, { trainConcurrency: 1 });
  for (let i = 0; i < 3; i++) {
    const id = await start(app, long);
    await until(app, id, (j) => j.status === 'running', 1000);
    const began = Date.now();
    t.equal(json(await app.inject({ method: 'DELETE', url: `/v1/jobs/${id}` })).status, 'cancelled');
    t.ok(Date.now() - began < 1000, `cancelled in ${Date.now() - began} ms`);
  }
  const next = await until(app, await start(app, small), finished, 5000);
  t.equal(next.status, 'succeeded');
});

t.test('concurrency 2 runs two jobs at once', async (t) => {
  const app = await build(t, { trainConcurrency: 2 });
  const ids = [await start(app, long), await start(app, long), await start(app, long)];
  await until(app, ids[1], (j) => j.status === 'running');
  t.equal(json(await app.inject({ url: `/v1/jobs/${ids[0]}` })).status, 'running');
  t.equal(json(await app.inject({ url: `/v1/jobs/${ids[2]}` })).status, 'queued');
  for (const id of ids) t.equal(json(await app.inject({ method: 'DELETE', url: `/v1/jobs/${id}` })).status, 'cancelled');
});

t.test('POST /v1/train and DELETE /v1/jobs need the API key when keys are set', async (t) => {
  const key = 'k'.repeat(32);
  const app = await build(t, { apiKeys: [key] });
  const auth = { authorization: `Bearer ${key}` };
  const denied = await app.inject({ method: 'POST', url: '/v1/train', payload: small });
  problemOf(t, denied, 401);
  t.match(denied.headers['www-authenticate'], /^Bearer/);
  problemOf(t, await app.inject({ method: 'POST', url: '/v1/train', payload: small, headers: { authorization: 'Bearer wrong-key-wrong-key' } }), 401);
  t.same(json(await app.inject({ url: '/v1/jobs' })).jobs, [], 'reads stay open');
  const id = await start(app, long, auth);
  problemOf(t, await app.inject({ method: 'DELETE', url: `/v1/jobs/${id}` }), 401);
  t.not(json(await app.inject({ url: `/v1/jobs/${id}` })).status, 'cancelled');
  t.equal(json(await app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: auth })).status, 'cancelled');
});

t.test('a job interrupted by a restart reads failed "interrupted"', async (t) => {
  const dataDir = await tempDir(t);
  const app = await build(t, { dataDir });
  const id = await start(app, long);
  await until(app, id, (j) => j.status === 'running');
  // The data directory as a crash would leave it: the record says running.
  const file = join(dataDir, 'jobs', `${id}.json`);
  for (let i = 0; i < 200 && JSON.parse(await readFile(file, 'utf8')).status !== 'running'; i++) await sleep(10);
  const crashed = await tempDir(t);
  await cp(dataDir, crashed, { recursive: true });
  t.equal(JSON.parse(await readFile(join(crashed, 'jobs', `${id}.json`), 'utf8')).status, 'running');

  const restarted = await build(t, { dataDir: crashed });
  const job = json(await restarted.inject({ url: `/v1/jobs/${id}` }));
  t.match(job, { id, status: 'failed', error: 'interrupted', model_id: null });
  t.ok(job.finished_at);
  t.same(json(await restarted.inject({ url: '/v1/jobs' })).jobs.map((j: JobRecord) => j.status), ['failed']);
  t.same(json(await restarted.inject({ url: '/v1/models' })).models, []);
  const events = await restarted.inject({ url: `/v1/jobs/${id}/events` });
  t.match(events.payload, /^event: end\ndata: \{.*"status":"failed"/);

  // A graceful close cancels the running job.
  await app.close();
  t.equal(JSON.parse(await readFile(join(dataDir, 'jobs', `${id}.json`), 'utf8')).status, 'cancelled');
});

interface SseEvent {
  event: string;
  data: any;
}

/** Reads server-sent events from a response body until it ends. */
async function* events(body: AsyncIterable<Buffer>): AsyncGenerator<SseEvent | { comment: string }> {
  let buffer = '';
  for await (const chunk of body) {
    buffer += chunk.toString('utf8');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (block.startsWith(':')) {
        yield { comment: block.slice(1).trim() };
        continue;
      }
      const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
      yield { event: fields.event, data: JSON.parse(fields.data) };
    }
  }
}

t.test('the event stream delivers progress and a final event, over a real connection', async (t) => {
  const app = await build(t);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const id = await start(app, { ...small, steps: 60_000 });

  const res = await request(`${base}/v1/jobs/${id}/events`);
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/event-stream/);
  t.equal(res.headers['cache-control'], 'no-cache, no-transform');
  t.ok(res.headers['x-request-id'], 'the request id is echoed');
  const seen: SseEvent[] = [];
  for await (const e of events(res.body)) if ('event' in e) seen.push(e);
  const progress = seen.filter((e) => e.event === 'progress');
  t.ok(progress.length >= 2, `${progress.length} progress events`);
  for (const p of progress) t.match(p.data, { step: Number, steps: 60_000 });
  t.ok(progress.every((p, i) => i === 0 || p.data.step >= progress[i - 1].data.step), 'steps never go back');
  const last = seen.at(-1) as SseEvent;
  t.equal(last.event, 'end');
  t.match(last.data, { id, status: 'succeeded', model_id: /^m_/ });
  t.equal(seen.filter((e) => e.event === 'end').length, 1, 'one final event');

  // A finished job: the final event at once, then the stream closes.
  const again = await request(`${base}/v1/jobs/${id}/events`);
  const text = await again.body.text();
  t.match(text, /^event: end\ndata: /);
  t.equal(text.split('event:').length, 2);

  // 404 is problem+json, not a stream.
  const missing = await request(`${base}/v1/jobs/j_0123456789abcdef/events`);
  t.equal(missing.statusCode, 404);
  t.match(missing.headers['content-type'], /^application\/problem\+json/);
  await missing.body.text();
});

t.test('the event stream unsubscribes when the client goes away, and ends on close', async (t) => {
  const app = await build(t);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  let listeners = 0;
  const subscribe = app.jobs.subscribe.bind(app.jobs);
  app.jobs.subscribe = (id, listener) => {
    listeners++;
    const off = subscribe(id, listener);
    return () => {
      listeners--;
      off();
    };
  };
  const id = await start(app, long);
  await until(app, id, (j) => j.progress.step > 0);

  const controller = new AbortController();
  const res = await request(`${base}/v1/jobs/${id}/events`, { signal: controller.signal });
  const it = events(res.body);
  const first = (await it.next()).value as SseEvent;
  t.match(first, { event: 'status', data: { status: 'running' } });
  t.equal(listeners, 1);
  controller.abort();
  await it.return(undefined).catch(() => {});
  for (let i = 0; i < 100 && listeners > 0; i++) await sleep(10);
  t.equal(listeners, 0, 'unsubscribed after the client left');

  // A stream open while the app closes gets the cancelled job and ends.
  const open = await request(`${base}/v1/jobs/${id}/events`);
  const collected = (async () => {
    const seen: SseEvent[] = [];
    for await (const e of events(open.body)) if ('event' in e) seen.push(e);
    return seen;
  })();
  await sleep(100);
  const closing = Date.now();
  await app.close();
  t.ok(Date.now() - closing < 5000, 'close does not wait on the stream');
  const seen = await collected;
  t.match(seen.at(-1), { event: 'end', data: { id, status: 'cancelled' } });
});

t.test('a queued job shows the steps it will run; history steps strictly increase after a warm start', async (t) => {
  const app = await build(t, { trainConcurrency: 1 });
  const blocker = await start(app, long);
  const warm = { ...small, method: 'lbfgs', steps: 40, warm_start_steps: 60 };
  const queued = [await start(app, small), await start(app, warm), await start(app, { ...small, method: 'closed-form', steps: undefined })];
  const steps = [];
  for (const id of queued) {
    const job = json(await app.inject({ url: `/v1/jobs/${id}` })) as JobRecord;
    t.equal(job.status, 'queued');
    steps.push(job.progress.steps);
  }
  t.same(steps, [300, 100, 0], 'adam: steps; lbfgs: warm start + steps; closed-form: none');
  for (const id of [blocker, queued[0], queued[2]]) await app.inject({ method: 'DELETE', url: `/v1/jobs/${id}` });
  const done = await until(app, queued[1], finished);
  t.equal(done.status, 'succeeded', done.error ?? '');
  const history = done.history.map((h) => h.step);
  t.ok(history.every((s, i) => i === 0 || s > history[i - 1]), `history steps strictly increase: ${history.join(' ')}`);
  t.ok(history.some((s) => s > 60), 'L-BFGS steps are numbered on from the warm start');
});
