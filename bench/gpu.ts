// node dist/bench/gpu.js [--json] [--repeat 5] [--B 65536] [--N 65536] [--eps 0.25]
// The CUDA backend at B = N = 65536, d = 16 and 64, float32 and float64: the fused pass alone
// (lse: logit mode, f only) and the library's evaluate (distance mode, f and u), each with its
// time and the fraction of the GPU's fp32 exp and FMA peak it reaches; then the CPU engine on the
// same machine (all its threads, and 2 threads as on the development machines) at d = 16 in
// float32. scripts/gpu-check.sh runs it. Exits 1 with one line when no CUDA device answers.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { binding, type CudaDeviceInfo, type Precision } from '../src/engine/binding.js';
import { createModel } from '../src/engine/index.js';
import { problem, problemHeads, timed, type BenchRow } from './cases.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    repeat: { type: 'string', default: '5' },
    B: { type: 'string', default: '65536' },
    N: { type: 'string', default: '65536' },
    eps: { type: 'string', default: '0.25' },
    // internal: the CPU cases only, as JSON lines (run with HJNET_THREADS=2 by the parent)
    'cpu-child': { type: 'boolean', default: false },
  },
});
const B = Number(args.B);
const N = Number(args.N);
const eps = Number(args.eps);
const repeat = Number(args.repeat);
const OPS = ['lse', 'evaluate'] as const;
type Op = (typeof OPS)[number];

interface Row extends BenchRow {
  library: 'hjnet';
  op: Op;
  device: string;
  threads: number;
  /** Fractions of the GPU's fp32 peaks the pass reaches (GPU rows). */
  exp_fraction?: number;
  fma_fraction?: number;
}

/** Sets HJNET_DEVICE for fn and every later call (the addon reads it on each call). */
function withDevice<R>(device: 'cpu' | 'cuda', fn: () => R): R {
  process.env.HJNET_DEVICE = device;
  return fn();
}

interface Prepared {
  run: (op: Op, dtype: Precision) => Promise<unknown>;
  /** f of the last lse call, for the CPU/GPU comparison. */
  lastF: () => Float64Array | null;
}

async function prepare(d: number): Promise<Prepared> {
  // the heads' upload to the device and the pool's first allocations happen in timed's warm-up
  const { X, W, b } = problem(B, N, d);
  const X32 = Float32Array.from(X);
  const heads = problemHeads(W, b, N, d);
  const model = await createModel({ eps, W: { data: W, shape: [N, d] }, b: { data: b, shape: [N] } });
  let f: Float64Array | null = null;
  return {
    run: async (op, dtype) => {
      const Xp = dtype === 'float32' ? X32 : X;
      if (op === 'lse') {
        f = (await heads.gibbs(Xp, B, { precision: dtype, eps, mode: 'logit' })).f;
        return f;
      }
      return model.evaluate({ data: Xp, shape: [B, d] }, { precision: dtype });
    },
    lastF: () => f,
  };
}

/** Multiply-adds per (query, neuron) pair on the FMA pipe: d for a logit, 2d (x - y, then FMA) for a distance. */
function fmaPerPair(op: Op, d: number): number {
  return op === 'lse' ? d : 2 * d;
}

async function cpuRows(device: string, threads: number): Promise<{ rows: Row[]; f: Float64Array | null }> {
  const p = await prepare(16);
  const rows: Row[] = [];
  for (const op of OPS) {
    const { median, min } = await withDevice('cpu', () => timed(() => p.run(op, 'float32'), Math.min(repeat, 3)));
    rows.push({ library: 'hjnet', device, threads, op, B, N, d: 16, dtype: 'float32', median_s: median, min_s: min });
  }
  return { rows, f: p.lastF() };
}

function pct(x: number | undefined): string {
  return x === undefined ? '' : `${(100 * x).toFixed(1)}%`;
}

