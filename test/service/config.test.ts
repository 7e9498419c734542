import t from 'tap';
import { ConfigError, loadConfig } from '../../src/service/config.js';

t.test('defaults', async (t) => {
  const c = loadConfig({});
  t.equal(c.host, '127.0.0.1');
  t.equal(c.port, 8080);
  t.match(c.dataDir, /\/data$/);
  t.equal(c.bodyLimit, 64 * 1024 * 1024);
  t.equal(c.jsonWorkerBytes, 1024 * 1024);
  t.same(c.apiKeys, []);
  t.equal(c.corsOrigin, false);
  t.equal(c.logLevel, 'info');
  t.equal(c.rateLimitMax, 0);
  t.equal(c.trainConcurrency, 1);
  t.equal(c.device, 'auto');
});

t.test('values and units', async (t) => {
  const c = loadConfig({
    HOST: '0.0.0.0',
    PORT: '0',
    HJNET_BODY_LIMIT: '2mb',
    HJNET_JSON_WORKER_BYTES: '256kb',
    HJNET_MAX_WORK: '1000',
    HJNET_API_KEYS: 'aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb',
    HJNET_CORS_ORIGIN: 'https://a.example.com,http://localhost:3000',
    LOG_LEVEL: 'WARN',
    HJNET_THREADS: '4',
    HJNET_TRAIN_CONCURRENCY: '3',
    HJNET_DEVICE: ' CUDA ',
  });
  t.equal(c.host, '0.0.0.0');
  t.equal(c.port, 0);
  t.equal(c.bodyLimit, 2 * 1024 * 1024);
  t.equal(c.jsonWorkerBytes, 256 * 1024);
  t.equal(c.maxWork, 1000);
  t.same(c.apiKeys, ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
  t.same(c.corsOrigin, ['https://a.example.com', 'http://localhost:3000']);
  t.equal(c.logLevel, 'warn');
  t.equal(c.threads, 4);
  t.equal(c.trainConcurrency, 3);
  t.equal(c.device, 'cuda');
  t.equal(loadConfig({ HJNET_DEVICE: 'cpu' }).device, 'cpu');
  t.equal(loadConfig({ HJNET_CORS_ORIGIN: '*' }).corsOrigin, true);
});

t.test('a bad value names its variable', async (t) => {
  const bad: Record<string, string> = {
    PORT: '80a',
    HJNET_BODY_LIMIT: 'lots',
    HJNET_JSON_WORKER_BYTES: '0',
    HJNET_MAX_WORK: '-1',
    HJNET_API_KEYS: 'short',
    HJNET_CORS_ORIGIN: 'not a url',
    LOG_LEVEL: 'loud',
    HJNET_THREADS: '0',
    HJNET_TRAIN_CONCURRENCY: '65',
    HJNET_RATE_LIMIT_MAX: '1.5',
    HJNET_MAX_EVENT_LOOP_DELAY_MS: 'x',
    HJNET_MAX_EVENT_LOOP_UTILIZATION: '2',
    HJNET_TRUST_PROXY: 'maybe',
    HJNET_DEVICE: 'gpu',
  };
  for (const [name, value] of Object.entries(bad)) {
    t.throws(() => loadConfig({ [name]: value }), ConfigError, name);
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      t.match((err as Error).message, name, `message names ${name}`);
    }
  }
  for (const v of ['0', '1.5', 'two']) t.throws(() => loadConfig({ HJNET_TRAIN_CONCURRENCY: v }), { message: /HJNET_TRAIN_CONCURRENCY/ }, v);
  // Keys are never echoed.
  t.throws(() => loadConfig({ HJNET_API_KEYS: 'secret-but-short' + ',' }), { message: /redacted/ });
});
