// The library API (createModel ...) against the plain float64 reference and the
// double-double evaluation, over random shapes and the edge cases.
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { createModel, type Model, type ModelSpec } from '../../src/engine/index.js';
import { exactF, exactU } from '../../src/engine/exact.js';
import {
  headFromSupport,
  headFromWeights,
  mulberry32,
  refClassificationRadius,
  refClassify,
  refGibbs,
  refHeadConstants,
  refRegressionRadii,
  type RefHead,
} from '../../src/engine/reference.js';

interface Case {
  K: number;
  N: number;
  d: number;
  B: number;
  eps: number;
  t: number;
  form: 'weights' | 'support';
  task: 'regression' | 'classification';
  scale: number;
  bias: number;
  seed: number;
}

const epsChoices = [0, 1e-300, 1e-6, 0.01, 0.05, 0.3, 1, 7, 1e6, 1e300];

const caseArb = fc.record({
  K: fc.integer({ min: 1, max: 3 }),
  N: fc.integer({ min: 1, max: 12 }),
  d: fc.integer({ min: 1, max: 6 }),
  B: fc.integer({ min: 0, max: 5 }),
  eps: fc.constantFrom(...epsChoices),
  t: fc.constantFrom(0.1, 0.5, 1, 3),
  form: fc.constantFrom('weights' as const, 'support' as const),
  task: fc.constantFrom('regression' as const, 'classification' as const),
  scale: fc.constantFrom(1, 1, 1, 100, 1e6),
  bias: fc.constantFrom(0, 1, -1e6),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
});

interface Built {
  spec: ModelSpec;
  heads: RefHead[];
  X: number[][];
}

/** Random heads and queries; duplicated rows make exact ties. */
function build(c: Case): Built {
  const rand = mulberry32(c.seed);
  const K = c.task === 'classification' ? Math.max(2, c.K) : c.K;
  const normal = () => (rand() - 0.5) * 2;
  const points: number[][][] = [];
  const values: number[][] = [];
  for (let k = 0; k < K; k++) {
    const P: number[][] = [];
    const v: number[] = [];
    for (let j = 0; j < c.N; j++) {
      if (j > 0 && rand() < 0.2) {
        P.push(P[j - 1].slice());
        v.push(v[j - 1]);
      } else {
        P.push(Array.from({ length: c.d }, normal));
        v.push(normal() + c.bias);
      }
    }
    points.push(P);
    values.push(v);
  }
  const X = Array.from({ length: c.B }, () => Array.from({ length: c.d }, () => normal() * c.scale));
  const heads = points.map((P, k) => (c.form === 'weights' ? headFromWeights(P, values[k], c.t) : headFromSupport(P, values[k], c.t)));
  const tensors = c.form === 'weights' ? { W: points, b: values } : { support: { y: points, g: values } };
  return { spec: { eps: c.eps, t: c.t, task: c.task, ...tensors }, heads, X };
}

function close(t: Test, actual: number, expected: number, rel: number, abs: number, what: string): void {
  const ok = Math.abs(actual - expected) <= Math.max(rel * Math.abs(expected), abs) || actual === expected;
  if (!ok) t.fail(`${what}: ${actual} vs ${expected} (rel ${rel}, abs ${abs})`);
}

/** Tolerance scale of a pi-dependent quantity: its conditioning |z|/eps, and its own size. */
function piScale(head: RefHead, x: number[], eps: number): number {
  const g = refGibbs(head, x, eps);
  const zmax = Math.max(...g.z.map(Math.abs), ...head.g.map(Math.abs), 1);
  return eps === 0 ? 1 : Math.max(1, zmax / eps);
}

