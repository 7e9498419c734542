// The Tensor type shared by the readers, the store and the service, and its conversion from
// and to nested JSON arrays. Row-major (C order) throughout.
import { endianness } from 'node:os';
import { DataFormatError, TensorError, describeValue } from './errors.js';

export { TensorError } from './errors.js';

/** Element types a model or a request tensor may have. */
export type DType = 'float32' | 'float64' | 'int32';
/** Element types a file may hold; readers return these, `toTensor` narrows them to DType. */
export type NumericDType = DType | 'uint8' | 'int8' | 'int16' | 'int64';

export interface TypedArrayByDType {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int64: BigInt64Array;
}

export interface Tensor<D extends DType = DType> {
  dtype: D;
  shape: number[];
  data: TypedArrayByDType[D];
}

/** A tensor of any element type a file format can carry (a Tensor is one). */
export interface NumericArray<D extends NumericDType = NumericDType> {
  dtype: D;
  shape: number[];
  data: TypedArrayByDType[D];
}

/** Nested row-major arrays as JSON carries them; a rank-0 tensor is a bare number. */
export type Nested = number | Nested[];

export const DTYPE_BYTES: Readonly<Record<NumericDType, number>> = {
  float32: 4,
  float64: 8,
  int32: 4,
  uint8: 1,
  int8: 1,
  int16: 2,
  int64: 8,
};

const CTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int64: BigInt64Array,
} as const;

export function isDType(value: unknown): value is DType {
  return value === 'float32' || value === 'float64' || value === 'int32';
}

/** The typed-array constructor for a dtype. */
export function arrayConstructor<D extends NumericDType>(
  dtype: D,
): { new (n: number): TypedArrayByDType[D]; new (b: ArrayBuffer, off?: number, n?: number): TypedArrayByDType[D] } {
  return CTORS[dtype] as never;
}

export function allocData<D extends NumericDType>(dtype: D, length: number): TypedArrayByDType[D] {
  return new (arrayConstructor(dtype))(length);
}

/** Number of elements of a shape (1 for rank 0). Throws unless every dim is a non-negative safe integer and the product is safe. */
export function shapeSize(shape: readonly number[], field = 'shape'): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const s = shape[i];
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) {
      throw new TensorError(
        `Expected non-negative safe integer (<= 2^53 - 1) at ${field}[${i}] but received ${describeValue(s)}`,
        { field, path: `${field}[${i}]`, expected: 'non-negative safe integer (<= 2^53 - 1)', received: describeValue(s) },
      );
    }
    n *= s;
  }
  if (!Number.isSafeInteger(n)) {
    throw new TensorError(`Expected ${field} with a safe element count but received [${shape.join(', ')}]`, {
      field,
      expected: 'element count <= 2^53 - 1',
      received: `[${shape.join(', ')}]`,
    });
  }
  return n;
}

/** shapeSize of a shape read from a file: a count past 2^53 is a DataFormatError of that format. */
export function fileShapeSize(format: DataFormatError['format'], shape: readonly number[]): number {
  try {
    return shapeSize(shape, 'shape');
  } catch {
    throw new DataFormatError(format, `Element count of shape [${shape.join(', ')}] is too large`);
  }
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

function swapBytes(bytes: Uint8Array, itemsize: number): void {
  for (let i = 0; i < bytes.length; i += itemsize) bytes.subarray(i, i + itemsize).reverse();
}

/**
 * `n` little-endian elements of `dtype` at `bytes[start]`: a view sharing memory with `bytes`
 * when aligned on a little-endian host, else a copy (byte-swapped on a big-endian host).
 */
export function fromLittleEndian<D extends NumericDType>(dtype: D, bytes: Uint8Array, start: number, n: number): TypedArrayByDType[D] {
  const itemsize = DTYPE_BYTES[dtype];
  let buffer: ArrayBufferLike = bytes.buffer;
  let offset = bytes.byteOffset + start;
  if (offset % itemsize !== 0 || (!LITTLE_ENDIAN_HOST && itemsize > 1)) {
    const copy = new Uint8Array(bytes.subarray(start, start + n * itemsize));
    if (!LITTLE_ENDIAN_HOST) swapBytes(copy, itemsize);
    buffer = copy.buffer;
    offset = 0;
  }
  return new (arrayConstructor(dtype))(buffer as ArrayBuffer, offset, n);
}

/** Little-endian bytes of a typed array (a view where the host is little-endian). */
export function littleEndianBytes(data: NumericArray['data']): Buffer {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN_HOST || data.BYTES_PER_ELEMENT === 1) return view;
  const copy = Buffer.from(view);
  swapBytes(copy, data.BYTES_PER_ELEMENT);
  return copy;
}

