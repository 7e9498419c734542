// Tests of the float64 reference against the paper's identities and against finite
// differences, so that the yardstick other tests use cannot be silently wrong.
import t from 'tap';
import fc from 'fast-check';
import {
  curvatureBound,
  headFromSupport,
  headFromWeights,
  localRadius,
  mulberry32,
  paperRadius,
  refAttack,
  refClassificationRadius,
  refClassify,
  refDataScaleGauge,
  refF,
  refGibbs,
  refHeadConstants,
  refPairLipschitz,
  refRegressionRadii,
  refU,
  symmetricEigenvalues,
  type RefHead,
} from '../../src/engine/reference.js';

// ---------------------------------------------------------------------------------------------
// Helpers

function randomMatrix(rand: () => number, rows: number, cols: number, scale: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * (2 * rand() - 1)));
}

function randomHead(seed: number, N: number, d: number, gauge: number, source: 'weights' | 'support'): RefHead {
  const rand = mulberry32(seed);
  if (source === 'weights') return headFromWeights(randomMatrix(rand, N, d, 1.5), randomMatrix(rand, 1, N, 1)[0], gauge);
  return headFromSupport(randomMatrix(rand, N, d, 2), randomMatrix(rand, 1, N, 1)[0], gauge);
}

function randomQuery(seed: number, d: number): number[] {
  const rand = mulberry32(seed ^ 0x9e3779b9);
  return Array.from({ length: d }, () => 2 * (2 * rand() - 1));
}

function norm(v: number[]): number {
  return Math.sqrt(v.reduce((s, a) => s + a * a, 0));
}

function shifted(x: number[], i: number, h: number): number[] {
  const p = x.slice();
  p[i] += h;
  return p;
}

/** Central difference of a scalar function of x along coordinate i. */
function partial(fn: (p: number[]) => number, x: number[], i: number, h: number): number {
  return (fn(shifted(x, i, h)) - fn(shifted(x, i, -h))) / (2 * h);
}

/** Largest eigenvalue of a symmetric positive semi-definite matrix by power iteration. */
function powerIteration(A: number[][]): number {
  const n = A.length;
  let v = A.map((_, i) => 1 + 0.1 * i);
  for (let k = 0; k < 500; k++) {
    const w = A.map((row) => row.reduce((s, a, j) => s + a * v[j], 0));
    const n2 = norm(w);
    if (n2 === 0) return 0;
    v = w.map((a) => a / n2);
  }
  const Av = A.map((row) => row.reduce((s, a, j) => s + a * v[j], 0));
  return Av.reduce((s, a, i) => s + a * v[i], 0) / v.reduce((s, a) => s + a * a, 0);
}

// Arbitraries: heads from a seed, so fast-check shrinks the sizes and the scalars.
const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const sourceArb = fc.constantFrom<'weights' | 'support'>('weights', 'support');
const gaugeArb = fc.double({ min: 0.1, max: 4, noNaN: true });
const epsArb = fc.double({ min: 0.05, max: 5, noNaN: true });
const epsOrZeroArb = fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 5, noNaN: true }));
const tauArb = fc.double({ min: 1e-3, max: 2, noNaN: true });

// ---------------------------------------------------------------------------------------------
// Section 1

t.test('heads: the two coordinate systems describe the same layer', async (t) => {
  const h = headFromWeights([[1, 2], [-0.5, 0]], [0.25, -1], 0.5);
  t.same(h.y, [[1, 2], [-0.5, 0]], 'y = 2tW');
  t.same(h.g, [-0.25 - 5 / 2, 1 - 0.25 / 2], 'g = -b - |y|^2/(4t)');
  const back = headFromSupport(h.y, h.g, 0.5);
  t.same(back.W, h.W);
  t.same(back.b, h.b);
  t.equal(h.source, 'weights');
  t.equal(back.source, 'support');
  t.throws(() => headFromWeights([[1, 2], [3]], [0, 0], 1), RangeError, 'ragged rows');
  t.throws(() => headFromWeights([[1]], [0], 0), RangeError, 't must be positive');
  t.throws(() => refGibbs(h, [1, 2, 3], 1), RangeError, 'query dimension');
  t.throws(() => refGibbs(h, [1, 2], -1), RangeError, 'negative eps');
});