t.test('evaluate agrees with the exact f and u and the reference (float64)', async (t) => {
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      const { spec, heads, X } = build(c);
      const model = await createModel(spec);
      const out = await model.evaluate(X, { outputs: ['f', 'u', 'entropy', 'grad_f', 'grad_u', 'hessian_norm'] });
      const K = heads.length;
      t.same(out.f.shape, [c.B, K]);
      for (let i = 0; i < c.B; i++) {
        for (let k = 0; k < K; k++) {
          const at = i * K + k;
          const ref = refGibbs(heads[k], X[i], c.eps);
          close(t, out.f.data[at], exactF(heads[k], X[i], c.eps), 1e-12, 1e-12, `f[${i}][${k}]`);
          // A weights-form head carries g = -b - |y|^2/(4t) rounded: u is exact up to that rounding.
          const gRound = c.form === 'weights' ? 4e-16 * Math.max(...heads[k].g.map(Math.abs)) : 0;
          close(t, out.u.data[at], exactU(heads[k], X[i], c.eps), 1e-12, Math.max(1e-12, gRound), `u[${i}][${k}]`);
          const s = piScale(heads[k], X[i], c.eps) * 1e-12;
          close(t, out.entropy!.data[at], ref.entropy, 1e-9, s * 10, `entropy[${i}][${k}]`);
          for (let a = 0; a < c.d; a++) {
            const M = refHeadConstants(heads[k]).M;
            close(t, out.grad_f!.data[at * c.d + a], ref.gradF[a], 1e-9, s * M * 10, `grad_f[${i}][${k}][${a}]`);
            const xs = Math.abs(X[i][a]) / (2 * c.t) + M;
            close(t, out.grad_u!.data[at * c.d + a], ref.gradU[a], 1e-9, 1e-13 * xs + s * M * 10, `grad_u[${i}][${k}][${a}]`);
          }
          const h = out.hessian_norm!.data[at];
          if (Number.isFinite(ref.hessianNorm) && ref.hessianNorm < 1e290) {
            close(t, h, ref.hessianNorm, 1e-6, (s * refHeadConstants(heads[k]).D ** 2) / Math.max(c.eps, 1e-300) + 1e-12, `hessian[${i}][${k}]`);
          }
        }
      }
      if (c.task === 'classification') {
        for (let i = 0; i < c.B; i++) {
          const ref = refClassify(heads, X[i], c.eps);
          const f = Array.from(out.f.data.slice(i * K, (i + 1) * K));
          // The class is argmin u = argmax f: compare on the engine's own f (ties are rounding-sensitive).
          t.equal(out.class!.data[i], f.indexOf(Math.max(...f)));
          if (Math.abs(ref.f[ref.class] - Math.max(...ref.f.filter((_, k) => k !== ref.class))) > 1e-9) {
            t.equal(out.class!.data[i], ref.class);
          }
          let sum = 0;
          for (let k = 0; k < K; k++) sum += out.proba!.data[i * K + k];
          close(t, sum, 1, 1e-12, 1e-12, 'sum of proba');
        }
      }
    }),
    { numRuns: 120 },
  );
});

t.test('float32 f and u agree with an exact evaluation of the rounded inputs', async (t) => {
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      const { spec, X } = build({ ...c, scale: Math.min(c.scale, 100), bias: c.bias === -1e6 ? -1e3 : c.bias });
      const round = (v: number[][][]) => v.map((P) => P.map((r) => r.map(Math.fround)));
      const roundv = (v: number[][]) => v.map((r) => r.map(Math.fround));
      const points = round((spec.W ?? spec.support!.y) as number[][][]);
      const values = roundv((spec.b ?? spec.support!.g) as number[][]);
      const Xr = roundv(X);
      const t32 = Math.fround(c.t);
      const heads = points.map((P, k) => (c.form === 'weights' ? headFromWeights(P, values[k], t32) : headFromSupport(P, values[k], t32)));
      const rounded: ModelSpec = c.form === 'weights' ? { eps: c.eps, t: t32, W: points, b: values, task: spec.task } : { eps: c.eps, t: t32, support: { y: points, g: values }, task: spec.task };
      const model = await createModel(rounded);
      const out = await model.evaluate(Xr, { precision: 'float32' });
      const K = heads.length;
      for (let i = 0; i < c.B; i++) {
        for (let k = 0; k < K; k++) {
          // Relative to the size of the terms being summed (docs/DESIGN.md): |W_j.x| + |b_j| for
          // f (z_j itself can cancel to far less), the costs for u.
          const zs = Math.max(...heads[k].W.map((w, j) => Math.abs(heads[k].b[j]) + w.reduce((s, v, a) => s + Math.abs(v * Xr[i][a]), 0)), 1e-30);
          const us = Math.max(...heads[k].g.map(Math.abs), ...heads[k].y.map((y) => y.reduce((s, v, a) => s + (Xr[i][a] - v) ** 2, 0) / (4 * t32)), 1e-30);
          close(t, out.f.data[i * K + k], exactF(heads[k], Xr[i], c.eps), 1e-5, 1e-6 * zs, `f32[${i}][${k}]`);
          close(t, out.u.data[i * K + k], exactU(heads[k], Xr[i], c.eps), 1e-5, 1e-6 * us, `u32[${i}][${k}]`);
        }
      }
    }),
    { numRuns: 80 },
  );
});

