// RFC 9457 problem details: the one error shape of the API. Routes throw an HttpProblem; the
// error handler (plugins/app/errors.ts) turns every other error into one.
import { STATUS_CODES } from 'node:http';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  /** Validation errors: the offending request field, e.g. "X[3][1]" or "model.W". */
  field?: string;
  expected?: string;
  received?: string;
  /** Limit errors: the environment variable that sets the limit. */
  limit?: string;
  request_id?: string;
}

export type ProblemExtras = Partial<Pick<ProblemDetails, 'field' | 'expected' | 'received' | 'limit' | 'type'>>;

export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly extras: ProblemExtras = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export function problem(status: number, detail: string, extras: ProblemExtras = {}): ProblemDetails {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, ...extras };
}

export function notFound(what: string, id: string): HttpProblem {
  return new HttpProblem(404, `No ${what} with id ${JSON.stringify(id)}`);
}

export function invalid(field: string, expected: string, received: string, detail?: string): HttpProblem {
  return new HttpProblem(400, detail ?? `Expected ${expected} for ${field} but received ${received}`, { field, expected, received });
}
