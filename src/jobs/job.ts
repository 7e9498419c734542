// A training job as the API reports it (SPEC section 3).
import { randomBytes } from 'node:crypto';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobProgress {
  step: number;
  steps: number;
  loss: number | null;
  val_metric: number | null;
}

export interface JobRecord {
  id: string;
  status: JobStatus;
  name: string | null;
  task: string;
  method: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  progress: JobProgress;
  /** Progress ticks, thinned to at most HISTORY_LIMIT points. */
  history: JobProgress[];
  model_id: string | null;
  error: string | null;
}

export const HISTORY_LIMIT = 500;
export const JOB_ID_PATTERN = /^j_[0-9a-f]{16}$/;

export function isJobId(id: unknown): id is string {
  return typeof id === 'string' && JOB_ID_PATTERN.test(id);
}

export function newJobId(): string {
  return `j_${randomBytes(8).toString('hex')}`;
}

export function isFinished(status: JobStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

/**
 * Appends a tick, halving the history (every other point) when it is full. A tick replaces the
 * entries at or after its step (the job's final metrics after the optimiser's last report at the
 * same step), so the steps strictly increase.
 */
export function appendHistory(history: JobProgress[], tick: JobProgress): JobProgress[] {
  let end = history.length;
  while (end > 0 && history[end - 1].step >= tick.step) end--;
  const previous = history.slice(0, end);
  const kept = previous.length >= HISTORY_LIMIT ? previous.filter((_, i) => i % 2 === 1) : previous;
  return [...kept, tick];
}
