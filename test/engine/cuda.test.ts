// The CUDA backend: HJNET_DEVICE handling (runs everywhere), and the CUDA Gibbs pass against the
// CPU pass at the SPEC tolerances (runs only where the addon has CUDA compiled in and a device
// answers). HJNET_DEVICE is read by the addon on every call, so one process switches between
// the two passes by setting process.env.HJNET_DEVICE.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { binding, type GibbsPassOptions, type GibbsPassResult, type NativeHeads } from '../../src/engine/binding.js';
import { engineInfo, train } from '../../src/engine/index.js';
import { mulberry32 } from '../../src/engine/reference.js';

const nb = binding();
const addonPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'build', 'Release', 'hjnet.node');
const compiled = nb.backends().includes('cuda');
const gpu = compiled ? nb.cudaDevice() : null;
const gpuSkip = !compiled
  ? 'the addon was built without CUDA (HJNET_CUDA=OFF or no CUDA compiler): GPU comparison skipped'
  : gpu === null
    ? 'no CUDA device answers on this machine: GPU comparison skipped (the CUDA pass is compiled, not run)'
    : false;
if (gpuSkip) t.comment(gpuSkip);

function withDevice<R>(value: string | undefined, fn: () => R): R {
  const saved = process.env.HJNET_DEVICE;
  if (value === undefined) delete process.env.HJNET_DEVICE;
  else process.env.HJNET_DEVICE = value;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.HJNET_DEVICE;
    else process.env.HJNET_DEVICE = saved;
  }
}

/** Loads the addon in a fresh process with HJNET_DEVICE set and runs one small pass there. */
function child(value: string): { device?: string; error?: string; errorType?: string; f?: number; backends: string[] } {
  const code = `
    const b = require(${JSON.stringify(addonPath)});
    const out = { backends: b.backends() };
    try { out.device = b.device(); } catch (e) { out.error = e.message; out.errorType = e.constructor.name; }
    const H = new b.Heads({ K: 1, N: 2, d: 1, W: new Float64Array([1, 2]), b: new Float64Array(2),
      y: new Float64Array([2, 4]), g: new Float64Array([-1, -4]), t: 1 });
    let p;
    try { p = H.gibbs(new Float64Array([1]), 1, { precision: 'float64', eps: 0.5, mode: 'logit' }); } catch (e) { p = null; }
    Promise.resolve(p).then((r) => { if (r) out.f = r.f[0]; console.log(JSON.stringify(out)); });`;
  const env = { ...process.env, HJNET_DEVICE: value };
  const r = spawnSync(process.execPath, ['-e', code], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child with HJNET_DEVICE=${value} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

t.test('HJNET_DEVICE chooses the backend; errors are clear', async (tt) => {
  const fExpected = 0.5 * Math.log(Math.exp(2) + Math.exp(4));  // eps log sum exp(z/eps), z = (1, 2)
  for (const value of ['cpu', 'CPU', '', 'auto']) {
    const r = child(value);
    const want = value.toLowerCase() === 'cpu' || gpu === null ? 'cpu' : `cuda:${gpu.name}`;
    tt.equal(r.device, want, `HJNET_DEVICE='${value}' loads and reports ${want}`);
    tt.ok(Math.abs(r.f! - fExpected) < 1e-12, `HJNET_DEVICE='${value}' computes`);
    tt.ok(r.backends.includes('cpu'));
  }
  const cuda = child('cuda');
  if (gpu === null) {
    tt.equal(cuda.device, undefined, 'HJNET_DEVICE=cuda with no usable device is an error');
    tt.match(cuda.error, compiled ? /HJNET_DEVICE=cuda but no CUDA device is usable \(.+\)/ : /HJNET_DEVICE=cuda but this build of hjnet has no CUDA backend/);
    tt.equal(cuda.f, undefined, 'and gibbs() throws instead of running on the CPU');
  } else {
    tt.equal(cuda.device, `cuda:${gpu.name}`);
  }
  const bad = child('gpu');
  tt.equal(bad.errorType, 'RangeError');
  tt.equal(bad.error, "HJNET_DEVICE must be auto, cpu or cuda, received 'gpu'");
  tt.equal(bad.f, undefined);
});

t.test('engineInfo reports the backend in use', async (tt) => {
  const cpu = withDevice('cpu', () => engineInfo());
  tt.equal(cpu.device, `cpu (${nb.simdTarget()})`);
  tt.same(cpu.backends, compiled ? ['cuda', 'cpu'] : ['cpu']);
  const auto = withDevice(undefined, () => engineInfo());
  tt.equal(auto.device, gpu === null ? `cpu (${nb.simdTarget()})` : `cuda:${gpu.name}`);
  tt.throws(() => withDevice('tpu', () => engineInfo()), /HJNET_DEVICE must be auto, cpu or cuda, received 'tpu'/);
  if (gpu === null) tt.throws(() => withDevice('cuda', () => engineInfo()), /HJNET_DEVICE=cuda but/);
  // No device pass has failed (none ran, or none failed: the emulation checks inject failures).
  tt.same(auto.fallbacks, { count: 0, last_error: null });
});

t.test('training records the backend its passes ran on', async (tt) => {
  const X = Array.from({ length: 60 }, (_, i) => [Math.cos(i), Math.sin(2 * i)]);
  const y = X.map(([a, b]) => a * a - b);
  const saved = process.env.HJNET_DEVICE;
  tt.teardown(() => {
    if (saved === undefined) delete process.env.HJNET_DEVICE;
    else process.env.HJNET_DEVICE = saved;
  });
  process.env.HJNET_DEVICE = 'cpu';
  const cpu = await train({ task: 'regression', data: { X, y }, method: 'adam', N: 12, steps: 30, seed: 3 });
  tt.equal((cpu.spec.training as { device: string }).device, 'cpu');
  if (gpuSkip) return;
  process.env.HJNET_DEVICE = 'cuda';
  const dev = await train({ task: 'regression', data: { X, y }, method: 'adam', N: 12, steps: 30, seed: 3 });
  tt.equal((dev.spec.training as { device: string }).device, `cuda:${gpu!.name}`);
  const a = (cpu.spec.support as { g: { data: Float64Array } }).g.data;
  const b = (dev.spec.support as { g: { data: Float64Array } }).g.data;
  const diff = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]) / (1 + Math.abs(v))));
  tt.ok(diff < 1e-9, `device and CPU initial data agree to ${diff.toExponential(2)}`);
});

