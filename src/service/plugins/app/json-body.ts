// The JSON body parser. It replaces Fastify's to refuse what JSON.parse lets through (lib/
// json-parse.ts), and parses bodies of HJNET_JSON_WORKER_BYTES or more in a worker thread, so
// that a large body does not stall the event loop. Reading the body through Fastify keeps
// HJNET_BODY_LIMIT in force (413 before any parsing).
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Piscina } from 'piscina';
import { parseJson, type JsonOutcome } from '../../lib/json-parse.js';
import { shared } from '../../lib/plugin.js';
import { invalid } from '../../lib/problem.js';

// The worker next to lib/json-parse.ts, compiled (.js) or as the tests run it (.ts).
const WORKER = new URL(`../../lib/json-parse-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

const PARSE_DEADLINE_MS = 30_000;

function settle(outcome: JsonOutcome): unknown {
  if ('body' in outcome) return outcome.body;
  const { field, expected, received, detail } = outcome.refused;
  throw invalid(field, expected, received, detail);
}

export default shared('hjnet-json-body', async (app: FastifyInstance) => {
  const threshold = app.config.jsonWorkerBytes;
  let pool: Piscina | undefined;
  const parseInWorker = (body: Buffer): Promise<JsonOutcome> => {
    // Started on the first large body, and stopped when idle, so most deployments never run it.
    pool ??= new Piscina({ filename: WORKER.href, minThreads: 0, maxThreads: Math.min(2, availableParallelism()), idleTimeout: 30_000 });
    // Fastify concatenates a body of this size into a Buffer of its own: moved, not copied.
    const owned = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
    const bytes = owned ? body : new Uint8Array(body);
    // A parse of HJNET_BODY_LIMIT takes well under a second: a task still running after
    // PARSE_DEADLINE_MS is stuck, and aborting it ends its thread (piscina starts another).
    return pool.run({ bytes }, { transferList: [bytes.buffer as ArrayBuffer], signal: AbortSignal.timeout(PARSE_DEADLINE_MS) });
  };
  app.addHook('onClose', async () => {
    await pool?.destroy();
  });

  // Only JSON is accepted: any other media type is a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    if (body.length === 0) {
      // A route without a body (DELETE) takes an empty one whatever its Content-Type: curl and
      // many clients send application/json on every request.
      if (request.routeOptions.schema?.body === undefined) done(null, undefined);
      else done(invalid('body', 'JSON object', 'empty body'), undefined);
      return;
    }
    if (body.length >= threshold) {
      parseInWorker(body)
        .then(settle)
        .then(
          (parsed) => done(null, parsed),
          (err: Error) => done(err, undefined),
        );
      return;
    }
    try {
      done(null, settle(parseJson(body.toString('utf8'))));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
});
