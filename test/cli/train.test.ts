// hjnet train, as a user runs it: CSV, .npy and IDX data; a safetensors file createModel loads;
// registration with a running service; plain progress lines off a terminal; Ctrl-C.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { writeIdx } from '../../src/data/idx.js';
import { writeNpy } from '../../src/data/npy.js';
import { readSafetensors } from '../../src/data/safetensors.js';
import { createModel } from '../../src/engine/index.js';
import { buildApp } from '../../src/service/app.js';
import { regressionCsv, run, start, target } from './fixtures/helper.js';

t.test('CSV -> safetensors that createModel loads and evaluates', async (t) => {
  const dir = t.testdir({ 'data.csv': regressionCsv() });
  const res = await run(['train', 'data.csv', '--N', '40', '--steps', '2000', '--seed', '3', '--name', 'bowl', '--out', 'model.safetensors'], { cwd: dir });
  t.equal(res.code, 0, res.stderr);
  t.equal(res.stdout, 'model.safetensors\n');
  t.match(res.stderr, /regression by adam on 200 rows, x1, x2 -> price/);
  t.match(res.stderr, /^step \d+\/2000 loss \S+ val_metric \S+$/m, 'plain progress lines off a terminal');
  t.match(res.stderr, /step 2000\/2000/, 'the last state is printed');

  const file = await readSafetensors(join(dir, 'model.safetensors'));
  t.same(Object.keys(file.tensors).sort(), ['W', 'b', 'g', 'y']);
  t.same(file.tensors.y.shape, [1, 40, 2]);
  t.match(file.metadata, { eps: String, t: String, task: 'regression', name: 'bowl' });
  t.match(JSON.parse(file.metadata.training), { method: 'adam', seed: 3, N: 40, metrics: { train_loss: Number } });

  const { y, g } = file.tensors;
  const model = await createModel({
    eps: Number(file.metadata.eps),
    t: Number(file.metadata.t),
    task: 'regression',
    support: { y: { data: y.data as Float64Array, shape: y.shape }, g: { data: g.data as Float64Array, shape: g.shape } },
  });
  const X = [[0.5, -1], [-1.2, 0.3], [1.5, 1.5]];
  const u = (await model.evaluate(X)).u.data;
  X.forEach(([a, b], i) => t.ok(Math.abs(u[i] - target(a, b)) < 0.25, `u(${a}, ${b}) = ${u[i].toFixed(3)} near ${target(a, b).toFixed(3)}`));

  // The same seed trains the same model.
  const again = await run(['train', 'data.csv', '--N', '40', '--steps', '2000', '--seed', '3', '--name', 'bowl', '--out', 'again.safetensors'], { cwd: dir });
  t.equal(again.code, 0, again.stderr);
  const second = await readSafetensors(join(dir, 'again.safetensors'));
  t.same(Array.from(second.tensors.g.data), Array.from(g.data), 'reproducible for a seed');
});

t.test('--target, --limit, closed-form and --json', async (t) => {
  const dir = t.testdir({ 'data.csv': regressionCsv() });
  const res = await run(['train', 'data.csv', '--target', 'x1', '--method', 'closed-form', '--limit', '50', '--json', '--out', 'm.safetensors'], { cwd: dir });
  t.equal(res.code, 0, res.stderr);
  const summary = JSON.parse(res.stdout);
  t.match(summary, { task: 'regression', method: 'closed-form', N: 50, out: 'm.safetensors', metrics: { train_loss: Number } });
  t.match(res.stderr, /50 rows \(the first of 200\), x2, price -> x1/);
  t.same((await readSafetensors(join(dir, 'm.safetensors'))).tensors.y.shape, [1, 50, 2]);
});

t.test('.npy inputs with --y targets', async (t) => {
  const dir = t.testdir({});
  const n = 60;
  const X = new Float64Array(n * 2);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    X[2 * i] = Math.sin(i);
    X[2 * i + 1] = Math.cos(2 * i);
    y[i] = target(X[2 * i], X[2 * i + 1]);
  }
  await writeNpy(join(dir, 'X.npy'), { dtype: 'float64', shape: [n, 2], data: X });
  await writeNpy(join(dir, 'y.npy'), { dtype: 'float64', shape: [n], data: y });
  const res = await run(['train', 'X.npy', '--y', 'y.npy', '--method', 'closed-form', '--out', 'm.safetensors'], { cwd: dir });
  t.equal(res.code, 0, res.stderr);
  t.ok(existsSync(join(dir, 'm.safetensors')));

  const missing = await run(['train', 'X.npy', '--out', 'm.safetensors'], { cwd: dir });
  t.equal(missing.code, 2);
  t.match(missing.stderr, /--labels/);
  await writeNpy(join(dir, 'short.npy'), { dtype: 'float64', shape: [n - 1], data: y.slice(1) });
  const short = await run(['train', 'X.npy', '--labels', 'short.npy', '--out', 'm2.safetensors'], { cwd: dir });
  t.equal(short.code, 1);
  t.match(short.stderr, /targets/);
  t.notOk(existsSync(join(dir, 'm2.safetensors')));
});