// ---- GPU against CPU ---------------------------------------------------------------------------

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

interface Model {
  K: number;
  N: number;
  d: number;
  t: number;
  W: Float64Array;
  b: Float64Array;
  y: Float64Array;
  g: Float64Array;
  heads: NativeHeads;
}

function makeModel(K: number, N: number, d: number, W: Float64Array, b: Float64Array, tt = 0.7): Model {
  const y = W.map((w) => 2 * tt * w);
  const g = new Float64Array(K * N);
  for (let j = 0; j < K * N; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += y[j * d + k] ** 2;
    g[j] = -b[j] - s / (4 * tt);
  }
  return { K, N, d, t: tt, W, b, y, g, heads: new nb.Heads({ K, N, d, W, b, y, g, t: tt }) };
}

function randomModel(seed: number, K: number, N: number, d: number, scale = 1, bias = 1): Model {
  const r = mulberry32(seed);
  const W = new Float64Array(K * N * d).map(() => (scale * gaussian(r)) / Math.sqrt(d));
  const b = new Float64Array(K * N).map(() => bias * gaussian(r));
  return makeModel(K, N, d, W, b);
}

function randomX(seed: number, B: number, d: number, scale = 1): Float64Array {
  const r = mulberry32(seed);
  return new Float64Array(B * d).map(() => scale * gaussian(r));
}

function plain(r: GibbsPassResult): Record<string, number[]> {
  return Object.fromEntries(Object.entries(r).map(([key, v]) => [key, Array.from(v as ArrayLike<number>)]));
}

async function both(m: Model, X: Float64Array, B: number, o: GibbsPassOptions): Promise<[GibbsPassResult, GibbsPassResult]> {
  const cpu = await withDevice('cpu', () => m.heads.gibbs(X, B, o));
  const dev = await withDevice('cuda', () => m.heads.gibbs(X, B, o));
  return [cpu, dev];
}

/**
 * The CUDA result against the CPU result: each is within the SPEC tolerance of the exact value,
 * so they agree within twice it. f and u: 1e-12 (float64) or 1e-5 relative at the scale of the
 * scores (float32); what depends on pi: the unit roundoff times the softmax's conditioning
 * max|z|/eps.
 */