async function main(): Promise<void> {
  const nb = binding();
  const cpuName = `cpu (${nb.simdTarget()})`;
  if (args['cpu-child']) {
    for (const r of (await cpuRows(cpuName, nb.threads())).rows) console.log(JSON.stringify(r));
    return;
  }
  const gpu: CudaDeviceInfo | null = nb.backends().includes('cuda') ? nb.cudaDevice() : null;
  if (gpu === null) {
    console.error(
      nb.backends().includes('cuda')
        ? 'bench/gpu: no CUDA device answers (HJNET_DEVICE=cuda would fail): nothing to measure'
        : 'bench/gpu: this addon has no CUDA backend: rebuild with HJNET_CUDA=ON npm run build:native',
    );
    process.exit(1);
  }
  const device = withDevice('cuda', () => nb.device());
  const rows: Row[] = [];
  let fGpu: Float64Array | null = null;
  for (const d of [16, 64]) {
    const p = await prepare(d);
    for (const dtype of ['float32', 'float64'] as const) {
      for (const op of OPS) {
        const { median, min } = await withDevice('cuda', () => timed(() => p.run(op, dtype), repeat));
        const pairs = B * N;
        const row: Row = {
          library: 'hjnet', device, threads: nb.threads(), op, B, N, d, dtype, median_s: median, min_s: min,
          exp_fraction: pairs / gpu.fp32ExpPerSecond / median,
          fma_fraction: (pairs * fmaPerPair(op, d)) / gpu.fp32FmaPerSecond / median,
        };
        rows.push(row);
        if (args.json) console.log(JSON.stringify(row));
        if (d === 16 && dtype === 'float32' && op === 'lse') fGpu = p.lastF()?.slice() ?? null;
      }
    }
  }
  // The CPU engine on this machine: every thread here, and 2 threads in a child process
  // (HJNET_THREADS is read when the addon loads).
  const all = await cpuRows(cpuName, nb.threads());
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--cpu-child', '--B', String(B), '--N', String(N), '--eps', String(eps), '--repeat', String(repeat)], {
    encoding: 'utf8',
    env: { ...process.env, HJNET_THREADS: '2', HJNET_DEVICE: 'cpu' },
    maxBuffer: 1 << 24,
  });
  if (child.status !== 0) throw new Error(`bench/gpu: the 2-thread CPU run failed: ${child.stderr.trim()}`);
  const two = child.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
  const cpu = [...all.rows, ...two];
  if (args.json) {
    for (const r of cpu) console.log(JSON.stringify(r));
    return;
  }
  console.log(
    `${device}: compute capability ${gpu.computeCapability}, ${gpu.multiprocessors} SMs at ${(gpu.clockHz / 1e9).toFixed(2)} GHz, ` +
      `fp32 peaks ${(gpu.fp32FmaPerSecond / 1e12).toFixed(1)} TFMA/s and ${(gpu.fp32ExpPerSecond / 1e12).toFixed(2)} Texp/s; ` +
      `CUDA runtime ${gpu.runtimeVersion}, driver ${gpu.driverVersion}; B = ${B}, N = ${N}, eps = ${eps}, median of ${repeat}`,
  );
  const header = ['op', 'dtype', 'd', 'GPU ms', 'of fp32 exp peak', 'of fp32 FMA peak'];
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const r of rows) {
    console.log(`| ${[r.op, r.dtype, r.d, (r.median_s * 1e3).toFixed(2), pct(r.exp_fraction), pct(r.fma_fraction)].join(' | ')} |`);
  }
  console.log(`CPU engine on this machine, d = 16, float32 (median of ${Math.min(repeat, 3)}):`);
  for (const c of cpu) {
    const g = rows.find((r) => r.op === c.op && r.d === 16 && r.dtype === 'float32')!;
    console.log(`  ${c.op} on ${c.threads} threads: ${(c.median_s * 1e3).toFixed(1)} ms; the GPU is ${(c.median_s / g.median_s).toFixed(1)}x faster`);
  }
  const evalTwo = two.find((r) => r.op === 'evaluate')!;
  const evalGpu = rows.find((r) => r.op === 'evaluate' && r.d === 16 && r.dtype === 'float32')!;
  const speedup = evalTwo.median_s / evalGpu.median_s;
  console.log(`issue 6 target, float32 evaluate d = 16 >= 50x the 2-thread CPU engine: ${speedup.toFixed(1)}x, ${speedup >= 50 ? 'met' : 'NOT met'}`);
  if (fGpu && all.f) {
    let worst = 0;
    for (let i = 0; i < fGpu.length; i++) worst = Math.max(worst, Math.abs(fGpu[i] - all.f[i]) / Math.max(1, Math.abs(all.f[i])));
    console.log(`lse float32 d = 16: max |f_cuda - f_cpu| / max(1, |f_cpu|) = ${worst.toExponential(2)} (SPEC: 1e-5)`);
  }
}

await main();
