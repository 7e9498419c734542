// hjnet's command line: help texts, the version, and exit code 2 with a message naming the
// option for every malformed command.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { regressionCsv, run } from './fixtures/helper.js';

t.test('help and version', async (t) => {
  for (const args of [['--help'], ['-h'], ['help']]) {
    const res = await run(args);
    t.equal(res.code, 0, args.join(' '));
    t.match(res.stdout, /hjnet serve[\s\S]*hjnet train <file>/);
  }
  const bare = await run([]);
  t.equal(bare.code, 2, 'no command is a usage error');
  t.match(bare.stderr, /Usage:/);
  for (const args of [['train', '--help'], ['help', 'train']]) {
    const res = await run(args);
    t.equal(res.code, 0);
    t.match(res.stdout, /Usage: hjnet train <file>[\s\S]*--validation-split[\s\S]*--server URL/);
  }
  for (const args of [['serve', '--help'], ['help', 'serve']]) {
    const res = await run(args);
    t.equal(res.code, 0);
    t.match(res.stdout, /Usage: hjnet serve[\s\S]*--data-dir/);
  }
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
  t.equal((await run(['--version'])).stdout.trim(), pkg.version);
});

t.test('bad options exit 2 naming the option', async (t) => {
  const dir = t.testdir({ 'data.csv': regressionCsv(20) });
  const out = ['--out', 'm.safetensors'];
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /Unknown command "frobnicate"/],
    [['help', 'frobnicate'], /Unknown command "frobnicate"/],
    [['train', 'data.csv', '--bogus', ...out], /--bogus/],
    [['train', 'data.csv', '--steps', 'abc', ...out], /--steps/],
    [['train', 'data.csv', '--steps', '0', ...out], /--steps/],
    [['train', 'data.csv', '--N', '-3', ...out], /--N/],
    [['train', 'data.csv', '--lr', 'fast', ...out], /--lr/],
    [['train', 'data.csv', '--lr', '100', ...out], /--lr/],
    [['train', 'data.csv', '--eps', 'big', ...out], /--eps/],
    [['train', 'data.csv', '--method', 'sgd', ...out], /--method/],
    [['train', 'data.csv', '--task', 'ranking', ...out], /--task/],
    [['train', 'data.csv', '--batch-size', '0', ...out], /--batch-size/],
    [['train', 'data.csv', '--validation-split', '0.9', ...out], /--validation-split/],
    [['train', 'data.csv', '--N', '500', ...out], /--N/],
    [['train', 'data.csv', '--limit', 'x', ...out], /--limit/],
    [['train', 'data.csv', '--target', 'nope', ...out], /--target/],
    [['train', 'data.csv', '--server', 'ftp://x'], /--server/],
    [['train', 'data.csv', '--api-key', 'k', ...out], /--api-key/],
    [['train', 'data.csv', '--steps'], /--steps/],
    [['train', 'data.csv'], /--out FILE or --server URL/],
    [['train', ...out], /Missing the data file/],
    [['train', 'a.csv', 'b.csv', ...out], /b\.csv/],
    [['serve', '--port', '70000'], /--port/],
    [['serve', '--verbose'], /--verbose/],
    [['serve', 'now'], /"now"/],
  ];
  for (const [args, message] of cases) {
    const res = await run(args, { cwd: dir });
    t.equal(res.code, 2, `${args.join(' ')}: ${res.stderr.trim()}`);
    t.match(res.stderr, message, args.join(' '));
    t.match(res.stderr, /See hjnet( \w+)? --help\./);
    t.equal(res.stdout, '');
  }
});
