// Training jobs (SPEC 4): records in the job store under HJNET_DATA_DIR/jobs, at most
// HJNET_TRAIN_CONCURRENCY running at once in this process (src/jobs/in-process-queue.ts). A job
// trains with the engine's training library, off the event loop, and ends with a model in the
// registry whose `training` provenance names the job.
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import { rangeError } from '../../../engine/errors.js';
import { createModel, type ModelSpec, type TensorInput } from '../../../engine/index.js';
import { optimizerSteps, parseTrainRequest, train, type TrainRequest } from '../../../engine/training/index.js';
import { InProcessQueue, type RunContext } from '../../../jobs/in-process-queue.js';
import { FsJobStore } from '../../../jobs/job-store.js';
import { isFinished, type JobRecord } from '../../../jobs/job.js';
import type { TrainQueue } from '../../../jobs/queue.js';
import { prefixField } from '../../lib/field.js';
import { shared } from '../../lib/plugin.js';
import { notFound } from '../../lib/problem.js';
import { toEngineInput } from '../../lib/tensors.js';

export interface JobService {
  readonly queue: TrainQueue;
  /** Validates the request (field errors: 400) and queues it; resolves with the queued record. */
  submit(body: unknown): Promise<JobRecord>;
  list(): Promise<JobRecord[]>;
  /** The record; 404 problem when absent. */
  get(id: string): Promise<JobRecord>;
  /** Cancels a queued or running job (a finished one is returned as it is); 404 problem when absent. */
  cancel(id: string): Promise<JobRecord>;
  /** Every new state of the job until it finishes; returns the unsubscribe function. */
  subscribe(id: string, listener: (job: JobRecord) => void): () => void;
  /** Calls `close` when the app closes, before the server waits for its connections (event streams). */
  onShutdown(close: () => void): () => void;
}

declare module 'fastify' {
  interface FastifyInstance {
    jobs: JobService;
  }
}

/** The body with its binary tensors (data.X, data.y) decoded to typed arrays. */
function decodeData(body: unknown): TrainRequest {
  if (body === null || typeof body !== 'object') return body as TrainRequest;
  const request = body as TrainRequest;
  const data = request.data as unknown;
  if (data === null || typeof data !== 'object') return request;
  const { X, y } = data as { X: unknown; y: unknown };
  try {
    return { ...request, data: { X: toEngineInput(X, 'X'), y: toEngineInput(y, 'y') } as { X: TensorInput; y: TensorInput } };
  } catch (err) {
    throw prefixField(err, 'data.');
  }
}

/**
 * Checks that fail at once instead of failing the job later. parseTrainRequest bounds N by the
 * rows n; training needs N support points among the rows left after the validation split
 * (train.ts holds floor(n * validation_split) out).
 */
function validate(request: TrainRequest): ReturnType<typeof parseTrainRequest> {
  const plan = parseTrainRequest(request);
  const nTrain = plan.n - Math.floor(plan.n * plan.validationSplit);
  if (plan.N !== null && plan.N > nTrain) {
    throw rangeError('N', `at most ${nTrain} (the training rows left after validation_split ${plan.validationSplit} of ${plan.n})`, plan.N);
  }
  return plan;
}

function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

/** Refuses to store a model that is not finite everywhere (train() refuses already; this is the last guard). */
function assertFiniteSpec(spec: ModelSpec): void {
  const tensors = [spec.W, spec.b, spec.support?.y, spec.support?.g].filter(Boolean) as { data: ArrayLike<number> }[];
  const ok = Number.isFinite(spec.eps) && (spec.t === undefined || Number.isFinite(spec.t)) && tensors.every((x) => allFinite(x.data));
  if (!ok) throw new Error('non-finite model parameters');
}

export default shared('hjnet-jobs', async (app: FastifyInstance) => {
  const store = await FsJobStore.open(app.config.dataDir);

  async function run(request: unknown, { jobId, signal, onProgress }: RunContext): Promise<{ model_id: string }> {
    const result = await train(request as TrainRequest, { signal, onProgress });
    signal.throwIfAborted();
    const spec: ModelSpec = { ...result.spec, training: { job_id: jobId, ...result.spec.training } };
    assertFiniteSpec(spec);
    const model = await app.engine.run('create_model', () => createModel(spec));
    for (const tensor of Object.values(model.tensors())) if (!allFinite(tensor.data)) throw new Error('non-finite model parameters');
    // The final metrics as the job's last progress (closed-form has no optimisation ticks).
    const training = spec.training as { steps?: number; metrics?: Record<string, number | null> };
    const metrics = training.metrics ?? {};
    const steps = training.steps ?? 0;
    onProgress({ step: steps, steps, loss: metrics.train_loss ?? null, val_metric: metrics.val_rmse ?? metrics.val_accuracy ?? null });
    const record = await app.models.create(model);
    if (signal.aborted) {
      // Cancelled while the model was being stored: a cancelled job leaves no model.
      await app.models.delete(record.id).catch(() => {});
      signal.throwIfAborted();
    }
    return { model_id: record.id };
  }

  const queue = new InProcessQueue({
    store,
    run,
    concurrency: app.config.trainConcurrency,
    onStoreError: (err, job) => app.log.error({ err, job_id: job.id }, 'could not write a job record'),
  });

  const counts = new Gauge({
    name: 'hjnet_train_jobs',
    help: 'Training jobs in this process by status (queued, running)',
    labelNames: ['status'] as const,
    registers: [app.metrics],
  });
  let queued = 0;
  let running = 0;
  const countOf = new Map<string, 'queued' | 'running'>();
  function track(job: JobRecord): void {
    const before = countOf.get(job.id);
    const now = isFinished(job.status) ? undefined : (job.status as 'queued' | 'running');
    if (before === now) return;
    if (before === 'queued') queued--;
    if (before === 'running') running--;
    if (now === 'queued') queued++;
    if (now === 'running') running++;
    if (now) countOf.set(job.id, now);
    else countOf.delete(job.id);
    counts.set({ status: 'queued' }, queued);
    counts.set({ status: 'running' }, running);
  }

  const shutdown = new Set<() => void>();
  const service: JobService = {
    queue,
    async submit(body) {
      const request = decodeData(body);
      const plan = validate(request);
      const { adam, lbfgs } = optimizerSteps(plan);
      const job = await queue.submit({ name: plan.name, task: plan.task, method: plan.method, steps: adam + lbfgs, request });
      if (!isFinished(job.status)) {
        track(job);
        const unsubscribe = queue.subscribe(job.id, (next) => {
          track(next);
          if (isFinished(next.status)) unsubscribe();
        });
      }
      return job;
    },
    list: () => queue.list(),
    async get(id) {
      const job = await queue.get(id);
      if (!job) throw notFound('job', id);
      return job;
    },
    async cancel(id) {
      const job = await queue.cancel(id);
      if (!job) throw notFound('job', id);
      return job;
    },
    subscribe: (id, listener) => queue.subscribe(id, listener),
    onShutdown(close) {
      shutdown.add(close);
      return () => shutdown.delete(close);
    },
  };
  app.decorate('jobs', service);

  // Fastify waits for open connections after preClose: cancel the jobs first (their event
  // streams get the final record and end), then end whatever stream is left.
  app.addHook('preClose', async () => {
    await queue.close();
    for (const close of [...shutdown]) close();
  });
  app.addHook('onClose', async () => {
    await queue.close();
  });
});
