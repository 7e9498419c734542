// The library takes a tensor as nested arrays, a binary tensor {dtype, shape, data: base64}
// (so that a request body is a valid spec as it is), or {data: Float32Array|Float64Array, shape}.
// Ragged arrays and non-finite values are refused as TensorError: `field` names the tensor,
// `path` the entry.
import { decodeTensorInput } from '../data/base64-tensor.js';
import { Described, rangeError } from './errors.js';

export interface Dense {
  data: Float64Array | Float32Array;
  shape: number[];
}

// What readTensor returned: already shaped and finite, so a second read of the same tensor (the
// service reads the queries before its budgets, the model again when it runs) is free.
const checked = new WeakSet<Dense>();

/** Reads one tensor input; `ranks` lists the ranks the field accepts. */
export function readTensor(input: unknown, field: string, ranks: number[]): Dense {
  if (checked.has(input as Dense) && ranks.includes((input as Dense).shape.length)) return input as Dense;
  const tensor = decodeTensorInput(input, field, { rank: ranks });
  const dense = { data: tensor.data as Float64Array | Float32Array, shape: tensor.shape };
  checked.add(dense);
  return dense;
}

/** Queries X [B, d] for a model of dimension d (any width when d is not known yet); [] reads as an empty batch whatever its width. */
export function readQueries(input: unknown, d?: number): Dense {
  const dense = readTensor(input, 'X', [2]);
  if (d !== undefined && dense.shape[0] > 0 && dense.shape[1] !== d) {
    throw rangeError('X', `shape [B, ${d}] (d = ${d} for this model)`, new Described(`shape [${dense.shape.join(', ')}]`));
  }
  return dense;
}
