// Every setting of the service comes from the environment, read once and checked here: a bad
// value stops start-up with a message naming the variable (README: Configuration).
import { isAbsolute, resolve } from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type Device = 'auto' | 'cpu' | 'cuda';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** Largest request body in bytes (HJNET_BODY_LIMIT). */
  bodyLimit: number;
  /** Bodies of this many bytes or more are parsed in a worker thread (HJNET_JSON_WORKER_BYTES). */
  jsonWorkerBytes: number;
  /** Per-request compute budget B·N·K (HJNET_MAX_WORK). */
  maxWork: number;
  /** Largest number of output values one response may carry (HJNET_MAX_OUTPUT). */
  maxOutput: number;
  /** Bytes of loaded engine models kept in memory (HJNET_MODEL_CACHE_BYTES). */
  modelCacheBytes: number;
  /** Bearer keys for mutating routes; empty: no authentication. */
  apiKeys: string[];
  /** false: no CORS headers; true: any origin; else the allowed origins. */
  corsOrigin: boolean | string[];
  /** Training jobs run at once (HJNET_TRAIN_CONCURRENCY); the rest wait in the queue. */
  trainConcurrency: number;
  /** Native compute threads; null leaves HJNET_THREADS to the addon's default. */
  threads: number | null;
  /** Backend of the engine (HJNET_DEVICE): auto (CUDA when a device answers, else the CPU), cpu, cuda. */
  device: Device;
  logLevel: LogLevel;
  /** Requests per window per client; 0 disables rate limiting. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /** under-pressure thresholds; 0 disables a check. */
  maxEventLoopDelayMs: number;
  maxEventLoopUtilization: number;
  maxHeapUsedBytes: number;
  maxRssBytes: number;
  retryAfterS: number;
  trustProxy: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly variable: string,
    expected: string,
    received: string,
  ) {
    super(`Invalid ${variable}: expected ${expected}, received ${JSON.stringify(received)}`);
  }
}

type Env = Record<string, string | undefined>;

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3 };

function raw(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ConfigError(name, `an integer in [${min}, ${max}]`, v);
  return n;
}

function bytes(env: Env, name: string, fallback: number, min: number): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)$/i.exec(v);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  const n = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(name, `a byte count >= ${min} (e.g. 1048576, 64mb, 1gb)`, v);
  return n;
}

function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const n = /^[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?$/i.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw new ConfigError(name, `a number in [${min}, ${max}]`, v);
  return n;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  if (/^(1|true|yes)$/i.test(v)) return true;
  if (/^(0|false|no)$/i.test(v)) return false;
  throw new ConfigError(name, 'true or false', v);
}

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DEVICES: Device[] = ['auto', 'cpu', 'cuda'];

function corsOrigin(env: Env): boolean | string[] {
  const v = raw(env, 'HJNET_CORS_ORIGIN');
  if (v === undefined || v === 'false') return false;
  if (v === '*' || v === 'true') return true;
  const origins = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const o of origins) {
    let ok = false;
    try {
      const u = new URL(o);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o.replace(/\/$/, '');
    } catch {
      ok = false;
    }
    if (!ok) throw new ConfigError('HJNET_CORS_ORIGIN', '"*" or comma-separated origins like https://app.example.com', v);
  }
  return origins.map((o) => o.replace(/\/$/, ''));
}

function apiKeys(env: Env): string[] {
  const v = raw(env, 'HJNET_API_KEYS');
  if (v === undefined) return [];
  const keys = v.split(',').map((k) => k.trim());
  // Short keys are guessable; an empty entry ("a,,b") is almost surely a typo.
  if (keys.some((k) => k.length < 16 || /\s/.test(k))) {
    throw new ConfigError('HJNET_API_KEYS', 'comma-separated keys of at least 16 characters without spaces', '<redacted>');
  }
  return keys;
}

export function loadConfig(env: Env = process.env): Config {
  const host = raw(env, 'HOST') ?? '127.0.0.1';
  if (/\s/.test(host)) throw new ConfigError('HOST', 'a host name or IP address', host);
  const dataDir = raw(env, 'HJNET_DATA_DIR') ?? './data';
  const logLevel = (raw(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) throw new ConfigError('LOG_LEVEL', LOG_LEVELS.join(' | '), logLevel);
  const threads = raw(env, 'HJNET_THREADS') === undefined ? null : integer(env, 'HJNET_THREADS', 0, 1, 1024);
  const device = (raw(env, 'HJNET_DEVICE') ?? 'auto').toLowerCase();
  if (!DEVICES.includes(device as Device)) throw new ConfigError('HJNET_DEVICE', DEVICES.join(' | '), device);
  return {
    host,
    port: integer(env, 'PORT', 8080, 0, 65535),
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(dataDir),
    bodyLimit: bytes(env, 'HJNET_BODY_LIMIT', 64 * 1024 ** 2, 1024),
    jsonWorkerBytes: bytes(env, 'HJNET_JSON_WORKER_BYTES', 1024 ** 2, 1),
    maxWork: integer(env, 'HJNET_MAX_WORK', 4_000_000_000, 1),
    maxOutput: integer(env, 'HJNET_MAX_OUTPUT', 16_777_216, 1),
    modelCacheBytes: bytes(env, 'HJNET_MODEL_CACHE_BYTES', 1024 ** 3, 0),
    apiKeys: apiKeys(env),
    corsOrigin: corsOrigin(env),
    trainConcurrency: integer(env, 'HJNET_TRAIN_CONCURRENCY', 1, 1, 64),
    threads,
    device: device as Device,
    logLevel: logLevel as LogLevel,
    rateLimitMax: integer(env, 'HJNET_RATE_LIMIT_MAX', 0, 0),
    rateLimitWindowMs: integer(env, 'HJNET_RATE_LIMIT_WINDOW_MS', 60_000, 1),
    maxEventLoopDelayMs: integer(env, 'HJNET_MAX_EVENT_LOOP_DELAY_MS', 1000, 0),
    maxEventLoopUtilization: decimal(env, 'HJNET_MAX_EVENT_LOOP_UTILIZATION', 0, 0, 1),
    maxHeapUsedBytes: bytes(env, 'HJNET_MAX_HEAP_USED_BYTES', 0, 0),
    maxRssBytes: bytes(env, 'HJNET_MAX_RSS_BYTES', 0, 0),
    retryAfterS: integer(env, 'HJNET_RETRY_AFTER_S', 10, 1, 86_400),
    trustProxy: boolean(env, 'HJNET_TRUST_PROXY', false),
  };
}

/** The configuration with nothing set: what tests start from. */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({}), ...overrides };
}
