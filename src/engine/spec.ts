// Validates a model spec (the body of POST /v1/models) and derives both coordinate systems:
// weights W, b and the Hopf–Cole ones, support points y = 2tW and initial data g.
import { Described, rangeError, typeError } from './errors.js';
import { readTensor, type Dense } from './tensor-input.js';
import type { ModelSpec, Task } from './types.js';

export const MAX_EPS = 1e300;

export interface HeadsData {
  K: number;
  N: number;
  d: number;
  W: Float64Array;
  b: Float64Array;
  y: Float64Array;
  g: Float64Array;
}

export interface ParsedSpec extends HeadsData {
  /** max_j |y_j| over every head. */
  yMax: number;
  name: string | null;
  task: Task;
  classes: string[] | null;
  form: 'weights' | 'support';
  eps: number;
  t: number;
  training: Record<string, unknown> | null;
}

export function checkEps(eps: unknown, field: string): number {
  if (typeof eps !== 'number') throw typeError(field, 'number', eps);
  if (!(eps >= 0 && eps <= MAX_EPS)) throw rangeError(field, `number in [0, ${MAX_EPS}]`, eps);
  return eps;
}

export function checkT(t: unknown, field: string): number {
  if (typeof t !== 'number') throw typeError(field, 'number', t);
  // 1/(4t) scales every squared distance: it must be finite too
  if (!(t > 0 && Number.isFinite(t) && Number.isFinite(1 / (4 * t)))) {
    throw rangeError(field, 'finite number > 0 with 1/(4t) finite (t >= 6e-309)', t);
  }
  return t;
}

function float64(dense: Dense): Float64Array {
  return dense.data instanceof Float64Array ? Float64Array.from(dense.data) : new Float64Array(dense.data);
}

/** Reads the [N, d] | [K, N, d] matrix and its [N] | [K, N] companion. */
function readPair(points: unknown, values: unknown, pointsField: string, valuesField: string) {
  const P = readTensor(points, pointsField, [2, 3]);
  const shape = P.shape.length === 2 ? [1, ...P.shape] : P.shape;
  const [K, N, d] = shape;
  if (K < 1 || N < 1 || d < 1) {
    throw rangeError(pointsField, 'shape [N, d] or [K, N, d] with K, N, d >= 1', new Described(`shape [${P.shape.join(', ')}]`));
  }
  const V = readTensor(values, valuesField, [1, 2]);
  const expected = P.shape.length === 2 ? [N] : [K, N];
  if (V.shape.length !== expected.length || V.shape.some((n, i) => n !== expected[i])) {
    throw rangeError(valuesField, `shape [${expected.join(', ')}] to match ${pointsField}`, new Described(`shape [${V.shape.join(', ')}]`));
  }
  return { K, N, d, points: float64(P), values: float64(V) };
}

/** |v| without overflow or underflow of the squares. */
export function safeNorm(a: Float64Array | Float32Array, off: number, d: number): number {
  let m = 0;
  for (let k = 0; k < d; k++) m = Math.max(m, Math.abs(a[off + k]));
  if (m === 0) return 0;
  let s = 0;
  for (let k = 0; k < d; k++) s += (a[off + k] / m) ** 2;
  return m * Math.sqrt(s);
}

/** Largest |x| + |y_j| for which |x - y_j|^2/(4t), and the sums of the pass, stay finite in
 * float64 (with a headroom of 16 below Number.MAX_VALUE). */
export function distanceLimit(t: number): number {
  return Math.sqrt((Math.min(1, 4 * t) * Number.MAX_VALUE) / 16);
}

function sqNorm(a: Float64Array, offset: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += a[offset + k] * a[offset + k];
  return s;
}

/** |y|^2/(4t), or t|W|^2 (the same number) where |y|^2 alone overflows. */
function quarterSqOverT(y: Float64Array, W: Float64Array, offset: number, d: number, t: number): number {
  const q = sqNorm(y, offset, d) / (4 * t);
  return Number.isFinite(q) ? q : t * sqNorm(W, offset, d);
}