t.test('attribute returns the largest Gibbs weights with their sensitivities', async (t) => {
  await fc.assert(
    fc.asyncProperty(caseArb, fc.integer({ min: 1, max: 6 }), fc.constantFrom(0.5, 0.9, 0.99, 1), async (c, k, mass) => {
      const { spec, heads, X } = build(c);
      const model = await createModel(spec);
      const { results } = await model.attribute(X, { k, mass });
      t.equal(results.length, c.B);
      results.forEach((r, i) => {
        const head = c.task === 'classification' ? refClassify(heads, X[i], c.eps).class : 0;
        if (c.task === 'regression') t.equal(r.head, 0);
        const ref = refGibbs(heads[r.head], X[i], c.eps);
        if (c.task === 'classification' && r.head !== head) {
          // Only a near-tie of class scores may pick another head.
          const u = heads.map((h) => refGibbs(h, X[i], c.eps).u);
          close(t, u[r.head], u[head], 1e-9, 1e-9, 'attributed head is the predicted class');
        }
        const s = piScale(heads[r.head], X[i], c.eps) * 1e-12;
        close(t, r.entropy, ref.entropy, 1e-9, s * 10, 'entropy');
        close(t, r.effective_n, Math.exp(ref.entropy), 1e-9, s * 10, 'effective_n');
        close(t, r.fhat, ref.fhat, 1e-9, s * 10 * Math.max(1, ...heads[r.head].g.map(Math.abs)), 'fhat');
        t.ok(r.top.length >= 1 && r.top.length <= Math.min(k, c.N));
        let covered = 0;
        r.top.forEach((e, j) => {
          if (j > 0) t.ok(e.pi <= r.top[j - 1].pi, 'sorted by pi');
          t.ok(j === 0 || covered < mass, 'stops once the mass is covered');
          covered += e.pi;
          close(t, e.pi, ref.pi[e.index], 1e-9, s * 10, 'pi');
          t.equal(e.g, heads[r.head].g[e.index]);
          if (c.eps > 1e-6 && c.eps < 1e6) close(t, e.sensitivity, ref.sensitivity[e.index], 1e-6, s * 1e3 * Math.max(1, Math.abs(e.g) / c.eps), 'sensitivity');
        });
        // The returned entries are the largest weights.
        const sorted = ref.pi.slice().sort((a, b) => b - a);
        close(t, r.top[0].pi, sorted[0], 1e-9, s * 10, 'top weight');
        close(t, r.covered_mass, Math.min(covered, 1), 1e-12, 1e-12, 'covered mass');
      });
    }),
    { numRuns: 80 },
  );
});

