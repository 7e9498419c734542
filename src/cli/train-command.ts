// hjnet train: read the data, check the request, train in this process with progress on stderr
// (Ctrl-C cancels), then write or register the model.
import { isFieldError } from '../engine/errors.js';
import { parseTrainRequest, train, type TrainRequest } from '../engine/training/index.js';
import { readDataset } from './dataset.js';
import { optionOfField, parseTrainArgs } from './options.js';
import { registerModel, writeModelFile } from './output.js';
import { createReporter } from './progress.js';
import { EXIT, TRAIN_HELP, UsageError } from './usage.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

/** A request field error as the command line says it: the option, or the data file. */
function explain(err: unknown): never {
  if (isFieldError(err)) {
    const option = optionOfField(err.field);
    if (option) throw new UsageError(`Option ${option}: expected ${err.expected}, received ${err.received}`, 'train');
    const field = err.field.replace(/^data\.X/, 'inputs').replace(/^data\.y/, 'targets');
    throw new RangeError(`Bad data (${field}): expected ${err.expected}, received ${err.received}`);
  }
  throw err;
}

export async function trainCommand(args: string[]): Promise<number> {
  const settings = parseTrainArgs(args);
  if (settings.help) {
    process.stdout.write(TRAIN_HELP);
    return EXIT.ok;
  }
  const data = await readDataset(settings.file, { target: settings.target, labels: settings.labels, limit: settings.limit });
  const task = settings.train.task ?? (data.format === 'idx' ? 'classification' : 'regression');
  const request: TrainRequest = { ...settings.train, task, data: { X: data.X, y: data.y } };
  let plan: ReturnType<typeof parseTrainRequest>;
  try {
    plan = parseTrainRequest(request);
  } catch (err) {
    explain(err);
  }
  log(`hjnet: ${task} by ${plan.method} on ${data.description} (n = ${plan.n}, d = ${plan.d}${plan.K > 1 ? `, K = ${plan.K}` : ''})`);

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.cancelled);
    log('\nhjnet: cancelling (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const reporter = createReporter();
  let result: Awaited<ReturnType<typeof train>>;
  try {
    result = await train(request, { signal: controller.signal, onProgress: (p) => reporter.update(p) });
  } catch (err) {
    reporter.stop();
    if (controller.signal.aborted) {
      log('hjnet: cancelled, nothing written');
      return EXIT.cancelled;
    }
    explain(err);
  } finally {
    reporter.stop();
    process.off('SIGINT', onSigint);
  }

  const { spec } = result;
  const training = spec.training as { N: number; steps: number; metrics: Record<string, number | null> };
  const metrics = Object.entries(training.metrics)
    .map(([k, v]) => `${k} ${v === null ? '-' : v.toPrecision(4)}`)
    .join(', ');
  log(`hjnet: trained N = ${training.N}, eps = ${spec.eps.toPrecision(4)}, t = ${spec.t?.toPrecision(4)}, ${training.steps} steps; ${metrics}`);

  const summary: Record<string, unknown> = { task, method: plan.method, N: training.N, eps: spec.eps, t: spec.t, metrics: training.metrics };
  if (settings.out !== undefined) {
    await writeModelFile(settings.out, spec);
    summary.out = settings.out;
    log(`hjnet: wrote ${settings.out}`);
  }
  if (settings.server !== undefined) {
    summary.model_id = await registerModel(settings.server, spec, settings.apiKey);
    log(`hjnet: registered with ${settings.server} as ${summary.model_id}`);
  }
  if (settings.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else for (const line of [summary.out, summary.model_id]) if (line !== undefined) process.stdout.write(`${line}\n`);
  return EXIT.ok;
}
