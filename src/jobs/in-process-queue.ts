// Runs training jobs in this process, at most `concurrency` at a time (HJNET_TRAIN_CONCURRENCY),
// the rest queued. The training itself runs in native code off the event loop; this class only
// keeps the records, the order and the cancellation.
import { EventEmitter } from 'node:events';
import { appendHistory, isFinished, newJobId, type JobProgress, type JobRecord, type JobStatus } from './job.js';
import type { JobStore } from './job-store.js';
import type { TrainQueue, TrainSubmission } from './queue.js';

export interface RunContext {
  /** The job being run (the trained model's provenance names it). */
  jobId: string;
  signal: AbortSignal;
  onProgress(progress: JobProgress): void;
}

/** Trains and stores the model; resolves with its id. Rejects to fail the job. */
export type TrainRunner = (request: unknown, context: RunContext) => Promise<{ model_id: string }>;

export interface InProcessQueueOptions {
  store: JobStore;
  run: TrainRunner;
  concurrency: number;
  /** Progress is written to the store at most this often (the final state always). */
  persistEveryMs?: number;
  /** Told when a record could not be written (the job goes on; its last state is retried). */
  onStoreError?: (err: Error, job: JobRecord) => void;
}

interface Active {
  job: JobRecord;
  request: unknown;
  controller: AbortController;
  settled?: Promise<void>;
  lastSaved: number;
}

export class InProcessQueue implements TrainQueue {
  readonly #options: Required<InProcessQueueOptions>;
  readonly #active = new Map<string, Active>();
  readonly #waiting: string[] = [];
  readonly #events = new EventEmitter();
  readonly #writes = new Map<string, Promise<void>>();
  #running = 0;

  constructor(options: InProcessQueueOptions) {
    this.#options = { persistEveryMs: 1000, onStoreError: () => {}, ...options };
    this.#events.setMaxListeners(0);
  }

  async submit(submission: TrainSubmission): Promise<JobRecord> {
    const job: JobRecord = {
      id: newJobId(),
      status: 'queued',
      name: submission.name,
      task: submission.task,
      method: submission.method,
      created_at: new Date().toISOString(),
      started_at: null,
      finished_at: null,
      progress: { step: 0, steps: submission.steps, loss: null, val_metric: null },
      history: [],
      model_id: null,
      error: null,
    };
    await this.#options.store.save(job);
    this.#active.set(job.id, { job, request: submission.request, controller: new AbortController(), lastSaved: 0 });
    this.#waiting.push(job.id);
    this.#pump();
    return job;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return this.#active.get(id)?.job ?? this.#options.store.get(id);
  }

  async list(): Promise<JobRecord[]> {
    // Taken before the read: a job that finishes during it leaves #active once its last write
    // is on disk, which the read may have missed.
    const active = new Map(this.#active);
    const stored = await this.#options.store.list();
    return stored.map((job) => (active.get(job.id) ?? this.#active.get(job.id))?.job ?? job);
  }

  async cancel(id: string): Promise<JobRecord | undefined> {
    const active = this.#active.get(id);
    if (!active) return this.#options.store.get(id);
    const waitingAt = this.#waiting.indexOf(id);
    if (waitingAt >= 0) {
      this.#waiting.splice(waitingAt, 1);
      await this.#finish(active, 'cancelled', null, null);
      return active.job;
    }
    active.controller.abort();
    await active.settled;
    return active.job;
  }

  subscribe(id: string, listener: (job: JobRecord) => void): () => void {
    this.#events.on(id, listener);
    return () => this.#events.off(id, listener);
  }

  async close(): Promise<void> {
    const ids = [...this.#active.keys()];
    await Promise.all(ids.map((id) => this.cancel(id)));
    await Promise.all(this.#writes.values());
  }

  #pump(): void {
    while (this.#running < this.#options.concurrency && this.#waiting.length > 0) {
      const active = this.#active.get(this.#waiting.shift() as string) as Active;
      this.#running++;
      active.settled = this.#start(active).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
  }

  async #start(active: Active): Promise<void> {
    this.#update(active, { status: 'running', started_at: new Date().toISOString() }, true);
    const { signal } = active.controller;
    try {
      const { model_id } = await this.#options.run(active.request, {
        jobId: active.job.id,
        signal,
        onProgress: (progress) => {
          if (isFinished(active.job.status)) return;
          const now = Date.now();
          const save = now - active.lastSaved >= this.#options.persistEveryMs;
          this.#update(active, { progress, history: appendHistory(active.job.history, progress) }, save);
        },
      });
      await this.#finish(active, signal.aborted ? 'cancelled' : 'succeeded', signal.aborted ? null : model_id, null);
    } catch (err) {
      await this.#finish(active, signal.aborted ? 'cancelled' : 'failed', null, signal.aborted ? null : (err as Error).message);
    }
  }

  async #finish(active: Active, status: JobStatus, model_id: string | null, error: string | null): Promise<void> {
    this.#update(active, { status, model_id, error, finished_at: new Date().toISOString() }, true);
    await this.#writes.get(active.job.id);
    this.#active.delete(active.job.id);
    this.#writes.delete(active.job.id);
  }

  /** New state in memory and to listeners; to the store in order, one write at a time per job. */
  #update(active: Active, change: Partial<JobRecord>, persist: boolean): void {
    active.job = { ...active.job, ...change };
    this.#events.emit(active.job.id, active.job);
    if (!persist) return;
    active.lastSaved = Date.now();
    const snapshot = active.job;
    const previous = this.#writes.get(snapshot.id) ?? Promise.resolve();
    const write = previous.then(() => this.#options.store.save(snapshot)).catch((err: Error) => this.#options.onStoreError(err, snapshot));
    this.#writes.set(snapshot.id, write);
  }
}
