// npm run example:fashion-mnist [-- --out DIR --data DIR --train-rows N --raw-rows N --test-rows N --steps N --seed N]
//
// Runs the example (example.ts) with the committed report's settings unless told otherwise, and
// writes DIR/FASHION_MNIST.md with its figures and results.json under DIR/fashion-mnist/
// (DIR defaults to reports/).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FASHION_MNIST_DIR, hasMnistFiles } from '../../src/data/mnist.js';
import { FULL_RUN, runFashionMnist, type ExampleOptions } from './example.js';
import { renderReport } from './report.js';

const USAGE = `usage: npm run example:fashion-mnist [-- options]
  --out DIR         where FASHION_MNIST.md and fashion-mnist/ go (default reports)
  --data DIR        MNIST-format directory (default $HJNET_FASHION_MNIST or ${FASHION_MNIST_DIR})
  --train-rows N    training rows of the PCA-50 models (default ${FULL_RUN.trainRows})
  --raw-rows N      training rows of the raw-pixel model, 0 to leave it out (default ${FULL_RUN.rawRows})
  --test-rows N     test rows evaluated and certified (default ${FULL_RUN.testRows})
  --steps N         Adam steps of the PCA-50 model (default ${FULL_RUN.steps})
  --seed N          training seed (default ${FULL_RUN.seed})
`;

const INTEGER_OPTIONS = { 'train-rows': 'trainRows', 'raw-rows': 'rawRows', 'test-rows': 'testRows', steps: 'steps', seed: 'seed' } as const;

class UsageError extends Error {}

function options(argv: string[]): { out: string; run: ExampleOptions; help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        out: { type: 'string' },
        data: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(Object.keys(INTEGER_OPTIONS).map((k) => [k, { type: 'string' as const }])),
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const run: ExampleOptions = {
    ...FULL_RUN,
    dataDir: (v.data as string | undefined) ?? process.env.HJNET_FASHION_MNIST ?? FASHION_MNIST_DIR,
    log: (m) => process.stderr.write(`[fashion-mnist] ${m}\n`),
  };
  for (const [flag, key] of Object.entries(INTEGER_OPTIONS)) {
    const text = v[flag] as string | undefined;
    if (text === undefined) continue;
    if (!/^\d+$/.test(text)) throw new UsageError(`--${flag} must be a non-negative integer, received "${text}"`);
    run[key] = Number(text);
  }
  return { out: (v.out as string | undefined) ?? 'reports', run, help: v.help === true };
}

async function main(argv: string[]): Promise<void> {
  const { out, run, help } = options(argv);
  if (help) {
    process.stdout.write(USAGE);
    return;
  }
  if (!(await hasMnistFiles(run.dataDir))) {
    throw new UsageError(`no Fashion-MNIST under ${run.dataDir}: install Debian's dataset-fashion-mnist, or pass --data DIR`);
  }
  const result = await runFashionMnist(run);
  const figureDir = 'fashion-mnist';
  await mkdir(join(out, figureDir), { recursive: true });
  for (const f of result.figures) await writeFile(join(out, figureDir, f.file), f.content);
  await writeFile(join(out, figureDir, 'results.json'), `${JSON.stringify({ meta: result.meta, models: result.models }, null, 2)}\n`);
  const command = ['npm run example:fashion-mnist', ...(argv.length ? ['--', ...argv] : [])].join(' ');
  await writeFile(join(out, 'FASHION_MNIST.md'), renderReport(result, command, figureDir));
  run.log(`wrote ${join(out, 'FASHION_MNIST.md')} and ${result.figures.length} figures in ${join(out, figureDir)} [${(result.meta.wall_s as number).toFixed(1)} s]`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // Bad settings (UsageError, or a RangeError from the example's checks): the message and exit code 2.
  const usage = err instanceof UsageError || err instanceof RangeError;
  process.stderr.write(`${usage ? `${(err as Error).message}\n${USAGE}` : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(usage ? 2 : 1);
});
