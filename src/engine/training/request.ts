// The body of POST /v1/train (SPEC section 4), checked field by field into a plan.
import { Described, rangeError, typeError } from '../errors.js';
import { checkEps, checkT } from '../spec.js';
import { readTensor } from '../tensor-input.js';
import type { Precision, Task, TensorInput } from '../types.js';

export type TrainMethod = 'adam' | 'lbfgs' | 'closed-form' | 'fixed-support';
export type Parametrization = 'support' | 'weights';

export interface TrainRequest {
  name?: string;
  task: Task;
  /** X [n, d]; y: targets [n] | [n, K] (regression) or class labels [n] in 0..K-1 (classification). */
  data: { X: TensorInput; y: TensorInput };
  method?: TrainMethod;
  /** Support points (neurons) per head. */
  N?: number;
  /** Viscosity in raw units, or "auto" (the generalisation gauge). */
  eps?: number | 'auto';
  /** Gauge time in raw units, or "auto". */
  t?: number | 'auto';
  /** Adam steps / L-BFGS iterations. */
  steps?: number;
  lr?: number;
  batch_size?: number;
  seed?: number;
  validation_split?: number;
  parametrization?: Parametrization;
  /** true (patience 10 evaluations) or {patience}; keeps the parameters of the best validation. */
  early_stopping?: boolean | { patience?: number };
  /** lbfgs: Adam steps before L-BFGS. */
  warm_start_steps?: number;
  /** fixed-support: how g is fitted (default "lbfgs": the problem is convex). */
  optimizer?: 'adam' | 'lbfgs';
  /** Arithmetic of the fused pass (parameters and optimiser state stay float64). */
  precision?: Precision;
}

export interface TrainPlan {
  name: string | null;
  task: Task;
  method: TrainMethod;
  parametrization: Parametrization;
  X: Float64Array;
  n: number;
  d: number;
  /** Regression: targets [n, K]; classification: labels. */
  targets: Float64Array | null;
  labels: Int32Array | null;
  K: number;
  N: number | null;
  eps: number | 'auto' | null;
  t: number | 'auto' | null;
  steps: number;
  warmStartSteps: number;
  optimizer: 'adam' | 'lbfgs';
  lr: number;
  batchSize: number;
  seed: number;
  validationSplit: number;
  patience: number;
  precision: Precision;
}

/** Adam steps, then L-BFGS iterations (numbered on from the Adam steps), that a plan runs; closed-form runs none. */
export function optimizerSteps(plan: TrainPlan): { adam: number; lbfgs: number } {
  if (plan.method === 'closed-form') return { adam: 0, lbfgs: 0 };
  const lbfgs = plan.method === 'lbfgs' || (plan.method === 'fixed-support' && plan.optimizer === 'lbfgs');
  return { adam: plan.method === 'lbfgs' ? plan.warmStartSteps : lbfgs ? 0 : plan.steps, lbfgs: lbfgs ? plan.steps : 0 };
}

const METHODS: readonly TrainMethod[] = ['adam', 'lbfgs', 'closed-form', 'fixed-support'];
const MAX_STEPS = 10_000_000;

function integer(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw typeError(field, 'integer', value);
  if (!Number.isInteger(value) || value < min || value > max) throw rangeError(field, `integer in [${min}, ${max}]`, value);
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, options: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw typeError(field, options.map((o) => `"${o}"`).join(' or '), value);
  if (!options.includes(value as T)) throw rangeError(field, options.map((o) => `"${o}"`).join(' or '), value);
  return value as T;
}

function gauge(value: unknown, field: string, check: (v: unknown, f: string) => number): number | 'auto' | null {
  if (value === undefined) return null;
  if (value === 'auto') return 'auto';
  if (typeof value === 'string') throw rangeError(field, '"auto" or a number', value);
  return check(value, field);
}

function readLabels(y: Float64Array | Float32Array, n: number): { labels: Int32Array; K: number } {
  const labels = new Int32Array(n);
  let K = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (!Number.isInteger(v) || v < 0 || v > 1_000_000) throw rangeError(`data.y[${i}]`, 'class label: integer in [0, 1000000]', v);
    labels[i] = v;
    K = Math.max(K, v + 1);
  }
  if (K < 2) throw rangeError('data.y', 'at least two classes (labels 0..K-1, K >= 2)', new Described(`K = ${K}`));
  return { labels, K };
}

