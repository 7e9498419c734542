#!/usr/bin/env node
// Builds the native addon with cmake-js. The one system package it needs is Highway
// (Debian: libhwy-dev); as root on Debian it is installed here, so `npm ci` is the whole set-up.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const highwayHeader = '/usr/include/hwy/highway.h';

function ensureHighway() {
  if (existsSync(highwayHeader)) return;
  const canApt = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canApt) {
    console.error(`hjnet: Highway headers not found at ${highwayHeader}.\n` +
      'Install them first: sudo apt-get install -y libhwy-dev (Debian/Ubuntu), then run npm ci again.');
    process.exit(1);
  }
  console.log('hjnet: installing libhwy-dev with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', 'libhwy-dev'], { stdio: 'inherit', env });
  if (install().status !== 0) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    if (install().status !== 0) process.exit(1);
  }
}

ensureHighway();
const cmakeJs = join(dirname(createRequire(import.meta.url).resolve('cmake-js/package.json')), 'bin', 'cmake-js');
const args = [cmakeJs, 'compile', '--directory', root, '--out', join(root, 'build')];
if (process.env.HJNET_CUDA) args.push(`--CDHJNET_CUDA=${process.env.HJNET_CUDA}`);
// CUDAARCHS (CMake's name for the CUDA architectures, e.g. "90"), also for an existing build folder.
if (process.env.CUDAARCHS) args.push(`--CDCMAKE_CUDA_ARCHITECTURES=${process.env.CUDAARCHS}`);
const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
