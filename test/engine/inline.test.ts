// A pass small enough to run on the JS thread never waits on the compute pool: with the pool's
// one thread busy on a large pass, a tiny pass over several heads (several work items) returns
// at once, and the event loop turns again before the large pass ends. (Run in a child process
// with HJNET_THREADS=1 and HJNET_DEVICE=cpu; the large pass takes seconds, the tiny one
// microseconds.)
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bindingUrl = new URL('../../dist/src/engine/binding.js', import.meta.url).href;

const child = `
const { binding } = await import(${JSON.stringify(bindingUrl)});
const heads = (K, N, d) => {
  const W = Float64Array.from({ length: K * N * d }, (_, i) => Math.sin(i));
  const b = new Float64Array(K * N);
  return new (binding().Heads)({ K, N, d, W, b, y: W.map((w) => 2 * w), g: b, t: 1 });
};
const big = heads(1, 4096, 16);
const tiny = heads(3, 4, 2);
const X = Float64Array.from({ length: 65536 * 16 }, (_, i) => Math.cos(i));
const order = [];
const large = big.gibbs(X, 65536, { precision: 'float64', eps: 0.3, mode: 'distance', entropy: true, grad: true }).then(() => order.push('large'));
await new Promise((resolve) => setTimeout(resolve, 100));  // the large pass holds the pool now
const small = tiny.gibbs(new Float64Array([0.1, 0.2]), 1, { precision: 'float64', eps: 0.3, mode: 'distance' }).then(() => order.push('small'));
setImmediate(() => order.push('turn'));
await Promise.all([large, small]);
console.log(JSON.stringify(order));
`;

t.test('a tiny pass over several heads does not wait for a large pass on the pool', async (t) => {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', child], {
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, HJNET_THREADS: '1', HJNET_DEVICE: 'cpu' },
    timeout: 120_000,
  });
  t.same(JSON.parse(out.trim().split('\n').at(-1)!), ['small', 'turn', 'large'], 'the tiny pass answered at once, and the event loop turned while the large pass ran');
});
