// Turns the library's tensor inputs (nested arrays, or a typed array with its shape) into a
// flat row-major typed array; ragged arrays and non-finite values are refused by field
// (TensorError from the data readers: `field` names the tensor, `path` the entry).
import { assertFinite, fromNested, shapeSize } from '../data/tensor.js';
import { Described, rangeError, typeError } from './errors.js';

export interface Dense {
  data: Float64Array | Float32Array;
  shape: number[];
}

/** Reads one tensor input; `ranks` lists the ranks the field accepts. */
export function readTensor(input: unknown, field: string, ranks: number[]): Dense {
  if (Array.isArray(input)) {
    const tensor = fromNested(input, field, { rank: ranks });
    return { data: tensor.data as Float64Array, shape: tensor.shape };
  }
  if (input === null || typeof input !== 'object' || !('data' in input)) {
    throw typeError(field, 'nested array of numbers or {data: Float32Array|Float64Array, shape}', input);
  }
  const { data, shape } = input as { data: unknown; shape: unknown };
  if (!(data instanceof Float64Array) && !(data instanceof Float32Array)) {
    throw typeError(`${field}.data`, 'Float32Array or Float64Array', data);
  }
  if (!Array.isArray(shape)) throw typeError(`${field}.shape`, 'array of non-negative integers', shape);
  const size = shapeSize(shape, `${field}.shape`);
  if (size !== data.length) throw rangeError(`${field}.data`, `length ${size} for shape [${shape.join(', ')}]`, data);
  if (!ranks.includes(shape.length)) {
    throw rangeError(field, `tensor of rank ${ranks.join(' or ')}`, new Described(`shape [${shape.join(', ')}]`));
  }
  assertFinite(data, shape, field);
  return { data, shape: [...shape] };
}
