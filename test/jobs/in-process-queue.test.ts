// The queue's order, bounds, cancellation and crash story, with a stand-in runner (the
// training itself is tested in test/engine/training).
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { FsJobStore } from '../../src/jobs/job-store.js';
import { InProcessQueue, type TrainRunner } from '../../src/jobs/in-process-queue.js';
import { appendHistory, HISTORY_LIMIT, type JobRecord } from '../../src/jobs/job.js';

/** A runner that ticks every 5 ms for `steps` steps unless aborted. */
function ticking(steps: number, outcome: 'ok' | 'fail' = 'ok'): TrainRunner & { running: number; peak: number } {
  const runner = (async (_request, { signal, onProgress }) => {
    runner.running++;
    runner.peak = Math.max(runner.peak, runner.running);
    try {
      for (let step = 1; step <= steps; step++) {
        if (signal.aborted) throw new Error('aborted');
        await sleep(5);
        onProgress({ step, steps, loss: 1 / step, val_metric: null });
      }
      if (outcome === 'fail') throw new Error('non-finite loss');
      return { model_id: 'm_0123456789abcdef' };
    } finally {
      runner.running--;
    }
  }) as TrainRunner & { running: number; peak: number };
  runner.running = 0;
  runner.peak = 0;
  return runner;
}

const submission = { name: null, task: 'regression', method: 'adam', steps: 10, request: {} };

async function until(queue: InProcessQueue, id: string, done: (job: JobRecord) => boolean): Promise<JobRecord> {
  for (;;) {
    const job = (await queue.get(id)) as JobRecord;
    if (done(job)) return job;
    await sleep(5);
  }
}

