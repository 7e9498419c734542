// scripts/gpu-check.sh where there is no GPU: it stops at once, exit 1, one line saying why, before
// it builds anything. (On a GPU machine the script itself is the test.)
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'gpu-check.sh');

function which(tool: string): string | null {
  const r = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Runs the script with a PATH of only bash and dirname, plus a stand-in nvidia-smi if given. */
function run(nvidiaSmi?: string) {
  const bin = mkdtempSync(join(tmpdir(), 'hjnet-gpu-check-'));
  try {
    for (const tool of ['bash', 'dirname']) symlinkSync(which(tool)!, join(bin, tool));
    if (nvidiaSmi !== undefined) {
      writeFileSync(join(bin, 'nvidia-smi'), `#!${which('bash')}\n${nvidiaSmi}\n`);
      chmodSync(join(bin, 'nvidia-smi'), 0o755);
    }
    return spawnSync(join(bin, 'bash'), [script], { encoding: 'utf8', env: { PATH: bin }, timeout: 30_000 });
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

t.test('the script parses', async (tt) => {
  tt.equal(spawnSync('bash', ['-n', script]).status, 0, 'bash -n');
  const shellcheck = which('shellcheck');
  if (shellcheck === null) tt.comment('shellcheck is not installed: skipped');
  else tt.equal(spawnSync(shellcheck, [script], { encoding: 'utf8' }).stdout, '', 'shellcheck finds nothing');
});

t.test('no GPU: exit 1 and one line why, nothing built', async (tt) => {
  const cases: [string, string | undefined, RegExp][] = [
    ['no driver (no nvidia-smi)', undefined, /^gpu-check: no NVIDIA GPU here: nvidia-smi is not installed/],
    [
      'nvidia-smi fails',
      'echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver."; echo "Make sure that the latest NVIDIA driver is installed and running."; exit 9',
      /^gpu-check: no NVIDIA GPU here: nvidia-smi lists none \(NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver\.\)$/,
    ],
    ['nvidia-smi lists no GPU', 'exit 0', /^gpu-check: no NVIDIA GPU here: nvidia-smi lists none/],
  ];
  for (const [name, smi, message] of cases) {
    const r = run(smi);
    tt.equal(r.status, 1, `${name}: exit 1`);
    tt.equal(r.stdout, '', `${name}: nothing on stdout`);
    tt.equal(r.stderr.trim().split('\n').length, 1, `${name}: one line on stderr`);
    tt.match(r.stderr.trim(), message, name);
  }
});
