// Where job records live: an interface (a shared store for several replicas comes later) and
// the embedded one, a JSON file per job under HJNET_DATA_DIR/jobs, each write atomic.
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sweepTemp, writeJsonAtomic } from '../store/fs-atomic.js';
import { isFinished, isJobId, type JobRecord } from './job.js';

export interface JobStore {
  save(job: JobRecord): Promise<void>;
  get(id: string): Promise<JobRecord | undefined>;
  /** Every job, oldest first. */
  list(): Promise<JobRecord[]>;
}

export class FsJobStore implements JobStore {
  readonly #dir: string;

  private constructor(dir: string) {
    this.#dir = dir;
  }

  /**
   * Opens the store. Jobs that were queued or running when the process died are marked failed
   * ("interrupted"): their data lived only in memory, and a job is never reported running or
   * succeeded unless it is.
   */
  static async open(dataDir: string): Promise<FsJobStore> {
    const dir = join(dataDir, 'jobs');
    await mkdir(dir, { recursive: true });
    await sweepTemp(dir);
    const store = new FsJobStore(dir);
    const now = new Date().toISOString();
    for (const job of await store.list()) {
      if (!isFinished(job.status)) await store.save({ ...job, status: 'failed', error: 'interrupted', finished_at: now });
    }
    return store;
  }

  #path(id: string): string {
    if (!isJobId(id)) throw new RangeError(`Expected a job id like j_0123456789abcdef but received ${JSON.stringify(id)}`);
    return join(this.#dir, `${id}.json`);
  }

  async save(job: JobRecord): Promise<void> {
    await writeJsonAtomic(this.#path(job.id), job);
  }

  async get(id: string): Promise<JobRecord | undefined> {
    if (!isJobId(id)) return undefined;
    try {
      return JSON.parse(await readFile(this.#path(id), 'utf8')) as JobRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async list(): Promise<JobRecord[]> {
    const names = (await readdir(this.#dir)).filter((n) => n.endsWith('.json') && isJobId(n.slice(0, -5)));
    const jobs = await Promise.all(names.map((n) => this.get(n.slice(0, -5))));
    return (jobs.filter(Boolean) as JobRecord[]).sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }
}