t.test('runs at most `concurrency` jobs and keeps the rest queued', async (t) => {
  const store = await FsJobStore.open(t.testdir());
  const run = ticking(10);
  const queue = new InProcessQueue({ store, run, concurrency: 2, persistEveryMs: 0 });
  const jobs = await Promise.all([1, 2, 3, 4, 5].map(() => queue.submit(submission)));
  t.equal(jobs[4].status, 'queued');
  const finished = await Promise.all(jobs.map((j) => until(queue, j.id, (x) => x.status === 'succeeded')));
  t.equal(run.peak, 2);
  await queue.close();
  for (const job of finished) {
    t.equal(job.model_id, 'm_0123456789abcdef');
    t.equal(job.progress.step, 10);
    t.equal(job.history.length, 10);
    t.ok(job.started_at && job.finished_at);
  }
  t.same((await store.list()).map((j) => j.status), ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
});

t.test('cancels queued and running jobs, freeing the slot', async (t) => {
  const store = await FsJobStore.open(t.testdir());
  const queue = new InProcessQueue({ store, run: ticking(1000), concurrency: 1 });
  const first = await queue.submit(submission);
  const second = await queue.submit(submission);
  await until(queue, first.id, (j) => j.progress.step > 2);
  t.equal((await queue.cancel(second.id))?.status, 'cancelled');
  const started = Date.now();
  const cancelled = await queue.cancel(first.id);
  t.equal(cancelled?.status, 'cancelled');
  t.ok(Date.now() - started < 1000, 'the worker is free within a second');
  t.equal((await store.get(first.id))?.status, 'cancelled');
  const third = await queue.submit(submission);
  t.equal((await until(queue, third.id, (j) => j.status !== 'queued')).status, 'running');
  await queue.close();
  t.equal((await store.get(third.id))?.status, 'cancelled');
});

t.test('a failing run is failed with its reason and no model', async (t) => {
  const store = await FsJobStore.open(t.testdir());
  const queue = new InProcessQueue({ store, run: ticking(3, 'fail'), concurrency: 1 });
  const job = await queue.submit(submission);
  const done = await until(queue, job.id, (j) => j.status === 'failed');
  t.equal(done.error, 'non-finite loss');
  t.equal(done.model_id, null);
  await queue.close();
  t.equal((await store.get(job.id))?.error, 'non-finite loss');
});

t.test('subscribers see every state up to the end', async (t) => {
  const store = await FsJobStore.open(t.testdir());
  const queue = new InProcessQueue({ store, run: ticking(4), concurrency: 1 });
  const job = await queue.submit(submission);
  const seen: string[] = [];
  await new Promise<void>((resolve) => {
    queue.subscribe(job.id, (j) => {
      seen.push(`${j.status}:${j.progress.step}`);
      if (j.status === 'succeeded') resolve();
    });
  });
  t.same(seen.slice(-2), ['running:4', 'succeeded:4']);
  await queue.close();
});

t.test('after a crash, queued and running jobs read as failed: interrupted', async (t) => {
  const dir = t.testdir();
  const store = await FsJobStore.open(dir);
  // Ticks once, then hangs like a process that is about to be killed.
  const run: TrainRunner = async (_r, { signal, onProgress }) => {
    onProgress({ step: 1, steps: 10, loss: 1, val_metric: null });
    await new Promise((resolve) => signal.addEventListener('abort', resolve));
    throw new Error('aborted');
  };
  const queue = new InProcessQueue({ store, run, concurrency: 1, persistEveryMs: 0 });
  const running = await queue.submit(submission);
  const queued = await queue.submit(submission);
  await until(queue, running.id, (j) => j.progress.step === 1);
  await sleep(50);
  // No close(): the process "dies" here. A new store over the same directory recovers.
  const reopened = await FsJobStore.open(dir);
  for (const id of [running.id, queued.id]) {
    const job = await reopened.get(id);
    t.equal(job?.status, 'failed');
    t.equal(job?.error, 'interrupted');
  }
  await queue.close();
});

t.test('history is thinned, never unbounded', async (t) => {
  const store = await FsJobStore.open(t.testdir());
  const steps = HISTORY_LIMIT * 3;
  const run: TrainRunner = async (_r, { onProgress }) => {
    for (let step = 1; step <= steps; step++) onProgress({ step, steps, loss: step, val_metric: null });
    return { model_id: 'm_0123456789abcdef' };
  };
  const queue = new InProcessQueue({ store, run, concurrency: 1 });
  const job = await queue.submit(submission);
  const done = await until(queue, job.id, (j) => j.status === 'succeeded');
  t.ok(done.history.length <= HISTORY_LIMIT);
  t.equal(done.history.at(-1)?.step, steps);
  await queue.close();
});

t.test('ids are validated before any path is built', async (t) => {
  const store = await FsJobStore.open(t.testdir());
  t.equal(await store.get('../../etc/passwd'), undefined);
  t.equal(await store.get('j_0123456789abcdef'), undefined);
});

t.test('a queued job shows its steps; a tick at an earlier or equal step replaces the entries it overtakes', async (t) => {
  const store = await FsJobStore.open(t.testdir());
  const queue = new InProcessQueue({ store, run: ticking(1000), concurrency: 1, persistEveryMs: 0 });
  await queue.submit(submission);
  const queued = await queue.submit({ ...submission, steps: 1234 });
  t.match(queued, { status: 'queued', progress: { step: 0, steps: 1234 } });
  await queue.close();

  const tick = (step: number, loss: number) => ({ step, steps: 3, loss, val_metric: null });
  let history = [tick(1, 3), tick(2, 2), tick(3, 1)];
  history = appendHistory(history, tick(3, 0.5));
  t.same(history, [tick(1, 3), tick(2, 2), tick(3, 0.5)], 'the final metrics replace the last report at the same step');
  t.same(appendHistory(history, tick(2, 9)).map((h) => h.step), [1, 2]);
});

t.test('a job that finishes while the list is read is listed as it ended', async (t) => {
  const fs = await FsJobStore.open(t.testdir());
  // The store's list reads the files, then waits while the job's last write lands and the job
  // leaves the queue: the files it read are one write behind.
  let during: (() => Promise<void>) | undefined;
  const store = {
    save: (job: JobRecord) => fs.save(job),
    get: (id: string) => fs.get(id),
    list: async () => {
      const read = await fs.list();
      await during?.();
      return read;
    },
  };
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const run: TrainRunner = async () => {
    await gate;
    return { model_id: 'm_0123456789abcdef' };
  };
  const queue = new InProcessQueue({ store, run, concurrency: 1, persistEveryMs: 60_000 });
  const job = await queue.submit(submission);
  await until(queue, job.id, (x) => x.status === 'running');
  during = async () => {
    release();
    await until(queue, job.id, (x) => x.status === 'succeeded');
    await sleep(50);  // the final write, then the job leaves the queue
  };
  const [listed] = await queue.list();
  t.equal(listed.status, 'succeeded');
  t.equal(listed.model_id, 'm_0123456789abcdef');
  await queue.close();
});
