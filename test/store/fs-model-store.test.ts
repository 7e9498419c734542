// What only the file-system store has to show: persistence, recovery after a crash, checksums.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FsModelStore } from '../../src/store/fs-model-store.js';
import { ModelStoreCorruptError, newModelId, type ModelTensors } from '../../src/store/model-store.js';
import type { Tensor } from '../../src/data/tensor.js';
import { scratch } from './fixtures/helper.js';

const f64 = (shape: number[], values: number[]): Tensor => ({ dtype: 'float64', shape, data: Float64Array.from(values) });
const sample = (): ModelTensors => ({ W: f64([2, 2], [1, 2, 3, 4]), b: f64([2], [5, 6]) });

t.test('layout on disk and persistence across a restart', async (t) => {
  const dir = await scratch(t, 'hjnet-fsstore-');
  const store = await FsModelStore.open(dir);
  t.equal(store.root, join(dir, 'models'));
  const m = await store.create({ name: 'a' }, sample(), { eps: 0.5, t: 2 });
  t.strictSame((await readdir(join(dir, 'models', m.id))).sort(), ['model.json', 'weights.safetensors']);
  const meta = JSON.parse(await readFile(join(dir, 'models', m.id, 'model.json'), 'utf8'));
  t.equal(meta.format, 'hjnet-model/1');
  t.equal(meta.id, m.id);
  t.match(meta.weights, { file: 'weights.safetensors', sha256: /^[0-9a-f]{64}$/ });

  const reopened = await FsModelStore.open(dir);
  t.strictSame(await reopened.get(m.id), m);
  t.strictSame(Array.from((await reopened.tensors(m.id))!.W.data), [1, 2, 3, 4]);
  t.strictSame((await reopened.weights(m.id))!.metadata, { eps: '0.5', t: '2' });
  t.strictSame(await readdir(join(dir, 'models')), [m.id], 'delete leaves nothing behind either');
  await reopened.delete(m.id);
  t.strictSame(await readdir(join(dir, 'models')), []);
});

t.test('open sweeps what a crash left: staging dirs, trash, model dirs without model.json, temp files', async (t) => {
  const dir = await scratch(t, 'hjnet-fsstore-');
  const store = await FsModelStore.open(dir);
  const whole = await store.create({ name: 'whole' }, sample());
  const root = join(dir, 'models');
  // Crash while staging: weights written, no model.json, never renamed.
  const staging = join(root, `.tmp-${newModelId()}-0a0b0c0d`);
  await mkdir(staging);
  await writeFile(join(staging, 'weights.safetensors'), 'partial');
  // A model directory without its commit marker (e.g. written by an older layout or by hand).
  const orphan = newModelId();
  await mkdir(join(root, orphan));
  await writeFile(join(root, orphan, 'weights.safetensors'), 'partial');
  // Crash during delete: renamed to trash, not yet removed.
  await mkdir(join(root, `.trash-${newModelId()}-01020304`));
  // A temp file inside a whole model's directory.
  await writeFile(join(root, whole.id, '.model.json.tmp-1-abcdef'), '{');
  // Things that are not ours stay.
  await writeFile(join(root, 'README'), 'not a model');

  t.equal(await store.get(orphan), undefined, 'a model without model.json is absent even before the sweep');
  const warnings: string[] = [];
  const reopened = await FsModelStore.open(dir, { onWarning: (m) => warnings.push(m) });
  t.strictSame((await readdir(root)).sort(), ['README', whole.id].sort());
  t.strictSame((await readdir(join(root, whole.id))).sort(), ['model.json', 'weights.safetensors']);
  t.strictSame((await reopened.list()).map((m) => m.id), [whole.id]);
  t.ok(warnings.some((w) => w.includes(orphan)));
});

