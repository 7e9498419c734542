// The real server (`npm start` = node dist/src/service/server.js) over HTTP with undici:
// start-up, a crash by SIGKILL in the middle of model creates, and a restart after which
// every model is whole or absent and every acknowledged create is present.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { Agent, request } from 'undici';
import { parseSafetensors } from '../../src/data/safetensors.js';
import { binding } from '../../src/engine/binding.js';
import { tempDir } from './fixtures/helper.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const entry = `${root}dist/src/service/server.js`;

interface Server {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

function start(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [entry], {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], exited, stderr: () => err });
      }
    });
    exited.then(({ code }) => reject(new Error(`server exited (${code}) before listening: ${err}`)));
  });
}

const N = 2048;
const d = 16;
const W = Float64Array.from({ length: N * d }, (_, i) => Math.sin(i));
const b = Float64Array.from({ length: N }, (_, i) => Math.cos(i) / 4);
const spec = {
  eps: 0.25,
  W: { dtype: 'float64', shape: [N, d], data: Buffer.from(W.buffer).toString('base64') },
  b: { dtype: 'float64', shape: [N], data: Buffer.from(b.buffer).toString('base64') },
};
const X = [Array.from({ length: d }, (_, k) => k / d)];

t.test('the entry point exists (npm run build:ts)', async (t) => {
  t.ok(existsSync(entry), `${entry} is built`);
});

t.test('a bad environment variable stops start-up, naming it', async (t) => {
  for (const [name, value] of [['HJNET_BODY_LIMIT', 'huge'], ['PORT', '99999'], ['HJNET_API_KEYS', 'short'], ['HJNET_DEVICE', 'gpu']]) {
    const child = spawn(process.execPath, [entry], { cwd: root, env: { ...process.env, [name]: value }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (dd) => (err += dd));
    const code = await new Promise((r) => child.on('exit', r));
    t.not(code, 0, `${name}=${value} exits non-zero`);
    t.match(err, name, `stderr names ${name}`);
  }
});

t.test('HJNET_DEVICE=cuda with no usable CUDA device stops start-up with the reason', { skip: binding().cudaDevice() !== null && 'a CUDA device answers here' }, async (t) => {
  const child = spawn(process.execPath, [entry], { cwd: root, env: { ...process.env, HJNET_DEVICE: 'cuda' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (dd) => (err += dd));
  const code = await new Promise((r) => child.on('exit', r));
  t.equal(code, 78, 'exit code 78 (EX_CONFIG)');
  t.match(err, /^hjnet: HJNET_DEVICE=cuda but .+unset HJNET_DEVICE/im, 'one line naming HJNET_DEVICE, the reason and the way out');
});

t.test('SIGKILL during model creates: after a restart every model is whole or absent', async (t) => {
  const dataDir = await tempDir(t, 'hjnet-e2e-');
  const dispatcher = new Agent({ connections: 16 });
  t.teardown(() => dispatcher.close());
  let server = await start({ HJNET_DATA_DIR: dataDir });
  t.teardown(() => server.child.kill('SIGKILL'));

  const post = (url: string, body: object) =>
    request(`${server.url}${url}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, dispatcher });

  const first = await post('/v1/models', spec);
  t.equal(first.statusCode, 201);
  const reference = (await first.body.json()) as { id: string };
  const evalRes = await post(`/v1/models/${reference.id}/evaluate`, { X });
  const expected = (await evalRes.body.json()) as { u: number[][] };

  // Eight writers create models as fast as they can; the server dies in the middle.
  const acknowledged = new Set<string>([reference.id]);
  let stop = false;
  const writer = async () => {
    while (!stop) {
      try {
        const res = await post('/v1/models', spec);
        const body = (await res.body.json()) as { id?: string };
        if (res.statusCode === 201 && body.id) acknowledged.add(body.id);
      } catch {
        return; // connection reset by the kill
      }
    }
  };
  const writers = Array.from({ length: 8 }, writer);
  // Kill once writes are flowing (a loaded machine may need longer than usual to get there).
  for (let waited = 0; acknowledged.size < 5 && waited < 30_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 100));
  server.child.kill('SIGKILL');
  stop = true;
  await Promise.all(writers);
  t.same((await server.exited).signal, 'SIGKILL');
  t.ok(acknowledged.size > 2, `${acknowledged.size} creates acknowledged before the kill`);

  server = await start({ HJNET_DATA_DIR: dataDir });
  const list = (await (await request(`${server.url}/v1/models`, { dispatcher })).body.json()) as { models: { id: string; N: number; d: number }[] };
  const listed = new Set(list.models.map((m) => m.id));
  for (const id of acknowledged) t.ok(listed.has(id), `acknowledged ${id} survived`);
  for (const m of list.models) {
    t.match(m, { N, d }, `${m.id} record whole`);
    const file = await request(`${server.url}/v1/models/${m.id}/weights`, { dispatcher });
    t.equal(file.statusCode, 200);
    const st = parseSafetensors(new Uint8Array(await file.body.arrayBuffer()));
    t.same(Array.from(st.tensors.W.data), Array.from(W), `${m.id} weights whole`);
    const res = await post(`/v1/models/${m.id}/evaluate`, { X });
    t.same(await res.body.json(), expected, `${m.id} evaluates as before`);
  }
  const leftovers = (await readdir(`${dataDir}/models`)).filter((n) => !/^m_[0-9a-f]{16}$/.test(n));
  t.same(leftovers, [], 'no staging or trash directories left after recovery');

  // A graceful stop: SIGTERM closes the server and exits 0.
  server.child.kill('SIGTERM');
  t.same(await server.exited, { code: 0, signal: null });
});
