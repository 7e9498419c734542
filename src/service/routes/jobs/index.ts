// Training jobs (SPEC 3, 4): start, list, read, follow as server-sent events, cancel.
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { isFinished, type JobRecord } from '../../../jobs/job.js';
import { errorResponses } from '../../schemas/problem.js';
import { EventStream, JobList, JobParams, JobRecord as JobRecordSchema, TrainAccepted, TrainBody, jobNotFound } from '../../schemas/jobs.js';

const write = { auth: 'write' as const };
const security = [{ bearer: [] }];

/** Comment lines keep proxies from closing a quiet stream. */
export const HEARTBEAT_MS = 15_000;

const event = (name: string, data: unknown): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/train',
    {
      config: write,
      schema: {
        tags: ['jobs'],
        summary: 'Start a training job',
        description:
          'Validates the data and options (400 naming the field: shapes, non-finite values, N out of range ...), then queues the job. ' +
          'At most HJNET_TRAIN_CONCURRENCY jobs run at once; follow one with GET /v1/jobs/{id} or its event stream.',
        security,
        body: TrainBody,
        response: { 202: TrainAccepted, ...errorResponses(400, 401, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const job = await app.jobs.submit(request.body);
      return reply.code(202).header('location', `/v1/jobs/${job.id}`).send({ job_id: job.id });
    },
  );

  app.get(
    '/v1/jobs',
    { schema: { tags: ['jobs'], summary: 'List jobs, oldest first', response: { 200: JobList, ...errorResponses(429, 503) } } },
    async () => ({ jobs: await app.jobs.list() }),
  );

  app.get(
    '/v1/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Read a job: status, progress, history, model_id, error',
        params: JobParams,
        response: { 200: JobRecordSchema, ...errorResponses(400, 429, 503), ...jobNotFound },
      },
    },
    async (request) => app.jobs.get(request.params.id),
  );

  app.get(
    '/v1/jobs/:id/events',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Follow a job as server-sent events',
        description: 'One `progress` event per tick, then `end` with the final record; a finished job gets `end` at once.',
        params: JobParams,
        response: { 200: EventStream, ...errorResponses(400, 429, 503), ...jobNotFound },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const stream = new PassThrough();
      const cleanups: (() => void)[] = [];
      let closed = false;
      let last: JobRecord | undefined;
      const close = () => {
        if (closed) return;
        closed = true;
        for (const cleanup of cleanups) cleanup();
        stream.end();
      };
      const send = (job: JobRecord) => {
        if (closed) return;
        if (isFinished(job.status)) {
          stream.write(event('end', job));
          close();
          return;
        }
        if (job.status !== last?.status) stream.write(event('status', { status: job.status }));
        else if (job.progress !== last.progress) stream.write(event('progress', job.progress));
        last = job;
      };
      // Subscribe before reading, so no state between the two is lost; 404 while no byte is sent.
      cleanups.push(app.jobs.subscribe(id, send));
      let job: JobRecord;
      try {
        job = await app.jobs.get(id);
      } catch (err) {
        close();
        throw err;
      }
      // The state now, unless a newer one came meanwhile: the final record, or the status and the progress so far.
      if (last === undefined && !closed) {
        send(job);
        if (!isFinished(job.status) && (job.progress.step > 0 || job.progress.loss !== null)) stream.write(event('progress', job.progress));
      }
      if (!closed) {
        const heartbeat = setInterval(() => stream.write(': heartbeat\n\n'), HEARTBEAT_MS);
        heartbeat.unref();
        cleanups.push(() => clearInterval(heartbeat), app.jobs.onShutdown(close));
        // The client went away: stop listening (Fastify destroys the stream when the response closes early).
        stream.once('close', close);
        reply.raw.once('close', close);
      }
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache, no-transform')
        .header('x-accel-buffering', 'no')
        .send(stream);
    },
  );

  app.delete(
    '/v1/jobs/:id',
    {
      config: write,
      schema: {
        tags: ['jobs'],
        summary: 'Cancel a job',
        description: 'A queued or running job ends cancelled, with no model; a finished job is returned as it is.',
        security,
        params: JobParams,
        response: { 200: JobRecordSchema, ...errorResponses(400, 401, 429, 503), ...jobNotFound },
      },
    },
    async (request) => app.jobs.cancel(request.params.id),
  );
};

export default routes;
