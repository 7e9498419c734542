// hjnet serve starts the service with --host, --port and --data-dir, and stops on SIGTERM.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { start } from './fixtures/helper.js';

t.test('serve answers, keeps its data where told, and stops on SIGTERM', async (t) => {
  const dir = t.testdir({});
  const dataDir = join(dir, 'store');
  const server = start(['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir], { env: { LOG_LEVEL: 'info' } });
  let stdout = '';
  server.child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  let base: string | undefined;
  for (let i = 0; i < 500 && !base; i++) {
    base = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    if (!base) await new Promise((r) => setTimeout(r, 20));
  }
  t.ok(base, `listening (${server.stderr().slice(0, 300)})`);
  const live = await fetch(`${base}/health/live`);
  t.equal(live.status, 200);
  t.equal((await (await fetch(`${base}/v1/jobs`)).json()).jobs.length, 0);
  t.ok(existsSync(join(dataDir, 'jobs')), 'HJNET_DATA_DIR from --data-dir');
  server.child.kill('SIGTERM');
  const res = await server.done;
  t.equal(res.code, 0, res.stderr);
});
