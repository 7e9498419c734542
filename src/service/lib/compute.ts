// The three operations as the routes run them, on a stored or an inline model: the queries'
// shape first (a 400; the budgets trust B), then the budgets (a 422), the engine (measured by
// app.engine) and the wire encoding. No math here.
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import type { AttributeResponse, CertifyResponse, EvaluateResponse } from '../schemas/compute.js';
import { readQueries } from '../../engine/tensor-input.js';
import type { AttributeOptions, CertifyOptions, EvaluateOptions, Model, OutputName } from '../../engine/types.js';
import { checkOutput, checkWork } from './budget.js';
import { encodeResult, finiteOrNull, type Encoding } from './tensors.js';

interface Common {
  X: unknown;
  eps?: number;
  precision?: 'float32' | 'float64';
  encoding?: Encoding;
}
export interface EvaluateRequest extends Common {
  outputs?: OutputName[];
  topk?: number;
}
export interface AttributeRequest extends Common {
  head?: number;
  k?: number;
  mass?: number;
}
export interface CertifyRequest extends Common {
  tau?: number;
  head?: number;
  target?: 'u' | 'f';
  attack?: { steps?: number };
}

/** Extra passes a request makes beyond its first, e.g. attack steps; counted in the work budget. */
export function passesOf(op: 'evaluate' | 'attribute' | 'certify', body: { attack?: { steps?: number } }): number {
  if (op !== 'certify' || body.attack === undefined) return 1;
  return 1 + 2 * (body.attack.steps ?? 20);
}

function options<T extends object>(body: T, keys: (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const k of keys) if (body[k] !== undefined) out[k] = body[k];
  return out;
}

export async function evaluate(app: FastifyInstance, model: Model, body: EvaluateRequest): Promise<Static<typeof EvaluateResponse>> {
  const { K, N, d, task } = model.info;
  const X = readQueries(body.X, model.info.d);
  const B = X.shape[0];
  checkWork(app.config, B, N, K);
  const outputs = new Set(body.outputs ?? []);
  const perHead =
    2 +
    (outputs.has('entropy') ? 1 : 0) +
    (outputs.has('hessian_norm') ? 1 : 0) +
    (outputs.has('pi') ? N : 0) +
    (outputs.has('grad_f') ? d : 0) +
    (outputs.has('grad_u') ? d : 0) +
    2 * Math.min(body.topk ?? 0, N) +
    (task === 'classification' ? 1 : 0);
  checkOutput(app.config, B * K * perHead + B);
  const opts: EvaluateOptions = options(body, ['eps', 'precision', 'outputs', 'topk']);
  const result = await app.engine.run('evaluate', () => model.evaluate(X, opts));
  return encodeResult(result, body.encoding ?? 'json') as Static<typeof EvaluateResponse>;
}

export async function attribute(app: FastifyInstance, model: Model, body: AttributeRequest): Promise<Static<typeof AttributeResponse>> {
  const { K, N } = model.info;
  const X = readQueries(body.X, model.info.d);
  const B = X.shape[0];
  checkWork(app.config, B, N, K);
  checkOutput(app.config, B * (5 + 4 * Math.min(body.k ?? 10, N)));
  const opts: AttributeOptions = options(body, ['eps', 'precision', 'head', 'k', 'mass']);
  const result = await app.engine.run('attribute', () => model.attribute(X, opts));
  return finiteOrNull(result) as Static<typeof AttributeResponse>;
}

export async function certifyRadius(app: FastifyInstance, model: Model, body: CertifyRequest): Promise<Static<typeof CertifyResponse>> {
  const { K, N } = model.info;
  const X = readQueries(body.X, model.info.d);
  const B = X.shape[0];
  checkWork(app.config, B, N, K, passesOf('certify', body));
  checkOutput(app.config, B * 10);
  const opts: CertifyOptions = options(body, ['eps', 'precision', 'tau', 'head', 'target', 'attack']);
  const result = await app.engine.run('certify_radius', () => model.certifyRadius(X, opts));
  return finiteOrNull(result) as Static<typeof CertifyResponse>;
}