t.test('Theorem 4.1: f + u = |x|^2/(4t)', async (t) => {
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 5 }), gaugeArb, epsOrZeroArb, sourceArb,
      (seed, N, d, gauge, eps, source) => {
        const head = randomHead(seed, N, d, gauge, source);
        const x = randomQuery(seed, d);
        const { f, u } = refGibbs(head, x, eps);
        const xx = x.reduce((s, a) => s + a * a, 0) / (4 * gauge);
        // The size of the numbers that enter: |x|^2/(4t), the biases and |y|^2/(4t) = t|W|^2.
        const scale = Math.max(1, xx, ...head.b.map(Math.abs), ...head.g.map(Math.abs));
        return Math.abs(f + u - xx) <= 1e-12 * scale;
      }),
    { numRuns: 300 },
  );
});

t.test('u comes from the distance form, without cancellation', async (t) => {
  // One support point far from the origin: u = g + |x - y|^2/(4t) = 0.5 + 1/4 exactly, while
  // |x|^2/(4t) - f would subtract two numbers near 2.5e11.
  const head = headFromSupport([[1e6]], [0.5], 1);
  for (const eps of [0, 0.1, 10]) t.equal(refU(head, [1e6 + 1], eps), 0.75, `eps ${eps}`);
});

t.test('Gibbs weights are the gradient of LSE and sum to one', async (t) => {
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 4 }), gaugeArb, epsArb, sourceArb,
      (seed, N, d, gauge, eps, source) => {
        const head = randomHead(seed, N, d, gauge, source);
        const x = randomQuery(seed, d);
        const r = refGibbs(head, x, eps);
        // Steps small against the scale eps/M on which the Gibbs weights move.
        const { M } = refHeadConstants(head);
        const h = (1e-4 * eps) / Math.max(1, M);
        const tol = 1e-6 * Math.max(1, M);
        const sum = r.pi.reduce((s, p) => s + p, 0);
        if (Math.abs(sum - 1) > 1e-14 * N || r.pi.some((p) => p < 0)) return false;
        // d f / d b_j = pi_j
        for (let j = 0; j < N; j++) {
          const bump = (s: number) => refF(headFromWeights(head.W, head.b.map((bj, k) => (k === j ? bj + s : bj)), gauge), x, eps);
          if (Math.abs((bump(h) - bump(-h)) / (2 * h) - r.pi[j]) > tol) return false;
        }
        // grad f = W^T pi and grad u = (x - sum pi y)/(2t), by central differences of f and u
        for (let i = 0; i < d; i++) {
          if (Math.abs(partial((p) => refF(head, p, eps), x, i, h) - r.gradF[i]) > tol) return false;
          if (Math.abs(partial((p) => refU(head, p, eps), x, i, h) - r.gradU[i]) > tol) return false;
        }
        return true;
      }),
    { numRuns: 200 },
  );
});

t.test('label sensitivity is d fhat / d g_j', async (t) => {
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 4 }), gaugeArb, epsArb,
      (seed, N, d, gauge, eps) => {
        const head = randomHead(seed, N, d, gauge, 'support');
        const x = randomQuery(seed, d);
        const r = refGibbs(head, x, eps);
        const h = 1e-4 * eps; // the Gibbs weights move on the scale eps in g
        for (let j = 0; j < N; j++) {
          // Moving g_j with the support points held moves b_j (and so pi) as well.
          const fhat = (s: number) =>
            refGibbs(headFromSupport(head.y, head.g.map((gk, k) => (k === j ? gk + s : gk)), gauge), x, eps).fhat;
          if (Math.abs((fhat(h) - fhat(-h)) / (2 * h) - r.sensitivity[j]) > 1e-6 * Math.max(1, 1 / eps)) return false;
        }
        return Math.abs(r.sensitivity.reduce((s, v) => s + v, 0) - 1) < 1e-12; // shifting every g_j shifts fhat
      }),
    { numRuns: 200 },
  );
});

t.test('entropy, effective support, soft prediction', async (t) => {
  const head = headFromWeights([[1, 0], [0, 1], [0, 0]], [0, 0, 0], 1);
  const r = refGibbs(head, [0, 0], 0.7); // all logits equal: uniform weights
  t.ok(Math.abs(r.entropy - Math.log(3)) < 1e-15);
  t.ok(Math.abs(r.effectiveN - 3) < 1e-14);
  t.ok(Math.abs(r.fhat - head.g.reduce((s, g) => s + g, 0) / 3) < 1e-15);
  t.ok(Math.abs(r.f - 0.7 * Math.log(3)) < 1e-15, 'equal logits: f = z + eps log N');
  t.equal(r.argmax, 0, 'first of the ties');
  t.ok(Math.abs(r.maxDistance - 2) < 1e-15, 'R = max |x - y_j| with y = 2tW');
});

