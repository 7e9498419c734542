// Turns the library's tensor inputs (nested arrays, or a typed array with its shape) into a
// flat row-major typed array, refusing ragged arrays and non-finite values by field.
import { Described, rangeError, typeError } from './errors.js';
import type { TensorInput } from './types.js';

export interface Dense {
  data: Float64Array | Float32Array;
  shape: number[];
}

function checkShape(shape: unknown, field: string): number[] {
  if (!Array.isArray(shape)) throw typeError(`${field}.shape`, 'array of non-negative integers', shape);
  shape.forEach((n, i) => {
    if (!Number.isSafeInteger(n) || (n as number) < 0) {
      throw rangeError(`${field}.shape[${i}]`, 'non-negative integer', n);
    }
  });
  return shape as number[];
}

function checkFinite(data: ArrayLike<number>, shape: number[], field: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      // Name the element by its multi-index so a user can find it.
      const index: number[] = [];
      let rest = i;
      for (let a = shape.length - 1; a >= 0; a--) {
        index.unshift(rest % shape[a]);
        rest = Math.floor(rest / shape[a]);
      }
      throw rangeError(`${field}${index.map((k) => `[${k}]`).join('')}`, 'finite number', data[i]);
    }
  }
}

function shapeOfNested(value: unknown[], field: string): number[] {
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  if (level !== undefined && typeof level !== 'number') throw typeError(`${field}${'[0]'.repeat(shape.length)}`, 'number', level);
  return shape;
}

function flattenNested(value: unknown[], shape: number[], field: string): Float64Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(size);
  let at = 0;
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') throw typeError(path, 'number', node);
      if (!Number.isFinite(node)) throw rangeError(path, 'finite number', node);
      out[at++] = node;
      return;
    }
    if (!Array.isArray(node)) throw typeError(path, `array of length ${shape[depth]}`, node);
    if (node.length !== shape[depth]) {
      throw rangeError(path, `array of length ${shape[depth]} (a rectangular tensor)`, node);
    }
    for (let i = 0; i < node.length; i++) walk(node[i], depth + 1, `${path}[${i}]`);
  };
  walk(value, 0, field);
  return out;
}

/** Reads one tensor input; `ranks` lists the ranks the field accepts. */
export function readTensor(input: unknown, field: string, ranks: number[]): Dense {
  let dense: Dense;
  if (Array.isArray(input)) {
    const shape = shapeOfNested(input, field);
    // An empty outer array is [0] but may stand for [0, d]: the caller fills in d.
    dense = { data: flattenNested(input, shape, field), shape };
  } else if (input !== null && typeof input === 'object' && 'data' in input) {
    const { data, shape } = input as { data: unknown; shape: unknown };
    if (!(data instanceof Float64Array) && !(data instanceof Float32Array)) {
      throw typeError(`${field}.data`, 'Float32Array or Float64Array', data);
    }
    const dims = checkShape(shape, field);
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) {
      throw rangeError(`${field}.data`, `length ${size} for shape [${dims.join(', ')}]`, data);
    }
    checkFinite(data, dims, field);
    dense = { data, shape: dims };
  } else {
    throw typeError(field, 'nested array of numbers or {data: Float32Array|Float64Array, shape}', input);
  }
  const emptyBatch = dense.shape.length === 1 && dense.shape[0] === 0;
  if (!ranks.includes(dense.shape.length) && !emptyBatch) {
    throw rangeError(field, `tensor of rank ${ranks.join(' or ')}`, new Described(`shape [${dense.shape.join(', ')}]`));
  }
  return dense;
}

export type { TensorInput };
