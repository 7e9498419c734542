// Command-line options (node:util parseArgs, strict) into typed settings. Every mistake is a
// UsageError naming the option.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { TrainRequest } from '../engine/training/index.js';
import { UsageError } from './usage.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Runs parseArgs; its errors (unknown option, missing value ...) become usage errors. */
function parse<O extends Options>(args: string[], options: O, command: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''), command);
  }
}

function integer(value: string | undefined, option: string, min: number, command: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`Option --${option} expects an integer >= ${min}, received ${JSON.stringify(value)}`, command);
  return n;
}

function decimal(value: string | undefined, option: string, command: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$/i.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new UsageError(`Option --${option} expects a number, received ${JSON.stringify(value)}`, command);
  return n;
}

function gauge(value: string | undefined, option: string, command: string): number | 'auto' | undefined {
  if (value === 'auto') return 'auto';
  try {
    return decimal(value, option, command);
  } catch {
    throw new UsageError(`Option --${option} expects a number or "auto", received ${JSON.stringify(value)}`, command);
  }
}

function oneOf<T extends string>(value: string | undefined, option: string, choices: readonly T[], command: string): T | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) throw new UsageError(`Option --${option} expects ${choices.join(' | ')}, received ${JSON.stringify(value)}`, command);
  return value as T;
}

export interface TrainSettings {
  file: string;
  target?: string;
  labels?: string;
  limit?: number;
  /** The training fields of POST /v1/train (data comes from the files). */
  train: Partial<Pick<TrainRequest, 'task' | 'method' | 'N' | 'eps' | 't' | 'steps' | 'lr' | 'batch_size' | 'seed' | 'validation_split' | 'name'>>;
  out?: string;
  server?: string;
  apiKey?: string;
  json: boolean;
  help: boolean;
}

const TRAIN_OPTIONS = {
  target: { type: 'string' },
  labels: { type: 'string' },
  y: { type: 'string' },
  limit: { type: 'string' },
  task: { type: 'string' },
  method: { type: 'string' },
  N: { type: 'string' },
  eps: { type: 'string' },
  t: { type: 'string' },
  steps: { type: 'string' },
  lr: { type: 'string' },
  'batch-size': { type: 'string' },
  seed: { type: 'string' },
  'validation-split': { type: 'string' },
  name: { type: 'string' },
  out: { type: 'string' },
  server: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies Options;

/** The option that sets a field of the training request ("batch_size" -> "--batch-size"). */
export function optionOfField(field: string): string | undefined {
  const name = field.replace(/_/g, '-');
  return name in TRAIN_OPTIONS ? `--${name}` : undefined;
}

export function parseTrainArgs(args: string[], env: Record<string, string | undefined> = process.env): TrainSettings {
  const c = 'train';
  const { values: v, positionals } = parse(args, TRAIN_OPTIONS, c);
  if (v.help) return { file: '', train: {}, json: false, help: true };
  if (positionals.length === 0) throw new UsageError('Missing the data file: hjnet train <file> [options]', c);
  if (positionals.length > 1) throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[1])}: hjnet train takes one data file`, c);
  if (v.labels !== undefined && v.y !== undefined) throw new UsageError('Options --labels and --y name the same file: give one', c);
  if (v.out === undefined && v.server === undefined) throw new UsageError('Missing the output: give --out FILE or --server URL', c);
  if (v.server !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(v.server);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new UsageError(`Option --server expects an http(s) URL, received ${JSON.stringify(v.server)}`, c);
    }
  }
  if (v['api-key'] !== undefined && v.server === undefined) throw new UsageError('Option --api-key needs --server', c);
  const train: TrainSettings['train'] = {
    task: oneOf(v.task, 'task', ['regression', 'classification'] as const, c),
    method: oneOf(v.method, 'method', ['adam', 'lbfgs', 'closed-form', 'fixed-support'] as const, c),
    N: integer(v.N, 'N', 1, c),
    eps: gauge(v.eps, 'eps', c),
    t: gauge(v.t, 't', c),
    steps: integer(v.steps, 'steps', 1, c),
    lr: decimal(v.lr, 'lr', c),
    batch_size: integer(v['batch-size'], 'batch-size', 1, c),
    seed: integer(v.seed, 'seed', 0, c),
    validation_split: decimal(v['validation-split'], 'validation-split', c),
    name: v.name,
  };
  for (const key of Object.keys(train) as (keyof typeof train)[]) if (train[key] === undefined) delete train[key];
  return {
    file: positionals[0],
    target: v.target,
    labels: v.labels ?? v.y,
    limit: integer(v.limit, 'limit', 1, c),
    train,
    out: v.out,
    server: v.server?.replace(/\/+$/, ''),
    apiKey: v['api-key'] ?? (env.HJNET_API_KEY || undefined),
    json: v.json,
    help: false,
  };
}

export interface ServeSettings {
  env: Record<string, string>;
  help: boolean;
}

export function parseServeArgs(args: string[]): ServeSettings {
  const c = 'serve';
  const { values: v, positionals } = parse(
    args,
    { host: { type: 'string' }, port: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    c,
  );
  if (positionals.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])}: hjnet serve takes options only`, c);
  const env: Record<string, string> = {};
  if (v.host !== undefined) env.HOST = v.host;
  if (v.port !== undefined) {
    const port = integer(v.port, 'port', 0, c) as number;
    if (port > 65535) throw new UsageError(`Option --port expects an integer in [0, 65535], received ${JSON.stringify(v.port)}`, c);
    env.PORT = String(port);
  }
  if (v['data-dir'] !== undefined) env.HJNET_DATA_DIR = v['data-dir'];
  return { env, help: v.help };
}
