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
  schemaPath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  data?: unknown;
  parentSchema?: { title?: string; required?: string[] };
}

interface FieldIssue {
  field: string;
  /** Path segments of the field: a deeper issue is a more precise one. */
  depth: number;
  expected: string;
  received: string;
}

function issueOf(e: AjvError): FieldIssue {
  let field = fieldFromPointer(e.instancePath);
  let depth = e.instancePath.split('/').length - 1;
  // ajv says "must be array": the problem says what was expected, "array".
  let expected = (e.message ?? 'a valid value').replace(/^must (be )?/, '');
  let received = describeJson(e.data);
  if (e.keyword === 'required' || e.keyword === 'additionalProperties') {
    const key = String(e.keyword === 'required' ? e.params.missingProperty : e.params.additionalProperty);
    field = field ? `${field}.${key}` : key;
    depth++;
    expected = e.keyword === 'required' ? 'a value (required field)' : 'no such property';
    received = e.keyword === 'required' ? 'nothing' : describeJson((e.data as Record<string, unknown> | undefined)?.[key]);
  } else if (e.keyword === 'enum') {
    expected = `one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (e.keyword === 'const') {
    expected = JSON.stringify(e.params.allowedValue);
  } else if (e.keyword === 'type' && e.params.type === 'object' && e.parentSchema?.title) {
    // A named object form, e.g. "BinaryTensor {dtype, shape, data}".
    expected = `${e.parentSchema.title} {${(e.parentSchema.required ?? []).join(', ')}}`;
  }
  return { field, depth, expected, received };
}

/**
 * The issue to report. A union (nested arrays | binary tensor) yields the errors of each branch
 * and then its own "anyOf": the branch that got deepest into the value is the form the caller
 * meant (a binary tensor with a bad dtype is reported at X.dtype, not as "expected array"). When
 * no branch got past the union itself, each branch's expectation is listed.
 */
function issueOfValidation(errors: AjvError[]): FieldIssue {
  const union = errors.find((e) => e.keyword === 'anyOf');
  if (!union) return issueOf(errors[0]);
  // A branch can fail twice at one place ("auto": type string, then const): its last error is the precise one.
  const byBranch = new Map<string, FieldIssue>();
  for (const e of errors) {
    if (e === union) continue;
    const inUnion = e.schemaPath.startsWith(`${union.schemaPath}/`);
    byBranch.set(inUnion ? e.schemaPath.slice(union.schemaPath.length).split('/')[1] : e.schemaPath.split('/')[0], issueOf(e));
  }
  const branches = [...byBranch.values()];
  const deepest = branches.reduce((best, b) => (b.depth > best.depth ? b : best));
  if (deepest.depth > union.instancePath.split('/').length - 1) return deepest;
  return { ...deepest, expected: [...new Set(branches.map((b) => b.expected))].join(' or ') };
}

function fromValidation(err: FastifyError): ProblemDetails {
  const context = err.validationContext ?? 'body';
  const { field, expected, received } = issueOfValidation(err.validation as unknown as AjvError[]);
  const named = context === 'body' ? field : field ? `${context}.${field}` : context;
  return fieldProblem(named || context, expected, received);
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
    if (details.status >= 500 && details.status !== 503) {
      request.log.error({ err, route: `${request.method} ${request.routeOptions.url ?? request.url}` }, 'request failed');
    } else {
      request.log.info({ problem: details.detail, field: details.field }, 'request refused');
    }
    if (err instanceof HttpProblem) reply.headers(err.headers);
    return sendProblem(reply, details);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem(404, `No route ${request.method} ${request.url.split('?')[0]}`)),
  );
});
