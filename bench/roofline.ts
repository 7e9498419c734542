// This machine's exp and FMA throughput (all compute threads), probed by the addon: the best of
// a few probes, since a shared machine's neighbours only ever slow one down.
import { binding, type Roofline } from '../src/engine/binding.js';

export type { Roofline };

export function probeRoofline(probes = 5): Roofline {
  const best = binding().roofline();
  for (let i = 1; i < probes; i++) {
    const r = binding().roofline();
    for (const p of ['float32', 'float64'] as const) {
      best[p] = {
        expPerSecond: Math.max(best[p].expPerSecond, r[p].expPerSecond),
        fmaPerSecond: Math.max(best[p].fmaPerSecond, r[p].fmaPerSecond),
      };
    }
  }
  return best;
}
