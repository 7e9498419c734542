// Tensors between the wire and the engine. Requests: binary tensors are decoded to typed
// arrays, nested arrays go to the engine as they are (it validates them by field). Responses:
// nested arrays with null for non-finite values, or the binary form for encoding "base64".
import { decodeBase64Tensor, encodeBase64Tensor, isBinaryTensor, type BinaryTensor } from '../../data/base64-tensor.js';
import type { Tensor as DataTensor } from '../../data/tensor.js';
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

/** The leading dimensions of a request tensor without reading it (for budgets). */
export function leadingShape(value: unknown, depth: number): number[] {
  if (isBinaryTensor(value)) {
    const shape = (value as { shape?: unknown }).shape;
    return Array.isArray(shape) ? shape.slice(0, depth).map(Number) : [];
  }
  const dims: number[] = [];
  let node: unknown = value;
  while (Array.isArray(node) && dims.length < depth) {
    dims.push(node.length);
    node = node[0];
  }
  return dims;
}

/** [K, N] of a model spec's W or support points ([N, d] means K = 1), without reading them. */
export function specHeads(spec: ModelSpec): { K: number; N: number } {
  const points: unknown = spec.W ?? spec.support?.y;
  const raw = isBinaryTensor(points) ? (points as { shape?: unknown }).shape : leadingShape(points, 3);
  const dims = Array.isArray(raw) ? raw.map(Number) : [];
  return dims.length >= 3 ? { K: dims[0], N: dims[1] } : { K: 1, N: dims[0] ?? 0 };
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

function nested(t: Tensor): NestedOut {
  const { shape, data } = t;
  const float = t.dtype !== 'int32';
  let at = 0;
  const build = (depth: number): NestedOut => {
    const n = shape[depth];
    const out = new Array(n);
    if (depth === shape.length - 1) {
      for (let i = 0; i < n; i++) {
        const v = data[at++];
        // JSON has no Infinity or NaN: an infinite value (e.g. an overflowing hessian_norm) is null.
        out[i] = float && v - v !== 0 ? null : v;
      }
    } else {
      for (let i = 0; i < n; i++) out[i] = build(depth + 1);
    }
    return out as NestedOut;
  };
  if (shape.length === 0) return [float && data[0] - data[0] !== 0 ? null : data[0]];
  return build(0);
}

export function encodeTensor(t: Tensor, encoding: Encoding): NestedOut | BinaryTensor {
  return encoding === 'base64' ? encodeBase64Tensor(t as DataTensor) : nested(t);
}

/** Every tensor of an engine result encoded; nested objects of tensors (topk) likewise. */
export function encodeResult(result: object, encoding: Encoding): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result)) {
    if (value === undefined) continue;
    out[key] = isTensor(value) ? encodeTensor(value, encoding) : encodeResult(value as object, encoding);
  }
  return out;
}

function isTensor(value: unknown): value is Tensor {
  return typeof value === 'object' && value !== null && ArrayBuffer.isView((value as Tensor).data) && Array.isArray((value as Tensor).shape);
}

/** Plain numbers in JSON results: non-finite ones (an unbounded radius) become null. */
export function finiteOrNull<T>(value: T): T {
  if (typeof value === 'number') return (Number.isFinite(value) ? value : null) as T;
  if (Array.isArray(value)) return value.map(finiteOrNull) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = finiteOrNull(v);
    return out as T;
  }
  return value;
}