t.test('certified radii equal the reference and no attack beats them', async (t) => {
  await fc.assert(
    fc.asyncProperty(caseArb, fc.constantFrom(0.01, 0.1, 1), fc.constantFrom('u' as const, 'f' as const), async (c, tau, target) => {
      const { spec, heads, X } = build({ ...c, scale: 1, bias: 0, eps: c.eps > 1e3 || c.eps < 1e-6 ? 0.3 : c.eps });
      const model = await createModel(spec);
      const eps = model.info.eps;
      const { results } = await model.certifyRadius(X, { tau, target, attack: { steps: 15 } });
      results.forEach((r, i) => {
        if ('class' in r) {
          const ref = refClassificationRadius(heads, X[i], eps);
          if (r.class === ref.class) close(t, r.radius, ref.radius, 1e-6, 1e-9, 'class radius');
          t.ok(r.attack!.sound, `class kept inside radius ${r.radius}: min margin ${r.attack!.min_margin}`);
        } else {
          const ref = refRegressionRadii(heads[0], X[i], eps, tau, target);
          close(t, r.radius, ref.radius, 1e-6, 1e-12, 'radius');
          close(t, r.radius_local, ref.local, 1e-6, 1e-12, 'local radius');
          close(t, r.radius_lipschitz, ref.lipschitz, 1e-9, 1e-12, 'lipschitz radius');
          t.equal(r.radius_paper === null, target === 'u');
          if (r.radius_paper !== null) close(t, r.radius_paper, ref.paper as number, 1e-9, 1e-12, 'paper radius');
          t.ok(r.attack!.sound, `change ${r.attack!.max_change} <= tau ${tau} within ${r.radius}`);
        }
      });
    }),
    { numRuns: 60 },
  );
});

t.test('the paper identities hold exactly', async (t) => {
  const rand = mulberry32(7);
  const W = Array.from({ length: 32 }, () => Array.from({ length: 8 }, () => rand() - 0.5));
  const b = Array.from({ length: 32 }, () => rand() - 0.5);
  for (const eps of [0.05, 0.1, 0.2, 0.5, 1]) {
    const model = await createModel({ eps, t: 0.5, W, b });
    const X = Array.from({ length: 20 }, () => Array.from({ length: 8 }, () => (rand() - 0.5) * 4));
    const out = await model.evaluate(X, { outputs: ['f', 'u', 'pi', 'grad_f'] });
    X.forEach((x, i) => {
      const half = x.reduce((s, v) => s + v * v, 0) / (4 * 0.5);
      // Theorem 4.1: f + u = |x|^2/(4t).
      close(t, out.f.data[i] + out.u.data[i], half, 1e-13, 1e-13, 'f + u');
      // pi is the gradient of LSE: grad f = W^T pi.
      for (let a = 0; a < 8; a++) {
        let s = 0;
        for (let j = 0; j < 32; j++) s += out.pi!.data[i * 32 + j] * W[j][a];
        close(t, out.grad_f!.data[i * 8 + a], s, 1e-12, 1e-14, 'grad f = W^T pi');
      }
    });
  }
});

t.test('B = 0 gives empty results of the right shape', async (t) => {
  const model = await createModel({ eps: 0.1, W: [[1, 2], [3, 4]], b: [0, 1] });
  const out = await model.evaluate([], { outputs: ['grad_u'] });
  t.same(out.f.shape, [0, 1]);
  t.same(out.grad_u!.shape, [0, 1, 2]);
  t.same((await model.attribute([])).results, []);
  t.same((await model.certifyRadius({ data: new Float64Array(0), shape: [0, 2] }, { attack: {} })).results, []);
});

t.test('info carries M, D and eps* per head', async (t) => {
  const model: Model = await createModel({ eps: 0.2, t: 2, support: { y: [[[0, 0], [4, 0], [0, 2]], [[1, 1], [1, 1], [1, 1]]], g: [[0, 1, 2], [3, 3, 3]] } });
  t.equal(model.info.K, 2);
  t.equal(model.info.form, 'support');
  t.equal(model.info.eps_star, 3 ** (-1 / 2));
  t.same(model.info.heads[0], { M: 1, D: Math.hypot(1, -0.5) });
  t.same(model.info.heads[1], { M: Math.SQRT2 / 4, D: 0 });
});