t.test('corruption is reported, not served', async (t) => {
  const dir = await scratch(t, 'hjnet-fsstore-');
  const warnings: string[] = [];
  const store = await FsModelStore.open(dir, { onWarning: (m) => warnings.push(m) });
  const a = await store.create({ name: 'a' }, sample());
  const b = await store.create({ name: 'b' }, sample());
  const weightsPath = join(dir, 'models', a.id, 'weights.safetensors');
  const bytes = await readFile(weightsPath);
  bytes[bytes.length - 1] ^= 0xff;
  await writeFile(weightsPath, bytes);
  await t.rejects(store.tensors(a.id), ModelStoreCorruptError);
  await t.rejects(store.weightsFile(a.id), /does not match its checksum/);
  t.ok(await store.get(a.id), 'the record itself is still readable');

  await writeFile(join(dir, 'models', b.id, 'model.json'), '{"format": "hjnet-model/1", "id": "');
  await t.rejects(store.get(b.id), ModelStoreCorruptError);
  t.strictSame((await store.list()).map((m) => m.id), [a.id], 'list skips the unreadable record');
  t.ok(warnings.some((w) => w.includes(b.id)));
  // A record copied under another id does not pass as that model.
  const c = newModelId();
  await mkdir(join(dir, 'models', c));
  await writeFile(join(dir, 'models', c, 'model.json'), await readFile(join(dir, 'models', a.id, 'model.json')));
  await t.rejects(store.get(c), /not an hjnet-model\/1 record for this id/);
});

t.test('kill -9 in the middle of writes: every model is whole or absent', async (t) => {
  const dir = await scratch(t, 'hjnet-fsstore-');
  const storeUrl = pathToFileURL(join(process.cwd(), 'src/store/fs-model-store.ts')).href;
  // The child creates and deletes models as fast as it can and reports each step that completed.
  const child = `
    const { FsModelStore } = await import(${JSON.stringify(storeUrl)});
    const store = await FsModelStore.open(process.argv[1]);
    let seq = 0;
    for (;;) {
      const n = 1 + (seq % 7) * 3000;
      const W = new Float64Array(n * 4).map((_, i) => seq + i / n);
      const b = new Float64Array(n).fill(seq);
      const m = await store.create({ seq, n }, { W: { dtype: 'float64', shape: [n, 4], data: W }, b: { dtype: 'float64', shape: [n], data: b } }, { eps: seq });
      process.stdout.write('created ' + m.id + '\\n');
      if (seq % 3 === 0) {
        process.stdout.write('deleting ' + m.id + '\\n');
        await store.delete(m.id);
      }
      seq++;
    }
  `;
  const loaders = process.execArgv.filter((a) => a.includes('typescript'));
  for (let round = 0; round < 5; round++) {
    const proc = spawn(process.execPath, [...loaders, '--input-type=module', '-e', child, join(dir, 'data')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d));
    proc.stderr.on('data', (d: Buffer) => (err += d));
    const exited = new Promise((resolve) => proc.on('exit', resolve));
    // Kill at a varying moment once the child has committed at least one model.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child made no progress: ${err}`)), 60000);
      proc.stdout.on('data', () => {
        if (out.includes('created ')) clearTimeout(timer), resolve();
      });
      proc.on('exit', () => reject(new Error(`child exited early: ${err}`)));
    });
    await new Promise((r) => setTimeout(r, 40 * round + Math.random() * 100));
    proc.kill('SIGKILL');
    await exited;

    const lines = out.split('\n');
    const created = lines.filter((l) => l.startsWith('created ')).map((l) => l.slice(8));
    const deleting = new Set(lines.filter((l) => l.startsWith('deleting ')).map((l) => l.slice(9)));
    t.ok(created.length > 0, `round ${round}: the child created ${created.length} models before the kill`);

    const debris = (await readdir(join(dir, 'data', 'models'))).filter((name) => name.startsWith('.'));
    t.comment(`round ${round}: the kill left ${debris.length} staging or trash entries`);
    const store = await FsModelStore.open(join(dir, 'data'));
    const listed = await store.list();
    const ids = new Set(listed.map((m) => m.id));
    for (const id of created) if (!deleting.has(id) && !ids.has(id)) t.fail(`committed model ${id} lost`);
    for (const m of listed) {
      const w = await store.weights(m.id); // verifies the checksum and parses the file
      const { seq, n } = m.record as { seq: number; n: number };
      const ok = w !== undefined && w.tensors.W.data.length === 4 * n && w.tensors.b.data[n - 1] === seq && w.metadata.eps === String(seq);
      if (!ok) t.fail(`model ${m.id} is not whole`);
    }
    const leftovers = (await readdir(join(dir, 'data', 'models'))).filter((name) => name.startsWith('.'));
    t.strictSame(leftovers, [], `round ${round}: nothing half-written left after reopening (${listed.length} models)`);
  }
});