function compare(tt: Test, m: Model, X: Float64Array, B: number, o: GibbsPassOptions, cpu: GibbsPassResult,
  dev: GibbsPassResult, label: string): void {
  const Kp = o.heads ? 1 : m.K;
  const k = o.topk ?? 0;
  const single = o.precision === 'float32';
  let failures = 0;
  const fail = (what: string, row: number, a: unknown, e: unknown) => {
    if (failures++ < 5) tt.fail(`${label} ${what} row=${row}: cuda ${a}, cpu ${e}`);
  };
  const close = (a: number, b: number, tol: number) => a === b || Math.abs(a - b) <= tol;
  tt.same(Object.keys(dev).sort(), Object.keys(cpu).sort(), `${label}: the same outputs`);
  for (let q = 0; q < B; q++) {
    for (let kc = 0; kc < Kp; kc++) {
      const h = o.heads ? o.heads[q] : kc;
      const row = q * Kp + kc;
      const x = Array.from(X.subarray(q * m.d, (q + 1) * m.d));
      let maxAbsZ = 0, fscale = 0;
      const z: number[] = [];
      const sc: number[] = [];
      for (let j = 0; j < m.N; j++) {
        const i = h * m.N + j;
        let zj = m.b[i], a = Math.abs(m.b[i]), dist = 0;
        for (let c = 0; c < m.d; c++) {
          zj += m.W[i * m.d + c] * x[c];
          a += Math.abs(m.W[i * m.d + c] * x[c]);
          dist += (x[c] - m.y[i * m.d + c]) ** 2 / (4 * m.t);
        }
        z.push(zj);
        sc.push(o.mode === 'distance' ? -(m.g[i] + dist) : zj);
        maxAbsZ = Math.max(maxAbsZ, Math.abs(zj));
        fscale = Math.max(fscale, a, o.mode === 'distance' ? Math.abs(m.g[i]) + dist : 0);
      }
      const cond = o.eps === 0 || o.eps < 1e-200 ? 1 : 1 + Math.min(1e8, maxAbsZ / o.eps);
      const tf = (v: number) => 2 * (single ? 1e-5 * Math.abs(v) + 1e-6 * fscale : 1e-12 * Math.max(1, Math.abs(v), fscale * 1e-3));
      const tp = 2 * (single ? 3e-7 : 1e-13) * cond;
      const top = sc.slice().sort((p1, p2) => p2 - p1);
      // float32 at eps -> 0 cannot resolve two best scores closer than its rounding: pi is then
      // undefined to float32 precision, and only f and u are compared (as in binding.test.ts)
      const unresolved = single && o.eps < 1e-30 && m.N > 1 && top[0] - top[1] < 1e-6 * fscale && top[0] !== top[1];
      if (!close(dev.f[row], cpu.f[row], tf(cpu.f[row]))) fail('f', row, dev.f[row], cpu.f[row]);
      if (o.mode === 'distance' && !close(dev.u![row], cpu.u![row], tf(cpu.u![row]))) fail('u', row, dev.u![row], cpu.u![row]);
      const a = dev.argmax[row];
      if (!(a >= 0 && a < m.N) || z[a] < Math.max(...z) - tf(maxAbsZ)) fail('argmax', row, a, cpu.argmax[row]);
      if (unresolved) continue;
      if (o.entropy && !close(dev.entropy![row], cpu.entropy![row], tp * (1 + Math.log(m.N)))) fail('entropy', row, dev.entropy![row], cpu.entropy![row]);
      if (o.fhat) {
        const gs = Math.max(...Array.from(m.g.subarray(h * m.N, (h + 1) * m.N), Math.abs));
        if (!close(dev.fhat![row], cpu.fhat![row], tp * gs + tf(cpu.fhat![row]))) fail('fhat', row, dev.fhat![row], cpu.fhat![row]);
      }
      if (o.grad) {
        const ws = Math.max(...Array.from(m.W.subarray(h * m.N * m.d, (h + 1) * m.N * m.d), Math.abs));
        for (let i = 0; i < m.d; i++) {
          const v = dev.grad![row * m.d + i], e = cpu.grad![row * m.d + i];
          if (!close(v, e, tp * ws + 1e-15 * ws)) fail(`grad[${i}]`, row, v, e);
        }
      }
      if (o.hessian && dev.hessian![row] !== cpu.hessian![row]) fail('hessian (float64 on the CPU pool)', row, dev.hessian![row], cpu.hessian![row]);
      if (o.maxDistance && !close(dev.maxDistance![row], cpu.maxDistance![row], (single ? 2e-5 : 2e-12) * cpu.maxDistance![row])) {
        fail('maxDistance', row, dev.maxDistance![row], cpu.maxDistance![row]);
      }
      if (o.pi) {
        for (let j = 0; j < m.N; j++) if (!close(dev.pi![row * m.N + j], cpu.pi![row * m.N + j], tp)) fail(`pi[${j}]`, row, dev.pi![row * m.N + j], cpu.pi![row * m.N + j]);
      }
      for (let r = 0; r < k; r++) {
        const i = row * k + r;
        if (!close(dev.topkPi![i], cpu.topkPi![i], tp)) fail(`topkPi[${r}]`, row, dev.topkPi![i], cpu.topkPi![i]);
        // the same neuron, or one whose weight ties it to rounding
        const di = dev.topkIndex![i], ci = cpu.topkIndex![i];
        if (di !== ci && !(di >= 0 && ci >= 0 && close(sc[di], sc[ci], tf(maxAbsZ)))) fail(`topkIndex[${r}]`, row, di, ci);
      }
    }
  }
  if (failures === 0) tt.pass(label);
}