t.test('bad input is refused with TypeError/RangeError naming the field', async (t) => {
  const ok = { eps: 0.1, W: [[1, 2]], b: [0] };
  const cases: [unknown, RegExp, string][] = [
    [{ ...ok, eps: -1 }, /Expected number in \[0, 1e\+300\] for eps but received -1/, 'eps'],
    [{ ...ok, eps: Infinity }, /for eps but received Infinity/, 'eps'],
    [{ ...ok, t: 0 }, /Expected finite number > 0 with 1\/\(4t\) finite \(t >= 6e-309\) for t but received 0/, 't'],
    [{ ...ok, W: [[1, 2], [3]] }, /Expected rectangular array for W: row 1 has length 1/, 'W[1]'],
    [{ ...ok, W: [[1, NaN]] }, /Expected finite number at W\[0\]\[1\] but received NaN/, 'W[0][1]'],
    [{ ...ok, b: [0, 1] }, /shape \[1\] to match W for b/, 'b'],
    [{ eps: 0.1 }, /either W and b, or support/, 'model'],
    [{ ...ok, task: 'classification' }, /K >= 2/, 'W'],
    [{ ...ok, W: [] }, /K, N, d >= 1/, 'W'],
  ];
  for (const [spec, message, field] of cases) {
    const err = await createModel(spec as ModelSpec).then(() => null, (e: unknown) => e as Error & { field: string; path?: string });
    t.ok(err instanceof TypeError || err instanceof RangeError, `${JSON.stringify(spec)} is refused`);
    t.match(err?.message, message);
    t.equal(err?.path ?? err?.field, field);
  }
  const model = await createModel(ok);
  const bad: [() => Promise<unknown>, string][] = [
    [() => model.evaluate([[1, 2, 3]]), 'X'],
    [() => model.evaluate([[1, Infinity]]), 'X[0][1]'],
    [() => model.evaluate([[1, 2]], { eps: -0.5 }), 'eps'],
    [() => model.evaluate([[1, 2]], { outputs: ['f', 'nope' as 'f'] }), 'outputs[1]'],
    [() => model.evaluate([[1, 2]], { precision: 'float16' as 'float32' }), 'precision'],
    [() => model.evaluate({ data: new Float64Array(3), shape: [2, 2] }), 'X.data'],
    [() => model.attribute([[1, 2]], { k: 0 }), 'k'],
    [() => model.attribute([[1, 2]], { mass: 1.5 }), 'mass'],
    [() => model.attribute([[1, 2]], { head: 1 }), 'head'],
    [() => model.certifyRadius([[1, 2]], { tau: 0 }), 'tau'],
    [() => model.certifyRadius([[1, 2]], { target: 'g' as 'u' }), 'target'],
    [() => model.certifyRadius([[1, 2]], { attack: { steps: 0 } }), 'attack.steps'],
  ];
  for (const [call, field] of bad) {
    const err = await call().then(() => null, (e: unknown) => e as Error & { field: string; path?: string });
    t.ok(err instanceof TypeError || err instanceof RangeError, `${field} is refused: ${err?.message}`);
    t.equal(err?.path ?? err?.field, field);
  }
});

t.test('a typed array with byteOffset works and is not changed', async (t) => {
  const model = await createModel({ eps: 0.3, W: [[1, 0], [0, 1]], b: [0, 0.5] });
  const buffer = new Float32Array(7).fill(0.25);
  const X = new Float32Array(buffer.buffer, 4, 4);
  const out = await model.evaluate({ data: X, shape: [2, 2] });
  const ref = refGibbs(headFromWeights([[1, 0], [0, 1]], [0, 0.5], 1), [0.25, 0.25], 0.3);
  close(t, out.f.data[1], ref.f, 1e-12, 1e-12, 'f from an offset Float32Array');
  t.same(Array.from(buffer), new Array(7).fill(0.25));
});

