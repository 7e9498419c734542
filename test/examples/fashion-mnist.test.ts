// Smoke test of examples/fashion-mnist: its core on a few hundred rows, through the real server
// (dist/src/service/server.js: build first), checked for what the report states.
import { PNG } from 'pngjs';
import t from 'tap';
import { runFashionMnist, type ExampleOptions } from '../../examples/fashion-mnist/example.js';
import { renderReport } from '../../examples/fashion-mnist/report.js';
import { FASHION_MNIST_DIR, hasMnistFiles, loadMnist } from '../../src/data/mnist.js';

const dataDir = process.env.HJNET_FASHION_MNIST ?? FASHION_MNIST_DIR;
const small: ExampleOptions = {
  dataDir,
  trainRows: 300,
  pcaRows: 300,
  rawRows: 200,
  testRows: 200,
  steps: 60,
  rawSteps: 20,
  N: 16,
  closedFormN: 64,
  rawN: 8,
  attackRows: 20,
  attackSteps: 5,
  k: 4,
  seed: 1,
  log: () => {},
};

t.test('bad settings are refused before anything runs', async (t) => {
  await t.rejects(runFashionMnist({ ...small, attackRows: 500 }), /attackRows \(500\) must be at most testRows \(200\)/);
  await t.rejects(runFashionMnist({ ...small, N: 0 }), /N must be an integer >= 1/);
});

const present = await hasMnistFiles(dataDir);
t.test(
  'train, attribute and certify on a few hundred rows through the service',
  { skip: present ? false : `no Fashion-MNIST under ${dataDir} (Debian package dataset-fashion-mnist, or set HJNET_FASHION_MNIST)` },
  async (t) => {
    const result = await runFashionMnist(small);
    const { train } = await loadMnist(dataDir, { trainLimit: small.trainRows, testLimit: 0 });
    t.same(result.models.map((m) => m.key), ['pca50_adam', 'pca50_closed_form', 'raw784_adam']);
    for (const m of result.models) {
      t.ok(m.test_accuracy > 0.4, `${m.key}: test accuracy ${m.test_accuracy} well above chance (0.1)`);
      t.equal(m.K, 10);
      t.equal(m.d, m.key.startsWith('raw') ? 784 : 50);
      t.equal(m.attribution.length, 10, 'one attributed test image per class');
      for (const a of m.attribution) {
        t.ok(a.top.length >= 1 && a.top.length <= small.k);
        t.ok(a.top.every((s, i) => i === 0 || s.pi <= a.top[i - 1].pi), 'top sorted by Gibbs weight');
        const n = m.key.startsWith('raw') ? small.rawRows : small.trainRows;
        t.ok(a.top.every((s) => s.training_row >= 0 && s.training_row < n && s.training_label === train.labels[s.training_row]), 'support points name training rows');
      }
      t.ok(m.radii.min >= 0 && Number.isFinite(m.radii.max), `${m.key}: radii in [${m.radii.min}, ${m.radii.max}]`);
      t.equal(m.attack.unsound, 0, `${m.key}: no attack beats a certificate`);
      t.ok(m.attack.min_margin > 0, 'the class held under attack');
    }
    const closed = result.models[1];
    t.equal(closed.N, 64);
    for (const f of result.figures) {
      if (f.file.endsWith('.png')) {
        const png = PNG.sync.read(f.content as Buffer);
        t.ok(png.width > 28 * (small.k + 1) && png.height > 28 * 10, `${f.file} is ${png.width} x ${png.height}`);
      } else t.match(f.content, /^<svg/, `${f.file} is SVG`);
    }
    const report = renderReport(result, 'npm run example:fashion-mnist', 'fashion-mnist');
    for (const m of result.models) t.match(report, `**${(100 * m.test_accuracy).toFixed(2)}%**`, `the report gives ${m.key}'s test accuracy`);
    t.match(report, '](fashion-mnist/attribution-pca50_adam.png)');
  },
);
