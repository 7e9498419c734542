// Smoke test of the paper reproduction (experiments/paper): the --quick mode of the fast
// experiments, checked for the keys of reports/reproduction.json and their invariants.
import t from 'tap';
import { reproduce } from '../../experiments/paper/run.js';

t.test('quick reproduction of identity, attention, hessian and certificates', async (t) => {
  const { json, outcomes } = await reproduce({
    quick: true,
    only: ['identity', 'attention', 'hessian_synthetic', 'certificates'],
    out: 'unused',
    seed: 7,
    write: false,
    log: () => {},
  });
  const identity = json.identity as Record<string, unknown>;
  t.same(Object.keys(identity).slice(0, 3), ['trials', 'eps', 'max_abs_error']);
  t.same(identity.eps, [0.05, 0.1, 0.2, 0.5, 1.0]);
  t.ok((identity.max_abs_error as number) < 1e-13, 'Theorem 4.1 holds to rounding');

  const attention = json.attention as Record<string, unknown>;
  t.same(attention.d, [4, 8, 16, 32, 64]);
  t.ok((attention.max_abs_error as number) < 1e-13, 'attention equals Gibbs weights times V');

  const hessian = json.hessian_synthetic as Record<string, number[] | number>;
  for (const key of ['eps', 'max_measured', 'bound_paper', 'bound_ours', 'violations']) t.ok(key in hessian, key);
  t.equal(hessian.violations, 0);
  (hessian.eps as number[]).forEach((_, i) => {
    t.ok((hessian.max_measured as number[])[i] <= (hessian.bound_ours as number[])[i] * (1 + 1e-12));
    t.ok((hessian.bound_ours as number[])[i] <= (hessian.bound_paper as number[])[i] * (1 + 1e-12));
  });

  const certificates = json.certificates as Record<string, number>;
  t.same(Object.keys(certificates).slice(0, 4), ['pairs', 'share_above_paper', 'median_gain', 'attack_violations']);
  t.equal(certificates.attack_violations, 0);
  t.ok(certificates.median_gain >= 1);

  t.ok(outcomes.every((o) => o.figures.every((f) => f.svg.startsWith('<svg'))), 'figures are SVG');
});

t.test('quick quadrature and bifurcation keep their keys', async (t) => {
  const { json } = await reproduce({ quick: true, only: ['quadrature', 'bifurcation'], out: 'unused', seed: 7, write: false, log: () => {} });
  const q = json.quadrature as { d: number[]; slope: number[] };
  t.same(q.d, [1, 2, 4]);
  t.equal(q.slope.length, 3);
  t.ok(q.slope.every((s) => s < 0), 'the error falls with N');
  const b = json.bifurcation as { eps: number[]; critical_points: number[] };
  t.equal(b.eps.length, b.critical_points.length);
  t.equal(b.critical_points.at(-1), 1, 'a single critical point (the maximum) at large eps');
});

// Together with the two tests above, every experiment of `npm run reproduce -- --quick` runs here.
t.test('quick scaling and Fashion-MNIST keep their keys', async (t) => {
  const { json } = await reproduce({ quick: true, only: ['scaling', 'fashion_mnist'], out: 'unused', seed: 7, write: false, log: () => {} });
  const s = json.scaling as { d: number[]; alpha: number[] };
  t.same(s.d, [1, 2, 4]);
  t.ok(s.alpha.length === 3 && s.alpha.every((a) => a > 0), `the trained error falls with N: alpha ${s.alpha}`);
  const f = json.fashion_mnist as Record<string, unknown>;
  if (f.skipped) {
    t.comment(`fashion_mnist skipped: ${f.skipped}`);
    return;
  }
  for (const key of ['eps', 'max_measured', 'bound_paper', 'bound_ours', 'violations', 'rmse']) t.ok(key in f, key);
  t.equal(f.violations, 0, 'no measured curvature above the bounds');
});

t.test('unknown experiment names are refused', async (t) => {
  await t.rejects(reproduce({ quick: true, only: ['nope'], out: 'unused', seed: 1, write: false, log: () => {} }), /unknown experiment/);
});