t.test('symmetric Jacobi eigenvalues', async (t) => {
  const sorted = (a: number[]) => a.slice().sort((p, q) => p - q);
  const ev = sorted(symmetricEigenvalues([[2, 1], [1, 2]]));
  t.ok(Math.abs(ev[0] - 1) < 1e-15 && Math.abs(ev[1] - 3) < 1e-15, '[[2,1],[1,2]] has 1 and 3');
  // Q diag(1, -2, 5) Q^T for a rotation Q
  const c = Math.cos(0.3);
  const s = Math.sin(0.3);
  const Q = [[c, -s, 0], [s * 0.6, c * 0.6, -0.8], [s * 0.8, c * 0.8, 0.6]];
  const lam = [1, -2, 5];
  const A = Q.map((qi) => Q.map((qj) => qi.reduce((acc, q, k) => acc + q * lam[k] * qj[k], 0)));
  const got = sorted(symmetricEigenvalues(A));
  t.ok(got.every((v, i) => Math.abs(v - [-2, 1, 5][i]) < 1e-13), `rotated diag(1, -2, 5): ${got}`);
  t.same(symmetricEigenvalues([[4]]), [4]);
});

t.test('hessian norm is the top eigenvalue of a finite-difference Hessian', async (t) => {
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 3 }), gaugeArb,
      fc.double({ min: 0.1, max: 3, noNaN: true }), sourceArb,
      (seed, N, d, gauge, eps, source) => {
        const head = randomHead(seed, N, d, gauge, source);
        const x = randomQuery(seed, d);
        const r = refGibbs(head, x, eps);
        const h = (1e-3 * eps) / Math.max(1, refHeadConstants(head).M);
        // Central differences of grad f (itself checked against differences of f above).
        const H = Array.from({ length: d }, (_, i) =>
          Array.from({ length: d }, (_, j) => partial((p) => refGibbs(head, p, eps).gradF[i], x, j, h)));
        const fd = powerIteration(H.map((row, i) => row.map((_, j) => (H[i][j] + H[j][i]) / 2)));
        return Math.abs(fd - r.hessianNorm) <= 1e-5 * Math.max(1, r.hessianNorm)
          && r.hessianNorm <= curvatureBound(refHeadConstants(head).D, eps) * (1 + 1e-12); // Popoviciu
      }),
    { numRuns: 150 },
  );
});

t.test('eps -> 0 approaches the tropical limit', async (t) => {
  // Generic heads: a unique maximiser, reached once eps is far below the logit gap.
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 4 }), gaugeArb, sourceArb,
      (seed, N, d, gauge, source) => {
        const head = randomHead(seed, N, d, gauge, source);
        const x = randomQuery(seed, d);
        const trop = refGibbs(head, x, 0);
        const z = trop.z.slice().sort((a, b) => b - a);
        const gap = N > 1 ? z[0] - z[1] : Infinity;
        fc.pre(gap > 1e-3);
        const eps = 1e-6;
        const soft = refGibbs(head, x, eps);
        const scale = Math.max(1, Math.abs(trop.f), Math.abs(trop.u));
        return Math.abs(soft.f - trop.f) <= eps * Math.log(N) + 1e-14 * scale
          && Math.abs(soft.u - trop.u) <= eps * Math.log(N) + 1e-12 * scale
          && soft.pi.every((p, j) => Math.abs(p - trop.pi[j]) < 1e-12)
          && Math.abs(soft.entropy) < 1e-9 && trop.entropy === 0
          && soft.sensitivity.every((s, j) => Math.abs(s - trop.sensitivity[j]) < 1e-9)
          && trop.hessianNorm === 0 && trop.argmax === soft.argmax;
      }),
    { numRuns: 200 },
  );

  // Exact ties: pi uniform over them, entropy log(#ties).
  const head = headFromWeights([[1, 0], [0, 1], [-1, 0]], [0, 0, 0], 1);
  const x = [1, 1];
  const trop = refGibbs(head, x, 0);
  t.same(trop.pi, [0.5, 0.5, 0]);
  t.equal(trop.f, 1);
  t.equal(trop.entropy, Math.log(2));
  t.equal(trop.effectiveN, 2);
  t.equal(trop.hessianNorm, 0);
  t.equal(trop.fhat, (head.g[0] + head.g[1]) / 2);
  t.same(trop.gradF, [0.5, 0.5]);
  const soft = refGibbs(head, x, 1e-8);
  t.ok(Math.abs(soft.f - (1 + 1e-8 * Math.log(2))) < 1e-15, 'f -> max z + eps log(#ties)');
  t.ok(soft.pi.every((p, j) => Math.abs(p - trop.pi[j]) < 1e-15));
  t.ok(Math.abs(soft.entropy - Math.log(2)) < 1e-12);
  t.ok(Math.abs(soft.u - trop.u) < 1e-7);
});