export function parseSpec(spec: ModelSpec): ParsedSpec {
  if (spec === null || typeof spec !== 'object') throw typeError('model', 'object', spec);
  const eps = checkEps(spec.eps, 'eps');
  const t = spec.t === undefined ? 1 : checkT(spec.t, 't');
  const task: Task = spec.task ?? 'regression';
  if (task !== 'regression' && task !== 'classification') throw rangeError('task', '"regression" or "classification"', task);
  if (spec.name !== undefined && spec.name !== null && (typeof spec.name !== 'string' || spec.name.length > 200)) {
    throw typeError('name', 'string of at most 200 characters', spec.name);
  }
  const hasWeights = spec.W !== undefined || spec.b !== undefined;
  if (hasWeights === (spec.support !== undefined)) {
    throw typeError('model', 'either W and b, or support: {y, g}', new Described(hasWeights ? 'both' : 'neither'));
  }
  let heads: HeadsData;
  const form = hasWeights ? 'weights' : 'support';
  if (hasWeights) {
    const { K, N, d, points: W, values: b } = readPair(spec.W, spec.b, 'W', 'b');
    const y = W.map((w) => 2 * t * w);
    const g = new Float64Array(K * N);
    for (let j = 0; j < K * N; j++) g[j] = -b[j] - quarterSqOverT(y, W, j * d, d, t);
    heads = { K, N, d, W, b, y, g };
  } else {
    const support = spec.support as { y: unknown; g: unknown };
    if (support === null || typeof support !== 'object') throw typeError('support', 'object {y, g}', support);
    const { K, N, d, points: y, values: g } = readPair(support.y, support.g, 'support.y', 'support.g');
    const W = y.map((v) => v / (2 * t));
    const b = new Float64Array(K * N);
    for (let j = 0; j < K * N; j++) b[j] = -g[j] - quarterSqOverT(y, W, j * d, d, t);
    heads = { K, N, d, W, b, y, g };
  }
  // Derived coordinates can overflow (g = -b - t|W|^2 of huge weights, W = y/(2t) of a tiny t):
  // the error names the field the caller sent.
  const derived = form === 'weights' ? { y: heads.y, g: heads.g } : { W: heads.W, b: heads.b };
  const source = form === 'weights' ? 'W' : 'support.y';
  const coordinates = form === 'weights' ? 'support points y = 2tW and initial data g = -b - t|W|^2' : 'weights W = y/(2t) and biases b = -g - |y|^2/(4t)';
  for (const [name, arr] of Object.entries(derived) as [string, Float64Array][]) {
    if (!arr.every(Number.isFinite)) {
      throw rangeError(source, `values whose ${coordinates} are finite in float64`, new Described(`values that overflow ${name}`));
    }
  }
  let yMax = 0;
  for (let j = 0; j < heads.K * heads.N; j++) yMax = Math.max(yMax, safeNorm(heads.y, j * heads.d, heads.d));
  // queries as far out as the support points must stay within the distance limit
  if (yMax > distanceLimit(t) / 2) {
    const most = (distanceLimit(t) / 2).toPrecision(3);
    throw rangeError(source, `support points with |y_j| <= ${most} at t = ${t} (|x - y_j|^2/(4t) must stay finite in float64)`, new Described(`|y_j| = ${yMax.toPrecision(3)}`));
  }
  if (task === 'classification' && heads.K < 2) {
    throw rangeError('W', 'one head per class (K >= 2) for task "classification"', new Described(`K = ${heads.K}`));
  }
  let classes: string[] | null = null;
  if (spec.classes !== undefined && spec.classes !== null) {
    if (!Array.isArray(spec.classes) || spec.classes.some((c) => typeof c !== 'string')) {
      throw typeError('classes', 'array of strings', spec.classes);
    }
    if (task !== 'classification') throw rangeError('classes', 'no class names for task "regression"', spec.classes);
    if (spec.classes.length !== heads.K) throw rangeError('classes', `${heads.K} names (one per head)`, spec.classes);
    if (new Set(spec.classes).size !== spec.classes.length) throw rangeError('classes', 'distinct names', spec.classes);
    classes = [...spec.classes];
  }
  const training = spec.training ?? null;
  return { ...heads, yMax, name: spec.name ?? null, task, classes, form, eps, t, training };
}