t.test('IDX images (gzipped) with IDX labels: classification, pixels scaled', async (t) => {
  const dir = t.testdir({});
  // 4x4 images: class 0 lit on the left half, class 1 on the right half, with noise.
  const n = 80;
  const pixels = new Uint8Array(n * 16);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) pixels[i * 16 + r * 4 + c] = (c < 2) === (labels[i] === 0) ? 200 + ((i * 7 + r) % 55) : (i * 13 + c) % 40;
  }
  await writeIdx(join(dir, 'images-idx3-ubyte.gz'), { dtype: 'uint8', shape: [n, 4, 4], data: pixels }, { gzip: true });
  await writeIdx(join(dir, 'labels-idx1-ubyte'), { dtype: 'uint8', shape: [n], data: labels });
  const res = await run(['train', 'images-idx3-ubyte.gz', '--labels', 'labels-idx1-ubyte', '--steps', '300', '--N', '10', '--json', '--out', 'm.safetensors'], { cwd: dir });
  t.equal(res.code, 0, res.stderr);
  t.match(res.stderr, /classification by adam on 80 images 4x4/);
  const summary = JSON.parse(res.stdout);
  t.equal(summary.task, 'classification');
  t.ok(summary.metrics.train_accuracy > 0.95, `train accuracy ${summary.metrics.train_accuracy}`);
  const file = await readSafetensors(join(dir, 'm.safetensors'));
  t.match(file.metadata, { format: 'hjnet', form: 'support', task: 'classification', eps: String, t: String }, 'the metadata the service writes');
  t.same(file.tensors.y.shape, [2, 10, 16], 'one head per class, 16 = 4x4 inputs');
  // Support points start at training rows: pixels in [0, 1], not [0, 255].
  const maxAbs = Math.max(...Array.from(file.tensors.y.data, Math.abs));
  t.ok(maxAbs < 10, `support points on the [0, 1] scale (max |y| ${maxAbs.toFixed(2)})`);
});

t.test('--server registers the model with a running service', async (t) => {
  const key = 'k'.repeat(32);
  const dir = t.testdir({ 'data.csv': regressionCsv(80), store: {} });
  const app = await buildApp({ logger: false, config: { dataDir: join(dir, 'store'), apiKeys: [key], maxEventLoopDelayMs: 0 } });
  t.teardown(() => app.close());
  const base = await app.listen({ host: '127.0.0.1', port: 0 });

  const args = ['train', 'data.csv', '--N', '20', '--steps', '500', '--name', 'from-cli', '--server', `${base}/`, '--api-key', key, '--out', 'm.safetensors'];
  const res = await run(args, { cwd: dir });
  t.equal(res.code, 0, res.stderr);
  const [out, id] = res.stdout.trim().split('\n');
  t.equal(out, 'm.safetensors');
  t.match(id, /^m_[0-9a-f]{16}$/);
  const record = (await app.inject({ url: `/v1/models/${id}` })).json();
  t.match(record, { id, name: 'from-cli', form: 'support', N: 20, d: 2, task: 'regression' });
  // The service holds the model the file holds: the same predictions.
  const X = [[0.5, -1], [1.5, 0.2]];
  const served = (await app.inject({ method: 'POST', url: `/v1/models/${id}/evaluate`, payload: { X } })).json().u;
  const file = await readSafetensors(join(dir, 'm.safetensors'));
  const local = await createModel({ eps: Number(file.metadata.eps), t: Number(file.metadata.t), support: { y: file.tensors.y as never, g: file.tensors.g as never } });
  const u = (await local.evaluate(X)).u.data;
  t.same(served.map((row: number[]) => row[0]), Array.from(u), 'same u from the service as from the file');
  X.forEach(([a, b], i) => t.ok(Math.abs(u[i] - target(a, b)) < 0.3, `u(${a}, ${b}) = ${u[i].toFixed(3)} near ${target(a, b).toFixed(3)}`));

  const denied = await run(['train', 'data.csv', '--method', 'closed-form', '--server', base], { cwd: dir });
  t.equal(denied.code, 1);
  t.match(denied.stderr, /401/);
  const fromEnv = await run(['train', 'data.csv', '--method', 'closed-form', '--server', base], { cwd: dir, env: { HJNET_API_KEY: key } });
  t.equal(fromEnv.code, 0, fromEnv.stderr);

  const unreachable = await run(['train', 'data.csv', '--method', 'closed-form', '--server', 'http://127.0.0.1:1'], { cwd: dir });
  t.equal(unreachable.code, 1);
  t.match(unreachable.stderr, /Cannot reach http:\/\/127\.0\.0\.1:1\/v1\/models/);
});

t.test('Ctrl-C cancels cleanly: exit 130, nothing written', async (t) => {
  const dir = t.testdir({ 'data.csv': regressionCsv() });
  const running = start(['train', 'data.csv', '--steps', '10000000', '--out', 'model.safetensors'], { cwd: dir });
  for (let i = 0; i < 1000 && !/^step /m.test(running.stderr()); i++) await new Promise((r) => setTimeout(r, 20));
  t.match(running.stderr(), /^step /m, 'training started');
  const sent = Date.now();
  running.child.kill('SIGINT');
  const res = await running.done;
  t.equal(res.code, 130, res.stderr);
  t.ok(Date.now() - sent < 3000, `stopped in ${Date.now() - sent} ms`);
  t.match(res.stderr, /cancelled, nothing written/);
  t.equal(res.stdout, '');
  t.notOk(existsSync(join(dir, 'model.safetensors')));
});

t.test('data errors name the file and exit 1', async (t) => {
  const dir = t.testdir({ 'bad.csv': 'a,b\n1,2\n3,x\n', 'one.csv': '1\n2\n3\n' });
  const bad = await run(['train', 'bad.csv', '--out', 'm.safetensors'], { cwd: dir });
  t.equal(bad.code, 1);
  t.match(bad.stderr, /line 3, column 2/);
  const one = await run(['train', 'one.csv', '--out', 'm.safetensors'], { cwd: dir });
  t.equal(one.code, 1);
  t.match(one.stderr, /at least two columns/);
  const none = await run(['train', 'nothing.csv', '--out', 'm.safetensors'], { cwd: dir });
  t.equal(none.code, 1);
  t.match(none.stderr, /ENOENT.*nothing\.csv/);
  t.notOk(existsSync(join(dir, 'm.safetensors')));
});
