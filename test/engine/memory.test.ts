// The fused pass never builds the B x N matrix: at B = N = 65536, d = 16 (a 16 GiB matrix in
// float32) the peak RSS of a fresh process grows by at most 64 MiB beyond inputs and outputs.
// Each case runs in a child process so that the peak is its own.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// the built library (npm test builds dist/ first)
const bindingUrl = new URL('../../dist/src/engine/binding.js', import.meta.url).href;

const child = `
const { binding } = await import(${JSON.stringify(bindingUrl)});
const [precision, mode, extras] = process.argv.slice(1);
const B = 65536, N = 65536, d = 16;
let s = 1;
const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
const W = Float64Array.from({ length: N * d }, () => rand() / 4);
const b = Float64Array.from({ length: N }, rand);
const y = W.map((w) => 2 * w);
const g = b.map((bj, j) => -bj - y.subarray(j * d, (j + 1) * d).reduce((a, v) => a + v * v, 0) / 4);
const heads = new (binding().Heads)({ K: 1, N, d, W, b, y, g, t: 1 });
const X = (precision === 'float32' ? Float32Array : Float64Array).from({ length: B * d }, rand);
const all = extras === 'all';
const options = { precision, eps: 0.25, mode, entropy: all, fhat: all, grad: all, topk: all ? 10 : 0 };
await heads.gibbs(X.subarray(0, 64 * d), 64, options);  // packs the heads, starts the pool
const before = process.resourceUsage().maxRSS;
const out = await heads.gibbs(X, B, options);
const after = process.resourceUsage().maxRSS;
// outputs: f, u, entropy, fhat (float64), argmax (int32), grad [B, d], top-k pi and index
const outputs = B * (all ? 8 * 4 + 4 + 8 * d + 10 * 12 : 8 * 2 + 4);
console.log(JSON.stringify({ growthMiB: (after - before) / 1024 - outputs / 2 ** 20, finite: out.f.every(Number.isFinite) }));
`;

// float32 with every extra of the pass; float64 (the slower precision) with f and u only
for (const [precision, mode, extras] of [['float32', 'logit', 'all'], ['float64', 'distance', 'none']]) {
  t.test(`B = N = 65536, d = 16, ${precision} ${mode} pass, extras: ${extras}: RSS grows by at most 64 MiB`, async (t) => {
    const line = execFileSync(process.execPath, ['--input-type=module', '-e', child, precision, mode, extras], {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, HJNET_DEVICE: 'cpu' },  // the CPU engine's memory, not a device's
      timeout: 240_000,
    });
    const { growthMiB, finite } = JSON.parse(line.trim().split('\n').at(-1)!);
    t.ok(finite, 'f is finite');
    t.ok(growthMiB <= 64, `peak RSS growth beyond the outputs: ${growthMiB.toFixed(1)} MiB`);
  });
}
