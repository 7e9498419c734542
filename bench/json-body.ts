// The event loop while one large nested-JSON request (63 MB: X [200000, 16], an inline model of
// 64 neurons) is parsed and evaluated, with the body parsed on the event loop and in the parse
// worker (HJNET_JSON_WORKER_BYTES): the longest gap between 2 ms timer ticks and the request's
// time, medians of 5 requests each.
// Usage: npm run build:ts && node dist/bench/json-body.js [--json]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/service/app.js';
import { median } from './cases.js';

const B = 200_000;
const d = 16;
const REPS = 5;

function normal(n: number): number[] {
  return Array.from({ length: n }, () => Math.random() * 2 - 1);
}


async function measure(payload: string, jsonWorkerBytes: number, dataDir: string) {
  const app = await buildApp({ logger: false, config: { dataDir, jsonWorkerBytes, maxEventLoopDelayMs: 0 } });
  await app.ready();
  const times: number[] = [];
  const gaps: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    let last = performance.now();
    let gap = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      gap = Math.max(gap, now - last);
      last = now;
    }, 2);
    const start = performance.now();
    const res = await app.inject({ method: 'POST', url: '/v1/evaluate', headers: { 'content-type': 'application/json' }, payload });
    times.push(performance.now() - start);
    clearInterval(tick);
    gaps.push(gap);
    if (res.statusCode !== 200) throw new Error(`evaluate failed: ${res.statusCode} ${res.payload.slice(0, 200)}`);
  }
  await app.close();
  return { request_ms: Math.round(median(times)), max_gap_ms: Math.round(median(gaps)) };
}

const W = Array.from({ length: 64 }, () => normal(d));
const payload = JSON.stringify({ model: { eps: 0.5, W, b: W.map(() => 0) }, X: Array.from({ length: B }, () => normal(d)) });
const dataDir = await mkdtemp(join(tmpdir(), 'hjnet-bench-'));
try {
  const rows = [];
  for (const [parser, bytes] of [['event loop', Number.MAX_SAFE_INTEGER], ['worker', 1]] as const) {
    rows.push({ parser, body_mb: +(payload.length / 1e6).toFixed(1), ...(await measure(payload, bytes, dataDir)) });
  }
  if (process.argv.includes('--json')) for (const r of rows) console.log(JSON.stringify(r));
  else console.table(rows);
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