t.test('classification far from the support points: class, proba and margins come from f', async (t) => {
  // u_k ~ |x|^2/4 = 2.5e15 at |x| = 1e8: differences of u would lose the margin 0.3 entirely.
  const W = [[[0, 0]], [[0, 1]]];
  const b = [[0], [0.3]];
  const model = await createModel({ task: 'classification', eps: 0.5, W, b });
  const heads = W.map((Wk, k) => headFromWeights(Wk, b[k], 1));
  const X = [[1e8, 0], [1e9, 0], [1e8, -0.2]];
  const out = await model.evaluate(X);
  const certs = (await model.certifyRadius(X, { attack: { steps: 30 } })).results as { class: number; margin: number; radius: number; attack?: { sound: boolean } }[];
  X.forEach((x, i) => {
    const ref = refClassify(heads, x, 0.5);
    t.equal(out.class!.data[i], ref.class, `class at ${x}`);
    close(t, out.proba!.data[i * 2 + 1], ref.proba[1], 1e-12, 1e-12, `proba at ${x}`);
    const rr = refClassificationRadius(heads, x, 0.5);
    close(t, certs[i].margin, rr.margin, 1e-12, 1e-12, `margin at ${x}`);
    close(t, certs[i].radius, rr.radius, 1e-12, 1e-12, `radius at ${x}`);
    t.ok(certs[i].attack!.sound, `attack at ${x}`);
  });
  // margin f_1 - f_0 = 0.3 + x_2: the class changes at x_2 = -0.3, just outside the radius 0.3 of x_2 = 0
  t.ok(certs[0].radius <= 0.3, 'the radius does not reach the class change');
});

t.test('a weights-form model with huge weights keeps f, pi and u of its logits', async (t) => {
  // y = 2tW and g = -b - t|W|^2 ~ -1e16 round away b: the distance form alone would give pi = [0.5, 0.5].
  const W = [[1e8, 0], [1e8, 1]];
  const b = [0, 0.25];
  const head = headFromWeights(W, b, 1);
  for (const eps of [0.5, 0.01]) {
    const model = await createModel({ eps, W, b });
    const x = [1, 0.5];
    const out = await model.evaluate([x], { outputs: ['pi', 'u', 'entropy', 'grad_f'] });
    const ref = refGibbs(head, x, eps);
    close(t, out.f.data[0], exactF(head, x, eps), 1e-12, 1e-12, `f at eps ${eps}`);
    close(t, out.u.data[0], exactU(head, x, eps), 1e-12, 1e-12, `u at eps ${eps}`);
    for (let j = 0; j < 2; j++) close(t, out.pi!.data[j], ref.pi[j], 1e-9, 1e-12, `pi[${j}] at eps ${eps}`);
    close(t, out.entropy!.data[0], ref.entropy, 1e-9, 1e-12, `entropy at eps ${eps}`);
    const att = (await model.attribute([x], { k: 2 })).results[0];
    close(t, att.top[0].pi, Math.max(...ref.pi), 1e-9, 1e-12, `attribute pi at eps ${eps}`);
  }
});

t.test('inputs whose squared distances would overflow are refused, naming the field', async (t) => {
  const model = await createModel({ eps: 0.5, W: [[1, 0], [0, 1], [-1, -1]], b: [0, 0.5, -0.25] });
  await t.rejects(model.evaluate([[0, 0], [1e154, 1e154]]), { name: 'RangeError', field: 'X[1]' });
  const ok = await model.evaluate([[1e150, -1e150]], { outputs: ['pi', 'entropy', 'grad_f'] });
  t.ok([...ok.f.data, ...ok.u.data, ...ok.pi!.data, ...ok.grad_f!.data].every(Number.isFinite), 'large but representable |x| stays finite');
  await t.rejects(createModel({ eps: 0.5, t: 1e-320, W: [[1]], b: [0] }), { name: 'RangeError', field: 't' });
  await t.rejects(createModel({ eps: 0.5, W: [[1e200]], b: [0] }), { name: 'RangeError', field: 'W' });
  await t.rejects(createModel({ eps: 0.5, t: 1e-300, support: { y: [[1e10]], g: [0] } }), { name: 'RangeError', field: 'support.y' });
  // support points beyond the distance limit: no query could be evaluated
  await t.rejects(createModel({ eps: 0.5, t: 1e300, W: [[1]], b: [0] }), { name: 'RangeError', field: 'W' });
  await t.rejects(createModel({ eps: 0.5, support: { y: [[1e200]], g: [0] } }), { name: 'RangeError', field: 'support.y' });
});