/** "[3][1]": the index path of a flat row-major offset. */
export function indexPath(flat: number, shape: readonly number[]): string {
  if (shape.length === 0) return '';
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    const s = shape[k]!;
    idx[k] = s === 0 ? 0 : flat % s;
    flat = s === 0 ? 0 : Math.floor(flat / s);
  }
  return idx.map((i) => `[${i}]`).join('');
}

/** Throws a TensorError naming the first non-finite entry, if any. */
export function assertFinite(data: ArrayLike<number>, shape: readonly number[], field: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    // v - v is 0 for finite v and NaN for ±Infinity and NaN: one test, no branch on each kind.
    if (v - v !== 0) {
      const path = field + indexPath(i, shape);
      throw new TensorError(`Expected finite number at ${path} but received ${String(v)}`, {
        field,
        path,
        expected: 'finite number',
        received: String(v),
      });
    }
  }
}

/** Checks data length against shape; returns the tensor. */
export function makeTensor<D extends DType>(
  dtype: D,
  shape: readonly number[],
  data: TypedArrayByDType[D],
  field = 'tensor',
): Tensor<D> {
  const n = shapeSize(shape, `${field}.shape`);
  if (data.length !== n) {
    throw new TensorError(
      `Expected ${n} elements for ${field} of shape [${shape.join(', ')}] but received ${data.length}`,
      { field, expected: `${n} elements`, received: `${data.length} elements` },
    );
  }
  return { dtype, shape: [...shape], data };
}

export interface FromNestedOptions {
  /** Element type of the result (default float64). */
  dtype?: DType;
  /** Accepted rank(s). An empty array at a shallower depth is read as zero-size trailing dims ([] with rank 2 is shape [0, 0]). */
  rank?: number | readonly number[];
}

/** Deeper nesting is refused before any recursion (a hostile body could nest thousands deep). */
export const MAX_RANK = 32;

/** Reads nested JSON arrays (row-major, rectangular, every entry a finite number). */
export function fromNested(value: unknown, field: string, options: FromNestedOptions = {}): Tensor {
  const dtype = options.dtype ?? 'float64';
  const ranks = options.rank === undefined ? undefined : typeof options.rank === 'number' ? [options.rank] : options.rank;

  // The shape comes from the first element at each depth; everything else must match it.
  const shape: number[] = [];
  let node: unknown = value;
  while (Array.isArray(node)) {
    if (shape.length === MAX_RANK) {
      throw new TensorError(`Expected at most ${MAX_RANK} dimensions for ${field} but received more`, {
        field,
        expected: `rank <= ${MAX_RANK}`,
        received: `rank > ${MAX_RANK}`,
      });
    }
    shape.push(node.length);
    if (node.length === 0) break;
    node = node[0];
  }
  if (!Array.isArray(value) && typeof value !== 'number') {
    throw new TensorError(`Expected array or number for ${field} but received ${describeValue(value)}`, {
      field,
      expected: 'nested array of numbers',
      received: describeValue(value),
    });
  }
  if (ranks !== undefined && !ranks.includes(shape.length)) {
    const padded = shape.length > 0 && shape[shape.length - 1] === 0 && ranks.find((r) => r > shape.length);
    if (typeof padded === 'number') {
      while (shape.length < padded) shape.push(0);
    } else {
      const want = ranks.length === 1 ? `rank ${ranks[0]}` : `rank ${ranks.join(' or ')}`;
      throw new TensorError(
        `Expected ${want} for ${field} but received rank ${shape.length} (shape [${shape.join(', ')}])`,
        { field, expected: want, received: `shape [${shape.join(', ')}]` },
      );
    }
  }

  const size = shapeSize(shape, field);
  const data = allocData(dtype, size);
  if (shape.length === 0) {
    data[0] = checkScalar(value, field, field, dtype);
    return { dtype, shape, data } as Tensor;
  }

  let offset = 0;
  const idx: number[] = [];
  const at = (extra?: number): string => field + idx.map((i) => `[${i}]`).join('') + (extra === undefined ? '' : `[${extra}]`);
  const walk = (node: unknown, depth: number): void => {
    if (!Array.isArray(node)) {
      throw new TensorError(`Expected array at ${at()} but received ${describeValue(node)}`, {
        field,
        path: at(),
        expected: 'array',
        received: describeValue(node),
      });
    }
    if (node.length !== shape[depth]) {
      const row = (ix: number[]): string => (ix.length === 1 ? `row ${ix[0]}` : `row ${ix.map((i) => `[${i}]`).join('')}`);
      const first = idx.map(() => 0);
      throw new TensorError(
        `Expected rectangular array for ${field}: ${row(idx)} has length ${node.length}, ${row(first)} has length ${shape[depth]}`,
        { field, path: at(), expected: `length ${shape[depth]}`, received: `length ${node.length}` },
      );
    }
    if (depth === shape.length - 1) {
      for (let i = 0; i < node.length; i++) {
        const v = node[i];
        if (typeof v === 'number' && v - v === 0 && dtype === 'float64') data[offset++] = v;
        else data[offset++] = checkScalar(v, field, at(i), dtype);
      }
      return;
    }
    for (let i = 0; i < node.length; i++) {
      idx.push(i);
      walk(node[i], depth + 1);
      idx.pop();
    }
  };
  walk(value, 0);
  return { dtype, shape, data } as Tensor;
}

