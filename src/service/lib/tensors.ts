// Tensors between the wire and the engine. Requests: binary tensors are decoded to typed
// arrays, nested arrays go to the engine as they are (it validates them by field). Responses:
// nested arrays with null for infinite values, or the binary form for encoding "base64"; a NaN
// fails the request.
import { decodeBase64Tensor, encodeBase64Tensor, isBinaryTensor, type BinaryTensor } from '../../data/base64-tensor.js';
import { indexPath, type Tensor as DataTensor } from '../../data/tensor.js';
import type { ModelSpec, Tensor, TensorInput } from '../../engine/types.js';
import { prefixField } from './field.js';

export type Encoding = 'json' | 'base64';
export type NestedOut = (number | null)[] | NestedOut[];

/** A request tensor as the engine takes it. */
export function toEngineInput(value: unknown, field: string): TensorInput {
  if (!isBinaryTensor(value)) return value as TensorInput;
  const t = decodeBase64Tensor(value, field);
  return { data: t.data as Float32Array | Float64Array, shape: t.shape };
}

/** The leading dimensions of nested arrays without reading them (for budgets). */
export function leadingShape(value: unknown, depth: number): number[] {
  const dims: number[] = [];
  let node: unknown = value;
  while (Array.isArray(node) && dims.length < depth) {
    dims.push(node.length);
    node = node[0];
  }
  return dims;
}

/** [K, N] and d of a spec's W or support points ([N, d] means K = 1), after toEngineSpec; d as W[0] has it (the model checks the rest). */
export function specHeads(spec: ModelSpec): { K: number; N: number; d?: number } {
  const points: unknown = spec.W ?? spec.support?.y;
  const dims = isTensor(points) ? points.shape : leadingShape(points, 3);
  const d = dims.length >= 2 ? dims[dims.length - 1] : undefined;
  return dims.length >= 3 ? { K: dims[0], N: dims[1], d } : { K: 1, N: dims[0] ?? 0, d };
}

/** A spec with its binary tensors decoded; field errors name "<prefix>W" etc. */
export function toEngineSpec(spec: ModelSpec, prefix = ''): ModelSpec {
  try {
    const out: ModelSpec = { ...spec };
    if (spec.W !== undefined) out.W = toEngineInput(spec.W, 'W');
    if (spec.b !== undefined) out.b = toEngineInput(spec.b, 'b');
    if (spec.support !== undefined && spec.support !== null && typeof spec.support === 'object') {
      out.support = { y: toEngineInput(spec.support.y, 'support.y'), g: toEngineInput(spec.support.g, 'support.g') };
    }
    return out;
  } catch (err) {
    throw prefixField(err, prefix);
  }
}

/** A NaN in a result is a defect upstream (null is reserved for infinite values): the request fails with a 500. */
export class NaNInResultError extends Error {
  override name = 'NaNInResultError';
  constructor(readonly path: string) {
    super(`NaN in the result at ${path || 'the top level'}`);
  }

  /** The same error one level up: `key` holds the value it was found in. */
  within(key: string | number): NaNInResultError {
    const head = typeof key === 'number' ? `[${key}]` : key;
    return new NaNInResultError(this.path === '' || this.path.startsWith('[') ? head + this.path : `${head}.${this.path}`);
  }
}

/** JSON has no Infinity or NaN: an infinite value (e.g. an overflowing hessian_norm) is null, a NaN throws. */
function nonFinite(v: number, path: string): null {
  if (Number.isNaN(v)) throw new NaNInResultError(path);
  return null;
}

function nested(t: Tensor): NestedOut {
  const { shape, data } = t;
  let at = 0;
  const build = (depth: number): NestedOut => {
    const n = shape[depth];
    const out = new Array(n);
    if (depth === shape.length - 1) {
      for (let i = 0; i < n; i++, at++) {
        const v = data[at];
        out[i] = v - v === 0 ? v : nonFinite(v, indexPath(at, shape));
      }
    } else {
      for (let i = 0; i < n; i++) out[i] = build(depth + 1);
    }
    return out as NestedOut;
  };
  if (shape.length === 0) return [data[0] - data[0] === 0 ? data[0] : nonFinite(data[0], '')];
  return build(0);
}

function binary(t: Tensor): BinaryTensor {
  const { data, shape } = t;
  if (t.dtype !== 'int32') for (let i = 0; i < data.length; i++) if (Number.isNaN(data[i])) throw new NaNInResultError(indexPath(i, shape));
  return encodeBase64Tensor(t as DataTensor);
}

export function encodeTensor(t: Tensor, encoding: Encoding): NestedOut | BinaryTensor {
  return encoding === 'base64' ? binary(t) : nested(t);
}

/** f(value), a NaN found in it located under `key`. */
function under<V, R>(key: string | number, f: (value: V) => R, value: V): R {
  try {
    return f(value);
  } catch (err) {
    throw err instanceof NaNInResultError ? err.within(key) : err;
  }
}

/** Every tensor of an engine result encoded; nested objects of tensors (topk) likewise. */
export function encodeResult(result: object, encoding: Encoding): Record<string, unknown> {
  const encode = (value: unknown) => (isTensor(value) ? encodeTensor(value, encoding) : encodeResult(value as object, encoding));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result)) if (value !== undefined) out[key] = under(key, encode, value);
  return out;
}

function isTensor(value: unknown): value is Tensor {
  return typeof value === 'object' && value !== null && ArrayBuffer.isView((value as Tensor).data) && Array.isArray((value as Tensor).shape);
}

/** Plain numbers in JSON results: ±Infinity (an unbounded radius) becomes null, a NaN throws. */
export function finiteOrNull<T>(value: T): T {
  if (typeof value === 'number') return (value - value === 0 ? value : nonFinite(value, '')) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = under(i, finiteOrNull, value[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = under(key, finiteOrNull, v);
  return out as T;
}