t.test('CUDA pass matches the CPU pass', { skip: gpuSkip }, async (tt) => {
  let seed = 500;
  const shapes: [number, number, number, number][] = [
    [1, 1, 1, 3], [2, 9, 5, 7], [1, 300, 17, 130], [3, 37, 2, 45], [1, 600, 3, 200], [1, 70, 70, 20], [2, 40, 130, 9],
    [1, 5000, 16, 700],
  ];
  for (const [K, N, d, B0] of shapes) {
    const m = randomModel(seed++, K, N, d);
    for (const B of [0, B0]) {
      const X = randomX(seed++, B, d);
      for (const eps of [0, 1e-300, 0.05, 0.7, 1e300]) {
        for (const mode of ['logit', 'distance'] as const) {
          for (const precision of ['float64', 'float32'] as const) {
            const o: GibbsPassOptions = {
              precision, eps, mode, entropy: true, fhat: true, grad: true, hessian: d <= 5 && B <= 45, maxDistance: true,
              topk: N < 10 ? N + 3 : 6,
            };
            const [cpu, dev] = await both(m, X, B, o);
            compare(tt, m, X, B, o, cpu, dev, `K=${K} N=${N} d=${d} B=${B} eps=${eps} ${mode} ${precision}`);
          }
        }
      }
    }
  }
});

