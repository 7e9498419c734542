// Every error leaves as application/problem+json (RFC 9457): schema validation and engine argument
// errors as 400 naming the field, limits naming their environment variable, the rest by status.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isFieldError } from '../../../engine/errors.js';
import { DataFormatError, TensorError } from '../../../data/errors.js';
import { shared } from '../../lib/plugin.js';
import { HttpProblem, problem, type ProblemDetails } from '../../lib/problem.js';
import { describeJson, fieldFromPointer } from '../../lib/field.js';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  data?: unknown;
}

function fromValidation(err: FastifyError): ProblemDetails {
  const first = (err.validation as unknown as AjvError[])[0];
  const context = err.validationContext ?? 'body';
  let field = fieldFromPointer(first.instancePath);
  // ajv says "must be array": the problem says what was expected, "array".
  let expected = (first.message ?? 'a valid value').replace(/^must (be )?/, '');
  let received = describeJson(first.data);
  if (first.keyword === 'required') {
    field = field ? `${field}.${String(first.params.missingProperty)}` : String(first.params.missingProperty);
    expected = 'a value (required field)';
    received = 'nothing';
  } else if (first.keyword === 'additionalProperties') {
    const extra = String(first.params.additionalProperty);
    field = field ? `${field}.${extra}` : extra;
    expected = 'no such property';
    received = describeJson((first.data as Record<string, unknown> | undefined)?.[extra]);
  }
  if (context !== 'body') field = field ? `${context}.${field}` : context;
  return fieldProblem(field || context, expected, received);
}

function fieldProblem(field: string, expected: string, received: string): ProblemDetails {
  return problem(400, `Expected ${expected} for ${field} but received ${received}`, { field, expected, received });
}

export function toProblem(err: FastifyError | Error, request: FastifyRequest): ProblemDetails {
  const e = err as FastifyError;
  if (err instanceof HttpProblem) return problem(err.status, err.detail, err.extras);
  if (e.validation) return fromValidation(e);
  // The detail is rebuilt from the parts so a prefixed field ("model.W") reads the same in both.
  if (err instanceof TensorError) return fieldProblem(err.path, err.expected, err.received);
  if (isFieldError(err)) return fieldProblem(err.field, err.expected, err.received);
  if (err instanceof DataFormatError) return problem(400, err.message);
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = request.server.config.bodyLimit;
      return problem(413, `Request body is larger than HJNET_BODY_LIMIT (${limit} bytes); send tensors as base64 or split the batch`, {
        limit: 'HJNET_BODY_LIMIT',
      });
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, `Unsupported Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')}; send application/json`);
    case 'FST_UNDER_PRESSURE':
      return problem(503, `The server is overloaded (event-loop delay or memory above its under-pressure thresholds, e.g. HJNET_MAX_EVENT_LOOP_DELAY_MS); retry after ${request.server.config.retryAfterS} s`, {
        limit: 'HJNET_MAX_EVENT_LOOP_DELAY_MS',
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, 'Expected a JSON body, received an empty body', { field: 'body', expected: 'JSON object', received: 'empty body' });
  }
  const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
  // Client errors explain themselves; server errors are logged, not leaked.
  return problem(status, status < 500 ? err.message : 'The server failed to handle this request; see its log for the request id');
}

export function sendProblem(reply: FastifyReply, details: ProblemDetails): FastifyReply {
  const body = { ...details, instance: reply.request.url, request_id: String(reply.request.id) };
  return reply.code(details.status).type('application/problem+json').send(body);
}

export default shared('hjnet-errors', async (app: FastifyInstance) => {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const details = toProblem(err, request);
    if (details.status >= 500 && details.status !== 503) request.log.error({ err }, 'request failed');
    else request.log.info({ problem: details.detail, field: details.field }, 'request refused');
    if (err instanceof HttpProblem) reply.headers(err.headers);
    return sendProblem(reply, details);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem(404, `No route ${request.method} ${request.url.split('?')[0]}`)),
  );
});