export function parseTrainRequest(request: TrainRequest): TrainPlan {
  if (request === null || typeof request !== 'object') throw typeError('request', 'object', request);
  const r = request as unknown as Record<string, unknown>;
  if (r.name !== undefined && r.name !== null && (typeof r.name !== 'string' || r.name.length > 200)) {
    throw typeError('name', 'string of at most 200 characters', r.name);
  }
  if (r.task === undefined) throw typeError('task', '"regression" or "classification"', r.task);
  const task = oneOf<Task>(r.task, 'task', ['regression', 'classification'], 'regression');
  const method = oneOf(r.method, 'method', METHODS, 'adam');
  const parametrization = oneOf<Parametrization>(r.parametrization, 'parametrization', ['support', 'weights'], 'support');
  if (parametrization === 'weights' && (method === 'closed-form' || method === 'fixed-support')) {
    throw rangeError('parametrization', `"support" for method "${method}" (it places support points)`, parametrization);
  }

  const data = r.data as Record<string, unknown> | undefined;
  if (data === null || typeof data !== 'object') throw typeError('data', 'object {X, y}', data);
  const X = readTensor(data.X, 'data.X', [2]);
  const [n, d] = X.shape.length === 2 ? X.shape : [0, 0];
  if (n < 2 || d < 1) throw rangeError('data.X', 'shape [n, d] with n >= 2, d >= 1', new Described(`shape [${X.shape.join(', ')}]`));
  const Y = readTensor(data.y, 'data.y', task === 'regression' ? [1, 2] : [1]);
  if (Y.shape[0] !== n) throw rangeError('data.y', `${n} rows to match data.X`, new Described(`shape [${Y.shape.join(', ')}]`));
  let targets: Float64Array | null = null;
  let labels: Int32Array | null = null;
  let K: number;
  if (task === 'regression') {
    K = Y.shape.length === 2 ? Y.shape[1] : 1;
    if (K < 1) throw rangeError('data.y', 'shape [n] or [n, K] with K >= 1', new Described(`shape [${Y.shape.join(', ')}]`));
    targets = Float64Array.from(Y.data);
  } else {
    ({ labels, K } = readLabels(Y.data, n));
  }

  const N = r.N === undefined ? null : integer(r.N, 'N', 1, n, 0);
  const eps = gauge(r.eps, 'eps', checkEps);
  const t = gauge(r.t, 't', checkT);
  const optimizer = oneOf<'adam' | 'lbfgs'>(r.optimizer, 'optimizer', ['adam', 'lbfgs'], method === 'adam' ? 'adam' : 'lbfgs');
  if (r.optimizer !== undefined && method !== 'fixed-support') {
    throw rangeError('optimizer', 'no optimizer field except for method "fixed-support"', r.optimizer);
  }
  const usesLbfgs = method === 'lbfgs' || (method === 'fixed-support' && optimizer === 'lbfgs');
  const steps = integer(r.steps, 'steps', 1, MAX_STEPS, usesLbfgs ? 200 : 2000);
  const warmStartSteps = integer(r.warm_start_steps, 'warm_start_steps', 0, MAX_STEPS, 0);
  if (r.warm_start_steps !== undefined && method !== 'lbfgs') {
    throw rangeError('warm_start_steps', 'no warm start except for method "lbfgs"', r.warm_start_steps);
  }
  let lr = parametrization === 'weights' ? 1e-3 : 1e-2;
  if (r.lr !== undefined) {
    if (typeof r.lr !== 'number') throw typeError('lr', 'number', r.lr);
    if (!(r.lr > 0 && r.lr <= 10)) throw rangeError('lr', 'number in (0, 10]', r.lr);
    lr = r.lr;
  }
  const batchSize = integer(r.batch_size, 'batch_size', 1, 2 ** 31 - 1, 256);
  const seed = integer(r.seed, 'seed', 0, Number.MAX_SAFE_INTEGER, 0);
  let validationSplit = method === 'closed-form' ? 0 : 0.1;
  if (r.validation_split !== undefined) {
    if (typeof r.validation_split !== 'number') throw typeError('validation_split', 'number', r.validation_split);
    if (!(r.validation_split >= 0 && r.validation_split <= 0.5)) throw rangeError('validation_split', 'number in [0, 0.5]', r.validation_split);
    validationSplit = r.validation_split;
  }
  let patience = 0;
  const es = r.early_stopping;
  if (es === true) {
    patience = 10;
  } else if (es !== undefined && es !== false) {
    if (es === null || typeof es !== 'object') throw typeError('early_stopping', 'boolean or {patience}', es);
    patience = integer((es as { patience?: unknown }).patience, 'early_stopping.patience', 1, MAX_STEPS, 10);
  }
  if (patience > 0 && method === 'closed-form') throw rangeError('early_stopping', 'false for method "closed-form"', es);
  const precision = oneOf<Precision>(r.precision, 'precision', ['float32', 'float64'], 'float64');
  return {
    name: (r.name as string | undefined) ?? null,
    task,
    method,
    parametrization,
    X: Float64Array.from(X.data),
    n,
    d,
    targets,
    labels,
    K,
    N,
    eps,
    t,
    steps,
    warmStartSteps,
    optimizer,
    lr,
    batchSize,
    seed,
    validationSplit,
    patience,
    precision,
  };
}