t.test('CUDA: ties, heads, f only, fallbacks (pi, large k)', { skip: gpuSkip }, async (tt) => {
  // neurons 1, 3, 4 identical and maximal at x = (1, 1)
  const tie = makeModel(1, 6, 2, new Float64Array([0, 0, 1, 1, -1, 0, 1, 1, 1, 1, 0.5, 0.5]), new Float64Array(6), 0.5);
  const X1 = new Float64Array([1, 1]);
  for (const precision of ['float64', 'float32'] as const) {
    for (const mode of ['logit', 'distance'] as const) {
      const o: GibbsPassOptions = { precision, eps: 0, mode, entropy: true, fhat: true, grad: true, topk: 4 };
      const r = await withDevice('cuda', () => tie.heads.gibbs(X1, 1, o));
      tt.equal(r.f[0], 2);
      tt.ok(Math.abs(r.entropy![0] - Math.log(3)) < 1e-12, 'entropy = log #ties');
      tt.same(Array.from(r.topkIndex!), [1, 3, 4, 5]);
      tt.same(Array.from(r.topkPi!), [1 / 3, 1 / 3, 1 / 3, 0]);
      tt.equal(r.argmax[0], 1, 'first index of the max');
      const [c2, d2] = await both(tie, X1, 1, { ...o, eps: 0.3 });
      tt.same(Array.from(d2.topkIndex!), [1, 3, 4, 5], 'equal pi: lower index first');
      compare(tt, tie, X1, 1, { ...o, eps: 0.3 }, c2, d2, `ties ${precision} ${mode}`);
    }
  }
  const m = randomModel(11, 4, 700, 6);
  const B = 333;
  const X = randomX(12, B, 6);
  const heads = Int32Array.from({ length: B }, (_, q) => (q * 7) % 4);
  for (const precision of ['float64', 'float32'] as const) {
    const o: GibbsPassOptions = { precision, eps: 0.2, mode: 'distance', heads, entropy: true, grad: true, topk: 5, fhat: true, maxDistance: true };
    const [c, d] = await both(m, X, B, o);
    compare(tt, m, X, B, o, c, d, `heads option ${precision}`);
    const bare = await withDevice('cuda', () => m.heads.gibbs(X, B, { precision, eps: 0.2, mode: 'logit' }));
    tt.same(Object.keys(bare).sort(), ['argmax', 'f']);
    // outputs the device does not compute come from the CPU pass, identical to it
    for (const extra of [{ pi: true }, { topk: 100 }] as GibbsPassOptions[]) {
      const oo = { precision, eps: 0.2, mode: 'logit' as const, entropy: true, ...extra };
      const [c3, d3] = await both(m, X, B, oo);
      tt.same(plain(d3), plain(c3), `CPU fallback for ${JSON.stringify(extra)} ${precision}`);
    }
  }
  // extreme inputs: large |x|, very negative biases, float32 overflow redone in float64
  const r = mulberry32(5);
  const Wx = new Float64Array(50 * 4).map(() => gaussian(r));
  const big = makeModel(1, 50, 4, Wx, new Float64Array(50).map(() => gaussian(r)), 0.3);
  const Xbig = randomX(7, 9, 4, 1e6);
  const neg = makeModel(1, 50, 4, Wx, new Float64Array(50).map(() => -1e6 + gaussian(r)), 0.3);
  for (const eps of [0, 1e-300, 1e-3, 1, 1e300]) {
    for (const precision of ['float64', 'float32'] as const) {
      for (const mode of ['logit', 'distance'] as const) {
        const o: GibbsPassOptions = { precision, eps, mode, entropy: true, fhat: true, grad: true, topk: 3, maxDistance: true };
        const [c, d] = await both(big, Xbig, 9, o);
        compare(tt, big, Xbig, 9, o, c, d, `large |x| eps=${eps} ${precision} ${mode}`);
        const [c2, d2] = await both(neg, randomX(6, 9, 4), 9, o);
        tt.ok([d2.f, d2.entropy!, d2.grad!].every((a) => Array.from(a).every(Number.isFinite)), `negative biases eps=${eps}: finite`);
        tt.ok(c2.f.every((v, i) => Math.abs(v - d2.f[i]) <= 1e-5 * Math.abs(v)), `negative biases eps=${eps} ${precision} ${mode}: f`);
      }
    }
  }
  const over = makeModel(1, 3, 2, new Float64Array([1e30, 0, -1e30, 1, 2e29, 2e29]), new Float64Array(3), 1);
  const Xo = new Float64Array([1e20, 3, -2e19, 1]);
  for (const mode of ['logit', 'distance'] as const) {
    const a = await withDevice('cuda', () => over.heads.gibbs(Xo, 2, { precision: 'float32', eps: 0.5, mode, entropy: true }));
    const b = await withDevice('cpu', () => over.heads.gibbs(Xo, 2, { precision: 'float64', eps: 0.5, mode, entropy: true }));
    tt.same(Array.from(a.f), Array.from(b.f), `float32 overflow redone in float64 (${mode})`);
  }
});

t.test('CUDA: deterministic under concurrent calls', { skip: gpuSkip }, async (tt) => {
  const m = randomModel(17, 2, 3000, 9);
  const X = randomX(18, 500, 9);
  const o: GibbsPassOptions = { precision: 'float32', eps: 0.1, mode: 'distance', entropy: true, grad: true, topk: 4 };
  const first = await withDevice('cuda', () => m.heads.gibbs(X, 500, o));
  const again = await Promise.all(Array.from({ length: 6 }, () => withDevice('cuda', () => m.heads.gibbs(X, 500, o))));
  for (const r of again) tt.same(plain(r), plain(first));
});
