// npm run bench [-- --json] [--B ...] [--N ...] [--d ...] [--dtype ...] [--op lse|attribute|certify|train]
//                 [--repeat 5] [--baseline] [--python /usr/bin/python3]
// Times hjnet's fused passes, and with --baseline runs ../shared/bench/baseline.py (SciPy, PyTorch)
// on the same cases in the same session, printing ratios and the fraction of this machine's
// exp + FMA roofline each case reaches.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { binding, type Precision } from '../src/engine/binding.js';
import { createModel } from '../src/engine/index.js';
import { passOptions, problem, problemHeads, timed, type BenchRow } from './cases.js';
import { probeRoofline, type Roofline } from './roofline.js';

interface Row extends BenchRow {
  peak_rss_mib: number;
}

const MULTI = ['B', 'N', 'd', 'dtype', 'op'] as const;

// Filters take several values as baseline.py's do (--d 2 16 64), or repeated (--d 2 --d 16),
// or comma-separated (--d 2,16,64).
const { values: args, tokens } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    B: { type: 'string', multiple: true },
    N: { type: 'string', multiple: true },
    d: { type: 'string', multiple: true },
    dtype: { type: 'string', multiple: true },
    op: { type: 'string', multiple: true },
    repeat: { type: 'string', default: '5' },
    eps: { type: 'string', default: '0.25' },
    baseline: { type: 'boolean', default: false },
    python: { type: 'string', default: '/usr/bin/python3' },
    'baseline-script': { type: 'string' },
  },
  allowPositionals: true,
  tokens: true,
});
let last: string | undefined;
for (const token of tokens ?? []) {
  if (token.kind === 'option') last = token.name;
  else if (token.kind === 'positional') {
    if (!MULTI.includes(last as (typeof MULTI)[number])) throw new Error(`bench: unexpected argument ${token.value}`);
    (args[last as (typeof MULTI)[number]] as string[]).push(token.value);
  }
}

// Numbers may come as separate words or one comma-separated word.
const list = (v: string[] | undefined, fallback: string[]) => (v ?? fallback).flatMap((s) => s.split(','));
const sizesB = list(args.B, []).map(Number);
const sizesN = list(args.N, []).map(Number);
const square = sizesB.length === 0 && sizesN.length === 0;
const grid = square ? [1024, 4096, 16384].map((n) => [n, n]) : cross(sizesB.length ? sizesB : [4096], sizesN.length ? sizesN : [4096]);
const dims = list(args.d, ['2', '16', '64', '256']).map(Number);
const dtypes = list(args.dtype, ['float32', 'float64']) as Precision[];
const ops = list(args.op, ['lse', 'attribute', 'certify']);
const repeat = Number(args.repeat);
const eps = Number(args.eps);

function cross(a: number[], b: number[]): number[][] {
  return a.flatMap((x) => b.map((y) => [x, y]));
}

