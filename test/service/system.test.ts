// /v1/info, health, metrics, security headers, CORS, request ids, Swagger UI.
import t from 'tap';
import { binding } from '../../src/engine/binding.js';
import { build, createModel, json } from './fixtures/helper.js';

t.test('/v1/info reports the native engine', async (t) => {
  const app = await build(t);
  const info = json(await app.inject({ url: '/v1/info' }));
  const native = binding();
  const gpu = native.cudaDevice();
  // HJNET_DEVICE unset (auto): the CUDA device when one answers, else the CPU
  const device = gpu === null ? `cpu (${native.simdTarget()})` : `cuda:${gpu.name}`;
  t.same(info, { version: native.version, backends: native.backends(), device, threads: native.threads(), fallbacks: { count: 0, last_error: null } });
  t.ok(info.backends.includes('cpu'));
  t.ok(info.threads >= 1);
});

t.test('/v1/info: the backends compiled in and the one HJNET_DEVICE chooses', async (t) => {
  const app = await build(t);
  const native = binding();
  const saved = process.env.HJNET_DEVICE;
  t.teardown(() => {
    if (saved === undefined) delete process.env.HJNET_DEVICE;
    else process.env.HJNET_DEVICE = saved;
  });
  process.env.HJNET_DEVICE = 'cpu';
  const info = json(await app.inject({ url: '/v1/info' }));
  t.equal(info.device, `cpu (${native.simdTarget()})`);
  t.same(info.backends, native.backends());
  t.ok(['cpu', 'cuda,cpu'].includes(info.backends.join()), `backends ${info.backends.join(', ')}`);
  const gpu = native.cudaDevice();
  process.env.HJNET_DEVICE = 'cuda';
  const cuda = await app.inject({ url: '/v1/info' });
  if (gpu === null) {
    t.equal(cuda.statusCode, 500, 'cuda with no usable device: an error, never a silent CPU');
  } else {
    t.equal(json(cuda).device, `cuda:${gpu.name}`);
  }
});

t.test('health', async (t) => {
  const app = await build(t);
  t.same(json(await app.inject({ url: '/health/live' })), { status: 'ok' });
  const ready = await app.inject({ url: '/health/ready' });
  t.equal(ready.statusCode, 200);
  t.same(json(ready), { status: 'ok', checks: { engine: true, store: true, pressure: true } });
});

t.test('metrics: request duration by route, in flight, engine queue and compute', async (t) => {
  const app = await build(t);
  const { id } = await createModel(app);
  await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X: [[0, 0]] } });
  await app.inject({ url: '/nowhere' });
  const res = await app.inject({ url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain/);
  const text = res.payload;
  t.match(text, /hjnet_http_request_duration_seconds_count\{method="POST",route="\/v1\/models\/:id\/evaluate",status_code="200"\} 1/);
  t.match(text, /route="unmatched",status_code="404"/);
  t.match(text, /hjnet_http_requests_in_flight 1/, 'the scrape itself is in flight');
  t.match(text, /hjnet_engine_queue_depth 0/);
  t.match(text, /hjnet_engine_compute_seconds_count\{op="evaluate"\} 1/);
  t.match(text, /hjnet_engine_compute_seconds_count\{op="create_model"\} 1/);
  t.match(text, /hjnet_engine_threads \d+/);
  t.match(text, /hjnet_device_fallbacks 0/);
  t.match(text, /hjnet_model_cache_models 1/);
  t.match(text, /hjnet_process_cpu_user_seconds_total/);
  t.notMatch(text, /m_[0-9a-f]{16}/, 'no ids in labels');
});

t.test('security headers, request ids, CORS off by default', async (t) => {
  const app = await build(t);
  const res = await app.inject({ url: '/v1/info', headers: { origin: 'https://evil.example' } });
  // JSON: the OWASP REST set, and none of the headers that only an HTML page reads
  t.equal(res.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'");
  t.equal(res.headers['x-frame-options'], 'DENY');
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.equal(res.headers['x-xss-protection'], undefined);
  // Swagger UI: helmet's page defaults, same-origin scripts, no upgrade to https on loopback
  const docs = await app.inject({ url: '/docs/' });
  t.match(docs.headers['content-security-policy'], /default-src 'self'/);
  t.notMatch(docs.headers['content-security-policy'], /upgrade-insecure-requests/);
  t.equal(docs.headers['x-content-type-options'], 'nosniff');
  t.equal(res.headers['access-control-allow-origin'], undefined);
  t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  const traced = await app.inject({ url: '/v1/info', headers: { 'x-request-id': 'trace-123' } });
  t.equal(traced.headers['x-request-id'], 'trace-123', 'a caller id is kept');
  const bogus = await app.inject({ url: '/nope', headers: { 'x-request-id': 'bad id\twith spaces' } });
  t.not(bogus.headers['x-request-id'], 'bad id\twith spaces');
  t.equal(json(bogus).request_id, bogus.headers['x-request-id'], 'problems carry the request id');
});

t.test('CORS when configured', async (t) => {
  const app = await build(t, { corsOrigin: ['https://app.example.com'] });
  const pre = await app.inject({
    method: 'OPTIONS',
    url: '/v1/evaluate',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  t.equal(pre.statusCode, 204);
  t.equal(pre.headers['access-control-allow-origin'], 'https://app.example.com');
  const other = await app.inject({ url: '/v1/info', headers: { origin: 'https://other.example.com' } });
  t.equal(other.headers['access-control-allow-origin'], undefined);
  const any = await build(t, { corsOrigin: true });
  t.equal((await any.inject({ url: '/v1/info', headers: { origin: 'https://x.example' } })).headers['access-control-allow-origin'], 'https://x.example');
});

t.test('Swagger UI is served with its assets', async (t) => {
  const app = await build(t);
  const page = await app.inject({ url: '/docs/' });
  t.equal(page.statusCode, 200);
  t.match(page.payload, /swagger-ui/);
  const init = await app.inject({ url: '/docs/static/swagger-initializer.js' });
  t.equal(init.statusCode, 200);
  t.match(init.headers['content-type'], /javascript/);
});