t.test('every quantity stays finite up to eps = 1e300', async (t) => {
  const head = randomHead(5, 7, 3, 1, 'weights');
  const x = randomQuery(5, 3);
  const r = refGibbs(head, x, 1e300);
  const all = [r.f, r.u, r.entropy, r.effectiveN, r.fhat, r.hessianNorm, r.maxDistance, ...r.pi, ...r.sensitivity, ...r.gradF, ...r.gradU];
  t.ok(all.every(Number.isFinite));
  t.ok(Math.abs(r.entropy - Math.log(7)) < 1e-12, 'pi uniform at huge viscosity');
  const radii = refRegressionRadii(head, x, 1e300, 0.1, 'f');
  t.ok([radii.radius, radii.paper!, radii.lipschitz, radii.local].every(Number.isFinite));
});

t.test('head constants', async (t) => {
  const head = headFromWeights([[3, 4], [0, 0], [-3, -4], [1, 0]], [0, 0, 0, 0], 1);
  const c = refHeadConstants(head);
  t.equal(c.M, 5);
  t.equal(c.D, 10);
  t.equal(c.epsStar, Math.pow(4, -1 / 2));
  const other = headFromWeights([[0, 1]], [2], 1);
  t.ok(Math.abs(refPairLipschitz(head, other) - Math.sqrt(34)) < 1e-15, 'max_{i,j} |W_i - W\'_j|');
  t.equal(refDataScaleGauge([[0, 0], [2, 4]]), (1 + 4) / 2, 'trace of the (1/n) covariance over d');
});

// ---------------------------------------------------------------------------------------------
// Section 2

t.test('radii solve their defining equations and are ordered', async (t) => {
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 }), gaugeArb, epsArb, tauArb, sourceArb,
      (seed, N, d, gauge, eps, tau, source) => {
        const head = randomHead(seed, N, d, gauge, source);
        const x = randomQuery(seed, d);
        const { M, D } = refHeadConstants(head);
        const rf = refRegressionRadii(head, x, eps, tau, 'f');
        const ru = refRegressionRadii(head, x, eps, tau, 'u');
        const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(tau, Math.abs(b));
        const p = rf.paper!;
        const R = refGibbs(head, x, eps).maxDistance;
        return close(M * p + (M * M * p * p) / (2 * eps), tau) // Corollary 8.2
          && close(rf.gradientNorm * rf.local + (rf.curvatureBound * rf.local ** 2) / 2, tau)
          && close(rf.curvatureBound, (D * D) / (4 * eps))
          && close(rf.lipschitz, tau / M)
          && p <= rf.lipschitz * (1 + 1e-12) // NOTES: never larger than tau/M
          && p <= rf.local * (1 + 1e-12) // G <= M and D^2/4 <= M^2
          && rf.radius === Math.max(p, rf.lipschitz, rf.local)
          && ru.paper === null
          && close((ru.lipschitz * (R + ru.lipschitz)) / (2 * gauge), tau)
          && close(ru.curvatureBound, Math.max(1 / (2 * gauge), (D * D) / (4 * eps) - 1 / (2 * gauge)))
          && close(ru.gradientNorm * ru.local + (ru.curvatureBound * ru.local ** 2) / 2, tau)
          && ru.radius === Math.max(ru.lipschitz, ru.local);
      }),
    { numRuns: 300 },
  );
});

t.test('radii at eps = 0 and degenerate heads', async (t) => {
  const head = headFromWeights([[3, 4], [-1, 0]], [0.5, 0], 1);
  const rf = refRegressionRadii(head, [0.2, 0.1], 0, 0.5, 'f');
  t.equal(rf.paper, 0);
  t.equal(rf.local, 0);
  t.equal(rf.curvatureBound, Infinity);
  t.equal(rf.lipschitz, 0.5 / 5);
  t.equal(rf.radius, 0.1);
  const ru = refRegressionRadii(head, [0.2, 0.1], 0, 0.5, 'u');
  t.equal(ru.local, 0);
  t.equal(ru.curvatureBound, Infinity);
  t.ok(ru.lipschitz > 0 && ru.radius === ru.lipschitz);
  // W = 0: f is constant, every radius for f is infinite.
  const flat = headFromWeights([[0, 0], [0, 0]], [1, 2], 1);
  const r0 = refRegressionRadii(flat, [1, 1], 0.3, 0.1, 'f');
  t.equal(r0.radius, Infinity);
  t.equal(r0.lipschitz, Infinity);
  t.equal(r0.paper, Infinity);
  t.equal(r0.local, Infinity);
  t.equal(paperRadius(2, 0, 1), 0);
  t.equal(localRadius(0, 0, 1), Infinity);
  t.equal(localRadius(1, Infinity, 1), 0);
  t.throws(() => refRegressionRadii(head, [0, 0], 0.1, 0, 'f'), RangeError, 'tau must be positive');
});