function peakRssMiB(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

async function runCase(op: string, B: number, N: number, d: number, dtype: Precision): Promise<Row> {
  const { X, W, b } = problem(B, N, d);
  const Xp = dtype === 'float32' ? Float32Array.from(X) : X;
  let fn: () => Promise<unknown>;
  if (op === 'certify') {
    const model = await createModel({ eps, W: { data: W, shape: [N, d] }, b: { data: b, shape: [N] } });
    fn = () => model.certifyRadius({ data: X, shape: [B, d] }, { target: 'f' });
  } else {
    const heads = problemHeads(W, b, N, d);
    const options = passOptions(op as 'lse' | 'attribute', dtype, eps);
    fn = () => heads.gibbs(Xp, B, options);
  }
  const { median, min } = await timed(fn, repeat);
  return { library: 'hjnet', op, B, N, d, dtype, median_s: median, min_s: min, peak_rss_mib: peakRssMiB() };
}

function baselineRows(): Row[] {
  // ../shared/bench/baseline.py beside the checkout, unless --baseline-script says otherwise.
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const path = args['baseline-script'] ?? join(root, '..', 'shared', 'bench', 'baseline.py');
  const rows: Row[] = [];
  for (const [B, N] of grid) {
    const res = spawnSync(
      args.python,
      [path, '--B', String(B), '--N', String(N), '--d', ...dims.map(String), '--dtype', ...dtypes, '--eps', String(eps), '--repeat', String(repeat)],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    if (res.status !== 0) {
      console.error(`baseline.py failed (${args.python} ${path}): ${res.stderr.trim().split('\n').pop()}`);
      continue;
    }
    for (const line of res.stdout.trim().split('\n')) {
      const row = JSON.parse(line) as Row & { skipped?: string };
      if (!row.skipped) rows.push(row);
    }
  }
  return rows;
}

/** Exp and FMA time of a pass (logit mode: d FMAs and one exp per pair) at the probed rates. */
function rooflineSeconds(r: Row, roof: Roofline): number | null {
  if (r.op !== 'lse' && r.op !== 'attribute') return null;
  const pairs = r.B * r.N;
  const rate = roof[r.dtype];
  // attribute adds d FMAs per pair for the gradient accumulators.
  const fmas = pairs * r.d * (r.op === 'attribute' ? 2 : 1);
  return pairs / rate.expPerSecond + fmas / rate.fmaPerSecond;
}

async function main(): Promise<void> {
  const roof = probeRoofline();
  const rows: Row[] = [];
  for (const op of ops) {
    if (op === 'train') continue;
    for (const dtype of dtypes) {
      for (const [B, N] of grid) {
        for (const d of dims) {
          const row = await runCase(op, B, N, d, dtype);
          rows.push(row);
          if (args.json) console.log(JSON.stringify(row));
        }
      }
    }
  }
  if (ops.includes('train')) {
    const { trainBench } = await import('./train.js');
    for (const row of await trainBench({ json: args.json, python: args.baseline ? args.python : null })) rows.push(row as Row);
  }
  const inference = rows.filter((r) => r.op !== 'train');
  const anchors = args.baseline && inference.length > 0 ? baselineRows() : [];
  if (args.json) {
    for (const a of anchors) console.log(JSON.stringify(a));
    return;
  }
  if (inference.length === 0) return;
  const native = binding();
  console.log(`hjnet ${native.version}, ${native.simdTarget()}, ${native.threads()} threads, eps = ${eps}, median of ${repeat}`);
  console.log(
    `roofline per thread: float32 ${(roof.float32.expPerSecond / native.threads() / 1e9).toFixed(2)} Gexp/s, ${(roof.float32.fmaPerSecond / native.threads() / 1e9).toFixed(1)} GFMA/s; ` +
      `float64 ${(roof.float64.expPerSecond / native.threads() / 1e9).toFixed(2)} Gexp/s, ${(roof.float64.fmaPerSecond / native.threads() / 1e9).toFixed(1)} GFMA/s`,
  );
  const header = ['op', 'dtype', 'B', 'N', 'd', 'hjnet ms', 'roofline', 'scipy ms', 'x scipy', 'torch ms', 'x torch'];
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const r of inference) {
    const find = (lib: string) => anchors.find((a) => a.library === lib && a.op === r.op && a.B === r.B && a.N === r.N && a.d === r.d && a.dtype === r.dtype);
    const s = find('scipy');
    const p = find('torch');
    const roofS = rooflineSeconds(r, roof);
    const cells = [
      r.op, r.dtype, r.B, r.N, r.d, (r.median_s * 1e3).toFixed(2),
      roofS === null ? '' : `${Math.round((100 * roofS) / r.median_s)}%`,
      s ? (s.median_s * 1e3).toFixed(1) : '', s ? (s.median_s / r.median_s).toFixed(1) : '',
      p ? (p.median_s * 1e3).toFixed(1) : '', p ? (p.median_s / r.median_s).toFixed(1) : '',
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
}

await main();
