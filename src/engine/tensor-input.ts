// The library takes a tensor as nested arrays, a binary tensor {dtype, shape, data: base64}
// (so that a request body is a valid spec as it is), or {data: Float32Array|Float64Array, shape}.
// Ragged arrays and non-finite values are refused as TensorError: `field` names the tensor,
// `path` the entry.
import { decodeTensorInput } from '../data/base64-tensor.js';

export interface Dense {
  data: Float64Array | Float32Array;
  shape: number[];
}

/** Reads one tensor input; `ranks` lists the ranks the field accepts. */
export function readTensor(input: unknown, field: string, ranks: number[]): Dense {
  const tensor = decodeTensorInput(input, field, { rank: ranks });
  return { data: tensor.data as Float64Array | Float32Array, shape: tensor.shape };
}