function checkScalar(v: unknown, field: string, path: string, dtype: DType): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    const received = describeValue(v);
    throw new TensorError(`Expected finite number at ${path} but received ${received}`, {
      field,
      path,
      expected: 'finite number',
      received,
    });
  }
  if (dtype === 'float32' && !Number.isFinite(Math.fround(v))) {
    throw new TensorError(`Expected number within float32 range at ${path} but received ${v}`, {
      field,
      path,
      expected: 'number within float32 range',
      received: String(v),
    });
  }
  if (dtype === 'int32' && (!Number.isInteger(v) || v < -2147483648 || v > 2147483647)) {
    throw new TensorError(`Expected 32-bit integer at ${path} but received ${v}`, {
      field,
      path,
      expected: '32-bit integer',
      received: String(v),
    });
  }
  return v;
}

/** Nested arrays of plain numbers (float32 entries become the doubles they equal). */
export function toNested(tensor: NumericArray): Nested {
  const { shape, data } = tensor;
  const get: (i: number) => number =
    tensor.dtype === 'int64' ? (i) => Number((data as BigInt64Array)[i]) : (i) => (data as ArrayLike<number>)[i]!;
  if (shape.length === 0) return get(0);
  let offset = 0;
  const build = (depth: number): Nested[] => {
    const n = shape[depth]!;
    const out = new Array<Nested>(n);
    if (depth === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = get(offset++);
    } else {
      for (let i = 0; i < n; i++) out[i] = build(depth + 1);
    }
    return out;
  };
  return build(0);
}

/**
 * Converts any file array to a Tensor of `dtype` (default: the same type when it is a DType,
 * else float64). Refuses values the target cannot hold exactly (int64 beyond 2^53, fractions to
 * int32) and non-finite floats.
 */
export function toTensor(array: NumericArray, dtype?: DType, field = 'tensor'): Tensor {
  const target: DType = dtype ?? (isDType(array.dtype) ? array.dtype : 'float64');
  const n = shapeSize(array.shape, `${field}.shape`);
  if (array.data.length !== n) {
    throw new TensorError(`Expected ${n} elements for ${field} but received ${array.data.length}`, {
      field,
      expected: `${n} elements`,
      received: `${array.data.length} elements`,
    });
  }
  const out = allocData(target, n);
  const src = array.data;
  for (let i = 0; i < n; i++) {
    const raw = src[i]!;
    let v: number;
    if (typeof raw === 'bigint') {
      v = Number(raw);
      if (!Number.isSafeInteger(v)) {
        const path = field + indexPath(i, array.shape);
        throw new TensorError(`Expected integer within ±2^53 at ${path} but received ${raw}`, {
          field,
          path,
          expected: 'integer within ±2^53',
          received: String(raw),
        });
      }
    } else v = raw;
    out[i] = target === array.dtype ? v : checkScalar(v, field, field + indexPath(i, array.shape), target);
  }
  if (target !== 'int32') assertFinite(out as Float32Array | Float64Array, array.shape, field);
  return { dtype: target, shape: [...array.shape], data: out } as Tensor;
}
