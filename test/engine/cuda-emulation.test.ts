// The CUDA kernels and their host code (native/cuda/), run without a GPU: build/check/hjnet_cuda_emu
// (CMakeLists.txt) compiles them as C++ for the host emulation of native/cuda/runtime.h and
// compares every output with the CPU pass (native/cuda/check/). Built by `npm test` (pretest).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const exe = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'build', 'check', 'hjnet_cuda_emu');

t.test('the CUDA code in host emulation matches the CPU engine', async (tt) => {
  if (!existsSync(exe)) {
    tt.fail(`${exe} is missing: build it with npm run build:checks`);
    return;
  }
  const r = spawnSync(exe, [], { encoding: 'utf8', timeout: 240_000, maxBuffer: 1 << 26 });
  const out = r.stdout ?? '';
  const failures = out.split('\n').filter((line) => line.startsWith('FAIL') || line.startsWith('  FAIL'));
  for (const line of failures.slice(0, 20)) tt.comment(line);
  tt.equal(r.status, 0, `hjnet_cuda_emu exits 0${r.signal ? ` (killed by ${r.signal})` : ''}${r.stderr ? `: ${r.stderr.trim()}` : ''}`);
  tt.equal(failures.length, 0, 'no failing comparison');
  const gibbs = /^gibbs: (\d+) comparisons, 0 failing cases$/m.exec(out);
  tt.ok(gibbs && Number(gibbs[1]) > 100_000, `the Gibbs pass: ${gibbs?.[1]} comparisons`);
  tt.match(out, /^train: 0 failing cases$/m, 'the training pass');
  tt.match(out, /^trainer: 0 failing cases$/m, 'the trainer on the device');
  tt.equal(out.match(/^ok {3}trainer: float(32|64) .*device 'cuda:host emulation'$/gm)?.length, 8, 'every trainer job ran on the device');
  for (const what of ['auto leaves a failed pass to the CPU', 'HJNET_DEVICE=cuda throws the CUDA error']) {
    tt.match(out, new RegExp(`^ok {3}fallback: ${what}`, 'm'), `evaluate fallback: ${what}`);
  }
  for (const what of ['auto: a CUDA error at the first step', 'auto: a CUDA error later in the job', 'HJNET_DEVICE=cuda: a CUDA error fails the job']) {
    tt.match(out, new RegExp(`^ok {3}trainer: ${what}`, 'm'), `training fallback: ${what}`);
  }
  for (const name of ['nonfinite32 weights, no fhat', 'hessian, longest top-k', 'ties', 'overflow32']) {
    tt.ok(out.includes(`\nok   ${name} `), `case '${name}' ran`);
  }
  tt.match(out, /^ok {3}pi: left to the CPU pass$/m, 'pi is left to the CPU pass');
});
