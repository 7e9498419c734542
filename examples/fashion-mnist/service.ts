// The real hjnet service for the example: the built server (dist/src/service/server.js, what
// `npm start` runs) on a free port with a temporary HJNET_DATA_DIR, and a fetch client for its
// JSON API. Nothing here touches the engine directly.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Service {
  url: string;
  get(path: string): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  post(path: string, body: unknown): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Stops the server (SIGTERM: a graceful close), then removes the data directory. */
  close(): Promise<void>;
}

/**
 * The built server entry: beside this file's compiled form (dist/examples/fashion-mnist/), or
 * under dist/ when this file runs as TypeScript source (the tap test).
 */
function serverEntry(): string {
  const candidates = ['../../src/service/server.js', '../../dist/src/service/server.js'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const entry = candidates.find(existsSync);
  if (entry === undefined) throw new Error(`${candidates[1]} is missing: run npm run build:ts first`);
  return entry;
}

/** A problem+json error as one line: status, detail and the offending field. */
function problemMessage(method: string, path: string, status: number, text: string): string {
  let detail = text.slice(0, 500);
  try {
    const p = JSON.parse(text) as { detail?: string; field?: string };
    detail = `${p.detail ?? detail}${p.field ? ` (field ${p.field})` : ''}`;
  } catch {
    // not JSON: keep the text
  }
  return `${method} ${path} answered ${status}: ${detail}`;
}

export async function startService(env: Record<string, string> = {}): Promise<Service> {
  const entry = serverEntry();
  const dataDir = await mkdtemp(join(tmpdir(), 'hjnet-fashion-mnist-'));
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', HJNET_DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not listen within 60 s: ${stderr}`)), 60_000);
      let out = '';
      // stdout carries the JSON log lines: once the address is read, drain it so that the pipe never fills.
      const onData = (d: Buffer) => {
        out += d;
        const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.stdout.resume();
          resolve(m[1]);
        }
      };
      child.stdout.on('data', onData);
      exited.then((code) => reject(new Error(`the server exited (${code}) before listening: ${stderr}`)));
    });
  } catch (err) {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }

  async function call(method: 'GET' | 'POST', path: string, body?: unknown) {
    const res = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(problemMessage(method, path, res.status, text));
    return text === '' ? null : JSON.parse(text);
  }

  return {
    url,
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    async close() {
      // The server closes gracefully within its own 10 s grace; past that, kill it.
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
