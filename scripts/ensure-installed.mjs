#!/usr/bin/env node
// `npm test` on a fresh clone: runs `npm ci` first when the dependencies or the native addon
// are missing, so that the README's test command needs no set-up of its own.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const installed = existsSync(join(root, 'node_modules', '.package-lock.json'));
const built = existsSync(join(root, 'build', 'Release', 'hjnet.node'));
if (!installed || !built) {
  console.log(`hjnet: ${installed ? 'the native addon is not built' : 'dependencies are not installed'}: running npm ci first`);
  const npm = process.env.npm_execpath;
  const result = npm
    ? spawnSync(process.execPath, [npm, 'ci'], { stdio: 'inherit', cwd: root })
    : spawnSync('npm', ['ci'], { stdio: 'inherit', cwd: root, shell: true });
  process.exit(result.status ?? 1);
}
