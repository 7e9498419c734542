// Writes the OpenAPI document the service serves to openapi/openapi.json (or checks it with
// --check). Run after `npm run build:ts`: node dist/scripts/openapi.js [--check]
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/service/app.js';

function packageRoot(): string {
  // dist/scripts/openapi.js or scripts/openapi.ts: the root is the nearest parent with package.json.
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${join('dist', 'scripts')}`) ? join(here, '..', '..') : join(here, '..');
}

/** The document as served, formatted as committed. */
export async function renderOpenapi(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hjnet-openapi-'));
  const app = await buildApp({ logger: false, config: { dataDir } });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const target = join(packageRoot(), 'openapi', 'openapi.json');
  const text = await renderOpenapi();
  if (process.argv.includes('--check')) {
    const committed = await readFile(target, 'utf8').catch(() => '');
    if (committed !== text) {
      process.stderr.write(`${target} is out of date: run npm run build:ts && node dist/scripts/openapi.js\n`);
      process.exit(1);
    }
    process.stdout.write(`${target} is up to date\n`);
    return;
  }
  await writeFile(target, text);
  process.stdout.write(`wrote ${target}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
