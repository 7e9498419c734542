// Training speed: Adam steps per second of hjnet's native loop on one Hopf–Cole head
// (batch B = 256 of n = 4096 rows, N = 128 support points, d = 50, squared loss), against
// PyTorch 1.13 doing the same model and steps (bench/train-baseline.py) in the same session.
//   npm run bench -- --op train [--json] [--baseline]      (through bench/run.ts)
//   node dist/bench/train.js [--json] [--baseline] [--python /usr/bin/python3] [--threads 1]
// Rows: {"library", "op": "train", "B", "N", "d", "dtype", "median_s", "min_s" (per step),
// "steps_per_s", "threads", "peak_rss_mib"}, like ../shared/bench/baseline.py's.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Precision } from '../src/engine/binding.js';
import { mulberry32 } from '../src/engine/reference.js';
import { trainingBinding } from '../src/engine/training/native.js';
import type { BenchRow } from './cases.js';

/** median_s and min_s: seconds per Adam step, median and best over the repeats. */
export interface TrainBenchRow extends BenchRow {
  op: 'train';
  steps_per_s: number;
  /** Median CPU seconds per step of the process, all threads (steadier on a shared machine). */
  cpu_s: number;
  threads: number;
  peak_rss_mib: number;
}

export interface TrainBenchOptions {
  /** Print one JSON line per row (otherwise a table with the ratios). */
  json?: boolean;
  /** Python with torch for the baseline (null: hjnet only). */
  python?: string | null;
  B?: number;
  N?: number;
  d?: number;
  n?: number;
  /** Adam steps per timed run, and timed runs. */
  steps?: number;
  repeat?: number;
  dtypes?: Precision[];
  /** Work shares of the native loop (default: the pool size). */
  threads?: number;
}

function peakRssMiB(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

async function hjnetRow(o: Required<Omit<TrainBenchOptions, 'json' | 'python' | 'dtypes' | 'threads'>> & { threads?: number }, dtype: Precision): Promise<TrainBenchRow> {
  const native = trainingBinding();
  const { B, N, d, n, steps, repeat } = o;
  // The data baseline.py's training anchor draws: X ~ N(0, 1), targets |N(0, 1)|, support
  // points at the first N rows, g = 0, t = 0.5, eps = 0.1, Adam lr 1e-3.
  const rand = mulberry32(7);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const X = Float64Array.from({ length: n * d }, normal);
  const y = Float64Array.from({ length: n }, () => Math.abs(normal()));
  const theta = new Float64Array(N * d + N);
  theta.set(X.subarray(0, N * d));
  const config = {
    layer: { K: 1, N, d, t: 0.5, eps: 0.1, parametrization: 'support' as const, loss: 'squared' as const },
    precision: dtype,
    threads: o.threads,
    adamSteps: steps,
    lbfgsSteps: 0,
    lr: 1e-3,
    batchSize: B,
    seed: 1,
    evalEvery: steps,
    patience: 0,
    X,
    n,
    y,
    Xval: new Float64Array(0),
    nval: 0,
    yval: new Float64Array(0),
    theta,
  };
  const run = async () => {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await native.trainHopfCole(config).promise;
    const wall = Number(process.hrtime.bigint() - t0) / 1e9 / steps;
    const c = process.cpuUsage(c0);
    return { wall, cpu: (c.user + c.system) / 1e6 / steps };
  };
  await run(); // warm-up
  const ts: number[] = [];
  const cs: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const { wall, cpu } = await run();
    ts.push(wall);
    cs.push(cpu);
  }
  ts.sort((a, b) => a - b);
  cs.sort((a, b) => a - b);
  const median = ts[Math.floor(ts.length / 2)];
  const cpu = cs[Math.floor(cs.length / 2)];
  const threads = o.threads ?? (await import('../src/engine/binding.js')).binding().threads();
  return { library: 'hjnet', op: 'train', B, N, d, dtype, median_s: median, min_s: ts[0], steps_per_s: 1 / median, cpu_s: cpu, threads, peak_rss_mib: peakRssMiB() };
}

function torchRows(python: string, o: Required<Omit<TrainBenchOptions, 'json' | 'python' | 'threads'>>, threads: number[]): TrainBenchRow[] {
  // From dist/bench/train.js or from bench/train.ts under a TypeScript loader.
  const here = dirname(fileURLToPath(import.meta.url));
  const script = [join(here, 'train-baseline.py'), join(here, '..', '..', 'bench', 'train-baseline.py')].find((p) => existsSync(p)) as string;
  const rows: TrainBenchRow[] = [];
  for (const th of threads) {
    const res = spawnSync(
      python,
      [script, '--B', String(o.B), '--N', String(o.N), '--d', String(o.d), '--n', String(o.n), '--steps', String(o.steps), '--repeat', String(o.repeat), '--threads', String(th), '--dtype', ...o.dtypes],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    if (res.status !== 0) {
      console.error(`train-baseline.py failed (${python}): ${res.stderr.trim().split('\n').pop()}`);
      continue;
    }
    for (const line of res.stdout.trim().split('\n')) {
      const row = JSON.parse(line) as TrainBenchRow & { skipped?: string };
      if (row.skipped) console.error(`train-baseline.py: ${row.skipped}`);
      else rows.push(row);
    }
  }
  return rows;
}

/** Times hjnet (and with `python`, PyTorch at 1 thread and at every core); prints and returns the rows. */
export async function trainBench(options: TrainBenchOptions = {}): Promise<TrainBenchRow[]> {
  const o = { B: 256, N: 128, d: 50, n: 4096, steps: 200, repeat: 7, dtypes: ['float64', 'float32'] as Precision[], ...options };
  const rows: TrainBenchRow[] = [];
  for (const dtype of o.dtypes) rows.push(await hjnetRow(o, dtype));
  const anchors = o.python ? torchRows(o.python, o, [...new Set([1, (await import('node:os')).availableParallelism()])]) : [];
  if (o.json) {
    for (const r of [...rows, ...anchors]) console.log(JSON.stringify(r));
  } else {
    console.log(`Adam steps, B = ${o.B}, N = ${o.N}, d = ${o.d}, n = ${o.n}, median of ${o.repeat} runs of ${o.steps} steps`);
    console.log('| library | dtype | threads | ms/step | steps/s | CPU ms/step | hjnet speed-up (wall, CPU) |\n|---|---|---|---|---|---|---|');
    for (const r of [...rows, ...anchors]) {
      const mine = rows.find((x) => x.dtype === r.dtype);
      const ratio = r.library === 'hjnet' || !mine ? '' : `${(r.median_s / mine.median_s).toFixed(1)}x, ${(r.cpu_s / mine.cpu_s).toFixed(1)}x`;
      console.log(`| ${r.library} | ${r.dtype} | ${r.threads} | ${(r.median_s * 1e3).toFixed(3)} | ${r.steps_per_s.toFixed(0)} | ${(r.cpu_s * 1e3).toFixed(3)} | ${ratio} |`);
    }
  }
  return [...rows, ...anchors];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      baseline: { type: 'boolean', default: false },
      python: { type: 'string', default: '/usr/bin/python3' },
      threads: { type: 'string' },
      repeat: { type: 'string' },
      steps: { type: 'string' },
    },
  });
  await trainBench({
    json: values.json,
    python: values.baseline ? values.python : null,
    ...(values.threads ? { threads: Number(values.threads) } : {}),
    ...(values.repeat ? { repeat: Number(values.repeat) } : {}),
    ...(values.steps ? { steps: Number(values.steps) } : {}),
  });
}
