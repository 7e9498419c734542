// Certified radii for f: hjnet's certified radius (the largest of the paper's Corollary 8.2 radius,
// the Lipschitz radius tau/M and the local radius with the curvature bound D^2/(4 eps)) against the
// paper's radius alone, over random (model, point) pairs, each attacked by projected gradient ascent.
import { createModel, type RegressionCertificate } from '../../src/engine/index.js';
import type { Context, Outcome } from './context.js';
import { median, quantile } from './lib/stats.js';
import { histogram } from './lib/svg.js';
import { Rng } from './lib/rng.js';

export async function certificates(ctx: Context): Promise<Outcome> {
  const pairs = ctx.quick ? 100 : 1000;
  const steps = ctx.quick ? 20 : 60;
  const rng = new Rng(ctx.seed + 4);
  const gains: number[] = [];
  let above = 0;
  let violations = 0;
  let worstChangeRatio = 0;
  const winners = { paper: 0, lipschitz: 0, local: 0 };
  for (let p = 0; p < pairs; p++) {
    const N = rng.int(2, 64);
    const d = rng.int(1, 16);
    const eps = rng.logRange(1e-2, 10);
    const tau = rng.logRange(1e-3, 1);
    const W = rng.normals(N * d, rng.logRange(0.1, 3) / Math.sqrt(d));
    const b = rng.normals(N, rng.logRange(0.01, 1));
    const x = rng.normals(d, rng.logRange(0.1, 3));
    const model = await createModel({ eps, W: { data: W, shape: [N, d] }, b: { data: b, shape: [N] } });
    const { results } = await model.certifyRadius({ data: x, shape: [1, d] }, { tau, target: 'f', attack: { steps } });
    const c = results[0] as RegressionCertificate;
    const paper = c.radius_paper as number;
    const gain = c.radius / paper;
    gains.push(gain);
    if (c.radius > paper * (1 + 1e-9)) above++;
    if (!c.attack!.sound) violations++;
    worstChangeRatio = Math.max(worstChangeRatio, c.attack!.max_change / tau);
    const best = Math.max(paper, c.radius_lipschitz, c.radius_local);
    if (best === c.radius_local && c.radius_local > paper) winners.local++;
    else if (best === c.radius_lipschitz && c.radius_lipschitz > paper) winners.lipschitz++;
    else winners.paper++;
  }
  ctx.log(`certificates: ${above}/${pairs} above the paper's radius, median gain ${median(gains).toFixed(3)}, ${violations} attack violations`);
  const svg = histogram({
    title: `Certified radius / paper radius over ${pairs} random (model, point) pairs`,
    xlabel: 'log10(radius / radius_paper)',
    values: gains.map(Math.log10),
    bins: 40,
    markers: [{ x: Math.log10(median(gains)), name: `median gain ${median(gains).toFixed(2)}×` }],
  });
  return {
    key: 'certificates',
    result: {
      pairs,
      share_above_paper: above / pairs,
      median_gain: median(gains),
      attack_violations: violations,
      attack_steps: steps,
      gain_quantiles: { q10: quantile(gains, 0.1), q90: quantile(gains, 0.9), max: Math.max(...gains), min: Math.min(...gains) },
      max_attack_change_over_tau: worstChangeRatio,
      winning_radius: winners,
      target: 'f',
      sampling: 'N ~ U{2..64}, d ~ U{1..16}, eps ~ logU[1e-2, 10], tau ~ logU[1e-3, 1], W ~ N(0, s^2/d) with s ~ logU[0.1, 3], b ~ N(0, logU[0.01, 1]^2), x ~ N(0, logU[0.1, 3]^2 I)',
    },
    figures: [{ file: 'certificates.svg', caption: 'Gain of the certified radius over the paper radius', svg }],
  };
}
