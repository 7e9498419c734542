// The native addon's Gibbs pass against the plain float64 reference (src/engine/reference.ts),
// its edge cases (eps = 0 / 1e-300 / 1e300, ties, huge inputs, B = 0, N = 1, d = 1, k > N),
// its validation errors and its determinism.
import t, { type Test } from 'tap';
import { binding, type GibbsPassOptions, type GibbsPassResult, type NativeHeads } from '../../src/engine/binding.js';
import { mulberry32, refGibbs, type RefHead } from '../../src/engine/reference.js';

const nb = binding();
const f32 = Math.fround;

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
  ref: RefHead[];    // float64
  ref32: RefHead[];  // inputs rounded to float32
}

function rows(a: Float64Array, off: number, n: number, d: number, map = (v: number) => v): number[][] {
  return Array.from({ length: n }, (_, j) => Array.from(a.subarray(off + j * d, off + (j + 1) * d), map));
}

function makeModel(K: number, N: number, d: number, W: Float64Array, b: Float64Array, tt = 0.7): Model {
  const y = W.map((w) => 2 * tt * w);
  const g = new Float64Array(K * N);
  for (let j = 0; j < K * N; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += y[j * d + k] ** 2;
    g[j] = -b[j] - s / (4 * tt);
  }
  const heads = new nb.Heads({ K, N, d, W, b, y, g, t: tt });
  const head = (h: number, map: (v: number) => number = (v) => v): RefHead => ({
    W: rows(W, h * N * d, N, d, map),
    b: Array.from(b.subarray(h * N, (h + 1) * N), map),
    y: rows(y, h * N * d, N, d, map),
    g: Array.from(g.subarray(h * N, (h + 1) * N), map),
    t: tt,
    source: 'weights',
  });
  const ref = Array.from({ length: K }, (_, h) => head(h));
  const ref32 = Array.from({ length: K }, (_, h) => head(h, f32));
  return { K, N, d, t: tt, W, b, y, g, heads, ref, ref32 };
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

function close(actual: number, expected: number, tol: number): boolean {
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= tol;
}

interface Tolerances {
  fu: (ref: number) => number;  // f and u
  pi: number;                   // per unit of the quantity's scale
}

function tolerances(precision: 'float32' | 'float64', eps: number, maxAbsZ: number, fscale: number): Tolerances {
  // pi carries the softmax's conditioning, of order u_p * max|z| / eps (0 scale when pi is
  // one-hot or uniform to working precision).
  const cond = eps === 0 || eps < 1e-200 ? 1 : 1 + Math.min(1e8, maxAbsZ / eps);
  if (precision === 'float64') return { fu: (v) => 1e-12 * Math.max(1, Math.abs(v), fscale * 1e-3), pi: 1e-13 * cond };
  return { fu: (v) => 1e-5 * Math.abs(v) + 1e-6 * fscale, pi: 3e-7 * cond };
}

/** Compares one gibbs result against refGibbs for every (query, head). */
function checkAgainstReference(
  tt: Test, m: Model, X: Float64Array, B: number, o: GibbsPassOptions, res: GibbsPassResult,
  label: string,
): void {
  const Kp = o.heads ? 1 : m.K;
  const k = o.topk ?? 0;
  let failures = 0;
  const fail = (what: string, q: number, h: number, a: unknown, e: unknown) => {
    if (failures++ < 5) tt.fail(`${label} ${what} q=${q} head=${h}: got ${a}, expected ${e}`);
  };
  for (let q = 0; q < B; q++) {
    for (let kc = 0; kc < Kp; kc++) {
      const h = o.heads ? o.heads[q] : kc;
      const row = q * Kp + kc;
      const x64 = Array.from(X.subarray(q * m.d, (q + 1) * m.d));
      const single = o.precision === 'float32';
      const head = single ? m.ref32[h] : m.ref[h];
      const x = single ? x64.map(f32) : x64;
      const ref = refGibbs(head, x, o.eps);
      const maxAbsZ = Math.max(...ref.z.map(Math.abs));
      // scale of |W.x| + |b| (the float32 dot products round at that scale)
      let fscale = 0;
      for (let j = 0; j < m.N; j++) {
        let s = Math.abs(head.b[j]);
        for (let i = 0; i < m.d; i++) s += Math.abs(head.W[j][i] * x[i]);
        fscale = Math.max(fscale, s);
      }
      if (o.mode === 'distance') {
        for (let j = 0; j < m.N; j++) {
          let s = Math.abs(head.g[j]);
          for (let i = 0; i < m.d; i++) s += (x[i] - head.y[j][i]) ** 2 / (4 * m.t);
          fscale = Math.max(fscale, s);
        }
      }
      const tol = tolerances(o.precision, o.eps, maxAbsZ, fscale);
      // At eps -> 0, pi is a step function of the scores: where float32 cannot resolve the two
      // best scores (gap below its rounding at the scale of the score) pi itself is undefined
      // to float32 precision, so only f and u are compared.
      const scores = o.mode === 'distance'
        ? head.y.map((yj, j) => -(head.g[j] + yj.reduce((s, v, i) => s + (x[i] - v) ** 2, 0) / (4 * m.t)))
        : ref.z;
      const top = scores.slice().sort((p1, p2) => p2 - p1);
      const unresolved = single && o.eps < 1e-30 && m.N > 1 && top[0] - top[1] < 1e-6 * fscale && top[0] !== top[1];
      if (!close(res.f[row], ref.f, tol.fu(ref.f))) fail('f', q, h, res.f[row], ref.f);
      if (o.mode === 'distance') {
        if (!res.u || !close(res.u[row], ref.u, tol.fu(ref.u))) fail('u', q, h, res.u?.[row], ref.u);
      } else if (res.u !== undefined) fail('u present in logit mode', q, h, 'u', undefined);
      const a = res.argmax[row];
      if (!(a >= 0 && a < m.N) || ref.z[a] < Math.max(...ref.z) - tol.fu(maxAbsZ)) fail('argmax', q, h, a, ref.argmax);
      if (!Number.isFinite(res.f[row])) fail('finite f', q, h, res.f[row], 'finite');
      if (o.entropy && !unresolved) {
        const e = res.entropy![row];
        if (!Number.isFinite(e) || !close(e, ref.entropy, tol.pi * (1 + Math.log(m.N)))) fail('entropy', q, h, e, ref.entropy);
      }
      if (o.fhat && !unresolved) {
        const gs = Math.max(...head.g.map(Math.abs));
        if (!close(res.fhat![row], ref.fhat, tol.pi * gs + tol.fu(ref.fhat))) fail('fhat', q, h, res.fhat![row], ref.fhat);
      }
      if (o.grad && !unresolved) {
        const ws = Math.max(...head.W.flat().map(Math.abs));
        for (let i = 0; i < m.d; i++) {
          const v = res.grad![row * m.d + i];
          if (!close(v, ref.gradF[i], tol.pi * ws + 1e-15 * ws)) fail(`grad[${i}]`, q, h, v, ref.gradF[i]);
        }
      }
      if (o.hessian) {
        // always float64 inside, from the float64 heads and the given X
        const r64 = refGibbs(m.ref[h], x64, o.eps);
        const v = res.hessian![row];
        const e = r64.hessianNorm;
        if (!(v === e || Math.abs(v - e) <= 1e-9 * Math.abs(e) + 1e-300)) fail('hessian', q, h, v, e);
      }
      if (o.maxDistance) {
        const v = res.maxDistance![row];
        const rt = single ? 1e-5 : 1e-12;
        if (!close(v, ref.maxDistance, rt * ref.maxDistance + 1e-300)) fail('maxDistance', q, h, v, ref.maxDistance);
      }
      if (o.pi && !unresolved) {
        for (let j = 0; j < m.N; j++) {
          const v = res.pi![row * m.N + j];
          if (!close(v, ref.pi[j], tol.pi)) fail(`pi[${j}]`, q, h, v, ref.pi[j]);
        }
      }
      if (k > 0 && !unresolved) {
        const sorted = ref.pi.slice().sort((p1, p2) => p2 - p1);
        const seen = new Set<number>();
        for (let r = 0; r < k; r++) {
          const idx = res.topkIndex![row * k + r];
          const p = res.topkPi![row * k + r];
          if (r >= m.N) {
            if (idx !== -1 || p !== 0) fail(`topk[${r}] past N`, q, h, `${idx}/${p}`, '-1/0');
            continue;
          }
          if (!(idx >= 0 && idx < m.N) || seen.has(idx)) {
            fail(`topk index ${r}`, q, h, idx, 'a new neuron');
            continue;
          }
          seen.add(idx);
          if (!close(p, ref.pi[idx], tol.pi)) fail(`topkPi[${r}] vs pi`, q, h, p, ref.pi[idx]);
          if (!close(p, sorted[r], tol.pi)) fail(`topkPi[${r}] vs sorted pi`, q, h, p, sorted[r]);
          if (r > 0 && p > res.topkPi![row * k + r - 1]) fail(`topk order ${r}`, q, h, p, 'descending');
        }
      }
    }
  }
  if (failures === 0) tt.pass(label);
}

t.test('module exports', async (tt) => {
  tt.type(nb.version, 'string');
  tt.ok(nb.backends().includes('cpu'), 'cpu is always compiled in');
  tt.match(nb.simdTarget(), /^[A-Z0-9_]+$/);
  tt.ok(Number.isInteger(nb.threads()) && nb.threads() >= 1);
  const m = randomModel(1, 2, 5, 3);
  tt.equal(m.heads.K, 2);
  tt.equal(m.heads.N, 5);
  tt.equal(m.heads.d, 3);
});

t.test('f and u of fewer queries than a tile (the row pass) match the reference and the tile pass', async (tt) => {
  let seed = 900;
  const tie = makeModel(1, 4, 2, new Float64Array([1, 0, 1, 0, 0, 1, 1, 0]), new Float64Array([0, 0.5, 0, 0]), 0.8);
  const models = [[1, 1, 1], [2, 9, 5], [1, 300, 17], [3, 37, 2], [1, 600, 3], [1, 1000, 16]].map(([K, N, d]) => randomModel(seed++, K, N, d));
  for (const m of [tie, ...models]) {
    for (const B of [1, 3]) {
      const X = randomX(seed++, B, m.d, 2);
      // the tile pass: the same queries copied up to 64 rows
      const X64 = new Float64Array(64 * m.d).map((_, i) => X[i % (B * m.d)]);
      for (const eps of [0, 1e-300, 0.05, 0.7, 1e300]) {
        for (const mode of ['logit', 'distance'] as const) {
          for (const precision of ['float64', 'float32'] as const) {
            const o: GibbsPassOptions = { precision, eps, mode };
            const label = `K=${m.K} N=${m.N} d=${m.d} B=${B} eps=${eps} ${mode} ${precision}`;
            const res = await m.heads.gibbs(X, B, o);
            checkAgainstReference(tt, m, X, B, o, res, label);
            const tile = await m.heads.gibbs(X64, 64, o);
            const tol = precision === 'float64' ? 1e-13 : 1e-6;
            for (let r = 0; r < B * m.K; r++) {
              const same = (a: number, b: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
              if (!same(res.f[r], tile.f[r]) || (res.u && !same(res.u[r], tile.u![r])) || res.argmax[r] !== tile.argmax[r]) {
                tt.fail(`${label} row ${r}: row pass ${res.f[r]}/${res.u?.[r]}/${res.argmax[r]}, tile ${tile.f[r]}/${tile.u?.[r]}/${tile.argmax[r]}`);
              }
            }
          }
        }
      }
    }
  }
  // one head per query, and float32 scores beyond float32 (redone in float64)
  const m = models[3];
  const X = randomX(seed++, 3, m.d);
  const heads = Int32Array.from([2, 0, 2]);
  const one = await m.heads.gibbs(X, 3, { precision: 'float64', eps: 0.3, mode: 'distance', heads });
  checkAgainstReference(tt, m, X, 3, { precision: 'float64', eps: 0.3, mode: 'distance', heads }, one, 'heads');
  const nan = makeModel(1, 2, 2, new Float64Array([1e39, -1e39, 0, 0]), new Float64Array([0, -1]), 1);
  for (const eps of [0.5, 0]) {
    const a = await nan.heads.gibbs(new Float64Array([1, 1]), 1, { precision: 'float32', eps, mode: 'logit' });
    const b = await nan.heads.gibbs(new Float64Array([1, 1]), 1, { precision: 'float64', eps, mode: 'logit' });
    tt.same([a.f[0], a.argmax[0]], [b.f[0], b.argmax[0]], `row pass: NaN score, eps ${eps}`);
  }
});

t.test('random shapes against the float64 reference', async (tt) => {
  let seed = 100;
  for (const [K, N, d] of [[1, 1, 1], [2, 9, 5], [1, 300, 17], [3, 37, 2], [1, 600, 3]] as const) {
    const m = randomModel(seed++, K, N, d);
    for (const B of [0, 1, 7, 45]) {
      const X = randomX(seed++, B, d);
      for (const eps of [0, 1e-300, 0.05, 0.7, 1e300]) {
        for (const mode of ['logit', 'distance'] as const) {
          for (const precision of ['float64', 'float32'] as const) {
            const o: GibbsPassOptions = {
              precision, eps, mode, entropy: true, fhat: true, grad: true, hessian: d <= 5,
              pi: true, topk: N < 10 ? N + 3 : 6, maxDistance: true,
            };
            const xin = precision === 'float32' && B % 2 === 1 ? Float32Array.from(X) : X;
            const xref = xin instanceof Float32Array ? Float64Array.from(xin) : X;
            const res = await m.heads.gibbs(xin, B, o);
            tt.equal(res.f.length, B * K);
            checkAgainstReference(tt, m, xref, B, o, res, `K=${K} N=${N} d=${d} B=${B} eps=${eps} ${mode} ${precision}`);
          }
        }
      }
    }
  }
});

t.test('f only (no extras) matches the full pass', async (tt) => {
  const m = randomModel(7, 2, 1000, 16);
  const X = randomX(8, 70, 16);
  for (const precision of ['float32', 'float64'] as const) {
    for (const mode of ['logit', 'distance'] as const) {
      const bare = await m.heads.gibbs(X, 70, { precision, eps: 0.25, mode });
      const full = await m.heads.gibbs(X, 70, { precision, eps: 0.25, mode, entropy: true, grad: true, topk: 10, pi: true });
      tt.same(Array.from(bare.f), Array.from(full.f), `${precision} ${mode}`);
      tt.same(Array.from(bare.argmax), Array.from(full.argmax));
      tt.same(Object.keys(bare).sort(), mode === 'logit' ? ['argmax', 'f'] : ['argmax', 'f', 'u']);
      checkAgainstReference(tt, m, X, 70, { precision, eps: 0.25, mode, entropy: true, grad: true, topk: 10 },
        full, `d=16 ${precision} ${mode}`);
    }
  }
});

t.test('ties: eps = 0 is the tropical limit; eps > 0 orders equal pi by lower index', async (tt) => {
  // neurons 1, 3 and 4 are identical and maximal at x = (1, 1)
  const W = new Float64Array([0, 0, 1, 1, -1, 0, 1, 1, 1, 1, 0.5, 0.5]);
  const b = new Float64Array([0, 0, 0, 0, 0, 0]);
  const m = makeModel(1, 6, 2, W, b, 0.5);
  const X = new Float64Array([1, 1]);
  for (const precision of ['float64', 'float32'] as const) {
    for (const mode of ['logit', 'distance'] as const) {
      const o: GibbsPassOptions = { precision, eps: 0, mode, entropy: true, fhat: true, grad: true, hessian: true, pi: true, topk: 4 };
      const r = await m.heads.gibbs(X, 1, o);
      tt.equal(r.f[0], 2, `f = max z (${precision} ${mode})`);
      if (mode === 'distance') tt.equal(r.u![0], 1 - 2, 'u = min phi = |x|^2/(4t) - f');
      tt.ok(Math.abs(r.entropy![0] - Math.log(3)) < 1e-12, 'entropy = log #ties');
      tt.same(Array.from(r.pi!), [0, 1 / 3, 0, 1 / 3, 1 / 3, 0]);
      // pi ties at 0 outside the tie set are ordered by score (neuron 5 has z = 1 > z_0 = 0)
      tt.same(Array.from(r.topkIndex!), [1, 3, 4, 5]);
      tt.same(Array.from(r.topkPi!), [1 / 3, 1 / 3, 1 / 3, 0]);
      tt.ok(Math.abs(r.grad![0] - 1) < 1e-15 && Math.abs(r.grad![1] - 1) < 1e-15, 'grad = mean over ties');
      tt.ok(Math.abs(r.fhat![0] - m.g[1]) < 1e-6 * Math.abs(m.g[1]) + 1e-15, 'fhat = mean g over ties');
      tt.equal(r.hessian![0], 0, 'hessian 0 at eps = 0');
      tt.equal(r.argmax[0], 1, 'first index of the max');
      const r2 = await m.heads.gibbs(X, 1, { ...o, eps: 0.3 });
      tt.same(Array.from(r2.topkIndex!), [1, 3, 4, 5], 'equal pi: lower index first');
      tt.equal(r2.topkPi![0], r2.topkPi![1]);
      checkAgainstReference(tt, m, X, 1, { ...o, eps: 0.3 }, r2, `ties eps=0.3 ${precision} ${mode}`);
    }
  }
});

t.test('extreme inputs stay finite and accurate', async (tt) => {
  const r = mulberry32(5);
  const N = 50, d = 4;
  const W = new Float64Array(N * d).map(() => gaussian(r));
  const cases: [string, Float64Array, Float64Array][] = [
    ['very negative biases', new Float64Array(N).map(() => -1e6 + gaussian(r)), randomX(6, 9, d)],
    ['large |x|', new Float64Array(N).map(() => gaussian(r)), randomX(7, 9, d, 1e6)],
    ['mixed bias scale', new Float64Array(N).map((_, j) => (j % 2 ? -1e6 : 1) * gaussian(r)), randomX(8, 9, d, 10)],
  ];
  for (const [name, b, X] of cases) {
    const m = makeModel(1, N, d, W, b, 0.3);
    for (const eps of [0, 1e-300, 1e-3, 1, 1e300]) {
      for (const precision of ['float64', 'float32'] as const) {
        for (const mode of ['logit', 'distance'] as const) {
          const o: GibbsPassOptions = { precision, eps, mode, entropy: true, fhat: true, grad: true, topk: 3, maxDistance: true };
          const res = await m.heads.gibbs(X, 9, o);
          const all = [res.f, res.u ?? [], res.entropy!, res.fhat!, res.grad!, res.topkPi!, res.maxDistance!];
          tt.ok(all.every((a) => Array.from(a).every(Number.isFinite)), `${name} eps=${eps} ${precision} ${mode}: finite`);
          if (name === 'large |x|' || eps >= 1e-3) checkAgainstReference(tt, m, X, 9, o, res, `${name} eps=${eps} ${precision} ${mode}`);
        }
      }
    }
  }
});

t.test('eps = 1e300 gives uniform pi; eps = 1e-300 the max', async (tt) => {
  const m = randomModel(9, 1, 20, 3);
  const X = randomX(10, 3, 3);
  for (const precision of ['float64', 'float32'] as const) {
    const r = await m.heads.gibbs(X, 3, { precision, eps: 1e300, mode: 'logit', entropy: true, pi: true });
    for (let q = 0; q < 3; q++) {
      tt.ok(Math.abs(r.entropy![q] - Math.log(20)) < 1e-6, 'entropy log N');
      tt.ok(Math.abs(r.pi![q * 20] - 1 / 20) < 1e-6, 'uniform');
      tt.ok(Number.isFinite(r.f[q]) && r.f[q] > 1e300, 'f = m + eps log N');
    }
    const s = await m.heads.gibbs(X, 3, { precision, eps: 1e-300, mode: 'logit', entropy: true });
    const e = await m.heads.gibbs(X, 3, { precision, eps: 0, mode: 'logit', entropy: true });
    tt.same(Array.from(s.f), Array.from(e.f));
    tt.same(Array.from(s.entropy!), [0, 0, 0]);
  }
});

t.test('top-k under many exact ties: score first, then the lower index', async (tt) => {
  // Small integers: every score is exact in both precisions and in both modes, and most tie.
  const N = 700, d = 3, B = 40;
  const r = mulberry32(77);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const W = Float64Array.from({ length: N * d }, () => int(-2, 2));
  const b = Float64Array.from({ length: N }, () => int(-1, 1));
  const X = Float64Array.from({ length: B * d }, () => int(-1, 1));
  const m = makeModel(1, N, d, W, b, 1);
  for (const k of [1, 3, 10, 16, 17, 40]) {
    const expected: number[] = [];
    for (let q = 0; q < B; q++) {
      const score = (j: number) => b[j] + W[j * d] * X[q * d] + W[j * d + 1] * X[q * d + 1] + W[j * d + 2] * X[q * d + 2];
      const order = Array.from({ length: N }, (_, j) => j).sort((i, j) => score(j) - score(i) || i - j);
      expected.push(...order.slice(0, k));
    }
    for (const precision of ['float64', 'float32'] as const) {
      for (const mode of ['logit', 'distance'] as const) {
        const res = await m.heads.gibbs(X, B, { precision, eps: 0.5, mode, topk: k, entropy: true });
        tt.same(Array.from(res.topkIndex!), expected, `k=${k} ${precision} ${mode}`);
      }
    }
  }
});

t.test('float32 overflow falls back to float64', async (tt) => {
  const W = new Float64Array([1e30, 0, -1e30, 1, 2e29, 2e29]);
  const m = makeModel(1, 3, 2, W, new Float64Array(3), 1);
  const X = new Float64Array([1e20, 3, -2e19, 1]);
  for (const mode of ['logit', 'distance'] as const) {
    const a = await m.heads.gibbs(X, 2, { precision: 'float32', eps: 0.5, mode, entropy: true });
    const b = await m.heads.gibbs(X, 2, { precision: 'float64', eps: 0.5, mode, entropy: true });
    tt.same(Array.from(a.f), Array.from(b.f), mode);
    tt.ok(Array.from(a.f).every(Number.isFinite));
  }
  // A score of inf - inf = NaN in float32 (weights beyond its range) while the row's max and
  // sum stay finite: the row is redone in float64 all the same.
  const nan = makeModel(1, 2, 2, new Float64Array([1e39, -1e39, 0, 0]), new Float64Array([0, -1]), 1);
  for (const eps of [0.5, 0]) {
    const opts = { eps, mode: 'logit' as const, topk: 2 };
    const a = await nan.heads.gibbs(new Float64Array([1, 1]), 1, { ...opts, precision: 'float32' });
    const b = await nan.heads.gibbs(new Float64Array([1, 1]), 1, { ...opts, precision: 'float64' });
    tt.same([a.f[0], a.argmax[0], Array.from(a.topkIndex!)], [b.f[0], b.argmax[0], Array.from(b.topkIndex!)], `NaN score, eps ${eps}`);
  }
  // Scores within float32's range whose sum is not (the range check sums them): float64 too.
  const huge = makeModel(1, 2, 1, new Float64Array([3e38, 2.9e38]), new Float64Array(2), 1);
  const X32 = new Float64Array(40).fill(1);
  const a = await huge.heads.gibbs(X32, 40, { precision: 'float32', eps: 1e37, mode: 'logit', entropy: true });
  const b = await huge.heads.gibbs(X32, 40, { precision: 'float64', eps: 1e37, mode: 'logit', entropy: true });
  tt.same(Array.from(a.f), Array.from(b.f), 'finite float32 scores with an overflowing sum');
  tt.ok(Array.from(a.f).every(Number.isFinite));
});

t.test('heads option selects one head per query', async (tt) => {
  const m = randomModel(11, 4, 70, 6);
  const B = 33;
  const X = randomX(12, B, 6);
  const heads = Int32Array.from({ length: B }, (_, q) => (q * 7) % 4);
  for (const precision of ['float64', 'float32'] as const) {
    const o: GibbsPassOptions = { precision, eps: 0.2, mode: 'distance', entropy: true, grad: true, topk: 5, pi: true, fhat: true, maxDistance: true };
    const all = await m.heads.gibbs(X, B, o);
    const sel = await m.heads.gibbs(X, B, { ...o, heads });
    tt.equal(sel.f.length, B);
    for (let q = 0; q < B; q++) {
      const row = q * 4 + heads[q];
      tt.equal(sel.f[q], all.f[row]);
      tt.equal(sel.u![q], all.u![row]);
      tt.equal(sel.entropy![q], all.entropy![row]);
      tt.same(Array.from(sel.grad!.subarray(q * 6, q * 6 + 6)), Array.from(all.grad!.subarray(row * 6, row * 6 + 6)));
      tt.same(Array.from(sel.topkIndex!.subarray(q * 5, q * 5 + 5)), Array.from(all.topkIndex!.subarray(row * 5, row * 5 + 5)));
      tt.same(Array.from(sel.pi!.subarray(q * 70, q * 70 + 70)), Array.from(all.pi!.subarray(row * 70, row * 70 + 70)));
    }
    checkAgainstReference(tt, m, X, B, { ...o, heads }, sel, `heads option ${precision}`);
  }
});

t.test('hessian: Lanczos for d > 64 matches the dense eigenvalue', async (tt) => {
  const m = randomModel(13, 1, 150, 70, 1, 0.2);
  const X = randomX(14, 3, 70, 0.5);
  for (const eps of [0.05, 1]) {
    const o: GibbsPassOptions = { precision: 'float64', eps, mode: 'logit', hessian: true };
    const res = await m.heads.gibbs(X, 3, o);
    checkAgainstReference(tt, m, X, 3, o, res, `d=70 eps=${eps}`);
  }
});

t.test('maxPairDistance is the exact max over pairs', async (tt) => {
  const m = randomModel(15, 3, 45, 7);
  for (const [a, b] of [[0, 0], [0, 2], [2, 1]]) {
    let best = 0;
    for (let i = 0; i < m.N; i++) {
      for (let j = 0; j < m.N; j++) {
        let s = 0;
        for (let k = 0; k < m.d; k++) s += (m.W[(a * m.N + i) * m.d + k] - m.W[(b * m.N + j) * m.d + k]) ** 2;
        best = Math.max(best, Math.sqrt(s));
      }
    }
    const v = await m.heads.maxPairDistance(a, b);
    tt.ok(Math.abs(v - best) <= 1e-14 * best, `heads ${a},${b}: ${v} vs ${best}`);
  }
  const one = randomModel(16, 1, 1, 3);
  tt.equal(await one.heads.maxPairDistance(0, 0), 0);
});

t.test('deterministic and safe under concurrent calls', async (tt) => {
  const m = randomModel(17, 2, 900, 9);
  const X = randomX(18, 200, 9);
  const o: GibbsPassOptions = { precision: 'float32', eps: 0.1, mode: 'distance', entropy: true, grad: true, topk: 4 };
  const first = await m.heads.gibbs(X, 200, o);
  const again = await Promise.all(Array.from({ length: 6 }, () => m.heads.gibbs(X, 200, o)));
  for (const r of again) {
    tt.same(Array.from(r.f), Array.from(first.f));
    tt.same(Array.from(r.grad!), Array.from(first.grad!));
    tt.same(Array.from(r.topkIndex!), Array.from(first.topkIndex!));
  }
});

t.test('X may be any view of a buffer', async (tt) => {
  const m = randomModel(19, 1, 40, 3);
  const X = randomX(20, 5, 3);
  const buf = new ArrayBuffer(8 * 16 + X.byteLength);
  const view = new Float64Array(buf, 8 * 3, 15);
  view.set(X);
  const a = await m.heads.gibbs(view, 5, { precision: 'float64', eps: 0.3, mode: 'logit' });
  const b = await m.heads.gibbs(X, 5, { precision: 'float64', eps: 0.3, mode: 'logit' });
  tt.same(Array.from(a.f), Array.from(b.f));
  const v32 = new Float32Array(new ArrayBuffer(4 * 20), 4, 15);
  v32.set(X);
  const c = await m.heads.gibbs(v32, 5, { precision: 'float64', eps: 0.3, mode: 'logit' });
  checkAgainstReference(tt, m, Float64Array.from(v32), 5, { precision: 'float64', eps: 0.3, mode: 'logit' }, c, 'float32 input, float64 pass');
});

t.test('validation errors name the argument', async (tt) => {
  const W = new Float64Array(12), b = new Float64Array(4);
  const spec = { K: 1, N: 4, d: 3, W, b, y: new Float64Array(12), g: new Float64Array(4), t: 1 };
  tt.throws(() => new nb.Heads({ ...spec, W: new Float64Array(10) }),
    { name: 'RangeError', message: 'Expected Float64Array of length 12 for W but received length 10' });
  tt.throws(() => new nb.Heads({ ...spec, b: new Float32Array(4) as unknown as Float64Array }),
    { name: 'TypeError', message: /Float64Array.*for b.*Float32Array/ });
  tt.throws(() => new nb.Heads({ ...spec, t: 0 }), { name: 'RangeError', message: /for t/ });
  tt.throws(() => new nb.Heads({ ...spec, N: 0 }), { name: 'RangeError', message: /for N/ });
  tt.throws(() => new nb.Heads({ ...spec, d: 1.5 }), { name: 'RangeError', message: /for d/ });
  tt.throws(() => new nb.Heads({ ...spec, W: new Float64Array(12).fill(NaN) }), { name: 'RangeError', message: /finite values in W/ });
  tt.throws(() => new nb.Heads({ ...spec, K: '1' as unknown as number }), { name: 'TypeError', message: /for K/ });

  const h = new nb.Heads(spec);
  const X = new Float64Array(6);
  const o: GibbsPassOptions = { precision: 'float64', eps: 1, mode: 'logit' };
  tt.throws(() => h.gibbs(new Float64Array(5), 2, o), { name: 'RangeError', message: /length 6 for X but received length 5/ });
  tt.throws(() => h.gibbs(new Int32Array(6) as unknown as Float64Array, 2, o), { name: 'TypeError', message: /for X but received Int32Array/ });
  tt.throws(() => h.gibbs(X, -1, o), { name: 'RangeError', message: /for B/ });
  tt.throws(() => h.gibbs(X, 2, { ...o, mode: 'nope' as 'logit' }), { name: 'RangeError', message: /options.mode but received 'nope'/ });
  tt.throws(() => h.gibbs(X, 2, { ...o, precision: 'float16' as 'float32' }), { name: 'RangeError', message: /options.precision/ });
  tt.throws(() => h.gibbs(X, 2, { ...o, eps: -1 }), { name: 'RangeError', message: /options.eps/ });
  tt.throws(() => h.gibbs(X, 2, { ...o, eps: NaN }), { name: 'RangeError', message: /options.eps/ });
  tt.throws(() => h.gibbs(X, 2, { ...o, topk: -1 }), { name: 'RangeError', message: /options.topk/ });
  tt.throws(() => h.gibbs(X, 2, { ...o, heads: new Int32Array([0, 1]) }), { name: 'RangeError', message: /head indices in \[0, 0\].*received 1 at index 1/ });
  tt.throws(() => h.gibbs(X, 2, { ...o, heads: new Int32Array(3) }), { name: 'RangeError', message: /length 2 for options.heads/ });
  tt.throws(() => h.gibbs(X, 2, { ...o, entropy: 1 as unknown as boolean }), { name: 'TypeError', message: /options.entropy/ });
  tt.throws(() => h.gibbs(X, 2, undefined as unknown as GibbsPassOptions), { name: 'TypeError', message: /options/ });
  tt.throws(() => h.maxPairDistance(0, 1), { name: 'RangeError', message: /headB/ });

  // a detached (transferred) buffer is a TypeError, never a crash
  const Xd = new Float64Array(6);
  structuredClone(Xd.buffer, { transfer: [Xd.buffer] });
  tt.throws(() => h.gibbs(Xd, 2, o), { name: 'TypeError', message: /detached/ });
  const Wd = new Float64Array(12);
  structuredClone(Wd.buffer, { transfer: [Wd.buffer] });
  tt.throws(() => new nb.Heads({ ...spec, W: Wd }), { name: 'TypeError', message: /detached/ });

  const empty = await h.gibbs(new Float64Array(0), 0, { ...o, topk: 3, grad: true, pi: true });
  tt.equal(empty.f.length, 0);
  tt.equal(empty.topkIndex!.length, 0);
});

t.test('HJNET_THREADS is validated', async (tt) => {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const addon = fileURLToPath(new URL('../../build/Release/hjnet.node', import.meta.url));
  const script = `const b = require(${JSON.stringify(addon)});
    try { console.log(JSON.stringify({ threads: b.threads() })); }
    catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message })); }`;
  const run = (v: string) => JSON.parse(spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, HJNET_THREADS: v }, encoding: 'utf8',
  }).stdout);
  tt.same(run('3'), { threads: 3 });
  tt.match(run('zero'), { name: 'RangeError', message: /HJNET_THREADS.*'zero'/ });
  tt.match(run('0'), { name: 'RangeError' });
  tt.match(run('4x'), { name: 'RangeError' });
});