t.test('unknown options are refused rather than ignored', async (t) => {
  const model = await createModel({ eps: 0.5, W: [[1]], b: [0] });
  await t.rejects(model.evaluate([[1]], { output: ['pi'] } as never), { name: 'TypeError', field: 'options.output' });
  await t.rejects(model.attribute([[1]], { topk: 3 } as never), { name: 'TypeError', field: 'options.topk' });
  await t.rejects(model.certifyRadius([[1]], { steps: 3 } as never), { name: 'TypeError', field: 'options.steps' });
});

t.test('radii are rounded down: the exact change at the radius never exceeds tau', async (t) => {
  // N = 1: f = W x + b is linear, so the radius tau / |W| is exact and rounding decides soundness.
  for (const w of [3, 7, 11, 0.3, 1e-3]) {
    for (const tau of [0.1, 0.3, 1e-7]) {
      const model = await createModel({ eps: 0.5, W: [[w]], b: [0] });
      const r = (await model.certifyRadius([[0]], { tau, target: 'f' })).results[0] as { radius: number };
      // below the double nearest tau / |W|, which may lie above the exact quotient
      t.ok(r.radius < tau / w, `w ${w}, tau ${tau}: radius ${r.radius}`);
    }
  }
});

t.test('class names belong to classification models and are distinct', async (t) => {
  const W = [[[1]], [[-1]]];
  const b = [[0], [0]];
  await t.rejects(createModel({ eps: 0.5, W, b, classes: ['a', 'b'] }), { name: 'RangeError', field: 'classes' });
  await t.rejects(createModel({ task: 'classification', eps: 0.5, W, b, classes: ['a', 'a'] }), { name: 'RangeError', field: 'classes' });
  t.same((await createModel({ task: 'classification', eps: 0.5, W, b, classes: ['a', 'b'] })).info.classes, ['a', 'b']);
});

t.test('radii are never NaN and stay sound for huge tolerances and gauges (Infinity where unbounded)', async (t) => {
  const W = [[1, 0], [0, 1], [-1, -1]];
  const b = [0, 0.5, -0.25];
  // [eps, t, tau, scale of W]: support points y = 2tW stay inside the distance limit
  for (const [eps, tt, tau, w] of [[0.5, 1, 1e300, 1], [1e-300, 1, 1e300, 1], [0.5, 1e300, 1e300, 1e-200], [1e300, 1e-300, 1e-300, 1], [0.5, 1e10, 1e300, 1]]) {
    const model = await createModel({ eps, t: tt, W: W.map((r) => r.map((v) => v * w)), b });
    for (const target of ['u', 'f'] as const) {
      const r = (await model.certifyRadius([[0.3, -0.2]], { tau, target })).results[0] as Record<string, number | null>;
      for (const k of ['radius', 'radius_paper', 'radius_lipschitz', 'radius_local']) {
        const v = r[k];
        t.ok(v === null || (typeof v === 'number' && v >= 0 && !Number.isNaN(v)), `eps ${eps}, t ${tt}, tau ${tau}, ${target}: ${k} = ${v}`);
      }
      // the Lipschitz radius for f is tau / M exactly (up to the rounding down)
      const M = Math.SQRT2 * w;
      if (target === 'f') {
        if (Number.isFinite(tau / M)) t.ok(Math.abs((r.radius_lipschitz as number) * M - tau) <= 1e-14 * tau, 'tau / M');
        else t.equal(r.radius_lipschitz, Infinity, 'tau / M beyond float64: unbounded');
      }
    }
  }
  await t.rejects(createModel({ eps: 0.5, W, b }).then((m) => m.certifyRadius([[0, 0]], { tau: 1e301 })), { name: 'RangeError', field: 'tau' });
});
