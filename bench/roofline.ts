// This machine's exp and FMA throughput (all compute threads), probed by the addon.
import { binding, type Roofline } from '../src/engine/binding.js';

export type { Roofline };

export function probeRoofline(): Roofline {
  return binding().roofline();
}