t.test('classification: scores, margins, radius', async (t) => {
  const heads = [
    headFromSupport([[0, 0], [1, 0]], [0, 0.2], 0.5),
    headFromSupport([[3, 0], [3, 1]], [0, 0], 0.5),
    headFromSupport([[0, 3]], [0.1], 0.5),
  ];
  const x = [0.2, 0.1];
  const eps = 0.2;
  const cls = refClassify(heads, x, eps);
  t.equal(cls.class, 0);
  t.ok(Math.abs(cls.proba.reduce((s, p) => s + p, 0) - 1) < 1e-15);
  // scores f_k = -u_k + |x|^2/(4t), the same shift for every head
  const xx = (x[0] ** 2 + x[1] ** 2) / (4 * 0.5);
  cls.f.forEach((s, k) => t.ok(Math.abs(s - (xx - cls.u[k])) < 1e-12, `f_${k} = |x|^2/(4t) - u_${k}`));
  const cr = refClassificationRadius(heads, x, eps);
  t.equal(cr.class, 0);
  for (const k of [1, 2]) t.ok(Math.abs(cr.margins[k] - (cls.u[k] - cls.u[0])) < 1e-12, 'f_c - f_k = u_k - u_c');
  t.equal(cr.margin, Math.min(cr.margins[1], cr.margins[2]));
  t.equal(cr.radius, Math.min(cr.radii[1], cr.radii[2]));
  t.ok(cr.radius > 0);
  // The attack must not change the class inside the radius, and does change it well outside.
  t.ok(refAttack(heads, x, eps, cr.radius, 'classification').minMargin! >= 0);
  t.ok(refAttack(heads, x, eps, 5, 'classification').minMargin! < 0, 'a class change 5 away');
  // One class: nothing can change.
  const one = refClassificationRadius([heads[0]], x, eps);
  t.equal(one.radius, Infinity);
  t.equal(one.margin, Infinity);
});

// Soundness: the certificates are never beaten by the attack. The attack's worst change is also
// tracked, to show it is strong enough to come close to tau, so that the test is not vacuous.
t.test('certified radii are never beaten by the attack', async (t) => {
  let bestRatio = 0;
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 }), gaugeArb, epsOrZeroArb, tauArb,
      sourceArb, fc.constantFrom<'f' | 'u'>('f', 'u'),
      (seed, N, d, gauge, eps, tau, source, target) => {
        const head = randomHead(seed, N, d, gauge, source);
        const x = randomQuery(seed, d);
        const radii = refRegressionRadii(head, x, eps, tau, target);
        const attack = refAttack([head], x, eps, radii.radius, target, { seed });
        const change = attack.maxChange!;
        bestRatio = Math.max(bestRatio, change / tau);
        const v0 = target === 'f' ? refF(head, x, eps) : refU(head, x, eps);
        // f is convex: stepping along its gradient alone gains G r, so the attack must find that much.
        const strong = target === 'u' || change >= radii.gradientNorm * radii.radius * (1 - 1e-9);
        return strong && change <= tau + 1e-12 * Math.max(1, Math.abs(v0));
      }),
    { numRuns: 300 },
  );
  t.ok(bestRatio > 0.9, `the attack came within ${bestRatio.toFixed(4)} of tau`);

  let closest = Infinity;
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 3 }),
      gaugeArb, epsOrZeroArb, sourceArb,
      (seed, K, N, d, gauge, eps, source) => {
        const heads = Array.from({ length: K }, (_, k) => randomHead(seed + 7919 * k, N, d, gauge, source));
        const x = randomQuery(seed, d);
        const cr = refClassificationRadius(heads, x, eps);
        fc.pre(cr.radius > 0);
        const attack = refAttack(heads, x, eps, cr.radius, 'classification', { seed });
        // rounding at the scale of the scores where the attack ended
        const f = heads.map((h) => refF(h, attack.worst, eps));
        closest = Math.min(closest, attack.minMargin! / cr.margin);
        return attack.minMargin! >= -1e-12 * Math.max(1, ...f.map(Math.abs));
      }),
    { numRuns: 200 },
  );
  t.ok(closest < 0.1, `the attack pushed a margin down to ${closest.toExponential(2)} of its value`);
});
