// npm run reproduce [-- --quick] [--only=identity,attention,...] [--out=DIR] [--seed=N] [--render]
// (--out defaults to reports/, and to reports/quick/ with --quick so that CI never overwrites the committed report)
//
// Runs the paper's experiments on hjnet's own engine (createModel ... evaluate / certifyRadius)
// and training (train), then writes reports/reproduction.json, reports/REPRODUCTION.md and
// reports/figures/*.svg.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { engineInfo } from '../../src/engine/index.js';
import { attention } from './attention.js';
import { bifurcation } from './bifurcation.js';
import { certificates } from './certificates.js';
import type { Context, Experiment, Outcome } from './context.js';
import { fashionMnist } from './fashion.js';
import { hessianSynthetic } from './hessian.js';
import { identity } from './identity.js';
import { quadrature } from './quadrature.js';
import { renderReport } from './report.js';
import { scaling } from './scaling.js';

/** In the order of reproduction.json. */
export const EXPERIMENTS: Record<string, Experiment> = {
  identity,
  attention,
  quadrature,
  scaling,
  hessian_synthetic: hessianSynthetic,
  fashion_mnist: fashionMnist,
  bifurcation,
  certificates,
};

export interface RunOptions {
  quick: boolean;
  only?: string[];
  out: string;
  seed: number;
  /** Write files (the smoke test turns this off). */
  write?: boolean;
  log?: (message: string) => void;
}

export interface Reproduction {
  meta: Record<string, unknown>;
  [key: string]: unknown;
}

export async function reproduce(options: RunOptions): Promise<{ json: Reproduction; outcomes: Outcome[] }> {
  const log = options.log ?? ((m: string) => process.stderr.write(`[reproduce] ${m}\n`));
  const ctx: Context = { quick: options.quick, seed: options.seed, log };
  const names = options.only ?? Object.keys(EXPERIMENTS);
  for (const name of names) if (!(name in EXPERIMENTS)) throw new Error(`unknown experiment "${name}" (known: ${Object.keys(EXPERIMENTS).join(', ')})`);
  const started = performance.now();
  const outcomes: Outcome[] = [];
  for (const name of names) {
    const t0 = performance.now();
    log(`${name} ...`);
    const outcome = await EXPERIMENTS[name](ctx);
    outcome.seconds = (performance.now() - t0) / 1000;
    log(`${name} done in ${outcome.seconds.toFixed(1)} s`);
    outcomes.push(outcome);
  }
  const wall = (performance.now() - started) / 1000;
  const engine = engineInfo();
  const meta = {
    command: `npm run reproduce${options.quick ? ' -- --quick' : ''}`,
    quick: options.quick,
    seed: options.seed,
    wall_s: wall,
    seconds: Object.fromEntries(outcomes.map((o) => [o.key, o.seconds])),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memory_gib: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      engine: engine.device,
      engine_threads: engine.threads,
      engine_version: engine.version,
    },
    date: new Date().toISOString(),
    figures: outcomes.flatMap((o) => o.figures.map((f) => ({ key: o.key, file: f.file, caption: f.caption }))),
    paper: 'The Hamilton–Jacobi Theory of Deep Learning, arXiv 2605.28983',
  };
  const json: Reproduction = { meta };
  for (const o of outcomes) json[o.key] = o.result;
  if (options.write !== false) {
    const figDir = join(options.out, 'figures');
    await mkdir(figDir, { recursive: true });
    for (const o of outcomes) for (const f of o.figures) await writeFile(join(figDir, f.file), f.svg);
    await writeFile(join(options.out, 'reproduction.json'), `${JSON.stringify(json, jsonNumbers, 2)}\n`);
    await writeFile(join(options.out, 'REPRODUCTION.md'), renderReport(json));
    log(`wrote ${join(options.out, 'reproduction.json')} and REPRODUCTION.md in ${wall.toFixed(1)} s`);
  }
  return { json, outcomes };
}

/** Infinite numbers are null in JSON (as in the service); typed arrays become arrays. */
export function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}

/** --render: rewrite REPRODUCTION.md from an existing reproduction.json without running anything. */
async function renderOnly(out: string): Promise<void> {
  const json = JSON.parse(await readFile(join(out, 'reproduction.json'), 'utf8')) as Reproduction;
  await writeFile(join(out, 'REPRODUCTION.md'), renderReport(json));
  process.stderr.write(`[reproduce] rewrote ${join(out, 'REPRODUCTION.md')} from reproduction.json\n`);
}

function parseArgs(argv: string[]): RunOptions & { render: boolean } {
  const options: RunOptions & { render: boolean } = { quick: false, out: '', seed: 20260528, render: false };
  for (const arg of argv) {
    if (arg === '--quick') options.quick = true;
    else if (arg === '--render') options.render = true;
    else if (arg.startsWith('--only=')) options.only = arg.slice(7).split(',').filter(Boolean);
    else if (arg.startsWith('--out=')) options.out = arg.slice(6);
    else if (arg.startsWith('--seed=')) options.seed = Number(arg.slice(7));
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: npm run reproduce [-- --quick] [--only=identity,attention,...] [--out=DIR (default reports, reports/quick with --quick)] [--seed=N] [--render]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  // The quick (CI) run must not overwrite the committed full report.
  options.out ||= options.quick ? join('reports', 'quick') : 'reports';
  return options;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const options = parseArgs(process.argv.slice(2));
  (options.render ? renderOnly(options.out) : reproduce(options).then(() => undefined)).catch((err) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
