// The training queue as the service sees it; the in-process runner implements it, a queue
// shared by several machines can later.
import type { JobRecord } from './job.js';

export interface TrainSubmission {
  name: string | null;
  task: string;
  method: string;
  /** Optimisation steps the job will run (0 for closed-form): a queued job's progress.steps. */
  steps: number;
  /** The validated request, handed to the runner untouched. */
  request: unknown;
}

export interface TrainQueue {
  submit(job: TrainSubmission): Promise<JobRecord>;
  get(id: string): Promise<JobRecord | undefined>;
  list(): Promise<JobRecord[]>;
  /** Cancels a queued or running job; finished jobs are returned as they are. */
  cancel(id: string): Promise<JobRecord | undefined>;
  /** Calls `listener` with every new state of the job; returns the unsubscribe function. */
  subscribe(id: string, listener: (job: JobRecord) => void): () => void;
  /** Cancels everything and waits for the running jobs to stop. */
  close(): Promise<void>;
}