t.test('every SIMD target (HJNET_SIMD) agrees with the reference', async (tt) => {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const addon = fileURLToPath(new URL('../../build/Release/hjnet.node', import.meta.url));
  const m = randomModel(21, 2, 67, 5);
  const B = 13;
  const X = randomX(22, B, 5);
  const variants: GibbsPassOptions[] = [];
  for (const precision of ['float32', 'float64'] as const) {
    for (const mode of ['logit', 'distance'] as const) {
      for (const eps of [0, 0.3]) {
        variants.push({ precision, eps, mode, entropy: true, fhat: true, grad: true, pi: true, topk: 4, maxDistance: true });
      }
    }
  }
  const script = `const b = require(${JSON.stringify(addon)});
    const inp = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    const h = new b.Heads({ K: inp.K, N: inp.N, d: inp.d, t: inp.t, W: Float64Array.from(inp.W),
      b: Float64Array.from(inp.b), y: Float64Array.from(inp.y), g: Float64Array.from(inp.g) });
    (async () => {
      const out = [];
      for (const o of inp.variants) {
        const r = await h.gibbs(Float64Array.from(inp.X), inp.B, o);
        out.push(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.from(v)])));
      }
      console.log(JSON.stringify({ target: b.simdTarget(), out }));
    })();`;
  const input = JSON.stringify({ K: m.K, N: m.N, d: m.d, t: m.t, W: Array.from(m.W), b: Array.from(m.b),
    y: Array.from(m.y), g: Array.from(m.g), X: Array.from(X), B, variants });
  for (const target of ['AVX2', 'SSE4', 'SCALAR']) {
    const child = spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, HJNET_SIMD: target }, input, encoding: 'utf8',
    });
    if (child.status !== 0) {
      tt.fail(`${target}: ${child.stderr}`);
      continue;
    }
    const { target: got, out } = JSON.parse(child.stdout) as { target: string; out: Record<string, number[]>[] };
    tt.equal(got, target);
    out.forEach((r, i) => {
      const res = Object.fromEntries(Object.entries(r).map(([k, v]) =>
        [k, k === 'argmax' || k === 'topkIndex' ? Int32Array.from(v) : Float64Array.from(v)])) as unknown as GibbsPassResult;
      const o = variants[i];
      checkAgainstReference(tt, m, X, B, o, res, `${target} ${o.precision} ${o.mode} eps=${o.eps}`);
    });
  }
  const bad = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], {
    env: { ...process.env, HJNET_SIMD: 'MMX' }, encoding: 'utf8',
  });
  tt.match(bad.stderr, /HJNET_SIMD must be one of/);
});

t.test('denormals are flushed on every thread a pass runs on: B = 1 and B = 65536 agree', async (tt) => {
  // f = b for N = 1: a subnormal bias is 0 under denormals-are-zero, which the pool's threads
  // always use; the calling thread (tiny passes) and single work items must do the same.
  const m = makeModel(1, 1, 1, new Float64Array([0]), new Float64Array([1e-320]), 1);
  const saved = process.env.HJNET_DEVICE;
  process.env.HJNET_DEVICE = 'cpu';  // the CPU threads, wherever a GPU answers
  tt.teardown(() => {
    if (saved === undefined) delete process.env.HJNET_DEVICE;
    else process.env.HJNET_DEVICE = saved;
  });
  for (const mode of ['logit', 'distance'] as const) {
    const one = await m.heads.gibbs(new Float64Array([1]), 1, { precision: 'float64', eps: 0.5, mode });
    // enough queries for the pool (not the calling thread)
    const many = await m.heads.gibbs(new Float64Array(65536).fill(1), 65536, { precision: 'float64', eps: 0.5, mode });
    tt.equal(one.f[0], many.f[0], `${mode}: f`);
  }
});
