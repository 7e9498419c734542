// What the benchmarks share: the row of ../shared/bench/baseline.py's JSON lines, its data, and
// the timing loop.
import { binding, type GibbsPassOptions, type NativeBinding, type NativeHeads, type Precision } from '../src/engine/binding.js';
import { mulberry32 } from '../src/engine/reference.js';

export interface BenchRow {
  library: string;
  op: string;
  B: number;
  N: number;
  d: number;
  dtype: Precision;
  median_s: number;
  min_s: number;
}

/** The same data as baseline.py draws: X ~ N(0, 1), W ~ N(0, 1/d), b ~ N(0, 1). */
export function problem(B: number, N: number, d: number) {
  const rand = mulberry32(B * 31 + N * 7 + d);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const X = Float64Array.from({ length: B * d }, normal);
  const W = Float64Array.from({ length: N * d }, () => normal() / Math.sqrt(d));
  const b = Float64Array.from({ length: N }, normal);
  return { X, W, b };
}

/** One head with W and b, at t = 1 (y = 2tW, g = -b - |y|^2/(4t)), for the bare pass. */
export function problemHeads(W: Float64Array, b: Float64Array, N: number, d: number, addon: NativeBinding = binding()): NativeHeads {
  const t = 1;
  const y = W.map((w) => 2 * t * w);
  const g = b.map((bj, j) => -bj - y.subarray(j * d, (j + 1) * d).reduce((s, v) => s + v * v, 0) / (4 * t));
  return new addon.Heads({ K: 1, N, d, W, b, y, g, t });
}

/** lse: f alone; attribute: what baseline.py's attribute computes (pi's entropy, top-10, pi W). */
export function passOptions(op: 'lse' | 'attribute', precision: Precision, eps: number): GibbsPassOptions {
  return op === 'lse' ? { precision, eps, mode: 'logit' } : { precision, eps, mode: 'logit', entropy: true, grad: true, topk: 10 };
}

export const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1];

/** Median and best of `repeat` timed calls, after one untimed warm-up call. */
export async function timed(fn: () => Promise<unknown>, repeat: number): Promise<{ median: number; min: number }> {
  await fn();
  const ts: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const t0 = process.hrtime.bigint();
    await fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { median: median(ts), min: Math.min(...ts) };
}
