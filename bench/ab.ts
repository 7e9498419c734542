// A/B of two builds of the addon in one process: the same pass on the same data, calls
// interleaved (A, B, A, B, ...), so that both see the same machine; prints the medians and the
// median of the per-pair ratios A/B (> 1: B is faster). For kernel changes on a noisy host,
// where separate runs drift by more than the change.
// Usage: cp build/Release/hjnet.node /tmp/a.node; (change, npm run build:native)
//        node dist/bench/ab.js /tmp/a.node build/Release/hjnet.node [--B 4096] [--N 4096]
//        [--d 16] [--dtype float32] [--op lse|attribute] [--pairs 40]
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { NativeBinding, Precision } from '../src/engine/binding.js';
import { median, passOptions, problem, problemHeads } from './cases.js';

const { values: args, positionals } = parseArgs({
  options: {
    B: { type: 'string', default: '4096' },
    N: { type: 'string', default: '4096' },
    d: { type: 'string', default: '16' },
    dtype: { type: 'string', default: 'float32' },
    op: { type: 'string', multiple: true },
    pairs: { type: 'string', default: '40' },
    eps: { type: 'string', default: '0.25' },
  },
  allowPositionals: true,
});
if (positionals.length !== 2) throw new Error('bench/ab: expected two addon files, A and B');
const load = createRequire(import.meta.url);
const [A, B] = positionals.map((p) => load(resolve(p)) as NativeBinding);
const [nB, N, d, pairs] = [args.B, args.N, args.d, args.pairs].map(Number);
const dtype = args.dtype as Precision;
const { X, W, b } = problem(nB, N, d);
const Xp = dtype === 'float32' ? Float32Array.from(X) : X;
const heads = [problemHeads(W, b, N, d, A), problemHeads(W, b, N, d, B)];

for (const op of (args.op ?? ['lse', 'attribute']) as ('lse' | 'attribute')[]) {
  const options = passOptions(op, dtype, Number(args.eps));
  const times: [number[], number[]] = [[], []];
  const ratios: number[] = [];
  for (let i = -3; i < pairs; i++) {
    const pair = [0, 0];
    for (const side of [0, 1]) {
      const t0 = performance.now();
      await heads[side].gibbs(Xp, nB, options);
      pair[side] = performance.now() - t0;
    }
    if (i < 0) continue;  // warm-up
    times[0].push(pair[0]);
    times[1].push(pair[1]);
    ratios.push(pair[0] / pair[1]);
  }
  console.log(`${op} ${dtype} B=${nB} N=${N} d=${d}: A ${median(times[0]).toFixed(2)} ms, B ${median(times[1]).toFixed(2)} ms, median A/B ${median(ratios).toFixed(3)} (${pairs} pairs)`);
}
