// The served OpenAPI document equals the committed one, is valid OpenAPI 3.1, describes every
// route, and its examples work when pressed (each request example answers 2xx).
import { readFile } from 'node:fs/promises';
import SwaggerParser from '@apidevtools/swagger-parser';
import t from 'tap';
import { build, json } from './fixtures/helper.js';

const committedPath = new URL('../../openapi/openapi.json', import.meta.url);

t.test('served document equals openapi/openapi.json', async (t) => {
  const app = await build(t, { apiKeys: ['k'.repeat(32)], corsOrigin: true, rateLimitMax: 1000 });
  const res = await app.inject({ url: '/openapi.json' });
  t.equal(res.statusCode, 200);
  const committed = JSON.parse(await readFile(committedPath, 'utf8'));
  t.same(json(res), committed, 'regenerate with: npm run build:ts && node dist/scripts/openapi.js');
  t.same(json(await app.inject({ url: '/docs/json' })), committed, 'Swagger UI loads the same document');
});

t.test('valid OpenAPI 3.1 with every route described', async (t) => {
  const doc = JSON.parse(await readFile(committedPath, 'utf8'));
  t.equal(doc.openapi, '3.1.0');
  await SwaggerParser.validate(structuredClone(doc));
  const expected = {
    '/v1/models': ['get', 'post'],
    '/v1/models/{id}': ['delete', 'get'],
    '/v1/models/{id}/weights': ['get'],
    '/v1/models/{id}/evaluate': ['post'],
    '/v1/models/{id}/attribute': ['post'],
    '/v1/models/{id}/certify-radius': ['post'],
    '/v1/evaluate': ['post'],
    '/v1/attribute': ['post'],
    '/v1/certify-radius': ['post'],
    '/v1/train': ['post'],
    '/v1/jobs': ['get'],
    '/v1/jobs/{id}': ['delete', 'get'],
    '/v1/jobs/{id}/events': ['get'],
    '/v1/info': ['get'],
    '/health/live': ['get'],
    '/health/ready': ['get'],
    '/metrics': ['get'],
  } as Record<string, string[]>;
  for (const [path, methods] of Object.entries(expected)) {
    t.same(Object.keys(doc.paths[path] ?? {}).sort(), methods, path);
    for (const m of methods) {
      const op = doc.paths[path][m];
      t.ok(op.summary, `${m} ${path} has a summary`);
      t.ok(op.responses, `${m} ${path} has responses`);
      if (m === 'post') t.ok(op.requestBody.content['application/json'].example, `${m} ${path} has a request example`);
      for (const [status, r] of Object.entries(op.responses as Record<string, { content?: Record<string, unknown> }>)) {
        // Readiness answers 503 with its own checks body, by design.
        if (Number(status) >= 400 && path !== '/health/ready') t.ok(r.content?.['application/problem+json'], `${m} ${path} ${status} is problem+json`);
      }
    }
  }
  t.same(doc.paths['/v1/models'].post.security, [{ bearer: [] }], 'mutating routes declare the bearer scheme');
  t.same(doc.paths['/v1/train'].post.security, [{ bearer: [] }]);
  t.same(doc.paths['/v1/jobs/{id}'].delete.security, [{ bearer: [] }]);
});

t.test('every request example works when pressed', async (t) => {
  const app = await build(t);
  const doc = JSON.parse(await readFile(committedPath, 'utf8'));
  const created = await app.inject({ method: 'POST', url: '/v1/models', payload: doc.paths['/v1/models'].post.requestBody.content['application/json'].example });
  t.equal(created.statusCode, 201, created.payload);
  const id = json(created).id;
  // Job routes take the id of a job started from the training example, once it has finished.
  const started = await app.inject({ method: 'POST', url: '/v1/train', payload: doc.paths['/v1/train'].post.requestBody.content['application/json'].example });
  t.equal(started.statusCode, 202, started.payload);
  const jobId = json(started).job_id;
  let job: { status: string; error: string | null } = { status: 'queued', error: null };
  for (let i = 0; i < 500 && ['queued', 'running'].includes(job.status); i++) {
    await new Promise((r) => setTimeout(r, 10));
    job = json(await app.inject({ url: `/v1/jobs/${jobId}` }));
  }
  t.equal(job.status, 'succeeded', `the training example trains: ${job.error}`);
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(ops)) {
      if (path === '/v1/models/{id}' && method === 'delete') continue; // pressed last
      const url = path.replace('{id}', path.startsWith('/v1/jobs/') ? jobId : id);
      const payload = op.requestBody?.content['application/json'].example;
      const res = await app.inject({ method: method.toUpperCase() as 'GET', url, ...(payload ? { payload } : {}) });
      t.ok(res.statusCode >= 200 && res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.payload.slice(0, 200)}`);
      if (payload && res.statusCode === 200) t.notMatch(res.payload, /NaN|Infinity/, `${method} ${path} carries only finite numbers`);
    }
  }
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/models/${id}` })).statusCode, 204);
});
